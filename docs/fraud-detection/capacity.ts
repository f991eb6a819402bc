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
import { fileURLToPath, pathToFileURL } from 'node:url';
import { blockMarkers, blockText, extractBlock, generatedBlockCli, replaceBlock } from '../../shared/generated-block.ts';

// ---------------------------------------------------------------------------------------------
// Assumptions
// ---------------------------------------------------------------------------------------------

/**
 * Populations that key counts are derived from, so that a change of rate or of portfolio shape
 * moves every keyspace, compacted topic and state size that depends on it.
 */
export type Population =
  | 'activeCards'
  | 'cardholders'
  | 'merchants'
  | 'contractTransactionsPerHour'
  | 'contractTransactionsPerDay';

/** A fixed count, or `times` x a derived population. */
export type Count = number | { readonly per: Population; readonly times: number };

/** One Kafka topic of the design, with the figures that drive its size. */
export interface TopicAssumption {
  readonly name: string;
  /** Record key (drives partitioning, ordering and compaction). */
  readonly key: string;
  readonly cleanup: 'delete' | 'compact';
  /** Records produced per incoming transaction (delete topics). 1 = one per transaction. */
  readonly recordsPerTransaction: number;
  /** Live keys held by a compacted topic (compact topics); its size is keys x bytes, not rate x time. */
  readonly liveKeys: Count;
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
  /** Also loaded into the investigation store (recent window only, C5). */
  readonly inInvestigationStore: boolean;
}

/** Percentiles of a hop in seconds or milliseconds. */
export interface P50P90 {
  readonly p50: number;
  readonly p90: number;
}

/** One hop inside the issuer, from the authorisation request reaching the issuer to its response leaving. */
export interface IssuerHop {
  readonly hop: string;
  /** Who runs it: the card network's link, the issuer's authorisation host, or this platform. */
  readonly owner: 'network link' | 'issuer host' | 'platform';
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  /** Hard timeout of the hop (platform hops only; 0 = not a call this platform times out). */
  readonly timeout: number;
  /** Part of the inline model's budget. */
  readonly inlineModel: boolean;
}

/** A network segment outside the issuer (terminal, acquirer, card network). */
export interface NetworkLeg {
  readonly leg: string;
  readonly p50: number;
  readonly p90: number;
}

/** One Flink job on the ML path. Jobs run in sequence: each one's output is read by the next. */
export interface FlinkJobAssumption {
  readonly name: string;
  /** Exactly-once: a record becomes visible downstream (read_committed) when the checkpoint completes. */
  readonly checkpointIntervalSec: number;
  readonly checkpointDurationSec: P50P90;
  /** Bounded out-of-orderness plus watermark alignment across input partitions. */
  readonly watermarkDelaySec: P50P90;
  readonly processingSec: P50P90;
  /** The job calls model serving (async I/O) for each transaction. */
  readonly callsModel: boolean;
}

/** One kind of Flink keyed state in RocksDB. */
export interface FlinkStateAssumption {
  readonly name: string;
  readonly entries: Count;
  /** Serialised key + value per entry: key-group prefix, key, namespace, user key, value, TTL timestamp. */
  readonly bytesPerEntry: number;
  /** Serialised bytes written to RocksDB per transaction (0 for state fed only by CDC). */
  readonly bytesWrittenPerTransaction: number;
}

/** A Redis cluster: ops per transaction, key populations and per-shard planning limits. */
export interface RedisClusterAssumption {
  readonly name: string;
  /** Named Redis commands per transaction (pipelined where possible); summed for ops/s. */
  readonly opsPerTransaction: Readonly<Record<string, number>>;
  /** Key populations: count and bytes per key including Redis overhead. */
  readonly keyspaces: readonly { readonly name: string; readonly keys: Count; readonly bytesPerKey: number }[];
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
  /** Typical peak-hour / daily-average ratio; used for the expected (not worst-case) volume and the portfolio. */
  readonly peakToAverageRatio: number;
  /** The portfolio behind the volume. Cards are derived from the expected daily volume, not from the ceiling. */
  readonly entities: {
    /** Average authorisations per active card per day. */
    readonly transactionsPerActiveCardPerDay: number;
    readonly cardsPerCardholder: number;
    /** Distinct merchants (card acceptors) seen in 90 days: not derived from the card count. */
    readonly merchants: number;
  };
  /** Size of the stored fact (transaction + decision) in each encoding, for the JSON vs Avro comparison. */
  readonly storedRecordBytes: { readonly json: number; readonly avro: number };
  /** zstd compression ratio (raw / compressed) on Kafka record batches, per encoding. */
  readonly kafkaCompressionRatio: { readonly json: number; readonly avro: number };
  /** Parquet (dictionary + zstd) ratio versus the raw Avro bytes of the same rows. */
  readonly parquetCompressionRatio: number;
  /** Copies of the lakehouse kept: primary region + DR region (object storage durability is internal). */
  readonly lakehouseCopies: number;
  /** Investigation store (ClickHouse): recent window of some lakehouse datasets, columnar, replicated. */
  readonly investigationStore: { readonly retentionDays: number; readonly replicas: number };
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
  /** Aerospike primary-index bytes per record (its documented figure), for the feature-store comparison. */
  readonly aerospikeIndexBytesPerRecord: number;
  /** Stateless tiers sized to survive the loss of one availability zone at contract load. */
  readonly services: readonly {
    readonly name: string;
    readonly perInstancePerSec: number;
    readonly unit: string;
    /** Requests to the tier per transaction (model serving: champion + shadow = 2). */
    readonly perTransaction: number;
  }[];
  /** Share of transactions scored into the review band or above (alerts). */
  readonly suspiciousFraction: number;
  /** People reviewing alerts: the k of precision at k. */
  readonly review: { readonly analysts: number; readonly casesPerAnalystPerDay: number };
  /** Backlog (minutes of traffic) the ML path must absorb after an outage, e.g. a stream job restart. */
  readonly backlogMinutes: number;
  readonly slo: {
    readonly availability: number;
    /** The brief: terminal to terminal. */
    readonly syncP50Ms: number;
    readonly syncP90Ms: number;
    /** The brief: transaction to blocklist entry. */
    readonly mlP50Sec: number;
    readonly mlP90Sec: number;
    /** Budget of the inline model: online-feature fetch + inference, at its timeouts. */
    readonly inlineModelMs: number;
    /** Deadline of the decide call: the platform answers with what it has by then. */
    readonly decisionDeadlineMs: number;
    /** The issuer's own target for answering the network, far below the network's limit. */
    readonly issuerResponseTargetMs: number;
    /**
     * Planning value for the card networks' issuer response limit, after which the network answers
     * in stand-in (STIP). The real limits are set per network, region and transaction type.
     */
    readonly networkIssuerTimeoutMs: number;
  };
  /** Authorisation inside the issuer, milliseconds. */
  readonly issuerHopsMs: readonly IssuerHop[];
  /** Terminal to card network and back, milliseconds, outside the issuer. */
  readonly networkLegsMs: readonly NetworkLeg[];
  /** Asynchronous ML path, seconds, from the transaction's decision to the blocklist entry in Redis. */
  readonly mlPath: {
    readonly consumerLagSec: P50P90;
    readonly modelInferenceSec: P50P90;
    readonly blocklistManagerSec: P50P90;
    readonly redisSinkSec: P50P90;
    /** In pipeline order. */
    readonly jobs: readonly FlinkJobAssumption[];
  };
  /** Keyed state of the Flink scoring job (the policy job's state is small and left out). */
  readonly flink: {
    readonly taskManagers: number;
    readonly slotsPerTaskManager: number;
    /** RocksDB bytes per entry beyond the serialised key and value: internal key trailer, index, bloom filter. */
    readonly rocksdbOverheadBytesPerEntry: number;
    /** Live bytes on disk / logical bytes: level compaction, and expired entries not yet compacted away. */
    readonly spaceAmplification: number;
    /** An incremental checkpoint also uploads the SST files compaction rewrote since the last one. */
    readonly compactionRewriteFactor: number;
    readonly checkpointUploadMBpsPerTaskManager: number;
    readonly restoreDownloadMBpsPerTaskManager: number;
    /** Time until a lost TaskManager is declared dead (heartbeat timeout). */
    readonly failureDetectionSec: number;
    /** Time to restart the job's tasks on a spare TaskManager (already running, one per AZ). */
    readonly rescheduleSec: number;
    readonly state: readonly FlinkStateAssumption[];
  };
}

