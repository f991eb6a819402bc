import { ConnectClient, ConnectError, curlForPut, loadConnectorConfig, type ApplyOutcome, type ConfigChange, type ConnectorConfig, type RunningResult } from './connect.ts';
import { backfillGeoIndex, type BackfillResult } from './geo-backfill.ts';
import { describeTopic, withAdmin, type PartitionState } from './kafka-admin.ts';
import { compareGeoIndex, compareMirror, lostUpdates, readStoreGeoIndex, readStoreHashes, type Difference, type MirrorReport, type RedisState } from './mirror-check.ts';
import { connectStore } from './redis-store.ts';
import type { CliResult, Runtime } from './runtime/types.ts';
import { foldTopic, geoRulesOf, type GeoRules } from './topic-fold.ts';
import { waitFor } from './wait.ts';
import type { Ledger } from '../../producer/src/index.ts';
import type { LocationEvent } from '../../shared/event.ts';
import type { ConnectAccess } from '../../shared/security.ts';

/*
 * The pipeline's actions. Each does one thing to the stack and returns what happened; none writes
 * evidence (scripts/lib/report.ts turns the results into REPORT.md and printed lines, and
 * scripts/lib/steps.ts pairs the two). `progress` callbacks carry what a long wait has to say while it waits.
 */

export interface StackStarted {
  ms: number;
  topology: string;
}

/** Every service of the runtime started and ready. */
export async function startStack(rt: Runtime, progress: (line: string) => void): Promise<StackStarted> {
  const t0 = Date.now();
  await rt.up(progress);
  const ms = Date.now() - t0;
  return { ms, topology: await rt.topology() };
}

/** What deploying the connector will send, before anything is sent. */
export interface ConnectorPlan {
  name: string;
  config: ConnectorConfig;
  /** The worker's environment, which resolves the config's ${env:…} references. */
  env: Record<string, string>;
  connectUrl: string;
  /** The REST API and its credentials (basic authentication when security is on). */
  connect: ConnectAccess;
  /** What a printed curl adds to read the credentials (the password itself is never printed). */
  curlAuth: string;
  curl: string;
}

export function planConnector(rt: Runtime): ConnectorPlan {
  const name = rt.stack.connect.connectorName;
  const config = loadConnectorConfig(rt.stack, name);
  return { name, config, env: rt.connectEnv, connectUrl: rt.addresses.connectUrl, connect: rt.access.connect(), curlAuth: rt.access.curlAuthDisplay(), curl: curlForPut(rt.addresses.connectUrl, name, config, rt.access.curlAuthDisplay()) };
}

/** Creates or updates the connector's config; a PUT restarts the connector even with an identical config, so it compares first. */
export async function applyConnectorConfig(plan: ConnectorPlan): Promise<{ outcome: ApplyOutcome; changes: ConfigChange[] }> {
  return new ConnectClient(plan.connect).applyConfig(plan.name, plan.config);
}

/**
 * `make up` promises a RUNNING connector: one left STOPPED (an interrupted rebuild-redis) or PAUSED
 * keeps that target state across restarts, so resume it. Returns the state it resumed from, if any.
 */
export async function resumeIfHalted(plan: ConnectorPlan): Promise<'STOPPED' | 'PAUSED' | undefined> {
  const client = new ConnectClient(plan.connect);
  const state = await client.status(plan.name).then(
    (s) => s.connector.state,
    (err: unknown) => {
      // Just created: no status record yet, so nothing to resume.
      if (err instanceof ConnectError && err.status === 404) return undefined;
      throw err;
    },
  );
  if (state !== 'STOPPED' && state !== 'PAUSED') return undefined;
  await client.resume(plan.name);
  return state;
}

export function waitConnectorRunning(plan: ConnectorPlan, opts: { timeoutMs?: number; progress: (line: string) => void }): Promise<RunningResult> {
  return new ConnectClient(plan.connect).waitRunning(plan.name, Number(plan.config['tasks.max'] ?? '1'), { timeoutMs: opts.timeoutMs, log: opts.progress });
}

export interface GeoBackfill extends BackfillResult {
  key: string;
  rules: GeoRules;
}

/** Drivers written before the GEO index existed join it only with their next event: bring it in line now. */
export async function backfillGeo(rt: Runtime, plan: ConnectorPlan): Promise<GeoBackfill | undefined> {
  const geo = geoRulesOf(plan.config);
  // A Redis Cluster is new with the bucketed keys: its sink kept the GEO sets from its first write, nothing predates them.
  if (geo === undefined || rt.stack.redis.mode === 'cluster') return undefined;
  const r = await backfillGeoIndex(rt.access.redis('admin'), { geoKey: geo.key, keyPrefix: rt.stack.redisKeyPrefix, rules: geo.rules });
  return { ...r, key: geo.key, rules: geo.rules };
}

/** Waits until Redis holds, for every driver, at least the event the producer last had acknowledged. */
export async function waitForSink(rt: Runtime, expected: LocationEvent[], timeoutMs = 180_000): Promise<number> {
  const t0 = Date.now();
  // Auto-pipelined: the HGETs in flight go as one pipeline per node (one Redis, or each cluster primary).
  const store = await connectStore(rt.access.redis('app'), rt.stack, { enableAutoPipelining: true });
  const redis = store.client;
  try {
    await waitFor(
      async () => {
        const stamps = await Promise.all(expected.map((e) => redis.hget(store.keys.hashKey(e.driver_id), 'timestamp')));
        return expected.every((e, i) => Number(stamps[i] ?? 0) >= e.timestamp);
      },
      { what: `Redis at ${rt.addresses.redisUrl} to hold the last acknowledged event of ${expected.length} drivers`, timeoutMs, maxIntervalMs: 500 },
    );
  } finally {
    redis.disconnect();
  }
  return Date.now() - t0;
}

