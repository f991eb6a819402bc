import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnvFile } from './env-file.ts';

/** Repository root (one level above shared/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIG_DIR = join(ROOT, 'config');
export const STACK_ENV = join(CONFIG_DIR, 'stack.env');

export const NODE_IDS = [1, 2, 3] as const;
export type NodeId = (typeof NODE_IDS)[number];

export interface Stack {
  versions: { kafka: string; jmxExporter: string; connectBasicAuth: string };
  clusterId: string;
  topics: { locations: string; dlq: string; late: string };
  /** The fraud prototype's topics (fraud/). */
  fraudTopics: { transactions: string; decisions: string; blocklist: string; transactionsDlq: string };
  connect: { groupId: string; configTopic: string; offsetTopic: string; statusTopic: string; connectorName: string };
  redisKeyPrefix: string;
  /** Prefix of the sink's tombstone marker keys (redis.tombstone.key.prefix). */
  redisTombstonePrefix: string;
  /** The sink's GEO set of live, not-OFFLINE drivers (redis.geo.key). */
  redisGeoKey: string;
  /** The fraud prototype's blocklist keys in Redis: <prefix><card>. */
  redisBlocklistPrefix: string;
  ports: {
    kafka: Record<NodeId, number>;
    controller: Record<NodeId, number>;
    connect: number;
    redis: number;
    prometheus: number;
    redisExporter: number;
    grafana: number;
    jmxExporter: Record<NodeId, number>;
    jmxExporterConnect: number;
    producerMetrics: number;
    /** The app API and live map. */
    app: number;
  };
  /** What loadStack added to every port from stack.env (RASTRO_PORT_OFFSET; 0 for docker). */
  portOffset: number;
  /** Raw variables, for compose's .env. */
  vars: Map<string, string>;
}

/**
 * Reads config/stack.env. `portOffset` shifts every port (native runtime only): a test stack
 * with RASTRO_PORT_OFFSET=10000 runs beside a demo stack without clashing.
 */
export function loadStack(opts: { file?: string; portOffset?: number } = {}): Stack {
  const file = opts.file ?? STACK_ENV;
  const vars = parseEnvFile(readFileSync(file, 'utf8'), file);
  const offset = opts.portOffset ?? 0;
  const str = (k: string): string => {
    const v = vars.get(k);
    if (v === undefined || v === '') throw new Error(`${file}: ${k} is missing`);
    return v;
  };
  const port = (k: string): number => {
    const n = Number(str(k));
    if (!Number.isInteger(n) || n <= 0 || n + offset > 65535) throw new Error(`${file}: ${k}=${str(k)} (+offset ${offset}) is not a valid port`);
    return n + offset;
  };
  const perNode = (fmt: (id: NodeId) => string): Record<NodeId, number> => ({ 1: port(fmt(1)), 2: port(fmt(2)), 3: port(fmt(3)) });
  return {
    versions: { kafka: str('KAFKA_VERSION'), jmxExporter: str('JMX_EXPORTER_VERSION'), connectBasicAuth: str('CONNECT_BASIC_AUTH_VERSION') },
    clusterId: str('KAFKA_CLUSTER_ID'),
    topics: { locations: str('TOPIC_LOCATIONS'), dlq: str('TOPIC_DLQ'), late: str('TOPIC_LATE') },
    fraudTopics: { transactions: str('TOPIC_TRANSACTIONS'), decisions: str('TOPIC_DECISIONS'), blocklist: str('TOPIC_BLOCKLIST'), transactionsDlq: str('TOPIC_TRANSACTIONS_DLQ') },
    connect: {
      groupId: str('CONNECT_GROUP_ID'),
      configTopic: str('CONNECT_CONFIG_TOPIC'),
      offsetTopic: str('CONNECT_OFFSET_TOPIC'),
      statusTopic: str('CONNECT_STATUS_TOPIC'),
      connectorName: str('CONNECTOR_NAME'),
    },
    redisKeyPrefix: str('REDIS_KEY_PREFIX'),
    redisTombstonePrefix: str('REDIS_TOMBSTONE_PREFIX'),
    redisGeoKey: str('REDIS_GEO_KEY'),
    redisBlocklistPrefix: str('REDIS_BLOCKLIST_PREFIX'),
    ports: {
      kafka: perNode((i) => `KAFKA_${i}_PORT`),
      controller: perNode((i) => `CONTROLLER_${i}_PORT`),
      connect: port('CONNECT_PORT'),
      redis: port('REDIS_PORT'),
      prometheus: port('PROMETHEUS_PORT'),
      redisExporter: port('REDIS_EXPORTER_PORT'),
      grafana: port('GRAFANA_PORT'),
      jmxExporter: perNode((i) => `JMX_EXPORTER_${i}_PORT`),
      jmxExporterConnect: port('JMX_EXPORTER_CONNECT_PORT'),
      producerMetrics: port('PRODUCER_METRICS_PORT'),
      app: port('APP_PORT'),
    },
    portOffset: offset,
    vars,
  };
}

/** Host-side addresses of a running stack: what clients on this machine connect to (both runtimes). */
export interface Addresses {
  bootstrap: string[];
  connectUrl: string;
  redisUrl: string;
  prometheusUrl: string;
}

export function hostAddresses(stack: Stack): Addresses {
  return {
    bootstrap: NODE_IDS.map((id) => `127.0.0.1:${stack.ports.kafka[id]}`),
    connectUrl: `http://127.0.0.1:${stack.ports.connect}`,
    redisUrl: `redis://127.0.0.1:${stack.ports.redis}`,
    prometheusUrl: `http://127.0.0.1:${stack.ports.prometheus}`,
  };
}
