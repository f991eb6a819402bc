/**
 * Capacity model for the fraud-detection design (docs/fraud-detection/).
 *
 * Every number quoted in capacity.md's generated block comes from `computeCapacity(ASSUMPTIONS)`
 * rendered by `renderCapacityTables`. test/unit/fraud-capacity.test.ts fails when the Markdown
 * block and this module disagree, so the document cannot drift from the formulas.
 *
 *   npx tsx docs/fraud-detection/capacity.ts           # print the tables
 *   npx tsx docs/fraud-detection/capacity.ts --write   # rewrite the block in capacity.md
 *   npx tsx docs/fraud-detection/capacity.ts --check   # exit 1 if capacity.md is stale
 *
 * Units: bytes are decimal (1 GB = 10^9 B, 1 TB = 10^12 B); rates are per second unless named.
 * Pure functions only; the CLI at the bottom is the only code that touches the filesystem.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Assumptions
// ---------------------------------------------------------------------------------------------

/** One Kafka topic of the design, with the figures that drive its size. */
export interface TopicAssumption {
  readonly name: string;
  /** Record key (drives partitioning, ordering and compaction). */
  readonly key: string;
  readonly cleanup: 'delete' | 'compact';
  /** Records produced per incoming transaction (delete topics). 1 = one per transaction. */
  readonly recordsPerTransaction: number;
  /** Live keys held by a compacted topic (compact topics); its size is keys x bytes, not rate x time. */
  readonly liveKeys: number;
  /** Average serialised record in bytes: Avro value + key + headers + share of batch overhead. */
  readonly recordBytes: number;
  /** Broker-side retention in days (delete topics; compacted topics keep the latest value per key). */
  readonly retentionDays: number;
  /** Consumer groups reading the topic (each one re-reads every byte: broker egress fan-out). */
  readonly consumerGroups: number;
  /** Records/s one partition's slowest consumer instance sustains: partitions >= rate / this. */
  readonly slowestConsumerRecordsPerSec: number;
}

/** One dataset of the lakehouse (Apache Iceberg tables, Parquet files, object storage). */
export interface LakehouseDatasetAssumption {
  readonly name: string;
  /** Rows per incoming transaction. */
  readonly rowsPerTransaction: number;
  /** Row size before columnar compression (same as the Avro record it is loaded from). */
  readonly rowBytes: number;
  readonly retentionDays: number;
}

/** One hop of a latency budget. Percentiles are per hop; the total is a conservative sum. */
export interface LatencyHop {
  readonly hop: string;
  readonly p50: number;
  readonly p90: number;
  /** Hard timeout of the hop (synchronous path only; 0 = not a call we time out). */
  readonly timeout: number;
  /** `windowed` hops apply only to the window-based detectors of the ML path. */
  readonly appliesTo: 'all' | 'windowed';
}

/** A Redis cluster: ops per transaction, key populations and per-shard planning limits. */
export interface RedisClusterAssumption {
  readonly name: string;
  /** Named Redis commands per transaction (pipelined where possible); summed for ops/s. */
  readonly opsPerTransaction: Readonly<Record<string, number>>;
  /** Key populations: count and bytes per key including Redis overhead. */
  readonly keyspaces: readonly { readonly name: string; readonly keys: number; readonly bytesPerKey: number }[];
  /** Planning ops/s per primary shard (derated well below what one Redis thread can do). */
  readonly planningOpsPerShard: number;
  /** Planning memory per primary shard, in bytes, at the target fill. */
  readonly planningMemoryPerShardBytes: number;
  /** Replicas per primary (1 = one replica in another AZ). */
  readonly replicasPerShard: number;
}

export interface Assumptions {
  /** The brief's ceiling ("up to 10,000 TPS"), treated as sustained all day for storage (upper bound). */
  readonly contractTps: number;
  /** Partitions, consumers and Redis are sized for contractTps x this: backlog drain and growth headroom. */
  readonly designHeadroomFactor: number;
  /** Typical peak-hour / daily-average ratio; only used to show the expected (not worst-case) volume. */
  readonly peakToAverageRatio: number;
  /** Size of the stored fact (transaction + decision) in each encoding, for the JSON vs Avro comparison. */
  readonly storedRecordBytes: { readonly json: number; readonly avro: number };
  /** zstd compression ratio (raw / compressed) on Kafka record batches, per encoding. */
  readonly kafkaCompressionRatio: { readonly json: number; readonly avro: number };
  /** Parquet (dictionary + zstd) ratio versus the raw Avro bytes of the same rows. */
  readonly parquetCompressionRatio: number;
  /** Copies of the lakehouse kept: primary region + DR region (object storage durability is internal). */
  readonly lakehouseCopies: number;
  /** The brief's retention for all transactions and suspicious ones. */
  readonly retentionDays: number;
  readonly kafka: {
    readonly replicationFactor: number;
    readonly minInsyncReplicas: number;
    readonly brokers: number;
    readonly availabilityZones: number;
    /** Planning write throughput per partition (MB/s), far below broker limits on purpose. */
    readonly perPartitionWriteMBps: number;
    /** Target disk fill of a broker's log volume. */
    readonly diskFillTarget: number;
  };
  readonly topics: readonly TopicAssumption[];
  readonly lakehouse: readonly LakehouseDatasetAssumption[];
  readonly redis: readonly RedisClusterAssumption[];
  /** Stateless tiers sized to survive the loss of one availability zone at contract load. */
  readonly services: readonly { readonly name: string; readonly perInstancePerSec: number; readonly unit: string }[];
  /** Share of transactions that raise an alert (suspicious) — analyst and customer-contact load. */
  readonly suspiciousFraction: number;
  /** Backlog (minutes of traffic) the ML path must absorb after an outage, e.g. a stream job restart. */
  readonly backlogMinutes: number;
  readonly slo: {
    readonly availability: number;
    readonly syncP50Ms: number;
    readonly syncP90Ms: number;
    readonly mlP50Sec: number;
    readonly mlP90Sec: number;
  };
  /** Hot (synchronous) path, milliseconds, measured terminal-to-terminal. */
  readonly syncBudgetMs: readonly LatencyHop[];
  /** Asynchronous ML path, seconds, from the transaction's decision to the blocklist entry in Redis. */
  readonly mlBudgetSec: readonly LatencyHop[];
}

