import { Redis } from 'ioredis';
import { ConnectClient, ConnectError, curlForPut, describeChange, loadConnectorConfig } from './connect.ts';
import type { Evidence } from './evidence.ts';
import { backfillGeoIndex } from './geo-backfill.ts';
import { describeTopic } from './kafka-admin.ts';
import { compareGeoIndex, compareMirror, DIFFERENCE_KINDS, lostUpdates, readDriverHashes, readGeoIndex, type MirrorReport, type RedisState } from './mirror-check.ts';
import type { Runtime } from './runtime/types.ts';
import { foldTopic, geoRulesOf } from './topic-fold.ts';
import { ensureTopics } from './topics.ts';
import { waitFor } from './wait.ts';
import type { LocationEvent } from '../../shared/event.ts';
import type { Ledger } from '../../producer/src/index.ts';

/** Services up, topics created, connector RUNNING: everything `make up` promises. */
export async function bringUp(rt: Runtime, ev: Evidence): Promise<void> {
  ev.section(`Start the ${rt.name} stack`);
  const t0 = Date.now();
  await rt.up((line) => ev.step(line));
  ev.ok(`all services ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  ev.block('text', await rt.topology(), 'Topology');
  await createTopics(rt, ev);
  await deployConnector(rt, ev);
}

export async function createTopics(rt: Runtime, ev: Evidence): Promise<void> {
  ev.section('Topics (config/topics.yaml)');
  for (const t of await ensureTopics(rt)) {
    ev.step(`${t.topic.name}: ${t.topic.purpose}`);
    ev.command(t.command, t.output);
    ev.command(`kafka-topics.sh --bootstrap-server ${rt.cliBootstrap} --describe --topic ${t.topic.name}`, t.describe);
  }
}

export async function deployConnector(rt: Runtime, ev: Evidence, opts: { timeoutMs?: number } = {}): Promise<void> {
  const name = rt.stack.connect.connectorName;
  ev.section(`Connector ${name} (config/connectors/${name}.json)`);
  const config = loadConnectorConfig(rt.stack, name);
  ev.block('json', JSON.stringify(config, null, 2), 'Connector configuration');
  ev.step(`the worker resolves \${env:…} from its environment: ${Object.entries(rt.connectEnv).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  ev.block('bash', curlForPut(rt.addresses.connectUrl, name, config), 'Equivalent curl (PUT creates or updates; sent only when the config changed)');
  const client = new ConnectClient(rt.addresses.connectUrl);
  // A PUT restarts the connector even with an identical config, so compare first.
  const { outcome, changes } = await client.applyConfig(name, config);
  if (outcome === 'unchanged') ev.ok(`connector config unchanged (GET ${rt.addresses.connectUrl}/connectors/${name}/config equals the file): not sent, connector not restarted`);
  else if (outcome === 'created') ev.ok(`connector config created (PUT ${rt.addresses.connectUrl}/connectors/${name}/config)`);
  else ev.ok(`connector config updated (PUT; Connect restarts the connector): ${changes.map(describeChange).join('; ')}`);
  await resumeIfHalted(client, name, ev);
  const { status, recoveries } = await client.waitRunning(name, Number(config['tasks.max'] ?? '1'), { timeoutMs: opts.timeoutMs, log: (l) => ev.step(l) });
  ev.block('json', JSON.stringify(status, null, 2), `curl -s ${rt.addresses.connectUrl}/connectors/${name}/status`);
  ev.ok(`connector ${name} RUNNING with ${status.tasks.length} tasks${recoveries.length > 0 ? ` after ${recoveries.length} restart(s) to clear a stale UNASSIGNED status` : ''}`);
  const geo = geoRulesOf(config);
  if (geo !== undefined) {
    // Drivers written before the index existed join it only with their next event: bring it in line now.
    const r = await backfillGeoIndex(rt.addresses.redisUrl, { geoKey: geo.key, keyPrefix: rt.stack.redisKeyPrefix, rules: geo.rules });
    const what = `GEO index ${geo.key} checked against ${r.checked} driver hashes and members`;
    if (r.set + r.removed === 0) ev.step(`${what}: in line`);
    else ev.ok(`${what}: ${r.set} members added or moved to their hash's position, ${r.removed} removed (no hash, ${geo.rules.excludeStatus} or no valid position)`);
  }
}

/**
 * `make up` promises a RUNNING connector: one left STOPPED (an interrupted rebuild-redis) or PAUSED
 * keeps that target state across restarts, so resume it, and say so.
 */
async function resumeIfHalted(client: ConnectClient, name: string, ev: Evidence): Promise<void> {
  const state = await client.status(name).then(
    (s) => s.connector.state,
    (err: unknown) => {
      // Just created: no status record yet, so nothing to resume.
      if (err instanceof ConnectError && err.status === 404) return undefined;
      throw err;
    },
  );
  if (state !== 'STOPPED' && state !== 'PAUSED') return;
  await client.resume(name);
  ev.step(`connector ${name} was ${state}: PUT ${client.baseUrl}/connectors/${name}/resume`);
}

/** Waits until Redis holds, for every driver, at least the event the producer last had acknowledged. */
export async function waitForSink(rt: Runtime, expected: LocationEvent[], timeoutMs = 180_000): Promise<number> {
  const t0 = Date.now();
  const redis = new Redis(rt.addresses.redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    await waitFor(
      async () => {
        const pipe = redis.pipeline();
        for (const e of expected) pipe.hget(`${rt.stack.redisKeyPrefix}${e.driver_id}`, 'timestamp');
        const replies = (await pipe.exec()) ?? [];
        const behind = expected.filter((e, i) => Number(replies[i]?.[1] ?? 0) < e.timestamp).length;
        return behind === 0 ? true : false;
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
  const fold = await foldTopic(rt.addresses.bootstrap, rt.stack.topics.locations, undefined, { geo: geo?.rules });
  const redis = new Redis(rt.addresses.redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    const prefix = rt.stack.redisKeyPrefix;
    const state = await readDriverHashes(redis, prefix);
    const report = compareMirror(fold.fold, state, prefix, fold.last);
    const counts = { state, records: fold.records, tombstones: fold.tombstones, unreadable: fold.unreadable, superseded: fold.superseded };
    if (geo === undefined) return { ...report, ...counts };
    const index = await readGeoIndex(redis, geo.key);
    const differences = [...report.differences, ...compareGeoIndex(state, index, prefix, geo.key, geo.rules)];
    return { ...report, differences, ...counts, geo: { key: geo.key, members: index.size } };
  } finally {
    redis.disconnect();
  }
}

/** The redis-cli evidence: driver count by SCAN (DBSIZE also counts non-driver keys), samples, one key's type. */
export async function redisSnapshot(rt: Runtime, ev: Evidence, samples = 3): Promise<number> {
  ev.section('Redis: one current record per driver (redis-cli)');
  const pattern = `${rt.stack.redisKeyPrefix}*`;
  const scan = await rt.redisCli(['--scan', '--pattern', pattern]);
  const keys = scan.stdout.split('\n').filter(Boolean).sort();
  ev.command(`${scan.display} | wc -l`, String(keys.length));
  const dbsize = await rt.redisCli(['DBSIZE']);
  ev.command(dbsize.display, dbsize.stdout.trim());
  ev.step('DBSIZE counts every key in the database; the driver count is the SCAN above, which matches only driver:* keys.');
  for (const key of keys.slice(0, samples)) {
    const h = await rt.redisCli(['HGETALL', key]);
    ev.command(h.display, h.stdout.trimEnd());
  }
  return keys.length;
}

/** Leaders and ISR per partition, as a small table. */
export async function partitionTable(rt: Runtime, topic: string): Promise<string> {
  const parts = await describeTopic(rt.addresses.bootstrap, topic);
  return parts.map((p) => `partition ${p.partition}  leader ${p.leader}  replicas [${p.replicas.join(',')}]  isr [${p.isr.join(',')}]`).join('\n');
}

/** Prints the mirror check's verdict; true when Redis mirrors the topic exactly. */
export async function reportMirror(rt: Runtime, ev: Evidence, ledger?: Ledger): Promise<{ ok: boolean; check: MirrorCheck; lost: number }> {
  ev.section(`Mirror check: ${rt.stack.topics.locations} folded to its last value per key vs Redis`);
  const check = await mirrorCheck(rt);
  ev.step(`read ${check.records} records: ${check.tombstones} tombstones, ${check.unreadable} the sink rejects (DLQ), ${check.superseded} older than an event already seen → ${check.expected} live drivers`);
  ev.step(`Redis holds ${check.inRedis} driver keys; ${check.matching} match field by field`);
  if (check.geo !== undefined) ev.step(`GEO index ${check.geo.key}: ${check.geo.members} members, checked against the hashes (every driver not excluded by its status, at its latitude/longitude)`);
  ev.step(DIFFERENCE_KINDS.map((k) => `${k}: ${check.differences.filter((d) => d.kind === k).length}`).join(', '));
  for (const d of check.differences.slice(0, 20)) ev.fail(`${d.kind} ${d.driver}: ${d.detail}`);
  let ok = check.differences.length === 0 && check.matching === check.expected;
  let lostCount = 0;
  if (ledger !== undefined) {
    const lost = lostUpdates(ledger.entries(), check.state, rt.stack.redisKeyPrefix);
    ev.step(`producer ledger: ${ledger.size} drivers whose last event Kafka acknowledged; ${lost.length} of them not current in Redis`);
    for (const d of lost.slice(0, 20)) ev.fail(`lost update ${d.driver}: ${d.detail}`);
    ok &&= lost.length === 0;
    lostCount = lost.length;
  }
  if (ok) ev.ok(`Redis mirrors the topic: ${check.matching}/${check.expected} drivers, one current record each`);
  else ev.fail(`Redis differs from the topic in ${check.differences.length} places${lostCount > 0 ? `; ${lostCount} acknowledged updates lost` : ''}`);
  return { ok, check, lost: lostCount };
}
