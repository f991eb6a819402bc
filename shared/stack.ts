import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnvFile } from './env-file.ts';

/** Repository root (one level above shared/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIG_DIR = join(ROOT, 'config');
export const STACK_ENV = join(CONFIG_DIR, 'stack.env');

/** A Kafka node's id: 1..NODE_COUNT (config/stack.env). */
export type NodeId = number;

/**
 * One port per node, derived from a base port: node id i listens on base + i − 1 (the offset is
 * already in `base`). `of` takes the voters (1..NODE_COUNT) and the broker-only ids make scale may add
 * (up to MAX_NODES), and refuses any other id rather than invent a port.
 */
export class NodePorts {
  constructor(
    readonly base: number,
    readonly nodeIds: readonly NodeId[],
    private readonly setting: string,
    readonly maxNodes: number = nodeIds.length,
  ) {}
  of(id: NodeId): number {
    if (!Number.isInteger(id) || id < 1 || id > this.maxNodes) throw new Error(`${this.setting}: no node ${id} (node ids are ${this.nodeIds.join(',')}, from NODE_COUNT, and up to ${this.maxNodes} with make scale, from MAX_NODES)`);
    return this.base + id - 1;
  }
  /** Every voter's port, in node id order. */
  get all(): number[] {
    return this.nodeIds.map((id) => this.of(id));
  }
}

export interface Stack {
  /** 1..NODE_COUNT: every node is a broker and a KRaft controller (voter). */
  nodeIds: readonly NodeId[];
  /** MAX_NODES: make scale adds broker-only nodes NODE_COUNT+1..this; their ports are reserved. */
  maxNodes: number;
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
  /** The sink's hash of applied offsets (field <topic>-<partition>), written with each record's data. */
  redisOffsetsKey: string;
  /** The fraud prototype's blocklist keys in Redis: <prefix><card>. */
  redisBlocklistPrefix: string;
  ports: {
    kafka: NodePorts;
    controller: NodePorts;
    connect: number;
    redis: number;
    prometheus: number;
    redisExporter: number;
    grafana: number;
    jmxExporter: NodePorts;
    jmxExporterConnect: number;
    producerMetrics: number;
    /** The app API and live map. */
    app: number;
  };
  /**
   * The serving store: one Redis (`single`, on ports.redis) or a Redis Cluster (`cluster`: 3 primaries and 3
   * replicas on `nodePorts`, the first being ports.redis). REDIS_MODE in stack.env, or in the environment.
   */
  redis: {
    mode: 'single' | 'cluster';
    /** The sink's buckets (redis.cluster.buckets): REDIS_CLUSTER_BUCKETS on a cluster, 0 on one Redis. */
    buckets: number;
    /** Every Redis process's port: one, or the cluster's six. */
    nodePorts: number[];
    /** Each cluster node's bus port (its port + 100); empty on one Redis. */
    busPorts: number[];
    /** One redis_exporter per Redis process: REDIS_EXPORTER_PORT + 0..5 on a cluster. */
    exporterPorts: number[];
  };
  /** Heap (-Xms = -Xmx) of each Kafka node and of Connect (KAFKA_HEAP, CONNECT_HEAP), in every runtime. */
  heaps: { kafka: string; connect: string };
  /** Extra flags of every Kafka node's and Connect's JVM, in both runtimes (JVM_FLAGS). */
  jvmFlags: string[];
  /** What loadStack added to every port from stack.env (RASTRO_PORT_OFFSET; 0 for docker). */
  portOffset: number;
  /** Raw variables, for compose's .env. */
  vars: Map<string, string>;
}

/**
 * Reads config/stack.env. `portOffset` shifts every port (native runtime only): a test stack
 * with RASTRO_PORT_OFFSET=10000 runs beside a demo stack without clashing.
 */
export function loadStack(opts: { file?: string; portOffset?: number; env?: NodeJS.ProcessEnv } = {}): Stack {
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
  // A JVM size as -Xmx takes it: digits and a unit.
  const heap = (k: string): string => {
    const v = str(k);
    if (!/^\d+[mMgG]$/.test(v)) throw new Error(`${file}: ${k}=${v} is not a heap size like 512m or 2g`);
    return v;
  };
  const nodeCount = Number(str('NODE_COUNT'));
  if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new Error(`${file}: NODE_COUNT=${str('NODE_COUNT')} is not a positive whole number`);
  const nodeIds: NodeId[] = Array.from({ length: nodeCount }, (_, i) => i + 1);
  const maxSetting = Number(vars.get('MAX_NODES') ?? nodeCount);
  if (!Number.isInteger(maxSetting) || maxSetting < 1) throw new Error(`${file}: MAX_NODES=${vars.get('MAX_NODES')} is not a positive whole number`);
  // A NODE_COUNT above MAX_NODES is still a valid cluster (of voters only): make scale just cannot grow it.
  const maxNodes = Math.max(nodeCount, maxSetting);
  // The base port must stay valid for the last node too: check base + MAX_NODES − 1.
  const perNode = (k: string): NodePorts => {
    const base = port(k);
    if (base + maxNodes - 1 > 65535) throw new Error(`${file}: ${k}=${str(k)} (+offset ${offset}) + MAX_NODES ${maxNodes} runs past 65535`);
    return new NodePorts(base, nodeIds, `${file}: ${k}`, maxNodes);
  };
  const ports: Stack['ports'] = {
    kafka: perNode('KAFKA_BASE_PORT'),
    controller: perNode('CONTROLLER_BASE_PORT'),
    connect: port('CONNECT_PORT'),
    redis: port('REDIS_PORT'),
    prometheus: port('PROMETHEUS_PORT'),
    redisExporter: port('REDIS_EXPORTER_PORT'),
    grafana: port('GRAFANA_PORT'),
    jmxExporter: perNode('JMX_EXPORTER_BASE_PORT'),
    jmxExporterConnect: port('JMX_EXPORTER_CONNECT_PORT'),
    producerMetrics: port('PRODUCER_METRICS_PORT'),
    app: port('APP_PORT'),
  };
  const redis = redisStore(vars, file, ports.redis, ports.redisExporter, opts.env ?? process.env);
  // The connector's redis.cluster.buckets (${stack:REDIS_SINK_BUCKETS}): 0 unless the mode is cluster.
  vars.set('REDIS_SINK_BUCKETS', String(redis.buckets));
  vars.set('REDIS_MODE', redis.mode);
  assertDistinctPorts(ports, file, nodeCount, maxNodes, redis);
  return {
    nodeIds,
    maxNodes,
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
    redisOffsetsKey: str('REDIS_OFFSETS_KEY'),
    redisBlocklistPrefix: str('REDIS_BLOCKLIST_PREFIX'),
    redis,
    heaps: { kafka: heap('KAFKA_HEAP'), connect: heap('CONNECT_HEAP') },
    jvmFlags: (vars.get('JVM_FLAGS') ?? '').split(/\s+/).filter(Boolean),
    ports,
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
    bootstrap: stack.ports.kafka.all.map((port) => `127.0.0.1:${port}`),
    connectUrl: `http://127.0.0.1:${stack.ports.connect}`,
    redisUrl: `redis://127.0.0.1:${stack.ports.redis}`,
    prometheusUrl: `http://127.0.0.1:${stack.ports.prometheus}`,
  };
}