export const ASSUMPTIONS: Assumptions = {
  contractTps: 10_000,
  designHeadroomFactor: 2,
  peakToAverageRatio: 2.5,
  storedRecordBytes: { json: 900, avro: 400 },
  kafkaCompressionRatio: { json: 5, avro: 2.5 },
  parquetCompressionRatio: 4,
  lakehouseCopies: 2,
  retentionDays: 180,
  kafka: {
    replicationFactor: 3,
    minInsyncReplicas: 2,
    brokers: 6,
    availabilityZones: 3,
    perPartitionWriteMBps: 5,
    diskFillTarget: 0.6,
  },
  topics: [
    {
      name: 'payments.transaction-decisions.v1',
      key: 'card_token',
      cleanup: 'delete',
      recordsPerTransaction: 1,
      liveKeys: 0,
      recordBytes: 400,
      retentionDays: 7,
      consumerGroups: 4, // feature/scoring job, lakehouse sink, SLI monitor, MirrorMaker 2
      slowestConsumerRecordsPerSec: 1_000, // Flink feature + scoring subtask
    },
    {
      name: 'fraud.feature-log.v1',
      key: 'card_token',
      cleanup: 'delete',
      recordsPerTransaction: 1,
      liveKeys: 0,
      recordBytes: 700,
      retentionDays: 7,
      consumerGroups: 2, // lakehouse sink, MirrorMaker 2
      slowestConsumerRecordsPerSec: 5_000,
    },
    {
      name: 'fraud.scores.v1',
      key: 'card_token',
      cleanup: 'delete',
      recordsPerTransaction: 1,
      liveKeys: 0,
      recordBytes: 200,
      retentionDays: 7,
      consumerGroups: 3, // policy job, lakehouse sink, model monitor
      slowestConsumerRecordsPerSec: 5_000,
    },
    {
      name: 'fraud.scores.shadow.v1',
      key: 'card_token',
      cleanup: 'delete',
      recordsPerTransaction: 1, // one shadow/challenger model always budgeted
      liveKeys: 0,
      recordBytes: 200,
      retentionDays: 7,
      consumerGroups: 2, // lakehouse sink, model monitor
      slowestConsumerRecordsPerSec: 5_000,
    },
    {
      name: 'fraud.alerts.v1',
      key: 'card_token',
      cleanup: 'delete',
      recordsPerTransaction: 0.01,
      liveKeys: 0,
      recordBytes: 1_500,
      retentionDays: 30,
      consumerGroups: 3, // case management, customer notification, lakehouse sink
      slowestConsumerRecordsPerSec: 200,
    },
    {
      name: 'fraud.blocklist-commands.v1',
      key: 'entity_key',
      cleanup: 'delete',
      recordsPerTransaction: 0.002,
      liveKeys: 0,
      recordBytes: 500,
      retentionDays: 30,
      consumerGroups: 1, // blocklist manager (single writer)
      slowestConsumerRecordsPerSec: 500,
    },
    {
      name: 'fraud.blocklist.v1',
      key: 'entity_key',
      cleanup: 'compact',
      recordsPerTransaction: 0.002,
      liveKeys: 5_000_000,
      recordBytes: 300,
      retentionDays: 0,
      consumerGroups: 4, // Redis sink, decision-service local snapshot, MirrorMaker 2, lakehouse sink
      slowestConsumerRecordsPerSec: 2_000,
    },
    {
      name: 'fraud.blocklist-audit.v1',
      key: 'entity_key',
      cleanup: 'delete',
      recordsPerTransaction: 0.002,
      liveKeys: 0,
      recordBytes: 600,
      retentionDays: 30,
      consumerGroups: 2, // lakehouse sink, case management
      slowestConsumerRecordsPerSec: 2_000,
    },
    {
      name: 'fraud.labels.v1',
      key: 'transaction_id',
      cleanup: 'delete',
      recordsPerTransaction: 0.012,
      liveKeys: 0,
      recordBytes: 400,
      retentionDays: 30,
      consumerGroups: 3, // lakehouse sink, blocklist manager, model monitor
      slowestConsumerRecordsPerSec: 2_000,
    },
    {
      name: 'fraud.rules.v1',
      key: 'rule_id',
      cleanup: 'compact',
      recordsPerTransaction: 0,
      liveKeys: 2_000,
      recordBytes: 4_000,
      retentionDays: 0,
      consumerGroups: 3, // decision service, Flink policy job, lakehouse sink
      slowestConsumerRecordsPerSec: 1_000,
    },
    {
      name: 'refdata.users.v1',
      key: 'user_id',
      cleanup: 'compact',
      recordsPerTransaction: 0,
      liveKeys: 40_000_000,
      recordBytes: 500,
      retentionDays: 0,
      consumerGroups: 3, // Redis refdata sink, Flink enrichment, lakehouse sink
      slowestConsumerRecordsPerSec: 5_000,
    },
    {
      name: 'refdata.sites.v1',
      key: 'site_id',
      cleanup: 'compact',
      recordsPerTransaction: 0,
      liveKeys: 2_000_000,
      recordBytes: 400,
      retentionDays: 0,
      consumerGroups: 3,
      slowestConsumerRecordsPerSec: 5_000,
    },
    {
      name: '*.dlq (all dead-letter topics)',
      key: 'original key',
      cleanup: 'delete',
      recordsPerTransaction: 0.0001,
      liveKeys: 0,
      recordBytes: 1_500,
      retentionDays: 30,
      consumerGroups: 1, // DLQ triage / replay tool
      slowestConsumerRecordsPerSec: 100,
    },
  ],
  lakehouse: [
    { name: 'transaction_decisions', rowsPerTransaction: 1, rowBytes: 400, retentionDays: 180 },
    { name: 'feature_log', rowsPerTransaction: 1, rowBytes: 700, retentionDays: 180 },
    { name: 'scores (champion + shadow)', rowsPerTransaction: 2, rowBytes: 200, retentionDays: 180 },
    { name: 'alerts (suspicious)', rowsPerTransaction: 0.01, rowBytes: 1_500, retentionDays: 180 },
    { name: 'labels', rowsPerTransaction: 0.012, rowBytes: 400, retentionDays: 180 },
    { name: 'blocklist_audit', rowsPerTransaction: 0.002, rowBytes: 600, retentionDays: 1_825 },
  ],
  redis: [
    {
      name: 'decision-path Redis',
      opsPerTransaction: {
        'idempotency claim SET NX': 1,
        'blocklist GET card, user, site': 3,
        'site/user risk HGET': 2,
        'velocity INCR + EXPIRE': 4,
        'decision cache SET': 1,
      },
      keyspaces: [
        { name: 'blocklist entries', keys: 5_000_000, bytesPerKey: 200 },
        { name: 'idempotency keys, 1 h TTL', keys: 10_000 * 3_600, bytesPerKey: 140 },
        { name: 'velocity counters, 1 h window', keys: 2 * 10_000 * 3_600, bytesPerKey: 80 },
        { name: 'site + user risk hashes', keys: 42_000_000, bytesPerKey: 120 },
      ],
      planningOpsPerShard: 50_000,
      planningMemoryPerShardBytes: 12e9,
      replicasPerShard: 1,
    },
    {
      name: 'feature-store Redis',
      opsPerTransaction: {
        'feature reads card, user, site': 3,
        'feature writes card, user, site': 3,
      },
      keyspaces: [
        { name: 'card features, 90-day active', keys: 60_000_000, bytesPerKey: 256 },
        { name: 'user features', keys: 40_000_000, bytesPerKey: 256 },
        { name: 'site features', keys: 2_000_000, bytesPerKey: 512 },
      ],
      planningOpsPerShard: 50_000,
      planningMemoryPerShardBytes: 12e9,
      replicasPerShard: 1,
    },
  ],
  services: [
    { name: 'decision service', perInstancePerSec: 2_000, unit: 'decisions/s' },
    { name: 'model serving', perInstancePerSec: 2_500, unit: 'inferences/s' },
    { name: 'ingress gateways, POS + API', perInstancePerSec: 3_000, unit: 'requests/s' },
  ],
  suspiciousFraction: 0.01,
  backlogMinutes: 30,
  slo: { availability: 0.999, syncP50Ms: 1_000, syncP90Ms: 5_000, mlP50Sec: 600, mlP90Sec: 1_800 },
  syncBudgetMs: [
    { hop: 'Terminal / shop to acquirer to our edge — network, not ours', p50: 300, p90: 1_500, timeout: 0, appliesTo: 'all' },
    { hop: 'Edge LB, TLS, gateway auth, ISO 8583 or JSON to canonical', p50: 10, p90: 40, timeout: 0, appliesTo: 'all' },
    { hop: 'PAN to token via tokenisation vault, in the gateway', p50: 5, p90: 20, timeout: 100, appliesTo: 'all' },
    { hop: 'Decision service: idempotency claim, Redis SET NX', p50: 1, p90: 5, timeout: 50, appliesTo: 'all' },
    { hop: 'Blocklist + risk lookups, one pipelined Redis round trip', p50: 2, p90: 10, timeout: 50, appliesTo: 'all' },
    { hop: 'Velocity counters + rule evaluation, in-memory rules', p50: 3, p90: 15, timeout: 50, appliesTo: 'all' },
    { hop: 'Durable record: produce acks=all, min ISR 2, cross-AZ', p50: 10, p90: 40, timeout: 250, appliesTo: 'all' },
    { hop: 'Response back through gateway to terminal or API client', p50: 300, p90: 1_500, timeout: 0, appliesTo: 'all' },
  ],
  mlBudgetSec: [
    { hop: 'Consumer lag on transaction-decisions, steady state', p50: 1, p90: 5, timeout: 0, appliesTo: 'all' },
    { hop: 'Flink: dedupe, enrich, per-entity features', p50: 2, p90: 10, timeout: 0, appliesTo: 'all' },
    { hop: 'Window close for behavioural detectors, 10-min tumbling', p50: 300, p90: 540, timeout: 0, appliesTo: 'windowed' },
    { hop: 'Model inference via async I/O, batched', p50: 1, p90: 2, timeout: 0, appliesTo: 'all' },
    { hop: 'Exactly-once commit: checkpoint interval visibility', p50: 5, p90: 10, timeout: 0, appliesTo: 'all' },
    { hop: 'Policy job + blocklist manager: threshold, TTL, audit', p50: 1, p90: 5, timeout: 0, appliesTo: 'all' },
    { hop: 'Compacted blocklist topic to Redis via Connect sink', p50: 2, p90: 10, timeout: 0, appliesTo: 'all' },
  ],
};

