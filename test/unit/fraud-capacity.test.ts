import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ASSUMPTIONS,
  BEGIN_MARKER,
  CAPACITY_MD,
  END_MARKER,
  SECONDS_PER_DAY,
  blockFor,
  computeCapacity,
  extractGeneratedBlock,
  fmtBytes,
  fmtInt,
  fmtNum,
  instancesFor,
  partitionsFor,
  perDay,
  renderCapacityTables,
  replaceGeneratedBlock,
  roundUpToMultiple,
  type Assumptions,
} from '../../docs/fraud-detection/capacity.ts';

const r = computeCapacity(ASSUMPTIONS);

function topic(name: string) {
  const t = r.topics.find((x) => x.name === name);
  if (!t) throw new Error(`no topic ${name}`);
  return t;
}

function withKafka(patch: Partial<Assumptions['kafka']>): Assumptions {
  return { ...ASSUMPTIONS, kafka: { ...ASSUMPTIONS.kafka, ...patch } };
}

describe('helpers', () => {
  it('rounds up to a multiple', () => {
    expect(roundUpToMultiple(20, 6)).toBe(24);
    expect(roundUpToMultiple(24, 6)).toBe(24);
    expect(roundUpToMultiple(1, 6)).toBe(6);
    expect(roundUpToMultiple(0, 6)).toBe(0);
    expect(() => roundUpToMultiple(5, 0)).toThrow(RangeError);
    expect(() => roundUpToMultiple(-1, 3)).toThrow(RangeError);
  });

  it('counts a day in seconds', () => {
    expect(SECONDS_PER_DAY).toBe(86_400);
    expect(perDay(10_000)).toBe(864_000_000);
  });

  it('sizes partitions by the larger of throughput and consumer parallelism', () => {
    // 20,000 rec/s x 400 B = 8 MB/s -> ceil(8 / 5) = 2; 20,000 / 1,000 = 20; max 20 -> multiple of 6 = 24
    expect(partitionsFor(20_000, 400, 5, 1_000, 6)).toEqual({ byThroughput: 2, byConsumers: 20, partitions: 24 });
    // throughput-bound: 20,000 x 2,000 B = 40 MB/s -> 8; consumers 20,000 / 10,000 = 2 -> 8 -> 12
    expect(partitionsFor(20_000, 2_000, 5, 10_000, 6)).toEqual({ byThroughput: 8, byConsumers: 2, partitions: 12 });
    // an idle topic still gets one partition per broker
    expect(partitionsFor(0, 400, 5, 1_000, 6).partitions).toBe(6);
  });

  it('sizes stateless tiers for design load and for the loss of one zone', () => {
    // design 20,000 / 2,000 = 10; contract 10,000 / 2,000 = 5, x 3/2 = 7.5 -> 8; max 10 -> multiple of 3 = 12
    expect(instancesFor(10_000, 20_000, 2_000, 3)).toEqual({ byDesignLoad: 10, byZoneLoss: 8, instances: 12 });
    // zone loss dominates when headroom is 1: 10,000 / 1,000 = 10 -> 15 -> 15
    expect(instancesFor(10_000, 10_000, 1_000, 3)).toEqual({ byDesignLoad: 10, byZoneLoss: 15, instances: 15 });
    expect(() => instancesFor(1, 1, 1, 1)).toThrow(RangeError);
  });

  it('formats deterministically', () => {
    expect(fmtInt(155_520_000_000)).toBe('155,520,000,000');
    expect(fmtInt(-1234.4)).toBe('-1,234');
    expect(fmtNum(2.5)).toBe('2.5');
    expect(fmtNum(43.2, 1)).toBe('43.2');
    expect(fmtNum(1234.5, 1)).toBe('1,234.5');
    expect(fmtNum(3, 2)).toBe('3');
    expect(fmtBytes(345.6e9)).toBe('346 GB');
    expect(fmtBytes(62.208e12)).toBe('62.2 TB');
    expect(fmtBytes(1.8e9)).toBe('1.8 GB');
    expect(fmtBytes(999)).toBe('999 B');
  });
});