/** Redis Cluster's shape here: 3 primaries, one replica each (issue 25). */
export const REDIS_CLUSTER_PRIMARIES = 3;
const REDIS_CLUSTER_NODES = REDIS_CLUSTER_PRIMARIES * 2;

/** REDIS_MODE (the environment's first, then stack.env's) and the ports it takes. */
function redisStore(vars: Map<string, string>, file: string, port: number, exporterPort: number, env: NodeJS.ProcessEnv): Stack['redis'] {
  const mode = env.REDIS_MODE || vars.get('REDIS_MODE') || 'single';
  if (mode !== 'single' && mode !== 'cluster') throw new Error(`REDIS_MODE=${mode} (${env.REDIS_MODE ? 'environment' : file}) is neither single nor cluster`);
  if (mode === 'single') return { mode, buckets: 0, nodePorts: [port], busPorts: [], exporterPorts: [exporterPort] };
  const buckets = Number(vars.get('REDIS_CLUSTER_BUCKETS'));
  // KeySpace.MAX_BUCKETS in the sink.
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1024) throw new Error(`${file}: REDIS_CLUSTER_BUCKETS=${vars.get('REDIS_CLUSTER_BUCKETS')} is not a whole number in 1..1024`);
  const nodePorts = Array.from({ length: REDIS_CLUSTER_NODES }, (_, i) => port + i);
  if (nodePorts.some((p) => p + 100 > 65535)) throw new Error(`${file}: REDIS_PORT=${port} leaves no room for the cluster's ${REDIS_CLUSTER_NODES} nodes and their bus ports (+100)`);
  return { mode, buckets, nodePorts, busPorts: nodePorts.map((p) => p + 100), exporterPorts: nodePorts.map((_, i) => exporterPort + i) };
}

/**
 * Every port a stack uses, per-node ranges included, must be its own: a larger NODE_COUNT or MAX_NODES
 * grows the ranges upward, and this names the first one that runs into another port. Node i's
 * INTERNAL listener (controller port + 100) is checked with them, and a Redis Cluster's node and bus ports.
 */
function assertDistinctPorts(ports: Stack['ports'], file: string, nodeCount: number, maxNodes: number, redis: Stack['redis']): void {
  const owner = new Map<number, string>();
  const ids = Array.from({ length: maxNodes }, (_, i) => i + 1);
  const ranges: Array<[string, number | NodePorts]> = [
    ...Object.entries(ports),
    ['internal listener', new NodePorts(ports.controller.base + 100, ports.controller.nodeIds, 'internal', maxNodes)],
    ...redis.nodePorts.slice(1).map((p, i): [string, number] => [`Redis Cluster node ${i + 2}`, p]),
    ...redis.busPorts.map((p, i): [string, number] => [`Redis Cluster bus of node ${i + 1}`, p]),
    ...redis.exporterPorts.slice(1).map((p, i): [string, number] => [`Redis exporter of cluster node ${i + 2}`, p]),
  ];
  for (const [name, value] of ranges) {
    const entries: Array<[string, number]> = value instanceof NodePorts ? ids.map((id) => [`${name} of node ${id}`, value.of(id)]) : [[name, value]];
    for (const [what, port] of entries) {
      const other = owner.get(port);
      if (other !== undefined) throw new Error(`${file}: port ${port} is both ${other} and ${what} (NODE_COUNT=${nodeCount}, MAX_NODES=${maxNodes}); move a base port`);
      owner.set(port, what);
    }
  }
}

/**
 * The node ids of config/stack.env's NODE_COUNT, for code that counts nodes without a Stack at hand
 * (argument checks, defaults). Code that has a Stack uses `stack.nodeIds`.
 */
export const NODE_IDS: readonly NodeId[] = loadStack().nodeIds;

/** A node's INTERNAL listener (inter-node and admin tools, mutual TLS): its controller port + 100. */
export function internalPort(stack: Stack, id: NodeId): number {
  return stack.ports.controller.of(id) + 100;
}