// ---------------------------------------------------------------------------------------------
// Result types
// ---------------------------------------------------------------------------------------------

export interface TopicResult {
  readonly name: string;
  readonly key: string;
  readonly cleanup: 'delete' | 'compact';
  /** Records/s at contract load (0 for reference-data compacted topics). */
  readonly recordsPerSec: number;
  /** Uncompressed MB/s at contract load. */
  readonly rawMBps: number;
  readonly partitionsByThroughput: number;
  readonly partitionsByConsumers: number;
  readonly partitions: number;
  /** Bytes on brokers for the topic: compressed, all replicas, at contract load. */
  readonly brokerStorageBytes: number;
  readonly retentionLabel: string;
}

export interface StorageRow {
  readonly encoding: 'json' | 'avro';
  readonly rawPerDayBytes: number;
  readonly raw180dBytes: number;
  readonly compressed180dBytes: number;
  readonly replicated180dBytes: number;
}

export interface LakehouseRow {
  readonly name: string;
  readonly rowsPerDay: number;
  readonly retentionDays: number;
  readonly rawBytes: number;
  readonly parquetBytes: number;
  readonly storedBytes: number;
}

export interface RedisResult {
  readonly name: string;
  readonly opsPerTransaction: number;
  readonly contractOpsPerSec: number;
  readonly designOpsPerSec: number;
  readonly memoryBytes: number;
  readonly shardsByOps: number;
  readonly shardsByMemory: number;
  readonly shards: number;
  readonly nodes: number;
}

