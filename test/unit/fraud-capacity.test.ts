import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ASSUMPTIONS,
  BEGIN_MARKER,
  CAPACITY_MD,
  END_MARKER,
  SECONDS_PER_DAY,
  blockFor,
  checkpointVisibilitySec,
  computeCapacity,
  extractGeneratedBlock,
  fmtBytes,
  fmtInt,
  fmtNum,
  instancesFor,
  mlPathHops,
  partitionsFor,
  perDay,
  populationsFor,
  renderCapacityTables,
  replaceGeneratedBlock,
  resolveCount,
  roundUpToMultiple,
  type Assumptions,
} from '../../docs/fraud-detection/capacity.ts';

const r = computeCapacity(ASSUMPTIONS);

function topic(name: string) {
  const t = r.topics.find((x) => x.name === name);
  if (!t) throw new Error(`no topic ${name}`);
  return t;
}

function service(prefix: string) {
  const s = r.services.find((x) => x.name.startsWith(prefix));
  if (!s) throw new Error(`no service ${prefix}`);
  return s;
}

function withKafka(patch: Partial<Assumptions['kafka']>): Assumptions {
  return { ...ASSUMPTIONS, kafka: { ...ASSUMPTIONS.kafka, ...patch } };
}

function withFlink(patch: Partial<Assumptions['flink']>): Assumptions {
  return { ...ASSUMPTIONS, flink: { ...ASSUMPTIONS.flink, ...patch } };
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

  it('resolves counts against the derived populations', () => {
    const pops = populationsFor(ASSUMPTIONS);
    expect(resolveCount(5, pops)).toBe(5);
    expect(resolveCount({ per: 'contractTransactionsPerHour', times: 2 }, pops)).toBe(72_000_000);
    expect(resolveCount({ per: 'merchants', times: 1 }, pops)).toBe(20_000_000);
  });

  it('models exactly-once visibility as waiting for the next checkpoint to start and complete', () => {
    // uniform arrival within a 10 s interval: P50 waits 5 s, P90 waits 9 s, plus the checkpoint's duration
    expect(checkpointVisibilitySec(10, { p50: 1, p90: 3 })).toEqual({ p50: 6, p90: 12 });
    expect(checkpointVisibilitySec(5, { p50: 0.5, p90: 1 })).toEqual({ p50: 3, p90: 5.5 });
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

  it('portfolio: cards are derived from the expected volume, so the implied rate per card is the assumed one', () => {
    // 345,600,000 expected transactions/day / 1.5 per card = 230,400,000 active cards; / 1.8 cards each = 128,000,000 cardholders
    expect(r.populations.activeCards).toBe(230_400_000);
    expect(r.populations.cardholders).toBe(128_000_000);
    expect(r.populations.merchants).toBe(20_000_000);
    expect(r.expectedTransactionsPerDay / r.populations.activeCards).toBeCloseTo(1.5, 12);
    // the old fixed 60,000,000 cards implied 345.6e6 / 60e6 = 5.76 per card per day; every card-keyed size now follows the derivation
    const cardKeys = r.redis[1]?.keys ?? 0;
    expect(cardKeys).toBe(2 * 230_400_000 + 2 * 128_000_000 + 2 * 20_000_000); // real-time + long-window per entity
    expect(topic('refdata.users.v1').retentionLabel).toBe('compacted, 128,000,000 keys');
    expect(topic('refdata.sites.v1').retentionLabel).toBe('compacted, 20,000,000 keys');
  });

  it('human review: k = analysts x cases per day, against the alerts of the expected volume', () => {
    expect(r.review.expectedAlertsPerDay).toBe(3_456_000); // 345.6e6 x 1 %
    expect(r.review.capacityPerDay).toBe(12_000); // 150 x 80
    expect(r.review.reviewableShare).toBeCloseTo(12_000 / 3_456_000, 12); // 0.35 %
  });

  it('180-day storage: raw, compressed, replicated', () => {
    const avro = r.storage.avro;
    expect(avro.rawPerDayBytes).toBe(535_680_000_000); // 864e6 x 620 B
    expect(avro.raw180dBytes).toBe(96_422_400_000_000); // x 180
    expect(avro.compressed180dBytes).toBeCloseTo(38_568_960_000_000, 0); // / 2.5
    expect(avro.replicated180dBytes).toBeCloseTo(115_706_880_000_000, 0); // x RF 3
    const json = r.storage.json;
    expect(json.rawPerDayBytes).toBe(1_209_600_000_000); // 864e6 x 1,400 B
    expect(json.compressed180dBytes).toBeCloseTo(43_545_600_000_000, 0); // x 180 / 5
  });

  it('lakehouse: Parquet, copies, PCI audit-log retention and the investigation store', () => {
    const tx = r.lakehouse.rows[0];
    expect(tx?.name).toBe('transaction_decisions');
    expect(tx?.parquetBytes).toBeCloseTo(24_105_600_000_000, 0); // 96.4224 TB / 4
    expect(tx?.storedBytes).toBeCloseTo(48_211_200_000_000, 0); // x 2 copies
    const total = r.lakehouse.rows.reduce((s, x) => s + x.storedBytes, 0);
    expect(r.lakehouse.totalStoredBytes).toBeCloseTo(total, 0);
    // the expected-average figure scales linearly with the rate
    expect(r.lakehouse.expectedTotalStoredBytes).toBeCloseTo(total / 2.5, 0);
    // PCI DSS v4.0 10.5.1: at least 12 months of audit log history
    const audit = r.lakehouse.rows.find((x) => x.name === 'security_audit_log');
    expect(audit?.retentionDays).toBeGreaterThanOrEqual(365);
    // 864e6 x (620 + 0.005 x 600 + 0.01 x 1,500) B x 35 d x 2 replicas / 4
    expect(r.lakehouse.investigationStoreBytes).toBeCloseTo(864e6 * 638 * 35 * 2 / 4, 0);
  });

  it('Kafka topics: partitions and broker storage', () => {
    const decisions = topic('payments.transaction-decisions.v1');
    expect(decisions.recordsPerSec).toBe(10_000);
    expect(decisions.rawMBps).toBeCloseTo(6.2, 12); // 10,000 x 620 B
    expect(decisions.partitionsByThroughput).toBe(3); // 20,000 x 620 B = 12.4 MB/s / 5
    expect(decisions.partitions).toBe(24); // consumer-bound: 20,000 / 1,000 = 20 -> 24
    // 864e6 x 620 B x 7 d / 2.5 x 3
    expect(decisions.brokerStorageBytes).toBeCloseTo(4_499_712_000_000, 0);
    const blocklist = topic('fraud.blocklist.v1');
    expect(blocklist.cleanup).toBe('compact');
    expect(blocklist.brokerStorageBytes).toBeCloseTo(1_800_000_000, 0); // 5e6 x 300 B / 2.5 x 3
    expect(blocklist.partitions).toBe(6);
    expect(topic('refdata.users.v1').brokerStorageBytes).toBeCloseTo(76_800_000_000, 0); // 128e6 x 500 B / 2.5 x 3
    // every partition count is a multiple of the broker count
    for (const t of r.topics) expect(t.partitions % ASSUMPTIONS.kafka.brokers).toBe(0);
    expect(r.kafka.totalPartitions).toBe(r.topics.reduce((s, t) => s + t.partitions, 0));
    expect(r.kafka.partitionReplicasPerBroker).toBe((r.kafka.totalPartitions * 3) / 6);
    expect(r.kafka.perBrokerDiskBytes).toBeCloseTo(r.kafka.totalStorageBytes / 6 / 0.6, 0);
  });

  it('Redis: ops, memory and shards; the Aerospike comparison', () => {
    const [decisionPath, featureStore] = r.redis;
    expect(decisionPath?.opsPerTransaction).toBe(11);
    expect(decisionPath?.contractOpsPerSec).toBe(110_000);
    expect(decisionPath?.designOpsPerSec).toBe(220_000);
    expect(decisionPath?.shardsByOps).toBe(5); // ceil(220,000 / 50,000)
    // 5e6 x 200 + 36e6 x 140 + 72e6 x 80 + 128e6 x 120 + 20e6 x 120
    expect(decisionPath?.memoryBytes).toBe(1e9 + 5.04e9 + 5.76e9 + 15.36e9 + 2.4e9);
    expect(decisionPath?.shards).toBe(5);
    expect(decisionPath?.nodes).toBe(10); // + one replica each
    // inline-model reads 6 (decision service) + Flink writes 3
    expect(featureStore?.opsPerTransaction).toBe(9);
    expect(featureStore?.designOpsPerSec).toBe(180_000);
    // 230.4e6 x 360 + 128e6 x 360 + 20e6 x 700 = 143.024 GB -> ceil(/ 12 GB) = 12 shards
    expect(featureStore?.memoryBytes).toBeCloseTo(143_024_000_000, 0);
    expect(featureStore?.shardsByMemory).toBe(12);
    expect(featureStore?.shards).toBe(12);
    expect(featureStore?.nodes).toBe(24);
    expect(r.featureStoreComparison.redisRamBytes).toBeCloseTo(2 * 143_024_000_000, 0);
    expect(r.featureStoreComparison.aerospikeIndexRamBytes).toBeCloseTo(756_800_000 * 64 * 2, 0);
  });

  it('stateless tiers: model serving is sized for two inferences per transaction', () => {
    const serving = service('model serving');
    expect(serving.perTransaction).toBe(2); // champion + shadow
    // design 2 x 20,000 / 2,500 = 16; zone loss 2 x 10,000 / 2,500 = 8 x 3/2 = 12; max 16 -> multiple of 3 = 18
    expect(serving).toMatchObject({ byDesignLoad: 16, byZoneLoss: 12, instances: 18 });
    // with one inference per transaction it would have been 9: the old, wrong figure
    expect(instancesFor(10_000, 20_000, 2_500, 3).instances).toBe(9);
    // the decision service carries the inline model: 20,000 / 1,500 = 14 -> 15
    expect(service('decision service')).toMatchObject({ byDesignLoad: 14, byZoneLoss: 11, instances: 15 });
  });

  it('availability and backlog drain', () => {
    expect(r.errorBudgetMinutesPer30d).toBeCloseTo(43.2, 9);
    expect(r.errorBudgetHoursPerYear).toBeCloseTo(8.76, 9);
    expect(r.backlog.records).toBe(18_000_000); // 10,000 x 30 x 60
    expect(r.backlog.drainMinutes).toBe(30); // 18e6 / (20,000 - 10,000) / 60
  });

  it('authorisation budget: inline model within 20 ms, everything far inside the network limit', () => {
    const b = r.issuerBudget;
    const slo = ASSUMPTIONS.slo;
    expect(b.p50Total).toBe(20 + 5 + 3 + 1 + 2 + 2 + 1 + 3 + 10 + 4); // 51
    expect(b.p99Total).toBe(186);
    expect(b.p999Total).toBe(455);
    expect(b.platform.p50).toBe(22);
    // the inline model: feature fetch + inference, at P99.9 and at its timeouts
    expect(b.inlineModel).toEqual({ p50: 3, p99: 11, p999: 20, timeout: 20 });
    expect(b.inlineModel.timeout).toBeLessThanOrEqual(slo.inlineModelMs);
    expect(b.inlineModel.p999).toBeLessThanOrEqual(slo.inlineModelMs);
    // our hops' timeouts fit the decide call's deadline
    expect(b.platform.timeout).toBe(50 + 20 + 25 + 15 + 5 + 25 + 150); // 290
    expect(b.platform.timeout).toBeLessThanOrEqual(slo.decisionDeadlineMs);
    // worst case: timed hops at timeout, the rest at P99.9
    expect(b.worstCaseTotal).toBe(150 + 40 + 290 + 40); // 520
    expect(b.worstCaseTotal).toBeLessThanOrEqual(slo.issuerResponseTargetMs);
    expect(slo.issuerResponseTargetMs).toBeLessThan(slo.networkIssuerTimeoutMs);
    // the durable-record hop describes acks=all correctly
    const produce = b.hops.find((x) => x.hop.startsWith('Durable record'));
    expect(produce?.hop).toContain('every in-sync replica');
    expect(produce?.hop).not.toMatch(/2 of 3/);
  });

  it('end to end: the brief\'s P50 1 s / P90 5 s, with the networks\' legs', () => {
    const e = r.endToEnd;
    const slo = ASSUMPTIONS.slo;
    expect(e.p50Total).toBe(280 + 280 + 51); // 611
    expect(e.p90Bound).toBe(1_450 + 1_450 + 186); // 3,086
    expect(e.worstCaseTotal).toBe(1_450 + 1_450 + 520); // 3,420
    expect(e.p50Total).toBeLessThanOrEqual(slo.syncP50Ms);
    expect(e.p90Bound).toBeLessThanOrEqual(slo.syncP90Ms);
    expect(e.worstCaseTotal).toBeLessThanOrEqual(slo.syncP90Ms);
  });

  it('ML path: two Flink jobs in sequence, each with its watermark delay and its checkpoint', () => {
    const ml = r.mlBudget;
    expect(ml.checkpointHops).toBe(2);
    expect(ml.watermarkHops).toBe(2);
    // lag 1 + wm 5 + proc 1 + inference 1 + ckpt 6 + wm 2 + proc 0.5 + ckpt 3 + manager 0.5 + sink 2
    expect(ml.model.p50).toBeCloseTo(22, 12);
    // 5 + 10 + 3 + 2 + 12 + 4 + 1 + 5.5 + 2 + 10
    expect(ml.model.p90).toBeCloseTo(54.5, 12);
    // detectors skip only the model call: no window to wait for
    expect(ml.model.p50 - ml.detectors.p50).toBeCloseTo(1, 12);
    expect(ml.model.p90 - ml.detectors.p90).toBeCloseTo(2, 12);
    expect(ml.hops.some((x) => /tumbling|window close/i.test(x.hop))).toBe(false);
    const slo = ASSUMPTIONS.slo;
    expect(ml.model.p50).toBeLessThanOrEqual(slo.mlP50Sec);
    expect(ml.model.p90).toBeLessThanOrEqual(slo.mlP90Sec);
  });

  it('Flink state: the 24 h dedupe, totals per TaskManager, checkpoint and restore', () => {
    const fl = r.flink;
    const dedupe = fl.rows[0];
    expect(dedupe?.entries).toBe(864_000_000); // 10,000 TPS x 24 h
    expect(dedupe?.bytesPerEntryOnDisk).toBeCloseTo((49 + 20) * 1.5, 12); // 103.5 B
    expect(dedupe?.totalBytes).toBeCloseTo(864e6 * 103.5, 0); // 89.4 GB
    expect(fl.totalStateBytes).toBeCloseTo(fl.rows.reduce((s, x) => s + x.totalBytes, 0), 0);
    // 864e6 x 103.5 + 230.4e6 x 630 + 128e6 x 480 + 20e6 x 1,530 + 128e6 x 255 + 20e6 x 330
    expect(fl.totalStateBytes).toBeCloseTo(89.424e9 + 145.152e9 + 61.44e9 + 30.6e9 + 32.64e9 + 6.6e9, 0); // 365.856 GB
    expect(fl.parallelism).toBe(topic('payments.transaction-decisions.v1').partitions); // 12 x 2 = 24
    expect(fl.perTaskManagerBytes).toBeCloseTo(fl.totalStateBytes / 12, 0);
    // (49 + 20) + (150 + 20) + (100 + 20) + (80 + 20) = 459 B per transaction x 20,000 TPS x 10 s x 3
    expect(fl.incrementalCheckpointBytes).toBeCloseTo(459 * 20_000 * 10 * 3, 0);
    // the upload is a small part of the checkpoint duration budgeted in C10
    expect(fl.checkpointUploadSec).toBeLessThan(ASSUMPTIONS.mlPath.jobs[0]?.checkpointDurationSec.p50 ?? 0);
    expect(fl.restoreSec).toBeCloseTo(fl.perTaskManagerBytes / 250e6, 9); // ~122 s
    expect(fl.outageSec).toBeCloseTo(30 + 20 + fl.restoreSec, 9);
    expect(fl.backlogRecords).toBeCloseTo(10_000 * (fl.outageSec + 10), 6);
    expect(fl.catchUpSec).toBeCloseTo(fl.backlogRecords / 10_000, 9);
    expect(fl.recoverySec).toBeCloseTo(fl.outageSec + fl.catchUpSec, 9);
    expect(Math.round(fl.recoverySec)).toBe(354);
    // the ML path is current again long before the degraded rule pack would switch on (30 min)
    expect(fl.recoverySec).toBeLessThan(ASSUMPTIONS.backlogMinutes * 60);
  });
});

describe('formulas respond to their assumptions', () => {
  it('replicated storage scales with the replication factor', () => {
    const rf2 = computeCapacity(withKafka({ replicationFactor: 2, minInsyncReplicas: 1 }));
    expect(rf2.storage.avro.replicated180dBytes / r.storage.avro.replicated180dBytes).toBeCloseTo(2 / 3, 12);
  });

  it('partitions follow the design headroom', () => {
    const noHeadroom = computeCapacity({ ...ASSUMPTIONS, designHeadroomFactor: 1, flink: { ...ASSUMPTIONS.flink, taskManagers: 6 } });
    const decisions = noHeadroom.topics.find((t) => t.name === 'payments.transaction-decisions.v1');
    expect(decisions?.partitionsByConsumers).toBe(10);
    expect(decisions?.partitions).toBe(12);
    // with no headroom a backlog never drains
    expect(noHeadroom.backlog.drainMinutes).toBe(Infinity);
    expect(noHeadroom.flink.recoverySec).toBe(Infinity);
  });

  it('the card population follows the assumed rate per card', () => {
    const twice = computeCapacity({ ...ASSUMPTIONS, entities: { ...ASSUMPTIONS.entities, transactionsPerActiveCardPerDay: 3 } });
    expect(twice.populations.activeCards).toBe(115_200_000);
    expect(twice.flink.rows[1]?.entries).toBe(115_200_000);
    expect(twice.redis[1]?.memoryBytes).toBeLessThan(r.redis[1]?.memoryBytes ?? 0);
  });

  it('one Flink job fewer removes one watermark delay and one checkpoint', () => {
    const [scoring] = ASSUMPTIONS.mlPath.jobs;
    if (!scoring) throw new Error('no scoring job');
    const oneJob = mlPathHops({ ...ASSUMPTIONS.mlPath, jobs: [scoring] });
    expect(oneJob.filter((x) => x.hop.includes('checkpoint')).length).toBe(1);
    expect(oneJob.length).toBe(mlPathHops(ASSUMPTIONS.mlPath).length - 3);
  });

  it('a lost TaskManager with more state takes longer to recover', () => {
    const fewer = computeCapacity(withFlink({ taskManagers: 6, slotsPerTaskManager: 4 }));
    expect(fewer.flink.restoreSec).toBeCloseTo(2 * r.flink.restoreSec, 9);
    expect(fewer.flink.recoverySec).toBeGreaterThan(r.flink.recoverySec);
  });

  it('rejects unsafe or inconsistent assumptions', () => {
    expect(() => computeCapacity(withKafka({ minInsyncReplicas: 3 }))).toThrow(/minInsyncReplicas/);
    expect(() => computeCapacity(withKafka({ brokers: 7 }))).toThrow(/multiple of availabilityZones/);
    expect(() => computeCapacity({ ...ASSUMPTIONS, designHeadroomFactor: 0.5 })).toThrow(/designHeadroomFactor/);
    expect(() => computeCapacity({ ...ASSUMPTIONS, parquetCompressionRatio: 0.5 })).toThrow(/compression/);
    expect(() => computeCapacity(withFlink({ taskManagers: 10 }))).toThrow(/taskManagers/);
    expect(() => computeCapacity(withFlink({ slotsPerTaskManager: 1 }))).toThrow(/slots/);
    expect(() => computeCapacity({ ...ASSUMPTIONS, mlPath: { ...ASSUMPTIONS.mlPath, jobs: [] } })).toThrow(/Flink job/);
    expect(() => computeCapacity({ ...ASSUMPTIONS, entities: { ...ASSUMPTIONS.entities, cardsPerCardholder: 0.5 } })).toThrow(/cardsPerCardholder/);
  });

  it('the rendered tables change when an assumption changes', () => {
    const base = renderCapacityTables(r);
    const other = renderCapacityTables(computeCapacity({ ...ASSUMPTIONS, contractTps: 12_000, flink: { ...ASSUMPTIONS.flink, taskManagers: 15 } }));
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
    expect(block).toContain('| Active cards = expected transactions per day ÷ 1.5 per card | 230,400,000 |');
    expect(block).toContain('| model serving, champion + shadow | 2,500 inferences/s | 2 | 16 | 12 | **18** |');
    expect(block).toContain('| dedupe: transaction_id seen in the last 24 h | 864,000,000 |');
    expect(block).toContain('43.2 min');
  });

  it('keeps a marked place for the prototype\'s measured latencies, outside the generated block', () => {
    const begin = md.indexOf('<!-- fraud-bench:begin -->');
    const end = md.indexOf('<!-- fraud-bench:end -->');
    expect(begin).toBeGreaterThan(md.indexOf(END_MARKER));
    expect(end).toBeGreaterThan(begin);
    expect(md.slice(begin, end)).toContain('make fraud-bench');
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


describe('the design documents', () => {
  const dir = dirname(CAPACITY_MD);
  const docs = readdirSync(dir)
    .filter((n) => n.endsWith('.md'))
    .map((n) => ({ name: n, text: readFileSync(join(dir, n), 'utf8') }));

  it('describe acks=all as every in-sync replica, not a fixed count', () => {
    for (const d of docs) expect(d.text, d.name).not.toMatch(/2 of 3 replicas|acknowledged by 2 of 3/i);
  });

  it('keep to actions an issuer can take (no acquirer-side capture holds or merchant fulfilment webhooks)', () => {
    for (const d of docs) expect(d.text, d.name).not.toMatch(/do[- ]not[- ]fulfil|capture hold|hold the capture|capture on hold/i);
  });
});