export interface MirrorCheck extends MirrorReport {
  state: RedisState;
  records: number;
  tombstones: number;
  unreadable: number;
  superseded: number;
  /** The GEO index, when the connector keeps one (redis.geo.key): its key and member count. */
  geo?: { key: string; members: number };
}

/**
 * Topic folded to its last value per key vs every driver hash in Redis, and, when the connector keeps
 * a GEO index, that index vs the hashes. The sink's GEO settings come from the connector config that
 * make up deploys, so the fold rejects exactly the records the sink rejects.
 */
export async function mirrorCheck(rt: Runtime): Promise<MirrorCheck> {
  const geo = geoRulesOf(loadConnectorConfig(rt.stack));
  // Read-only principals: the topic as reader, Redis as app (reads driver:* and the GEO index only).
  const fold = await foldTopic(rt.access.kafka('reader'), rt.stack.topics.locations, undefined, { geo: geo?.rules });
  // One Redis, or every primary of a Redis Cluster: the hashes keyed <prefix><id> either way.
  const store = await connectStore(rt.access.redis('app'), rt.stack);
  try {
    const prefix = rt.stack.redisKeyPrefix;
    const state = await readStoreHashes(store);
    const report = compareMirror(fold.fold, state, prefix, fold.last);
    const counts = { state, records: fold.records, tombstones: fold.tombstones, unreadable: fold.unreadable, superseded: fold.superseded };
    if (geo === undefined) return { ...report, ...counts };
    const { index, misplaced } = await readStoreGeoIndex(store);
    const differences = [...report.differences, ...misplaced, ...compareGeoIndex(state, index, prefix, geo.key, geo.rules)];
    return { ...report, differences, ...counts, geo: { key: store.keys.clustered ? `${geo.key}:{…} (${store.keys.buckets} buckets)` : geo.key, members: index.size } };
  } finally {
    store.disconnect();
  }
}

export interface MirrorVerdict {
  ok: boolean;
  check: MirrorCheck;
  /** The producer's ledger, when one was given: its size and the acknowledged updates Redis does not hold. */
  ledger?: { drivers: number; lost: Difference[] };
}

/** The mirror check, and with a ledger the lost-update check: true when Redis mirrors the topic exactly. */
export async function verifyMirror(rt: Runtime, ledger?: Ledger): Promise<MirrorVerdict> {
  const check = await mirrorCheck(rt);
  let ok = check.differences.length === 0 && check.matching === check.expected;
  if (ledger === undefined) return { ok, check };
  const lost = lostUpdates(ledger.entries(), check.state, rt.stack.redisKeyPrefix);
  ok &&= lost.length === 0;
  return { ok, check, ledger: { drivers: ledger.size, lost } };
}

export interface RedisSnapshot {
  /** SCAN over the driver keys (DBSIZE also counts non-driver keys): one per primary (one Redis: one). */
  scans: CliResult[];
  keys: string[];
  dbsizes: CliResult[];
  /** HGETALL of the first `samples` driver keys. */
  samples: CliResult[];
}

/**
 * What redis-cli shows of the drivers: their keys by SCAN, DBSIZE, a few hashes. On a Redis Cluster SCAN and
 * DBSIZE see one node: each primary is asked, and the samples are read with -c (which follows a MOVED).
 */
export async function redisSnapshot(rt: Runtime, samples = 3): Promise<RedisSnapshot> {
  const clustered = rt.stack.redis.mode === 'cluster';
  let ports = [rt.stack.ports.redis];
  if (clustered) {
    const store = await connectStore(rt.access.redis('app'), rt.stack);
    ports = store.primaries().map((n) => Number(n.options.port)).sort((a, b) => a - b);
    store.disconnect();
  }
  const scans: CliResult[] = [];
  const dbsizes: CliResult[] = [];
  for (const port of ports) {
    scans.push(await rt.redisCli(['--scan', '--pattern', `${rt.stack.redisKeyPrefix}*`], 'app', port));
    dbsizes.push(await rt.redisCli(['DBSIZE'], 'app', port));
  }
  const keys = scans.flatMap((s) => s.stdout.split('\n').filter(Boolean)).sort();
  const shown: CliResult[] = [];
  for (const key of keys.slice(0, samples)) shown.push(await rt.redisCli([...(clustered ? ['-c'] : []), 'HGETALL', key]));
  return { scans, keys, dbsizes, samples: shown };
}

/** Leaders, replicas and ISR of every partition of `topic`. */
export function partitions(rt: Runtime, topic: string): Promise<PartitionState[]> {
  return describeTopic(rt.access.kafka('monitor'), topic);
}

/** Offsets written to `topic` so far (high minus low watermark, summed over partitions): what compaction is measured against. */
export async function topicOffsets(rt: Runtime, topic: string): Promise<number> {
  const span = await withAdmin(rt.access.kafka('monitor'), (a) => a.fetchTopicOffsets(topic));
  return span.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}