export interface ServiceResult {
  readonly name: string;
  readonly unit: string;
  readonly byDesignLoad: number;
  readonly byZoneLoss: number;
  readonly instances: number;
}

export interface BudgetResult {
  readonly hops: readonly LatencyHop[];
  readonly p50Total: number;
  readonly p90Total: number;
  readonly timeoutTotal: number;
  /** Every hop with a timeout at its timeout, every other hop at its P90: the degraded worst case. */
  readonly worstCaseTotal: number;
}

export interface CapacityResult {
  readonly assumptions: Assumptions;
  readonly contractTps: number;
  readonly designTps: number;
  readonly transactionsPerDay: number;
  readonly transactionsPerRetention: number;
  readonly expectedAverageTps: number;
  readonly expectedTransactionsPerDay: number;
  readonly suspiciousPerDay: number;
  readonly suspiciousPerRetention: number;
  readonly storage: { readonly json: StorageRow; readonly avro: StorageRow };
  readonly topics: readonly TopicResult[];
  readonly kafka: {
    readonly totalPartitions: number;
    readonly partitionReplicasPerBroker: number;
    readonly totalStorageBytes: number;
    readonly perBrokerStorageBytes: number;
    readonly perBrokerDiskBytes: number;
    readonly produceMBpsCompressed: number;
    readonly perBrokerInMBps: number;
    readonly perBrokerOutMBps: number;
  };
  readonly lakehouse: { readonly rows: readonly LakehouseRow[]; readonly totalStoredBytes: number; readonly expectedTotalStoredBytes: number };
  readonly redis: readonly RedisResult[];
  readonly services: readonly ServiceResult[];
  readonly errorBudgetMinutesPer30d: number;
  readonly errorBudgetHoursPerYear: number;
  readonly backlog: { readonly minutes: number; readonly records: number; readonly drainMinutes: number };
  readonly syncBudget: BudgetResult;
  readonly mlBudget: { readonly perTransaction: BudgetResult; readonly windowed: BudgetResult };
}

// ---------------------------------------------------------------------------------------------
// Formulas
// ---------------------------------------------------------------------------------------------

export const SECONDS_PER_DAY = 86_400;
const MB = 1e6;

/** Smallest multiple of `step` that is >= n (n >= 0, step >= 1). */
export function roundUpToMultiple(n: number, step: number): number {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`roundUpToMultiple: bad n ${n}`);
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`roundUpToMultiple: bad step ${step}`);
  return Math.ceil(n / step) * step;
}

/** Events per day at a sustained rate. */
export function perDay(ratePerSec: number): number {
  return ratePerSec * SECONDS_PER_DAY;
}

/**
 * Partitions for a topic: enough for write throughput and for consumer parallelism at the design
 * rate, rounded up to a multiple of the broker count so leaders spread evenly. Never below brokers.
 */
export function partitionsFor(
  designRecordsPerSec: number,
  recordBytes: number,
  perPartitionWriteMBps: number,
  slowestConsumerRecordsPerSec: number,
  brokers: number,
): { byThroughput: number; byConsumers: number; partitions: number } {
  const byThroughput = Math.ceil((designRecordsPerSec * recordBytes) / (perPartitionWriteMBps * MB));
  const byConsumers = Math.ceil(designRecordsPerSec / slowestConsumerRecordsPerSec);
  const partitions = roundUpToMultiple(Math.max(byThroughput, byConsumers, 1), brokers);
  return { byThroughput, byConsumers, partitions };
}

/**
 * Instances of a stateless tier: enough for the design rate with all zones up, AND enough for the
 * contract rate with one zone lost; rounded up to a multiple of the zone count (even spread).
 */
export function instancesFor(
  contractPerSec: number,
  designPerSec: number,
  perInstancePerSec: number,
  zones: number,
): { byDesignLoad: number; byZoneLoss: number; instances: number } {
  if (zones < 2) throw new RangeError('instancesFor: need at least 2 zones to survive a zone loss');
  const byDesignLoad = Math.ceil(designPerSec / perInstancePerSec);
  const byZoneLoss = Math.ceil(Math.ceil(contractPerSec / perInstancePerSec) * (zones / (zones - 1)));
  return { byDesignLoad, byZoneLoss, instances: roundUpToMultiple(Math.max(byDesignLoad, byZoneLoss), zones) };
}

function budget(hops: readonly LatencyHop[]): BudgetResult {
  return {
    hops,
    p50Total: hops.reduce((s, h) => s + h.p50, 0),
    p90Total: hops.reduce((s, h) => s + h.p90, 0),
    timeoutTotal: hops.reduce((s, h) => s + h.timeout, 0),
    worstCaseTotal: hops.reduce((s, h) => s + (h.timeout > 0 ? h.timeout : h.p90), 0),
  };
}