export const ASSUMPTIONS: Assumptions = {
  contractTps: 10_000,
  designHeadroomFactor: 2,
  peakToAverageRatio: 2.5,
  entities: { transactionsPerActiveCardPerDay: 1.5, cardsPerCardholder: 1.8, merchants: 20_000_000 },
  storedRecordBytes: { json: 1_400, avro: 620 },
  kafkaCompressionRatio: { json: 5, avro: 2.5 },
  parquetCompressionRatio: 4,
  lakehouseCopies: 2,
  investigationStore: { retentionDays: 35, replicas: 2 },
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
      recordBytes: 620,
      retentionDays: 7,
      consumerGroups: 6, // scoring job, cardholder notification (decline-and-verify), Iceberg sink, ClickHouse, SLI monitor, MirrorMaker 2
      slowestConsumerRecordsPerSec: 1_000, // Flink scoring subtask
    },
    {
      name: 'fraud.feature-log.v1',
      key: 'card_token',
      cleanup: 'delete',
      recordsPerTransaction: 1,
      liveKeys: 0,
      recordBytes: 700,
      retentionDays: 7,
      consumerGroups: 2, // Iceberg sink, MirrorMaker 2
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
      consumerGroups: 3, // policy job, Iceberg sink, model monitor
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
      consumerGroups: 2, // Iceberg sink, model monitor
      slowestConsumerRecordsPerSec: 5_000,
    },
    {
      name: 'fraud.detections.v1',
      key: 'entity_key',
      cleanup: 'delete',
      recordsPerTransaction: 0.005,
      liveKeys: 0,
      recordBytes: 600,
      retentionDays: 7,
      consumerGroups: 3, // policy job, Iceberg sink, ClickHouse
      slowestConsumerRecordsPerSec: 2_000,
    },
    {
      name: 'fraud.alerts.v1',
      key: 'card_token',
      cleanup: 'delete',
      recordsPerTransaction: 0.01,
      liveKeys: 0,
      recordBytes: 1_500,
      retentionDays: 30,
      consumerGroups: 4, // case management, cardholder notification, Iceberg sink, ClickHouse
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
      consumerGroups: 4, // Redis sink, decision-service local snapshot, MirrorMaker 2, Iceberg sink
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
      consumerGroups: 3, // Iceberg sink, case management, fraud-indicator sharing adapter
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
      consumerGroups: 3, // Iceberg sink, blocklist manager, model monitor
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
      consumerGroups: 3, // decision service, Flink policy job, Iceberg sink
      slowestConsumerRecordsPerSec: 1_000,
    },
    {
      name: 'refdata.users.v1',
      key: 'user_id',
      cleanup: 'compact',
      recordsPerTransaction: 0,
      liveKeys: { per: 'cardholders', times: 1 },
      recordBytes: 500,
      retentionDays: 0,
      consumerGroups: 3, // Redis reference sink, Flink enrichment, Iceberg sink
      slowestConsumerRecordsPerSec: 5_000,
    },
    {
      name: 'refdata.sites.v1',
      key: 'site_id',
      cleanup: 'compact',
      recordsPerTransaction: 0,
      liveKeys: { per: 'merchants', times: 1 },
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
    { name: 'transaction_decisions', rowsPerTransaction: 1, rowBytes: 620, retentionDays: 180, inInvestigationStore: true },
    { name: 'feature_log', rowsPerTransaction: 1, rowBytes: 700, retentionDays: 180, inInvestigationStore: false },
    { name: 'scores (champion + shadow)', rowsPerTransaction: 2, rowBytes: 200, retentionDays: 180, inInvestigationStore: false },
    { name: 'detections', rowsPerTransaction: 0.005, rowBytes: 600, retentionDays: 180, inInvestigationStore: true },
    { name: 'alerts (suspicious)', rowsPerTransaction: 0.01, rowBytes: 1_500, retentionDays: 180, inInvestigationStore: true },
    { name: 'labels', rowsPerTransaction: 0.012, rowBytes: 400, retentionDays: 180, inInvestigationStore: false },
    { name: 'blocklist_audit', rowsPerTransaction: 0.002, rowBytes: 600, retentionDays: 1_825, inInvestigationStore: false },
    // PCI DSS v4.0 req. 10.5.1: audit log history kept >= 12 months (the latest 3 in the SIEM).
    { name: 'security_audit_log', rowsPerTransaction: 0.05, rowBytes: 400, retentionDays: 365, inInvestigationStore: false },
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
        { name: 'idempotency keys, 1 h TTL', keys: { per: 'contractTransactionsPerHour', times: 1 }, bytesPerKey: 140 },
        { name: 'velocity counters, 1 h window', keys: { per: 'contractTransactionsPerHour', times: 2 }, bytesPerKey: 80 },
        { name: 'cardholder risk hashes', keys: { per: 'cardholders', times: 1 }, bytesPerKey: 120 },
        { name: 'merchant risk hashes', keys: { per: 'merchants', times: 1 }, bytesPerKey: 120 },
      ],
      planningOpsPerShard: 50_000,
      planningMemoryPerShardBytes: 12e9,
      replicasPerShard: 1,
    },
    {
      name: 'feature-store Redis',
      opsPerTransaction: {
        'inline-model reads, real-time + long-window, card, cardholder, merchant': 6,
        'Flink writes, real-time features of card, cardholder, merchant': 3,
      },
      keyspaces: [
        { name: 'card real-time features (Flink)', keys: { per: 'activeCards', times: 1 }, bytesPerKey: 200 },
        { name: 'card long-window profile (daily batch)', keys: { per: 'activeCards', times: 1 }, bytesPerKey: 160 },
        { name: 'cardholder real-time features (Flink)', keys: { per: 'cardholders', times: 1 }, bytesPerKey: 200 },
        { name: 'cardholder long-window profile (daily batch)', keys: { per: 'cardholders', times: 1 }, bytesPerKey: 160 },
        { name: 'merchant real-time features (Flink)', keys: { per: 'merchants', times: 1 }, bytesPerKey: 400 },
        { name: 'merchant long-window profile (daily batch)', keys: { per: 'merchants', times: 1 }, bytesPerKey: 300 },
      ],
      planningOpsPerShard: 50_000,
      planningMemoryPerShardBytes: 12e9,
      replicasPerShard: 1,
    },
  ],
  aerospikeIndexBytesPerRecord: 64,
  services: [
    { name: 'authorisation adapters, in the CDE', perInstancePerSec: 3_000, unit: 'requests/s', perTransaction: 1 },
    { name: 'decision service, with the inline model', perInstancePerSec: 1_500, unit: 'decisions/s', perTransaction: 1 },
    { name: 'model serving, champion + shadow', perInstancePerSec: 2_500, unit: 'inferences/s', perTransaction: 2 },
  ],
  suspiciousFraction: 0.01,
  review: { analysts: 150, casesPerAnalystPerDay: 80 },
  backlogMinutes: 30,
  slo: {
    availability: 0.999,
    syncP50Ms: 1_000,
    syncP90Ms: 5_000,
    mlP50Sec: 600,
    mlP90Sec: 1_800,
    inlineModelMs: 20,
    decisionDeadlineMs: 300,
    issuerResponseTargetMs: 1_000,
    networkIssuerTimeoutMs: 5_000,
  },
  issuerHopsMs: [
    { hop: 'Card network to issuer and back: private links, both directions', owner: 'network link', p50: 20, p99: 60, p999: 150, timeout: 0, inlineModel: false },
    { hop: 'Authorisation host: ISO 8583 parse, card status, HSM checks (cryptogram, PIN, CVV2)', owner: 'issuer host', p50: 5, p99: 20, p999: 40, timeout: 0, inlineModel: false },
    { hop: 'Authorisation adapter: field mapping, PAN to token via the vault', owner: 'platform', p50: 3, p99: 12, p999: 30, timeout: 50, inlineModel: false },
    { hop: 'Decision service: idempotency claim, Redis SET NX', owner: 'platform', p50: 1, p99: 5, p999: 15, timeout: 20, inlineModel: false },
    { hop: 'Blocklist + risk lookups, one pipelined Redis round trip', owner: 'platform', p50: 2, p99: 8, p999: 20, timeout: 25, inlineModel: false },
    { hop: 'Inline model: online features, one pipelined round trip to the feature-store Redis', owner: 'platform', p50: 2, p99: 8, p999: 15, timeout: 15, inlineModel: true },
    { hop: 'Inline model: in-process inference, champion', owner: 'platform', p50: 1, p99: 3, p999: 5, timeout: 5, inlineModel: true },
    { hop: 'Velocity counters + rule evaluation, in-memory rules', owner: 'platform', p50: 3, p99: 10, p999: 20, timeout: 25, inlineModel: false },
    { hop: 'Durable record: produce acks=all, every in-sync replica (3 when healthy, never fewer than min ISR 2), cross-AZ', owner: 'platform', p50: 10, p99: 40, p999: 120, timeout: 150, inlineModel: false },
    { hop: 'Authorisation host: balance and limits, response to the network', owner: 'issuer host', p50: 4, p99: 20, p999: 40, timeout: 0, inlineModel: false },
  ],
  networkLegsMs: [
    { leg: 'Terminal or shop to acquirer to card network — not ours', p50: 280, p90: 1_450 },
    { leg: 'Card network to acquirer to terminal or shop — not ours', p50: 280, p90: 1_450 },
  ],
  mlPath: {
    consumerLagSec: { p50: 1, p90: 5 },
    modelInferenceSec: { p50: 1, p90: 2 },
    blocklistManagerSec: { p50: 0.5, p90: 2 },
    redisSinkSec: { p50: 2, p90: 10 },
    jobs: [
      {
        name: 'Scoring job (dedupe, features, detectors)',
        checkpointIntervalSec: 10,
        checkpointDurationSec: { p50: 1, p90: 3 },
        watermarkDelaySec: { p50: 5, p90: 10 },
        processingSec: { p50: 1, p90: 3 },
        callsModel: true,
      },
      {
        name: 'Policy job (score bands, attribution, alert suppression)',
        checkpointIntervalSec: 5,
        checkpointDurationSec: { p50: 0.5, p90: 1 },
        watermarkDelaySec: { p50: 2, p90: 4 },
        processingSec: { p50: 0.5, p90: 1 },
        callsModel: false,
      },
    ],
  },
  flink: {
    taskManagers: 12,
    slotsPerTaskManager: 2,
    rocksdbOverheadBytesPerEntry: 20,
    spaceAmplification: 1.5,
    compactionRewriteFactor: 3,
    checkpointUploadMBpsPerTaskManager: 200,
    restoreDownloadMBpsPerTaskManager: 250,
    failureDetectionSec: 30,
    rescheduleSec: 20,
    state: [
      // key-group 2 B + card token 16 B + namespace 1 B + transaction id 16 B + length prefixes = 40 B; value: TTL timestamp 8 B + flag 1 B
      { name: 'dedupe: transaction_id seen in the last 24 h', entries: { per: 'contractTransactionsPerDay', times: 1 }, bytesPerEntry: 49, bytesWrittenPerTransaction: 49 },
      { name: 'card: sliding buckets (minutes, hours, days up to 7) and last 16 events', entries: { per: 'activeCards', times: 1 }, bytesPerEntry: 400, bytesWrittenPerTransaction: 150 },
      { name: 'cardholder: sliding buckets, devices and countries seen', entries: { per: 'cardholders', times: 1 }, bytesPerEntry: 300, bytesWrittenPerTransaction: 100 },
      { name: 'merchant: sliding buckets (approvals, declines, distinct cards, amounts)', entries: { per: 'merchants', times: 1 }, bytesPerEntry: 1_000, bytesWrittenPerTransaction: 80 },
      { name: 'reference data: cardholder attributes (CDC)', entries: { per: 'cardholders', times: 1 }, bytesPerEntry: 150, bytesWrittenPerTransaction: 0 },
      { name: 'reference data: merchant attributes (CDC)', entries: { per: 'merchants', times: 1 }, bytesPerEntry: 200, bytesWrittenPerTransaction: 0 },
    ],
  },
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
  readonly keys: number;
  readonly shardsByOps: number;
  readonly shardsByMemory: number;
  readonly shards: number;
  readonly nodes: number;
}