describe('computeCapacity with the documented assumptions (hand-checked)', () => {
  it('volume: 10,000 TPS x 86,400 s = 864,000,000 transactions/day', () => {
    expect(r.contractTps).toBe(10_000);
    expect(r.designTps).toBe(20_000);
    expect(r.transactionsPerDay).toBe(864_000_000);
    expect(r.transactionsPerRetention).toBe(155_520_000_000); // x 180 days
    expect(r.expectedAverageTps).toBe(4_000); // 10,000 / 2.5
    expect(r.suspiciousPerDay).toBe(8_640_000); // 1 %
    expect(r.suspiciousPerRetention).toBe(1_555_200_000);
  });

  it('180-day storage: raw, compressed, replicated', () => {
    const avro = r.storage.avro;
    expect(avro.rawPerDayBytes).toBe(345_600_000_000); // 864e6 x 400 B = 345.6 GB
    expect(avro.raw180dBytes).toBe(62_208_000_000_000); // x 180 = 62.208 TB
    expect(avro.compressed180dBytes).toBeCloseTo(24_883_200_000_000, 0); // / 2.5
    expect(avro.replicated180dBytes).toBeCloseTo(74_649_600_000_000, 0); // x RF 3
    const json = r.storage.json;
    expect(json.rawPerDayBytes).toBe(777_600_000_000); // 864e6 x 900 B
    expect(json.compressed180dBytes).toBeCloseTo(27_993_600_000_000, 0); // x 180 / 5
  });

  it('lakehouse: Parquet and copies', () => {
    const tx = r.lakehouse.rows[0];
    expect(tx?.name).toBe('transaction_decisions');
    expect(tx?.parquetBytes).toBeCloseTo(15_552_000_000_000, 0); // 62.208 TB / 4
    expect(tx?.storedBytes).toBeCloseTo(31_104_000_000_000, 0); // x 2 copies
    const total = r.lakehouse.rows.reduce((s, x) => s + x.storedBytes, 0);
    expect(r.lakehouse.totalStoredBytes).toBeCloseTo(total, 0);
    // the expected-average figure scales linearly with the rate
    expect(r.lakehouse.expectedTotalStoredBytes).toBeCloseTo(total / 2.5, 0);
  });

  it('Kafka topics: partitions and broker storage', () => {
    const decisions = topic('payments.transaction-decisions.v1');
    expect(decisions.recordsPerSec).toBe(10_000);
    expect(decisions.rawMBps).toBe(4); // 10,000 x 400 B
    expect(decisions.partitions).toBe(24);
    // 864e6 x 400 B x 7 d / 2.5 x 3 = 2.90304 TB
    expect(decisions.brokerStorageBytes).toBeCloseTo(2_903_040_000_000, 0);
    const blocklist = topic('fraud.blocklist.v1');
    expect(blocklist.cleanup).toBe('compact');
    expect(blocklist.brokerStorageBytes).toBeCloseTo(1_800_000_000, 0); // 5e6 x 300 B / 2.5 x 3
    expect(blocklist.partitions).toBe(6);
    // every partition count is a multiple of the broker count
    for (const t of r.topics) expect(t.partitions % ASSUMPTIONS.kafka.brokers).toBe(0);
    expect(r.kafka.totalPartitions).toBe(r.topics.reduce((s, t) => s + t.partitions, 0));
    expect(r.kafka.partitionReplicasPerBroker).toBe((r.kafka.totalPartitions * 3) / 6);
    expect(r.kafka.perBrokerDiskBytes).toBeCloseTo(r.kafka.totalStorageBytes / 6 / 0.6, 0);
  });

  it('Redis: ops and shards', () => {
    const [decisionPath, featureStore] = r.redis;
    expect(decisionPath?.opsPerTransaction).toBe(11);
    expect(decisionPath?.contractOpsPerSec).toBe(110_000);
    expect(decisionPath?.designOpsPerSec).toBe(220_000);
    expect(decisionPath?.shardsByOps).toBe(5); // ceil(220,000 / 50,000)
    expect(decisionPath?.shards).toBe(5);
    expect(decisionPath?.nodes).toBe(10); // + one replica each
    expect(featureStore?.designOpsPerSec).toBe(120_000);
    expect(featureStore?.shards).toBe(3);
  });

  it('availability, backlog drain and latency budgets meet the brief', () => {
    expect(r.errorBudgetMinutesPer30d).toBeCloseTo(43.2, 9);
    expect(r.errorBudgetHoursPerYear).toBeCloseTo(8.76, 9);
    expect(r.backlog.records).toBe(18_000_000); // 10,000 x 30 x 60
    expect(r.backlog.drainMinutes).toBe(30); // 18e6 / (20,000 - 10,000) / 60
    const slo = ASSUMPTIONS.slo;
    expect(r.syncBudget.p50Total).toBeLessThanOrEqual(slo.syncP50Ms);
    expect(r.syncBudget.p90Total).toBeLessThanOrEqual(slo.syncP90Ms);
    // even if every own hop runs into its timeout, the decision still fits the P50 target
    expect(r.syncBudget.timeoutTotal).toBeLessThanOrEqual(slo.syncP50Ms);
    // ... and with every timed hop at its timeout and the untimed (network) hops at P90, within P90
    expect(r.syncBudget.worstCaseTotal).toBe(1_500 + 40 + 100 + 50 + 50 + 50 + 250 + 1_500); // 3,540
    expect(r.syncBudget.worstCaseTotal).toBeLessThanOrEqual(slo.syncP90Ms);
    expect(r.mlBudget.windowed.p50Total).toBeLessThanOrEqual(slo.mlP50Sec);
    expect(r.mlBudget.windowed.p90Total).toBeLessThanOrEqual(slo.mlP90Sec);
    expect(r.mlBudget.perTransaction.p90Total).toBeLessThan(r.mlBudget.windowed.p90Total);
  });
});