export function validateAssumptions(a: Assumptions): void {
  const fail = (msg: string): never => {
    throw new RangeError(`invalid capacity assumptions: ${msg}`);
  };
  if (!(a.contractTps > 0)) fail('contractTps must be > 0');
  if (!(a.designHeadroomFactor >= 1)) fail('designHeadroomFactor must be >= 1');
  if (!(a.peakToAverageRatio >= 1)) fail('peakToAverageRatio must be >= 1');
  if (a.kafka.minInsyncReplicas >= a.kafka.replicationFactor) {
    fail('minInsyncReplicas must be < replicationFactor, or losing one broker stops writes');
  }
  if (a.kafka.replicationFactor > a.kafka.availabilityZones) fail('replicationFactor must be <= availabilityZones (one replica per zone)');
  if (a.kafka.brokers % a.kafka.availabilityZones !== 0) fail('brokers must be a multiple of availabilityZones');
  if (!(a.kafka.diskFillTarget > 0 && a.kafka.diskFillTarget <= 1)) fail('diskFillTarget must be in (0, 1]');
  for (const r of [a.kafkaCompressionRatio.json, a.kafkaCompressionRatio.avro, a.parquetCompressionRatio]) {
    if (!(r >= 1)) fail('compression ratios must be >= 1');
  }
  for (const t of a.topics) {
    if (t.cleanup === 'compact' && !(t.liveKeys > 0)) fail(`${t.name}: compacted topic needs liveKeys`);
    if (t.cleanup === 'delete' && !(t.retentionDays > 0)) fail(`${t.name}: delete topic needs retentionDays`);
    if (!(t.slowestConsumerRecordsPerSec > 0)) fail(`${t.name}: slowestConsumerRecordsPerSec must be > 0`);
  }
  if (!(a.slo.availability > 0 && a.slo.availability < 1)) fail('availability must be in (0, 1)');
}