export interface ServiceResult {
  readonly name: string;
  readonly unit: string;
  readonly perTransaction: number;
  readonly byDesignLoad: number;
  readonly byZoneLoss: number;
  readonly instances: number;
}

export interface IssuerBudgetResult {
  readonly hops: readonly IssuerHop[];
  readonly p50Total: number;
  readonly p99Total: number;
  readonly p999Total: number;
  /** Every timed hop at its timeout, every other hop at its P99.9. */
  readonly worstCaseTotal: number;
  /** This platform's hops only. */
  readonly platform: { readonly p50: number; readonly p99: number; readonly p999: number; readonly timeout: number };
  readonly inlineModel: { readonly p50: number; readonly p99: number; readonly p999: number; readonly timeout: number };
}

export interface EndToEndResult {
  readonly legs: readonly NetworkLeg[];
  readonly p50Total: number;
  /** Network legs at P90 plus the issuer side at P99: a bound on the end-to-end P90. */
  readonly p90Bound: number;
  /** Network legs at P90 plus the issuer's worst case. */
  readonly worstCaseTotal: number;
}

export interface MlHop {
  readonly hop: string;
  readonly p50: number;
  readonly p90: number;
  /** `model` hops apply to the per-transaction model only; detectors skip them. */
  readonly appliesTo: 'all' | 'model';
}

