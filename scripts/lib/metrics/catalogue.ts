import type { Stack } from '../../../shared/stack.ts';

/**
 * Every metric the project reads, named once. The exporters define them (config/jmx/*.yaml for Kafka
 * and Connect, connector/ for the sink's, producer/src/metrics.ts for the producer's, redis_exporter);
 * everything that queries them (dashboard JSON, alert rules, live view, timeline, map banner, chaos,
 * tests) goes through the queries below, so a renamed metric is one edit here, and
 * test/unit/metric-catalogue.test.ts names every dashboard or alert query that still spells the old one.
 */
export const METRICS = {
  /** Prometheus's own per-target health: present for every configured target, 0 while it is down. */
  up: 'up',
  alerts: 'ALERTS',
  // Kafka brokers (config/jmx/kafka-broker.yaml).
  underReplicated: 'kafka_server_replicamanager_underreplicatedpartitions',
  atMinIsr: 'kafka_server_replicamanager_atminisrpartitioncount',
  underMinIsr: 'kafka_server_replicamanager_underminisrpartitioncount',
  leaderCount: 'kafka_server_replicamanager_leadercount',
  partitionCount: 'kafka_server_replicamanager_partitioncount',
  reassigningPartitions: 'kafka_server_replicamanager_reassigningpartitions',
  replicationBytesIn: 'kafka_server_brokertopicmetrics_replicationbytesinpersec_total',
  isrShrinks: 'kafka_server_replicamanager_isrshrinkspersec_total',
  isrExpands: 'kafka_server_replicamanager_isrexpandspersec_total',
  offlinePartitions: 'kafka_controller_offlinepartitionscount',
  activeControllers: 'kafka_controller_activecontrollercount',
  raftLeader: 'kafka_raft_current_leader',
  messagesIn: 'kafka_server_brokertopicmetrics_messagesinpersec_total',
  requestTime: 'kafka_network_request_total_time_ms',
  logSize: 'kafka_log_size_bytes',
  // Kafka Connect (config/jmx/kafka-connect.yaml).
  connectorStatus: 'kafka_connect_connector_status',
  connectorTasks: 'kafka_connect_connector_tasks',
  sinkRecordsRead: 'kafka_connect_sink_records_read_total',
  consumerLag: 'kafka_consumer_records_lag',
  dlqProduceRequests: 'kafka_connect_task_error_deadletterqueue_produce_requests',
  // The Redis sink (connector/), through Connect's JMX exporter.
  sinkWritten: 'rastro_sink_records_written',
  sinkSkippedStale: 'rastro_sink_records_skipped_stale',
  sinkInvalid: 'rastro_sink_records_invalid',
  freshnessP50: 'rastro_sink_freshness_p50_ms',
  freshnessP99: 'rastro_sink_freshness_p99_ms',
  freshnessMax: 'rastro_sink_freshness_max_ms',
  freshnessLast: 'rastro_sink_freshness_last_ms',
  // Cumulative age buckets (le in ms) of the written records: when the sink's put() received them, and once written.
  receivedAgeBucket: 'rastro_sink_received_age_ms',
  writtenAgeBucket: 'rastro_sink_written_age_ms',
  // The producer (producer/src/metrics.ts).
  producerSent: 'rastro_producer_events_sent_total',
  producerFailed: 'rastro_producer_events_failed_total',
  producerRejected: 'rastro_producer_events_rejected_total',
  producerLate: 'rastro_producer_late_events_total',
  producerLatencyBucket: 'rastro_producer_send_latency_seconds_bucket',
  // redis_exporter.
  redisKeys: 'redis_keys_count',
  redisCommands: 'redis_commands_total',
  redisInstanceInfo: 'redis_instance_info',
} as const;

const M = METRICS;