describe('formulas respond to their assumptions', () => {
  it('replicated storage scales with the replication factor', () => {
    const rf2 = computeCapacity(withKafka({ replicationFactor: 2, minInsyncReplicas: 1 }));
    expect(rf2.storage.avro.replicated180dBytes / r.storage.avro.replicated180dBytes).toBeCloseTo(2 / 3, 12);
  });

  it('partitions follow the design headroom', () => {
    const noHeadroom = computeCapacity({ ...ASSUMPTIONS, designHeadroomFactor: 1 });
    const decisions = noHeadroom.topics.find((t) => t.name === 'payments.transaction-decisions.v1');
    expect(decisions?.partitionsByConsumers).toBe(10);
    expect(decisions?.partitions).toBe(12);
    // with no headroom a backlog never drains
    expect(noHeadroom.backlog.drainMinutes).toBe(Infinity);
  });

  it('rejects unsafe or inconsistent assumptions', () => {
    expect(() => computeCapacity(withKafka({ minInsyncReplicas: 3 }))).toThrow(/minInsyncReplicas/);
    expect(() => computeCapacity(withKafka({ brokers: 7 }))).toThrow(/multiple of availabilityZones/);
    expect(() => computeCapacity({ ...ASSUMPTIONS, designHeadroomFactor: 0.5 })).toThrow(/designHeadroomFactor/);
    expect(() => computeCapacity({ ...ASSUMPTIONS, parquetCompressionRatio: 0.5 })).toThrow(/compression/);
  });

  it('the rendered tables change when an assumption changes', () => {
    const base = renderCapacityTables(r);
    const other = renderCapacityTables(computeCapacity({ ...ASSUMPTIONS, contractTps: 12_000 }));
    expect(other).not.toBe(base);
    expect(other).toContain('1,036,800,000'); // 12,000 x 86,400
  });
});

describe('capacity.md generated block', () => {
  const md = readFileSync(CAPACITY_MD, 'utf8');
  const rendered = renderCapacityTables(r);

  it('equals renderCapacityTables(computeCapacity(ASSUMPTIONS)) exactly', () => {
    // On failure: npx tsx docs/fraud-detection/capacity.ts --write
    expect(extractGeneratedBlock(md)).toBe(blockFor(rendered));
  });

  it('quotes the headline numbers the prose relies on', () => {
    const block = extractGeneratedBlock(md);
    expect(block).toContain('| Transactions per day at contract rate | 864,000,000 |');
    expect(block).toContain('| Transactions in 180 days | 155,520,000,000 |');
    expect(block).toContain('43.2 min');
  });

  it('detects drift and repairs it', () => {
    const tampered = md.replace('864,000,000', '864,000,001');
    expect(tampered).not.toBe(md);
    expect(extractGeneratedBlock(tampered)).not.toBe(blockFor(rendered));
    const repaired = replaceGeneratedBlock(tampered, rendered);
    expect(extractGeneratedBlock(repaired)).toBe(blockFor(rendered));
    expect(repaired).toBe(md);
  });

  it('rejects missing or duplicated markers', () => {
    expect(() => extractGeneratedBlock('no markers')).toThrow();
    expect(() => extractGeneratedBlock(`${END_MARKER}\n${BEGIN_MARKER}`)).toThrow();
    expect(() => extractGeneratedBlock(`${BEGIN_MARKER}${END_MARKER}${BEGIN_MARKER}${END_MARKER}`)).toThrow();
  });
});