export interface MlBudgetResult {
  readonly hops: readonly MlHop[];
  readonly model: P50P90;
  readonly detectors: P50P90;
  readonly checkpointHops: number;
  readonly watermarkHops: number;
}

export interface FlinkStateRow {
  readonly name: string;
  readonly entries: number;
  readonly bytesPerEntry: number;
  /** On disk: (entry + RocksDB overhead) x space amplification. */
  readonly bytesPerEntryOnDisk: number;
  readonly totalBytes: number;
  readonly bytesWrittenPerTransaction: number;
}

export interface FlinkResult {
  readonly rows: readonly FlinkStateRow[];
  readonly totalStateBytes: number;
  readonly parallelism: number;
  readonly perTaskManagerBytes: number;
  /** Bytes uploaded by one incremental checkpoint of the scoring job at design rate, all TaskManagers. */
  readonly incrementalCheckpointBytes: number;
  readonly incrementalCheckpointPerTaskManagerBytes: number;
  readonly checkpointUploadSec: number;
  /** Download of one TaskManager's share from object storage after it is lost. */
  readonly restoreSec: number;
  /** Detection + reschedule + restore: time during which the job makes no progress. */
  readonly outageSec: number;
  /** Records to re-read: the outage plus up to one checkpoint interval of work lost. */
  readonly backlogRecords: number;
  readonly catchUpSec: number;
  /** Time until the ML path is current again after a TaskManager loss: its recovery time objective. */
  readonly recoverySec: number;
}