/** Scrape state of the Kafka nodes: one series per configured node (file_sd from stack.ts), 1 or 0. */
const brokerScrapes = `${M.up}{job="kafka"}`;
/** The sink's consumers: Connect names them connector-consumer-<connector>-<task>. */
const sinkLag = `${M.consumerLag}{client_id=~"connector-consumer-.*"}`;
const producerRate = (metric: string, window: string) => `sum(rate(${metric}[${window}]))`;
const producerLatency = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(${M.producerLatencyBucket}[1m])))`;

/**
 * Named PromQL queries. The dashboard JSON and config/prometheus/alerts.yml spell them out (Grafana and
 * Prometheus cannot import TypeScript); a unit test checks that every query there is one of these.
 */
export const QUERIES = {
  // Cluster health.
  /** Kafka nodes answering scrapes now (drops with a stopped node, unlike a metadata count). */
  brokersUp: `count(${brokerScrapes} == 1) or vector(0)`,
  /** Kafka nodes configured as scrape targets: stays whole while a node is down (its `up` is 0, not absent). */
  brokersConfigured: `count(${brokerScrapes})`,
  brokerScrapeState: brokerScrapes,
  brokerDown: `${brokerScrapes} == 0`,
  brokerRestarted: `changes(${brokerScrapes}[15s]) > 0 and ${brokerScrapes} == 1`,
  /** Every configured node answers and no partition is under-replicated: the cluster has recovered. */
  clusterWhole: `sum(${M.underReplicated}) == 0 and count(${brokerScrapes} == 1) == count(${brokerScrapes})`,
  serviceScrapeState: `${M.up}{job=~"kafka|connect|redis"}`,
  producerScraped: `${M.up}{job="producer"} == 1`,
  activeControllers: `sum(${M.activeControllers})`,
  quorumLeader: `max(${M.raftLeader})`,
  underReplicated: `sum(${M.underReplicated})`,
  underReplicatedPerBroker: M.underReplicated,
  underReplicatedByService: `sum by (service) (${M.underReplicated})`,
  atMinIsr: `sum(${M.atMinIsr})`,
  underMinIsr: `sum(${M.underMinIsr})`,
  offlinePartitions: `max(${M.offlinePartitions})`,
  leadersPerBroker: M.leaderCount,
  // Cluster size (make scale).
  replicasPerBroker: M.partitionCount,
  replicationBytesInPerBroker: `sum by (service) (rate(${M.replicationBytesIn}[30s]))`,
  reassigningPartitions: `sum(${M.reassigningPartitions}) or vector(0)`,
  isrShrinks: `sum by (service) (rate(${M.isrShrinks}[1m]))`,
  isrExpands: `sum by (service) (rate(${M.isrExpands}[1m]))`,
  produceRequestP99: `${M.requestTime}{request="Produce",stat="99thPercentile"}`,
  firingAlerts: `count(${M.alerts}{alertstate="firing"}) or vector(0)`,
  // Producer.
  producerAcked: producerRate(M.producerSent, '30s'),
  producerFailed: producerRate(M.producerFailed, '30s'),
  producerRejected: producerRate(M.producerRejected, '30s'),
  producerLate: producerRate(M.producerLate, '30s'),
  /** A shorter window for the chaos timeline and its warm-up: a stop shows within seconds. */
  producerAckedFast: producerRate(M.producerSent, '15s'),
  producerFailedFast: producerRate(M.producerFailed, '15s'),
  producing: `${producerRate(M.producerSent, '15s')} > 0`,
  producerLatencyP50: producerLatency(0.5),
  producerLatencyP99: producerLatency(0.99),
  // Connect and the Redis sink.
  tasksByState: `sum by (state) (${M.connectorTasks}{state=~"running|failed|paused"})`,
  connectorByStatus: `sum by (status) (${M.connectorStatus})`,
  connectorOrTaskFailed: `sum by (connector) (${M.connectorStatus}{status="failed"}) + sum by (connector) (${M.connectorTasks}{state="failed"})`,
  sinkRead: `sum(rate(${M.sinkRecordsRead}[30s]))`,
  sinkWritten: `sum(rate(${M.sinkWritten}[30s]))`,
  sinkSkippedStale: `sum(rate(${M.sinkSkippedStale}[30s]))`,
  sinkLag: `sum(${sinkLag})`,
  sinkLagByTopic: `sum by (topic) (${sinkLag})`,
  dlqSent: `sum(${M.dlqProduceRequests})`,
  sinkInvalid: `sum(${M.sinkInvalid})`,
  freshnessP50: `max(${M.freshnessP50})`,
  freshnessP99: `max(${M.freshnessP99})`,
  freshnessMax: `max(${M.freshnessMax})`,
  freshnessLast: `max(${M.freshnessLast})`,
  // Primaries only: a Redis Cluster's replicas replay the same writes (one Redis is its own primary).
  redisHsetRate: `sum(rate(${M.redisCommands}{cmd="hset"}[30s]) and on (instance) ${M.redisInstanceInfo}{role="master"})`,
} as const;

export type QueryName = keyof typeof QUERIES;

/**
 * The q-quantile (ms) of the written records' age over exactly the last `seconds`, at a stage of the sink: when its
 * put() received them, or once written. From the cumulative buckets, all tasks together; exact to a bucket.
 */
export function sinkAgeQuantile(stage: 'received' | 'written', q: number, seconds: number): string {
  return `histogram_quantile(${q}, sum by (le) (increase(${stage === 'received' ? M.receivedAgeBucket : M.writtenAgeBucket}[${seconds}s])))`;
}

/** The highest freshness the sink reported over the last `seconds` (bench: one figure per phase). */
export function freshnessMaxOver(seconds: number): string {
  return `max_over_time(${QUERIES.freshnessMax}[${seconds}s:1s])`;
}

/**
 * Queries that name the stack's topic or Redis keys (config/stack.env). The log size is summed over
 * the largest replica of each partition: one copy of the log whatever the replication factor, and it
 * does not drop while a node (and its replicas' series) is gone.
 */
export function stackQueries(stack: Pick<Stack, 'topics' | 'redisKeyPrefix'>) {
  const topic = `topic="${stack.topics.locations}"`;
  // Summed over the primaries: one Redis, or a cluster's three (its replicas hold copies).
  const driverKeys = `sum(${M.redisKeys}{key="${stack.redisKeyPrefix}*"} and on (instance) ${M.redisInstanceInfo}{role="master"})`;
  const logBytes = `sum(max by (partition) (${M.logSize}{${topic}}))`;
  return {
    messagesInPerBroker: `sum by (service) (rate(${M.messagesIn}{${topic}}[30s]))`,
    messagesIn: `sum(rate(${M.messagesIn}{${topic}}[30s]))`,
    logBytesOneReplica: logBytes,
    logBytesPerDriver: `${logBytes} / ${driverKeys}`,
    driverKeys,
  };
}

/** Every named query, for checks that a dashboard or rule uses only these. */
export function allQueries(stack: Pick<Stack, 'topics' | 'redisKeyPrefix'>): Map<string, string> {
  return new Map<string, string>([...Object.entries(QUERIES), ...Object.entries(stackQueries(stack))].map(([name, q]) => [q, name]));
}