export function computeCapacity(a: Assumptions): CapacityResult {
  validateAssumptions(a);
  const k = a.kafka;
  const designTps = a.contractTps * a.designHeadroomFactor;
  const transactionsPerDay = perDay(a.contractTps);
  const transactionsPerRetention = transactionsPerDay * a.retentionDays;
  const expectedAverageTps = a.contractTps / a.peakToAverageRatio;

  const storageRow = (encoding: 'json' | 'avro'): StorageRow => {
    const rawPerDayBytes = transactionsPerDay * a.storedRecordBytes[encoding];
    const raw180dBytes = rawPerDayBytes * a.retentionDays;
    const compressed180dBytes = raw180dBytes / a.kafkaCompressionRatio[encoding];
    return { encoding, rawPerDayBytes, raw180dBytes, compressed180dBytes, replicated180dBytes: compressed180dBytes * k.replicationFactor };
  };

  const topics: TopicResult[] = a.topics.map((t) => {
    const recordsPerSec = a.contractTps * t.recordsPerTransaction;
    const designRecordsPerSec = designTps * t.recordsPerTransaction;
    const p = partitionsFor(designRecordsPerSec, t.recordBytes, k.perPartitionWriteMBps, t.slowestConsumerRecordsPerSec, k.brokers);
    const logicalBytes =
      t.cleanup === 'compact' ? t.liveKeys * t.recordBytes : perDay(recordsPerSec) * t.recordBytes * t.retentionDays;
    return {
      name: t.name,
      key: t.key,
      cleanup: t.cleanup,
      recordsPerSec,
      rawMBps: (recordsPerSec * t.recordBytes) / MB,
      partitionsByThroughput: p.byThroughput,
      partitionsByConsumers: p.byConsumers,
      partitions: p.partitions,
      brokerStorageBytes: (logicalBytes / a.kafkaCompressionRatio.avro) * k.replicationFactor,
      retentionLabel: t.cleanup === 'compact' ? `compacted, ${fmtInt(t.liveKeys)} keys` : `${t.retentionDays} d`,
    };
  });

  const totalPartitions = topics.reduce((s, t) => s + t.partitions, 0);
  const totalStorageBytes = topics.reduce((s, t) => s + t.brokerStorageBytes, 0);
  const perBrokerStorageBytes = totalStorageBytes / k.brokers;
  // Network at design rate, compressed: producers write once; followers fetch RF-1 copies;
  // every consumer group reads the whole topic once.
  const produceMBpsCompressed =
    a.topics.reduce((s, t) => s + designTps * t.recordsPerTransaction * t.recordBytes, 0) / MB / a.kafkaCompressionRatio.avro;
  const consumeMBpsCompressed =
    a.topics.reduce((s, t) => s + designTps * t.recordsPerTransaction * t.recordBytes * t.consumerGroups, 0) /
    MB /
    a.kafkaCompressionRatio.avro;

  const lakehouseRow = (d: LakehouseDatasetAssumption, tps: number): LakehouseRow => {
    const rowsPerDay = perDay(tps) * d.rowsPerTransaction;
    const rawBytes = rowsPerDay * d.rowBytes * d.retentionDays;
    const parquetBytes = rawBytes / a.parquetCompressionRatio;
    return { name: d.name, rowsPerDay, retentionDays: d.retentionDays, rawBytes, parquetBytes, storedBytes: parquetBytes * a.lakehouseCopies };
  };
  const lakehouseRows = a.lakehouse.map((d) => lakehouseRow(d, a.contractTps));

  const redis: RedisResult[] = a.redis.map((r) => {
    const opsPerTransaction = Object.values(r.opsPerTransaction).reduce((s, n) => s + n, 0);
    const memoryBytes = r.keyspaces.reduce((s, ks) => s + ks.keys * ks.bytesPerKey, 0);
    const designOpsPerSec = designTps * opsPerTransaction;
    const shardsByOps = Math.ceil(designOpsPerSec / r.planningOpsPerShard);
    const shardsByMemory = Math.ceil(memoryBytes / r.planningMemoryPerShardBytes);
    // Redis Cluster needs >= 3 primaries for its own failover majority.
    const shards = Math.max(shardsByOps, shardsByMemory, 3);
    return {
      name: r.name,
      opsPerTransaction,
      contractOpsPerSec: a.contractTps * opsPerTransaction,
      designOpsPerSec,
      memoryBytes,
      shardsByOps,
      shardsByMemory,
      shards,
      nodes: shards * (1 + r.replicasPerShard),
    };
  });

  const services: ServiceResult[] = a.services.map((s) => ({
    name: s.name,
    unit: s.unit,
    ...instancesFor(a.contractTps, designTps, s.perInstancePerSec, k.availabilityZones),
  }));

  const backlogRecords = a.contractTps * a.backlogMinutes * 60;
  const windowed = a.mlBudgetSec;
  const perTransaction = a.mlBudgetSec.filter((h) => h.appliesTo === 'all');

  return {
    assumptions: a,
    contractTps: a.contractTps,
    designTps,
    transactionsPerDay,
    transactionsPerRetention,
    expectedAverageTps,
    expectedTransactionsPerDay: perDay(expectedAverageTps),
    suspiciousPerDay: transactionsPerDay * a.suspiciousFraction,
    suspiciousPerRetention: transactionsPerRetention * a.suspiciousFraction,
    storage: { json: storageRow('json'), avro: storageRow('avro') },
    topics,
    kafka: {
      totalPartitions,
      partitionReplicasPerBroker: (totalPartitions * k.replicationFactor) / k.brokers,
      totalStorageBytes,
      perBrokerStorageBytes,
      perBrokerDiskBytes: perBrokerStorageBytes / k.diskFillTarget,
      produceMBpsCompressed,
      perBrokerInMBps: (produceMBpsCompressed * k.replicationFactor) / k.brokers,
      perBrokerOutMBps: (consumeMBpsCompressed + produceMBpsCompressed * (k.replicationFactor - 1)) / k.brokers,
    },
    lakehouse: {
      rows: lakehouseRows,
      totalStoredBytes: lakehouseRows.reduce((s, r) => s + r.storedBytes, 0),
      expectedTotalStoredBytes: a.lakehouse.map((d) => lakehouseRow(d, expectedAverageTps)).reduce((s, r) => s + r.storedBytes, 0),
    },
    redis,
    services,
    errorBudgetMinutesPer30d: (1 - a.slo.availability) * 30 * 24 * 60,
    errorBudgetHoursPerYear: (1 - a.slo.availability) * 365 * 24,
    // During the drain the backlog shrinks at (design - contract) records/s.
    backlog: { minutes: a.backlogMinutes, records: backlogRecords, drainMinutes: backlogRecords / (designTps - a.contractTps) / 60 },
    syncBudget: budget(a.syncBudgetMs),
    mlBudget: { perTransaction: budget(perTransaction), windowed: budget(windowed) },
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting (deterministic: no locale APIs, so output is identical on every machine)
// ---------------------------------------------------------------------------------------------

/** 1234567.8 -> "1,234,568" */
export function fmtInt(n: number): string {
  const r = Math.round(n);
  const s = Math.abs(r).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return r < 0 ? `-${s}` : s;
}

/** Number with up to `digits` decimals, trailing zeros dropped: 2.50 -> "2.5". */
export function fmtNum(n: number, digits = 2): string {
  const fixed = n.toFixed(digits);
  const trimmed = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
  const [int = '0', frac] = trimmed.split('.');
  const grouped = fmtInt(Number(int));
  return frac ? `${grouped}.${frac}` : grouped;
}

/** Decimal byte units with three significant figures: 345600000000 -> "346 GB". */
export function fmtBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${fmtNum(v, digits)} ${units[i]}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  const sep = header.map((_, i) => ((align?.[i] ?? 'l') === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

export function renderCapacityTables(r: CapacityResult): string {
  const a = r.assumptions;
  const k = a.kafka;
  const out: string[] = [];
  const h = (title: string): void => {
    out.push('', `#### ${title}`, '');
  };

  out.push('<!-- Generated by docs/fraud-detection/capacity.ts — edit ASSUMPTIONS there and run --write; do not edit by hand. -->');

  h('C1. Assumptions');
  out.push(
    table(
      ['Assumption', 'Value', 'Why'],
      [
        ['Contract rate', `${fmtInt(a.contractTps)} TPS`, 'the brief\'s ceiling, treated as sustained 24 h for storage: an upper bound'],
        ['Design headroom', `× ${fmtNum(a.designHeadroomFactor)} = ${fmtInt(r.designTps)} TPS`, 'partitions, consumers, Redis: drain backlogs, absorb growth without repartitioning'],
        ['Peak-hour / daily-average', `${fmtNum(a.peakToAverageRatio)}`, 'only for the expected — not worst-case — volume'],
        ['Stored fact, transaction + decision', `${fmtInt(a.storedRecordBytes.json)} B JSON, ${fmtInt(a.storedRecordBytes.avro)} B Avro`, 'record incl. key, headers, batch overhead'],
        ['Kafka zstd ratio', `${fmtNum(a.kafkaCompressionRatio.json)} JSON, ${fmtNum(a.kafkaCompressionRatio.avro)} Avro`, 'tokens and UUIDs compress poorly; JSON field names compress well'],
        ['Parquet ratio vs Avro', `${fmtNum(a.parquetCompressionRatio)}`, 'columnar dictionary encoding of site, country, location, category'],
        ['Lakehouse copies', `${fmtInt(a.lakehouseCopies)}`, 'primary region + DR region replica'],
        ['Kafka', `${k.brokers} brokers in ${k.availabilityZones} AZs, RF ${k.replicationFactor}, min ISR ${k.minInsyncReplicas}`, 'one replica per AZ; survives one AZ'],
        ['Planning write per partition', `${fmtNum(k.perPartitionWriteMBps)} MB/s`, 'deliberately low: leaves room for replication and catch-up reads'],
        ['Broker disk fill target', `${fmtNum(k.diskFillTarget * 100)} %`, 'room for a broker loss and reassignment'],
        ['Suspicious fraction', `${fmtNum(a.suspiciousFraction * 100)} %`, 'alerts raised per transaction'],
        ['Backlog to absorb', `${fmtInt(a.backlogMinutes)} min`, 'ML-path outage the design must drain'],
      ],
    ),
  );

  h('C2. Volume');
  out.push(
    table(
      ['Quantity', 'Value'],
      [
        ['Transactions per day at contract rate', fmtInt(r.transactionsPerDay)],
        [`Transactions in ${a.retentionDays} days`, fmtInt(r.transactionsPerRetention)],
        ['Expected average rate if the contract rate is the peak hour', `${fmtInt(r.expectedAverageTps)} TPS`],
        ['Expected transactions per day', fmtInt(r.expectedTransactionsPerDay)],
        ['Suspicious transactions per day', fmtInt(r.suspiciousPerDay)],
        [`Suspicious transactions in ${a.retentionDays} days`, fmtInt(r.suspiciousPerRetention)],
        ['Design rate for partitions, consumers, Redis', `${fmtInt(r.designTps)} TPS`],
      ],
      ['l', 'r'],
    ),
  );

  h(`C3. Storing every transaction for ${a.retentionDays} days`);
  const s = r.storage;
  out.push(
    table(
      ['Stored fact: transaction + decision', 'JSON', 'Avro'],
      [
        ['Raw per day', fmtBytes(s.json.rawPerDayBytes), fmtBytes(s.avro.rawPerDayBytes)],
        [`Raw, ${a.retentionDays} days`, fmtBytes(s.json.raw180dBytes), fmtBytes(s.avro.raw180dBytes)],
        [`Compressed zstd, ${a.retentionDays} days`, fmtBytes(s.json.compressed180dBytes), fmtBytes(s.avro.compressed180dBytes)],
        [`Replicated × RF ${k.replicationFactor}, if kept on Kafka brokers`, fmtBytes(s.json.replicated180dBytes), fmtBytes(s.avro.replicated180dBytes)],
      ],
      ['l', 'r', 'r'],
    ),
  );
  const tx = r.lakehouse.rows[0];
  if (tx) {
    out.push(
      '',
      `Chosen: Kafka keeps ${a.topics[0]?.retentionDays ?? 0} days hot for replay; the ${a.retentionDays}-day system of record is the lakehouse, ` +
        `where \`${tx.name}\` takes ${fmtBytes(tx.parquetBytes)} as Parquet, ${fmtBytes(tx.storedBytes)} with ${a.lakehouseCopies} copies (table C5).`,
    );
  }

  h('C4. Kafka topics');
  out.push(
    table(
      ['Topic', 'Key', 'Records/s at contract', 'MB/s raw', 'Partitions: throughput / consumers / chosen', 'Retention', 'On brokers, × RF'],
      r.topics.map((t) => [
        `\`${t.name}\``,
        `\`${t.key}\``,
        fmtNum(t.recordsPerSec, 1),
        fmtNum(t.rawMBps, 2),
        `${t.partitionsByThroughput} / ${t.partitionsByConsumers} / **${t.partitions}**`,
        t.retentionLabel,
        fmtBytes(t.brokerStorageBytes),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'l', 'r'],
    ),
  );
  out.push(
    '',
    table(
      ['Kafka cluster', 'Value'],
      [
        ['Partitions, all topics', fmtInt(r.kafka.totalPartitions)],
        ['Partition replicas per broker', fmtNum(r.kafka.partitionReplicasPerBroker, 1)],
        ['Log storage, all topics, all replicas', fmtBytes(r.kafka.totalStorageBytes)],
        ['Log storage per broker', fmtBytes(r.kafka.perBrokerStorageBytes)],
        [`Disk per broker at ${fmtNum(k.diskFillTarget * 100)} % fill`, fmtBytes(r.kafka.perBrokerDiskBytes)],
        ['Produce rate at design load, compressed', `${fmtNum(r.kafka.produceMBpsCompressed, 1)} MB/s`],
        ['Per-broker inbound: produce + replication', `${fmtNum(r.kafka.perBrokerInMBps, 1)} MB/s`],
        ['Per-broker outbound: consumers + replication', `${fmtNum(r.kafka.perBrokerOutMBps, 1)} MB/s`],
      ],
      ['l', 'r'],
    ),
  );

  h('C5. Lakehouse — Iceberg on object storage');
  out.push(
    table(
      ['Dataset', 'Rows per day', 'Retention', 'Raw', 'Parquet', `Stored, × ${a.lakehouseCopies} copies`],
      r.lakehouse.rows.map((d) => [
        `\`${d.name}\``,
        fmtInt(d.rowsPerDay),
        `${fmtInt(d.retentionDays)} d`,
        fmtBytes(d.rawBytes),
        fmtBytes(d.parquetBytes),
        fmtBytes(d.storedBytes),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push(
    '',
    `Total stored at contract rate sustained: **${fmtBytes(r.lakehouse.totalStoredBytes)}**; at the expected average rate: ${fmtBytes(r.lakehouse.expectedTotalStoredBytes)}.`,
  );

  h('C6. Redis');
  out.push(
    table(
      ['Cluster', 'Ops per transaction', 'Ops/s contract', 'Ops/s design', 'Memory, primaries', 'Shards: ops / memory / chosen', 'Nodes incl. replicas'],
      r.redis.map((x) => [
        x.name,
        fmtInt(x.opsPerTransaction),
        fmtInt(x.contractOpsPerSec),
        fmtInt(x.designOpsPerSec),
        fmtBytes(x.memoryBytes),
        `${x.shardsByOps} / ${x.shardsByMemory} / **${x.shards}**`,
        fmtInt(x.nodes),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  for (const c of a.redis) {
    out.push(
      '',
      `${c.name}: ` +
        Object.entries(c.opsPerTransaction)
          .map(([op, n]) => `${op} × ${n}`)
          .join('; ') +
        `. Keyspaces: ` +
        c.keyspaces.map((ks) => `${ks.name} ${fmtInt(ks.keys)} × ${fmtInt(ks.bytesPerKey)} B`).join('; ') +
        `. Planning limits per shard: ${fmtInt(c.planningOpsPerShard)} ops/s, ${fmtBytes(c.planningMemoryPerShardBytes)}; minimum 3 primaries.`,
    );
  }

  h('C7. Stateless tiers — survive one AZ at contract load');
  out.push(
    table(
      ['Tier', 'Per instance', 'For design load', 'For contract load with one AZ lost', 'Instances'],
      r.services.map((x, i) => [
        x.name,
        `${fmtInt(a.services[i]?.perInstancePerSec ?? 0)} ${x.unit}`,
        fmtInt(x.byDesignLoad),
        fmtInt(x.byZoneLoss),
        `**${x.instances}**`,
      ]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push(
    '',
    `Flink feature + scoring job: parallelism = partitions of \`${a.topics[0]?.name ?? ''}\` (table C4), one subtask per partition.`,
  );

  h('C8. Availability and backlog');
  out.push(
    table(
      ['Quantity', 'Value'],
      [
        [`Error budget at ${fmtNum(a.slo.availability * 100, 1)} %, per 30 days`, `${fmtNum(r.errorBudgetMinutesPer30d, 1)} min`],
        [`Error budget at ${fmtNum(a.slo.availability * 100, 1)} %, per year`, `${fmtNum(r.errorBudgetHoursPerYear, 2)} h`],
        [`Backlog after a ${r.backlog.minutes}-min ML-path outage`, `${fmtInt(r.backlog.records)} records`],
        [`Time to drain it at design rate while traffic continues`, `${fmtNum(r.backlog.drainMinutes, 1)} min`],
      ],
      ['l', 'r'],
    ),
  );

  h('C9. Latency budget — synchronous decision path, ms');
  out.push(budgetTable(r.syncBudget, 'ms', true));
  out.push(
    '',
    `SLO: P50 ${fmtInt(a.slo.syncP50Ms)} ms, P90 ${fmtInt(a.slo.syncP90Ms)} ms. Budget totals: P50 ${fmtInt(r.syncBudget.p50Total)} ms, ` +
      `P90 ${fmtInt(r.syncBudget.p90Total)} ms. Our own hops time out after ${fmtInt(r.syncBudget.timeoutTotal)} ms in total, then fall back (reliability.md); ` +
      `worst case with every timed hop at its timeout and the rest at P90: ${fmtInt(r.syncBudget.worstCaseTotal)} ms.`,
  );

  h('C10. Latency budget — asynchronous ML path, s');
  out.push(budgetTable(r.mlBudget.windowed, 's', false));
  out.push(
    '',
    `SLO: P50 ${fmtInt(a.slo.mlP50Sec)} s, P90 ${fmtInt(a.slo.mlP90Sec)} s. Per-transaction model: P50 ${fmtInt(r.mlBudget.perTransaction.p50Total)} s, ` +
      `P90 ${fmtInt(r.mlBudget.perTransaction.p90Total)} s. Windowed detectors: P50 ${fmtInt(r.mlBudget.windowed.p50Total)} s, ` +
      `P90 ${fmtInt(r.mlBudget.windowed.p90Total)} s.`,
  );
  out.push(
    '',
    'Per-hop percentiles do not add exactly; the sum is used as a conservative bound and each hop is measured separately (operations-monitoring.md).',
  );

  return out.join('\n');
}

function budgetTable(b: BudgetResult, unit: string, withTimeout: boolean): string {
  const header = ['Hop', `P50 ${unit}`, `P90 ${unit}`, ...(withTimeout ? [`Timeout ${unit}`] : []), 'Applies to'];
  const rows = b.hops.map((x) => [
    x.hop,
    fmtInt(x.p50),
    fmtInt(x.p90),
    ...(withTimeout ? [x.timeout > 0 ? fmtInt(x.timeout) : '—'] : []),
    x.appliesTo === 'all' ? 'every transaction' : 'windowed detectors only',
  ]);
  rows.push([
    '**Total**',
    `**${fmtInt(b.p50Total)}**`,
    `**${fmtInt(b.p90Total)}**`,
    ...(withTimeout ? [`**${fmtInt(b.timeoutTotal)}**`] : []),
    '',
  ]);
  return table(header, rows, ['l', 'r', 'r', ...(withTimeout ? (['r'] as const) : []), 'l']);
}

// ---------------------------------------------------------------------------------------------
// Generated block in capacity.md
// ---------------------------------------------------------------------------------------------

export const BEGIN_MARKER = '<!-- capacity:begin -->';
export const END_MARKER = '<!-- capacity:end -->';

/** Text strictly between the markers; throws when they are missing, duplicated or out of order. */
export function extractGeneratedBlock(markdown: string): string {
  const begin = markdown.indexOf(BEGIN_MARKER);
  const end = markdown.indexOf(END_MARKER);
  if (begin < 0 || end < 0 || end < begin) throw new Error('capacity markers missing or out of order');
  if (markdown.indexOf(BEGIN_MARKER, begin + 1) >= 0 || markdown.indexOf(END_MARKER, end + 1) >= 0) {
    throw new Error('capacity markers appear more than once');
  }
  return markdown.slice(begin + BEGIN_MARKER.length, end);
}

/** The exact text the block must hold for a rendered table set. */
export function blockFor(rendered: string): string {
  return `\n${rendered}\n`;
}

export function replaceGeneratedBlock(markdown: string, rendered: string): string {
  extractGeneratedBlock(markdown); // validates the markers
  const begin = markdown.indexOf(BEGIN_MARKER) + BEGIN_MARKER.length;
  const end = markdown.indexOf(END_MARKER);
  return markdown.slice(0, begin) + blockFor(rendered) + markdown.slice(end);
}

export const CAPACITY_MD = fileURLToPath(new URL('./capacity.md', import.meta.url));

function main(argv: readonly string[]): number {
  const rendered = renderCapacityTables(computeCapacity(ASSUMPTIONS));
  if (argv.includes('--write')) {
    const md = readFileSync(CAPACITY_MD, 'utf8');
    const next = replaceGeneratedBlock(md, rendered);
    if (next !== md) writeFileSync(CAPACITY_MD, next);
    console.log(next === md ? 'capacity.md already up to date' : 'capacity.md rewritten');
    return 0;
  }
  if (argv.includes('--check')) {
    const ok = extractGeneratedBlock(readFileSync(CAPACITY_MD, 'utf8')) === blockFor(rendered);
    console.log(ok ? 'capacity.md is up to date' : 'capacity.md is stale: run with --write');
    return ok ? 0 : 1;
  }
  console.log(rendered);
  return 0;
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = main(process.argv.slice(2));
}