export interface CapacityResult {
  readonly assumptions: Assumptions;
  readonly contractTps: number;
  readonly designTps: number;
  readonly transactionsPerDay: number;
  readonly transactionsPerRetention: number;
  readonly expectedAverageTps: number;
  readonly expectedTransactionsPerDay: number;
  readonly populations: Readonly<Record<Population, number>>;
  readonly suspiciousPerDay: number;
  readonly suspiciousPerRetention: number;
  readonly review: {
    readonly expectedAlertsPerDay: number;
    /** k: alerts people can review per day. */
    readonly capacityPerDay: number;
    readonly reviewableShare: number;
  };
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
  readonly lakehouse: {
    readonly rows: readonly LakehouseRow[];
    readonly totalStoredBytes: number;
    readonly expectedTotalStoredBytes: number;
    readonly investigationStoreBytes: number;
  };
  readonly redis: readonly RedisResult[];
  readonly featureStoreComparison: {
    readonly redisRamBytes: number;
    readonly aerospikeIndexRamBytes: number;
    readonly records: number;
  };
  readonly services: readonly ServiceResult[];
  readonly errorBudgetMinutesPer30d: number;
  readonly errorBudgetHoursPerYear: number;
  readonly backlog: { readonly minutes: number; readonly records: number; readonly drainMinutes: number };
  readonly issuerBudget: IssuerBudgetResult;
  readonly endToEnd: EndToEndResult;
  readonly mlBudget: MlBudgetResult;
  readonly flink: FlinkResult;
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

/** The derived populations: cards from the expected daily volume, cardholders from cards. */
export function populationsFor(a: Assumptions): Record<Population, number> {
  const activeCards = perDay(a.contractTps / a.peakToAverageRatio) / a.entities.transactionsPerActiveCardPerDay;
  return {
    activeCards,
    cardholders: activeCards / a.entities.cardsPerCardholder,
    merchants: a.entities.merchants,
    contractTransactionsPerHour: a.contractTps * 3_600,
    contractTransactionsPerDay: perDay(a.contractTps),
  };
}

export function resolveCount(c: Count, populations: Readonly<Record<Population, number>>): number {
  return typeof c === 'number' ? c : populations[c.per] * c.times;
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

/**
 * Delay before a record written by an exactly-once Flink job is visible to read_committed consumers:
 * it waits for the next checkpoint to start (uniform over the interval) and to complete.
 */
export function checkpointVisibilitySec(intervalSec: number, duration: P50P90): P50P90 {
  return { p50: intervalSec * 0.5 + duration.p50, p90: intervalSec * 0.9 + duration.p90 };
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((s, x) => s + f(x), 0);
}

function issuerBudget(hops: readonly IssuerHop[]): IssuerBudgetResult {
  const part = (hs: readonly IssuerHop[]) => ({
    p50: sum(hs, (h) => h.p50),
    p99: sum(hs, (h) => h.p99),
    p999: sum(hs, (h) => h.p999),
    timeout: sum(hs, (h) => h.timeout),
  });
  const all = part(hops);
  return {
    hops,
    p50Total: all.p50,
    p99Total: all.p99,
    p999Total: all.p999,
    worstCaseTotal: sum(hops, (h) => (h.timeout > 0 ? h.timeout : h.p999)),
    platform: part(hops.filter((h) => h.owner === 'platform')),
    inlineModel: part(hops.filter((h) => h.inlineModel)),
  };
}

/** The ML path's hops in order: every Flink job in sequence adds its watermark delay and its checkpoint. */
export function mlPathHops(m: Assumptions['mlPath']): MlHop[] {
  const hops: MlHop[] = [{ hop: 'Consumer lag on transaction-decisions, steady state', ...m.consumerLagSec, appliesTo: 'all' }];
  for (const j of m.jobs) {
    hops.push({ hop: `${j.name}: watermark delay, bounded out-of-orderness`, ...j.watermarkDelaySec, appliesTo: 'all' });
    hops.push({ hop: `${j.name}: processing`, ...j.processingSec, appliesTo: 'all' });
    if (j.callsModel) hops.push({ hop: 'Model inference via async I/O, champion + shadow in one batch', ...m.modelInferenceSec, appliesTo: 'model' });
    hops.push({
      hop: `${j.name}: exactly-once visibility, checkpoint every ${fmtNum(j.checkpointIntervalSec)} s`,
      ...checkpointVisibilitySec(j.checkpointIntervalSec, j.checkpointDurationSec),
      appliesTo: 'all',
    });
  }
  hops.push({ hop: 'Blocklist manager: precedence, TTL, version, audit (Kafka Streams, exactly-once)', ...m.blocklistManagerSec, appliesTo: 'all' });
  hops.push({ hop: 'Compacted blocklist topic to Redis via Connect sink', ...m.redisSinkSec, appliesTo: 'all' });
  return hops;
}

function mlBudget(m: Assumptions['mlPath']): MlBudgetResult {
  const hops = mlPathHops(m);
  const total = (hs: readonly MlHop[]): P50P90 => ({ p50: sum(hs, (h) => h.p50), p90: sum(hs, (h) => h.p90) });
  return {
    hops,
    model: total(hops),
    detectors: total(hops.filter((h) => h.appliesTo === 'all')),
    checkpointHops: hops.filter((h) => h.hop.includes('exactly-once visibility')).length,
    watermarkHops: hops.filter((h) => h.hop.includes('watermark delay')).length,
  };
}

function flinkSizing(a: Assumptions, populations: Readonly<Record<Population, number>>, designTps: number): FlinkResult {
  const f = a.flink;
  const rows: FlinkStateRow[] = f.state.map((s) => {
    const entries = resolveCount(s.entries, populations);
    const bytesPerEntryOnDisk = (s.bytesPerEntry + f.rocksdbOverheadBytesPerEntry) * f.spaceAmplification;
    return {
      name: s.name,
      entries,
      bytesPerEntry: s.bytesPerEntry,
      bytesPerEntryOnDisk,
      totalBytes: entries * bytesPerEntryOnDisk,
      bytesWrittenPerTransaction: s.bytesWrittenPerTransaction,
    };
  });
  const totalStateBytes = sum(rows, (r) => r.totalBytes);
  const perTaskManagerBytes = totalStateBytes / f.taskManagers;
  const scoring = a.mlPath.jobs[0];
  const intervalSec = scoring?.checkpointIntervalSec ?? 0;
  const writtenPerTransaction = sum(f.state, (s) => (s.bytesWrittenPerTransaction > 0 ? s.bytesWrittenPerTransaction + f.rocksdbOverheadBytesPerEntry : 0));
  const incrementalCheckpointBytes = writtenPerTransaction * designTps * intervalSec * f.compactionRewriteFactor;
  const incrementalCheckpointPerTaskManagerBytes = incrementalCheckpointBytes / f.taskManagers;
  const restoreSec = perTaskManagerBytes / (f.restoreDownloadMBpsPerTaskManager * MB);
  const outageSec = f.failureDetectionSec + f.rescheduleSec + restoreSec;
  const backlogRecords = a.contractTps * (outageSec + intervalSec);
  const catchUpSec = backlogRecords / (designTps - a.contractTps);
  return {
    rows,
    totalStateBytes,
    parallelism: f.taskManagers * f.slotsPerTaskManager,
    perTaskManagerBytes,
    incrementalCheckpointBytes,
    incrementalCheckpointPerTaskManagerBytes,
    checkpointUploadSec: incrementalCheckpointPerTaskManagerBytes / (f.checkpointUploadMBpsPerTaskManager * MB),
    restoreSec,
    outageSec,
    backlogRecords,
    catchUpSec,
    recoverySec: outageSec + catchUpSec,
  };
}

export function validateAssumptions(a: Assumptions): void {
  const fail = (msg: string): never => {
    throw new RangeError(`invalid capacity assumptions: ${msg}`);
  };
  if (!(a.contractTps > 0)) fail('contractTps must be > 0');
  if (!(a.designHeadroomFactor >= 1)) fail('designHeadroomFactor must be >= 1');
  if (!(a.peakToAverageRatio >= 1)) fail('peakToAverageRatio must be >= 1');
  if (!(a.entities.transactionsPerActiveCardPerDay > 0)) fail('transactionsPerActiveCardPerDay must be > 0');
  if (!(a.entities.cardsPerCardholder >= 1)) fail('cardsPerCardholder must be >= 1');
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
    if (t.cleanup === 'compact' && !(typeof t.liveKeys !== 'number' || t.liveKeys > 0)) fail(`${t.name}: compacted topic needs liveKeys`);
    if (t.cleanup === 'delete' && !(t.retentionDays > 0)) fail(`${t.name}: delete topic needs retentionDays`);
    if (!(t.slowestConsumerRecordsPerSec > 0)) fail(`${t.name}: slowestConsumerRecordsPerSec must be > 0`);
  }
  if (!(a.slo.availability > 0 && a.slo.availability < 1)) fail('availability must be in (0, 1)');
  if (a.mlPath.jobs.length < 1) fail('the ML path needs at least one Flink job');
  if (a.flink.taskManagers % a.kafka.availabilityZones !== 0) fail('flink.taskManagers must be a multiple of availabilityZones');
  if (!(a.flink.spaceAmplification >= 1)) fail('flink.spaceAmplification must be >= 1');
  const decisions = a.topics[0];
  if (decisions) {
    const p = partitionsFor(
      a.contractTps * a.designHeadroomFactor * decisions.recordsPerTransaction,
      decisions.recordBytes,
      a.kafka.perPartitionWriteMBps,
      decisions.slowestConsumerRecordsPerSec,
      a.kafka.brokers,
    ).partitions;
    if (a.flink.taskManagers * a.flink.slotsPerTaskManager < p) fail('flink slots must cover the partitions of the decisions topic');
  }
}

export function computeCapacity(a: Assumptions): CapacityResult {
  validateAssumptions(a);
  const k = a.kafka;
  const designTps = a.contractTps * a.designHeadroomFactor;
  const transactionsPerDay = perDay(a.contractTps);
  const transactionsPerRetention = transactionsPerDay * a.retentionDays;
  const expectedAverageTps = a.contractTps / a.peakToAverageRatio;
  const populations = populationsFor(a);

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
    const liveKeys = resolveCount(t.liveKeys, populations);
    const logicalBytes = t.cleanup === 'compact' ? liveKeys * t.recordBytes : perDay(recordsPerSec) * t.recordBytes * t.retentionDays;
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
      retentionLabel: t.cleanup === 'compact' ? `compacted, ${fmtInt(liveKeys)} keys` : `${t.retentionDays} d`,
    };
  });

  const totalPartitions = sum(topics, (t) => t.partitions);
  const totalStorageBytes = sum(topics, (t) => t.brokerStorageBytes);
  const perBrokerStorageBytes = totalStorageBytes / k.brokers;
  // Network at design rate, compressed: producers write once; followers fetch RF-1 copies;
  // every consumer group reads the whole topic once.
  const produceMBpsCompressed = sum(a.topics, (t) => designTps * t.recordsPerTransaction * t.recordBytes) / MB / a.kafkaCompressionRatio.avro;
  const consumeMBpsCompressed =
    sum(a.topics, (t) => designTps * t.recordsPerTransaction * t.recordBytes * t.consumerGroups) / MB / a.kafkaCompressionRatio.avro;

  const lakehouseRow = (d: LakehouseDatasetAssumption, tps: number): LakehouseRow => {
    const rowsPerDay = perDay(tps) * d.rowsPerTransaction;
    const rawBytes = rowsPerDay * d.rowBytes * d.retentionDays;
    const parquetBytes = rawBytes / a.parquetCompressionRatio;
    return { name: d.name, rowsPerDay, retentionDays: d.retentionDays, rawBytes, parquetBytes, storedBytes: parquetBytes * a.lakehouseCopies };
  };
  const lakehouseRows = a.lakehouse.map((d) => lakehouseRow(d, a.contractTps));
  const investigationStoreBytes = sum(
    a.lakehouse.filter((d) => d.inInvestigationStore),
    (d) => (transactionsPerDay * d.rowsPerTransaction * d.rowBytes * a.investigationStore.retentionDays * a.investigationStore.replicas) / a.parquetCompressionRatio,
  );

  const redis: RedisResult[] = a.redis.map((r) => {
    const opsPerTransaction = sum(Object.values(r.opsPerTransaction), (n) => n);
    const keys = sum(r.keyspaces, (ks) => resolveCount(ks.keys, populations));
    const memoryBytes = sum(r.keyspaces, (ks) => resolveCount(ks.keys, populations) * ks.bytesPerKey);
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
      keys,
      shardsByOps,
      shardsByMemory,
      shards,
      nodes: shards * (1 + r.replicasPerShard),
    };
  });
  const featureStore = redis.find((r) => r.name === 'feature-store Redis');
  const featureStoreReplicas = a.redis.find((r) => r.name === 'feature-store Redis')?.replicasPerShard ?? 1;

  const services: ServiceResult[] = a.services.map((s) => ({
    name: s.name,
    unit: s.unit,
    perTransaction: s.perTransaction,
    ...instancesFor(a.contractTps * s.perTransaction, designTps * s.perTransaction, s.perInstancePerSec, k.availabilityZones),
  }));

  const backlogRecords = a.contractTps * a.backlogMinutes * 60;
  const issuer = issuerBudget(a.issuerHopsMs);
  const legsP50 = sum(a.networkLegsMs, (l) => l.p50);
  const legsP90 = sum(a.networkLegsMs, (l) => l.p90);
  const expectedAlertsPerDay = perDay(expectedAverageTps) * a.suspiciousFraction;
  const reviewCapacityPerDay = a.review.analysts * a.review.casesPerAnalystPerDay;

  return {
    assumptions: a,
    contractTps: a.contractTps,
    designTps,
    transactionsPerDay,
    transactionsPerRetention,
    expectedAverageTps,
    expectedTransactionsPerDay: perDay(expectedAverageTps),
    populations,
    suspiciousPerDay: transactionsPerDay * a.suspiciousFraction,
    suspiciousPerRetention: transactionsPerRetention * a.suspiciousFraction,
    review: { expectedAlertsPerDay, capacityPerDay: reviewCapacityPerDay, reviewableShare: reviewCapacityPerDay / expectedAlertsPerDay },
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
      totalStoredBytes: sum(lakehouseRows, (r) => r.storedBytes),
      expectedTotalStoredBytes: sum(
        a.lakehouse.map((d) => lakehouseRow(d, expectedAverageTps)),
        (r) => r.storedBytes,
      ),
      investigationStoreBytes,
    },
    redis,
    featureStoreComparison: {
      records: featureStore?.keys ?? 0,
      redisRamBytes: (featureStore?.memoryBytes ?? 0) * (1 + featureStoreReplicas),
      aerospikeIndexRamBytes: (featureStore?.keys ?? 0) * a.aerospikeIndexBytesPerRecord * (1 + featureStoreReplicas),
    },
    services,
    errorBudgetMinutesPer30d: (1 - a.slo.availability) * 30 * 24 * 60,
    errorBudgetHoursPerYear: (1 - a.slo.availability) * 365 * 24,
    // During the drain the backlog shrinks at (design - contract) records/s.
    backlog: { minutes: a.backlogMinutes, records: backlogRecords, drainMinutes: backlogRecords / (designTps - a.contractTps) / 60 },
    issuerBudget: issuer,
    endToEnd: {
      legs: a.networkLegsMs,
      p50Total: legsP50 + issuer.p50Total,
      p90Bound: legsP90 + issuer.p99Total,
      worstCaseTotal: legsP90 + issuer.worstCaseTotal,
    },
    mlBudget: mlBudget(a.mlPath),
    flink: flinkSizing(a, populations, designTps),
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

/** Seconds with at most one decimal: 5.5 -> "5.5", 6 -> "6". */
function fmtSec(n: number): string {
  return fmtNum(n, 1);
}

function fmtPct(share: number, digits = 2): string {
  return `${fmtNum(share * 100, digits)} %`;
}

function fmtDuration(sec: number): string {
  return sec >= 90 ? `${fmtNum(sec, 0)} s (${fmtNum(sec / 60, 1)} min)` : `${fmtNum(sec, 1)} s`;
}

export function renderCapacityTables(r: CapacityResult): string {
  const a = r.assumptions;
  const k = a.kafka;
  const f = a.flink;
  const pop = r.populations;
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
        ['Peak-hour / daily-average', `${fmtNum(a.peakToAverageRatio)}`, 'the expected — not worst-case — volume, and the portfolio behind it'],
        ['Authorisations per active card per day', `${fmtNum(a.entities.transactionsPerActiveCardPerDay)}`, 'portfolio assumption; the card count is derived from it (C2), not assumed separately'],
        ['Cards per cardholder', `${fmtNum(a.entities.cardsPerCardholder)}`, 'credit, debit and virtual cards of one customer'],
        ['Merchants seen in 90 days', fmtInt(a.entities.merchants), 'distinct card acceptors in our cardholders\' authorisations'],
        ['Stored fact, transaction + decision', `${fmtInt(a.storedRecordBytes.json)} B JSON, ${fmtInt(a.storedRecordBytes.avro)} B Avro`, 'record incl. issuer fields (entry mode, CVM, MCC, 3-D Secure, network score), the inline model\'s logged profile features, key, headers, batch overhead'],
        ['Kafka zstd ratio', `${fmtNum(a.kafkaCompressionRatio.json)} JSON, ${fmtNum(a.kafkaCompressionRatio.avro)} Avro`, 'tokens and UUIDs compress poorly; JSON field names compress well'],
        ['Parquet ratio vs Avro', `${fmtNum(a.parquetCompressionRatio)}`, 'columnar dictionary encoding of merchant, MCC, country, entry mode'],
        ['Lakehouse copies', `${fmtInt(a.lakehouseCopies)}`, 'primary region + DR region replica'],
        ['Kafka', `${k.brokers} brokers in ${k.availabilityZones} AZs, RF ${k.replicationFactor}, min ISR ${k.minInsyncReplicas}`, 'one replica per AZ; acks=all waits for every in-sync replica, min ISR is the floor below which writes are refused'],
        ['Planning write per partition', `${fmtNum(k.perPartitionWriteMBps)} MB/s`, 'deliberately low: leaves room for replication and catch-up reads'],
        ['Broker disk fill target', `${fmtNum(k.diskFillTarget * 100)} %`, 'room for a broker loss and reassignment'],
        ['Suspicious fraction', `${fmtNum(a.suspiciousFraction * 100)} %`, 'transactions scored into the review band or above'],
        ['Analysts', `${fmtInt(a.review.analysts)} × ${fmtInt(a.review.casesPerAnalystPerDay)} cases/day`, 'the k of precision at k (ml-strategy.md §9)'],
        ['Card networks\' issuer response limit', `${fmtInt(a.slo.networkIssuerTimeoutMs)} ms`, 'planning value; real limits differ by network, region and transaction type, after which the network answers in stand-in'],
        ['Flink scoring job', `${f.taskManagers} TaskManagers × ${f.slotsPerTaskManager} slots`, 'one slot per partition of the decisions topic; spread over the AZs, plus a spare TaskManager per AZ'],
        ['Backlog to absorb', `${fmtInt(a.backlogMinutes)} min`, 'ML-path outage the design must drain'],
      ],
    ),
  );

  h('C2. Volume and portfolio');
  out.push(
    table(
      ['Quantity', 'Value'],
      [
        ['Transactions per day at contract rate', fmtInt(r.transactionsPerDay)],
        [`Transactions in ${a.retentionDays} days`, fmtInt(r.transactionsPerRetention)],
        ['Expected average rate if the contract rate is the peak hour', `${fmtInt(r.expectedAverageTps)} TPS`],
        ['Expected transactions per day', fmtInt(r.expectedTransactionsPerDay)],
        [`Active cards = expected transactions per day ÷ ${fmtNum(a.entities.transactionsPerActiveCardPerDay)} per card`, fmtInt(pop.activeCards)],
        [`Cardholders = active cards ÷ ${fmtNum(a.entities.cardsPerCardholder)} cards each`, fmtInt(pop.cardholders)],
        ['Merchants seen in 90 days', fmtInt(pop.merchants)],
        ['Suspicious transactions per day at contract rate', fmtInt(r.suspiciousPerDay)],
        [`Suspicious transactions in ${a.retentionDays} days at contract rate`, fmtInt(r.suspiciousPerRetention)],
        ['Alerts per day at the expected volume', fmtInt(r.review.expectedAlertsPerDay)],
        ['Analyst reviews per day (k)', fmtInt(r.review.capacityPerDay)],
        ['Share of alerts people can review', fmtPct(r.review.reviewableShare)],
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
  const inv = a.lakehouse.filter((d) => d.inInvestigationStore).map((d) => `\`${d.name}\``);
  out.push(
    '',
    `Total stored at contract rate sustained: **${fmtBytes(r.lakehouse.totalStoredBytes)}**; at the expected average rate: ${fmtBytes(r.lakehouse.expectedTotalStoredBytes)}.`,
    '',
    `Investigation store (ClickHouse): the last ${fmtInt(a.investigationStore.retentionDays)} days of ${inv.join(', ')}, ` +
      `columnar at the Parquet ratio, × ${fmtInt(a.investigationStore.replicas)} replicas: ${fmtBytes(r.lakehouse.investigationStoreBytes)} at contract rate sustained.`,
  );

  h('C6. Redis');
  out.push(
    table(
      ['Cluster', 'Ops per transaction', 'Ops/s contract', 'Ops/s design', 'Keys', 'Memory, primaries', 'Shards: ops / memory / chosen', 'Nodes incl. replicas'],
      r.redis.map((x) => [
        x.name,
        fmtInt(x.opsPerTransaction),
        fmtInt(x.contractOpsPerSec),
        fmtInt(x.designOpsPerSec),
        fmtInt(x.keys),
        fmtBytes(x.memoryBytes),
        `${x.shardsByOps} / ${x.shardsByMemory} / **${x.shards}**`,
        fmtInt(x.nodes),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
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
        c.keyspaces.map((ks) => `${ks.name} ${fmtInt(resolveCount(ks.keys, pop))} × ${fmtInt(ks.bytesPerKey)} B`).join('; ') +
        `. Planning limits per shard: ${fmtInt(c.planningOpsPerShard)} ops/s, ${fmtBytes(c.planningMemoryPerShardBytes)}; minimum 3 primaries.`,
    );
  }
  const fc = r.featureStoreComparison;
  out.push(
    '',
    `Feature store in RAM, primaries + replicas: ${fmtBytes(fc.redisRamBytes)}. The same ${fmtInt(fc.records)} records in Aerospike's hybrid-memory layout ` +
      `(data on SSD, primary index in RAM at ${fmtInt(a.aerospikeIndexBytesPerRecord)} B per record, same copies): ${fmtBytes(fc.aerospikeIndexRamBytes)} of RAM (alternatives.md).`,
  );

  h('C7. Stateless tiers — survive one AZ at contract load');
  out.push(
    table(
      ['Tier', 'Per instance', 'Per transaction', 'For design load', 'For contract load with one AZ lost', 'Instances'],
      r.services.map((x, i) => [
        x.name,
        `${fmtInt(a.services[i]?.perInstancePerSec ?? 0)} ${x.unit}`,
        fmtNum(x.perTransaction),
        fmtInt(x.byDesignLoad),
        fmtInt(x.byZoneLoss),
        `**${x.instances}**`,
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push(
    '',
    `Flink scoring job: parallelism ${fmtInt(r.flink.parallelism)} = partitions of \`${a.topics[0]?.name ?? ''}\` (table C4), ` +
      `${f.taskManagers} TaskManagers × ${f.slotsPerTaskManager} slots; its state and recovery are in C11.`,
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

  const ib = r.issuerBudget;
  h('C9. Latency budget — authorisation inside the issuer, ms');
  out.push(
    table(
      ['Hop', 'Owner', 'P50', 'P99', 'P99.9', 'Timeout'],
      [
        ...ib.hops.map((x) => [
          x.inlineModel ? `${x.hop} ★` : x.hop,
          x.owner,
          fmtInt(x.p50),
          fmtInt(x.p99),
          fmtInt(x.p999),
          x.timeout > 0 ? fmtInt(x.timeout) : '—',
        ]),
        ['**Total, issuer side**', '', `**${fmtInt(ib.p50Total)}**`, `**${fmtInt(ib.p99Total)}**`, `**${fmtInt(ib.p999Total)}**`, ''],
        ['of which this platform', '', fmtInt(ib.platform.p50), fmtInt(ib.platform.p99), fmtInt(ib.platform.p999), fmtInt(ib.platform.timeout)],
        ['of which the inline model ★', '', fmtInt(ib.inlineModel.p50), fmtInt(ib.inlineModel.p99), fmtInt(ib.inlineModel.p999), fmtInt(ib.inlineModel.timeout)],
      ],
      ['l', 'l', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push(
    '',
    `Inline model: ${fmtInt(ib.inlineModel.timeout)} ms at its timeouts, budget ${fmtInt(a.slo.inlineModelMs)} ms. ` +
      `This platform's hops time out after ${fmtInt(ib.platform.timeout)} ms in total, inside the decide call's deadline of ${fmtInt(a.slo.decisionDeadlineMs)} ms. ` +
      `Issuer side with every timed hop at its timeout and the rest at P99.9: ${fmtInt(ib.worstCaseTotal)} ms, against the issuer's own response target of ` +
      `${fmtInt(a.slo.issuerResponseTargetMs)} ms and the networks' limit (planning value ${fmtInt(a.slo.networkIssuerTimeoutMs)} ms) after which stand-in processing answers instead.`,
  );
  const e = r.endToEnd;
  out.push(
    '',
    table(
      ['End to end, terminal to terminal (the brief\'s SLO)', 'P50 ms', 'P90 ms', 'Worst case ms'],
      [
        ...e.legs.map((l) => [l.leg, fmtInt(l.p50), fmtInt(l.p90), fmtInt(l.p90)]),
        ['Issuer side, from the table above (P90 column: its P99; worst case: timeouts)', fmtInt(ib.p50Total), fmtInt(ib.p99Total), fmtInt(ib.worstCaseTotal)],
        ['**Total**', `**${fmtInt(e.p50Total)}**`, `**${fmtInt(e.p90Bound)}**`, `**${fmtInt(e.worstCaseTotal)}**`],
      ],
      ['l', 'r', 'r', 'r'],
    ),
  );
  out.push('', `SLO: P50 ${fmtInt(a.slo.syncP50Ms)} ms, P90 ${fmtInt(a.slo.syncP90Ms)} ms.`);

  const ml = r.mlBudget;
  h('C10. Latency budget — asynchronous ML path, s');
  out.push(
    table(
      ['Hop', 'P50 s', 'P90 s', 'Applies to'],
      [
        ...ml.hops.map((x) => [x.hop, fmtSec(x.p50), fmtSec(x.p90), x.appliesTo === 'all' ? 'model and detectors' : 'model only']),
        ['**Total, per-transaction model**', `**${fmtSec(ml.model.p50)}**`, `**${fmtSec(ml.model.p90)}**`, ''],
        ['**Total, detectors (evaluated on each event)**', `**${fmtSec(ml.detectors.p50)}**`, `**${fmtSec(ml.detectors.p90)}**`, ''],
      ],
      ['l', 'r', 'r', 'l'],
    ),
  );
  out.push(
    '',
    `SLO: P50 ${fmtInt(a.slo.mlP50Sec)} s, P90 ${fmtInt(a.slo.mlP90Sec)} s. ${ml.watermarkHops} watermark delays and ${ml.checkpointHops} exactly-once checkpoints in sequence; ` +
      'a checkpoint makes a record visible after half an interval plus its duration at P50, nine tenths of an interval plus its duration at P90.',
  );
  out.push(
    '',
    'Per-hop percentiles do not add exactly; the sum is used as a conservative bound and each hop is measured separately (operations-monitoring.md).',
  );

  const fl = r.flink;
  h('C11. Flink state, checkpoints and recovery — scoring job');
  out.push(
    table(
      ['Keyed state (RocksDB)', 'Entries', 'Bytes per entry, serialised', 'Bytes per entry on disk', 'Total', 'Written per transaction'],
      [
        ...fl.rows.map((x) => [
          x.name,
          fmtInt(x.entries),
          fmtInt(x.bytesPerEntry),
          fmtNum(x.bytesPerEntryOnDisk, 1),
          fmtBytes(x.totalBytes),
          x.bytesWrittenPerTransaction > 0 ? `${fmtInt(x.bytesWrittenPerTransaction)} B` : '—',
        ]),
        ['**Total**', '', '', '', `**${fmtBytes(fl.totalStateBytes)}**`, ''],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push(
    '',
    `On disk per entry = (serialised + ${fmtInt(f.rocksdbOverheadBytesPerEntry)} B RocksDB overhead) × ${fmtNum(f.spaceAmplification)} space amplification.`,
  );
  const job0 = a.mlPath.jobs[0];
  out.push(
    '',
    table(
      ['Checkpoint and recovery', 'Value'],
      [
        [`State per TaskManager (${f.taskManagers})`, fmtBytes(fl.perTaskManagerBytes)],
        ['Full checkpoint = all live SST files, shared between incremental checkpoints', fmtBytes(fl.totalStateBytes)],
        [
          `Incremental checkpoint every ${fmtNum(job0?.checkpointIntervalSec ?? 0)} s at design rate, incl. × ${fmtNum(f.compactionRewriteFactor)} compaction rewrites`,
          `${fmtBytes(fl.incrementalCheckpointBytes)}, ${fmtBytes(fl.incrementalCheckpointPerTaskManagerBytes)} per TaskManager`,
        ],
        [`Upload per TaskManager at ${fmtInt(f.checkpointUploadMBpsPerTaskManager)} MB/s`, fmtDuration(fl.checkpointUploadSec)],
        [`Restore after losing a TaskManager: its share at ${fmtInt(f.restoreDownloadMBpsPerTaskManager)} MB/s (survivors use local recovery)`, fmtDuration(fl.restoreSec)],
        [`No progress: detection ${fmtInt(f.failureDetectionSec)} s + reschedule ${fmtInt(f.rescheduleSec)} s + restore`, fmtDuration(fl.outageSec)],
        ['Backlog: the outage plus one checkpoint interval of lost work, at contract rate', `${fmtInt(fl.backlogRecords)} records`],
        ['Catch-up at design rate while traffic continues', fmtDuration(fl.catchUpSec)],
        ['**ML path current again (its RTO for a TaskManager loss)**', `**${fmtDuration(fl.recoverySec)}**`],
      ],
      ['l', 'r'],
    ),
  );

  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Generated block in capacity.md
// ---------------------------------------------------------------------------------------------

const MARKERS = blockMarkers('capacity');
export const BEGIN_MARKER = MARKERS.begin;
export const END_MARKER = MARKERS.end;

/** Text strictly between the markers; throws when they are missing, duplicated or out of order. */
export function extractGeneratedBlock(markdown: string): string {
  return extractBlock(markdown, MARKERS);
}

/** The exact text the block must hold for a rendered table set. */
export const blockFor = blockText;

export function replaceGeneratedBlock(markdown: string, rendered: string): string {
  return replaceBlock(markdown, MARKERS, rendered);
}

export const CAPACITY_MD = fileURLToPath(new URL('./capacity.md', import.meta.url));

function main(argv: readonly string[]): number {
  return generatedBlockCli(argv, CAPACITY_MD, MARKERS, renderCapacityTables(computeCapacity(ASSUMPTIONS)));
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = main(process.argv.slice(2));
}
