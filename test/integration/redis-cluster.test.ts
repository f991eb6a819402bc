import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocationProducer } from '../../producer/src/location-producer.ts';
import { simulate } from '../../producer/src/run.ts';
import { Simulator } from '../../producer/src/simulator.ts';
import { appKeys, appRedis, DriverIndex } from '../../scripts/lib/app/drivers.ts';
import { parseNearestQuery } from '../../scripts/lib/app/query.ts';
import { Evidence } from '../../scripts/lib/evidence.ts';
import { stackQueries } from '../../scripts/lib/metrics/catalogue.ts';
import { readStoreHashes } from '../../scripts/lib/mirror-check.ts';
import { verifyMirror, waitForSink } from '../../scripts/lib/pipeline.ts';
import { PrometheusClient } from '../../scripts/lib/prometheus.ts';
import { clusterInfo, clusterNodes } from '../../scripts/lib/redis-cluster.ts';
import { connectStore } from '../../scripts/lib/redis-store.ts';
import { openRuntime } from '../../scripts/lib/runtime/index.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { bringUp } from '../../scripts/lib/steps.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { openRedis, type RedisAccess } from '../../shared/security.ts';
import { ROOT } from '../../shared/stack.ts';
import { runScript } from './exec.ts';
import { TEST_ENV } from './stack.ts';

/**
 * REDIS_MODE=cluster end to end (issue 25, part 2), on a stack of its own beside the shared test stack (ports
 * 5000 lower): make up makes the 3 + 3 cluster, the demo's path mirrors the topic, the app answers from every
 * bucket, and a primary SIGKILLed after acknowledging writes its replica never got is repaired by the sink's
 * replay, the stated guarantee: once every slot is served again, Redis holds every acknowledged update.
 */
const HOME = join(ROOT, '.rastro', 'test-cluster');
const ENV = { ...process.env, ...TEST_ENV, RASTRO_HOME: HOME, RASTRO_PORT_OFFSET: String(Number(TEST_ENV.RASTRO_PORT_OFFSET) - 5000), REDIS_MODE: 'cluster' };
const log = (l: string) => process.stderr.write(`[redis-cluster] ${l}\n`);
let rt: Runtime;

beforeAll(async () => {
  rt = await openRuntime(ENV, { quiet: true });
  await rt.down({ wipe: true }, log);
  await bringUp(rt, Evidence.silent('redis-cluster'));
}, 600_000);

afterAll(async () => {
  if (rt !== undefined && process.env.RASTRO_KEEP_TEST_STACK !== '1') await rt.down({ wipe: true }, log);
});

const adminAt = (port: number): RedisAccess => ({ ...rt.access.redis('admin'), url: `redis://127.0.0.1:${port}` });

/** The pid of the Redis process on `port` (the native runtime's pid file of that node). */
function redisPid(port: number): number {
  const i = rt.stack.redis.nodePorts.indexOf(port);
  const service = i === 0 ? 'redis' : `redis-${i + 1}`;
  return Number(readFileSync(join(HOME, service, `${service}.pid`), 'utf8').trim());
}

/** The first offsets hash a node answers for (the others are on other primaries: MOVED), with its offsets summed. */
function keysOnNode(replies: ReadonlyArray<readonly [string, Record<string, string> | undefined]>): { key: string; sum: number } {
  const found = replies.find(([, h]) => h !== undefined);
  if (found === undefined) throw new Error('the node holds no bucket of the sink');
  return { key: found[0], sum: Object.values(found[1] ?? {}).reduce((a, b) => a + Number(b), 0) };
}

describe('REDIS_MODE=cluster', () => {
  it('make up makes a 3 + 3 cluster; REDIS_MODE=cluster make demo passes its mirror check; the app answers from every bucket', async () => {
    const nodes = await clusterNodes(adminAt(rt.stack.ports.redis));
    expect(nodes.filter((n) => n.primary && n.slots.length > 0)).toHaveLength(3);
    expect(nodes.filter((n) => n.replicaOf !== undefined)).toHaveLength(3);

    // The demo as users run it (its own make up, a producer, the redis-cli evidence, the mirror check and the producer's ledger, its pictures).
    const demo = await runScript('scripts/demo.mjs', ['--drivers', '300', '--events', '3000', '--rate', '1500'], { env: ENV, timeoutMs: 300_000 });
    expect(demo.exitCode, `${demo.stdout}\n${demo.stderr}`).toBe(0);
    expect(demo.stdout).toMatch(/mirror check\s+PASS \(300\/300 drivers match\)/);
    expect(demo.stdout).toContain('driver keys over the 3 primaries of the Redis Cluster');
    // The exporters (one per node): the dashboard's driver count sums the primaries, replicas not counted twice.
    const prom = new PrometheusClient(rt.addresses.prometheusUrl);
    await waitFor(async () => (await prom.query(stackQueries(rt.stack).driverKeys))[0]?.value === 300, { what: 'Prometheus to count the 300 drivers over the primaries', timeoutMs: 60_000 });
    expect((await prom.targets()).filter((t) => t.labels.service === 'redis' && t.health === 'up')).toHaveLength(6);

    // The app's nearest drivers (one call per bucket, merged) against Redis's own GEOSEARCH of every bucket's set.
    const keys = appKeys(rt.stack);
    const client = appRedis(rt.access.redis('app'), rt.stack);
    await client.connect();
    try {
      const q = parseNearestQuery(new URLSearchParams({ lat: '-23.5503', lon: '-46.6339', radius_km: '8', status: 'any', limit: '10' }));
      const answer = await new DriverIndex(client, keys).nearest(q);
      const all: Array<[string, number]> = [];
      for (const { geoKey } of keys.geoSets()) {
        const found = (await client.geosearch(geoKey, 'FROMLONLAT', '-46.6339', '-23.5503', 'BYRADIUS', 8, 'km', 'ASC', 'WITHDIST')) as Array<[string, string]>;
        all.push(...found.map(([id, d]): [string, number] => [id, Number(d)]));
      }
      all.sort((a, b) => a[1] - b[1]);
      expect(answer.drivers.length).toBe(Math.min(10, all.length));
      expect(answer.drivers.length).toBeGreaterThan(0);
      expect(answer.drivers.map((d) => d.distance_km)).toEqual(all.slice(0, 10).map(([, d]) => d));
      // The map's fleet (SCAN over every primary) and one driver by id (its bucket's key).
      const fleet = await new DriverIndex(client, keys).liveFleet();
      expect(fleet.problems).toEqual([]);
      expect(fleet.drivers.size).toBe(300);
      const first = answer.drivers[0];
      expect((await new DriverIndex(client, keys).driver(first?.driver_id as string))?.latitude).toBe(first?.latitude);
    } finally {
      client.disconnect();
    }
  });

  it('a primary SIGKILLed after acknowledging writes its replica never got: the sink replays them, and nothing acknowledged is lost', async () => {
    const seed = adminAt(rt.stack.ports.redis);
    const nodes = await clusterNodes(seed);
    const victim = nodes.find((n) => n.primary && n.slots.length > 0 && n.port !== rt.stack.ports.redis) ?? nodes.find((n) => n.primary && n.slots.length > 0);
    const replica = nodes.find((n) => n.replicaOf === victim?.id);
    if (victim === undefined || replica === undefined) throw new Error(`no primary with a replica in ${JSON.stringify(nodes)}`);
    const connectLog = join(HOME, 'connect', 'connect.log');
    const replaysBefore = readFileSync(connectLog, 'utf8').split('Redis lost writes; replaying').length;

    let killedAt = 0;
    let failedOverAt = 0;
    const producer = new LocationProducer({ ...rt.access.producer(), topic: rt.stack.topics.locations, lateTopic: rt.stack.topics.late });
    await producer.connect();
    const abort = new AbortController();
    const load = simulate(producer, new Simulator({ drivers: 400, seed: 252, firstId: 252_000 }), { rate: 1000, signal: abort.signal });
    try {
      await waitFor(async () => producer.stats.sent > 2000, { what: 'the producer to have 2,000 events acknowledged', timeoutMs: 60_000 });
      // The replica paused and its link cut: what the primary acknowledges from now on never reaches it.
      process.kill(redisPid(replica.port), 'SIGSTOP');
      const direct = openRedis(adminAt(victim.port), { lazyConnect: true });
      await direct.connect();
      try {
        await direct.call('CLIENT', 'KILL', 'TYPE', 'replica');
        // Until the sink has applied writes there that the replica lacks: a bucket of the victim's, its offsets
        // summed, moved on by 500 (a sink lagging behind the producer would otherwise leave nothing to lose).
        const owned = keysOnNode(await Promise.all(appKeys(rt.stack).offsetsKeys().map((k) => direct.hgetall(k).then((h) => [k, h] as const, () => [k, undefined] as const))));
        const offsetSum = async () => Object.values(await direct.hgetall(owned.key)).reduce((a, b) => a + Number(b), 0);
        await waitFor(async () => (await offsetSum()) > owned.sum + 500, { what: `the sink to apply 500 more records on the primary on ${victim.port} (${owned.key}) while its replica is paused`, timeoutMs: 60_000 });
      } finally {
        direct.disconnect();
      }
      killedAt = Date.now();
      process.kill(redisPid(victim.port), 'SIGKILL');
      process.kill(redisPid(replica.port), 'SIGCONT');
      // Its own failover: the others fail the dead primary after the node timeout, and the replica is elected.
      await waitFor(async () => (await clusterInfo(adminAt(replica.port)).catch(() => ({}) as Record<string, string>)).cluster_state === 'ok' && (await clusterNodes(adminAt(replica.port))).some((n) => n.port === replica.port && n.primary && n.slots.length > 0), {
        what: `the replica on ${replica.port} to take over the slots of the primary on ${victim.port}`,
        timeoutMs: 60_000,
      });
      failedOverAt = Date.now();
      const atFailover = producer.stats.sent;
      await waitFor(async () => producer.stats.sent > atFailover + 2000, { what: '2,000 more events acknowledged after the failover', timeoutMs: 60_000 });
    } finally {
      abort.abort();
      await load;
      await producer.close();
    }
    await waitForSink(rt, producer.ledger.entries(), 180_000);
    const repairedAt = Date.now();
    const verdict = await verifyMirror(rt, producer.ledger);
    expect(verdict.ledger?.lost).toEqual([]);
    // What the repair cost (docs/scale.md quotes it): records replayed, by the sink's own log lines since the kill.
    const replays = [...readFileSync(connectLog, 'utf8').matchAll(/applied only up to offset (\d+), but the consumer was at (\d+): Redis lost writes/g)].slice(replaysBefore - 1);
    const replayed = replays.reduce((n, m) => n + Number(m[2]) - Number(m[1]) - 1, 0);
    log(`repair: failover ${((failedOverAt - killedAt) / 1000).toFixed(1)} s after the SIGKILL; every acknowledged event in Redis ${((repairedAt - killedAt) / 1000).toFixed(1)} s after it (the producer ran on meanwhile); ${replays.length} partition(s) replayed, ${replayed} records`);
    expect(verdict.check.differences).toEqual([]);
    // The repair really ran: the sink found a bucket behind and replayed from there.
    expect(readFileSync(connectLog, 'utf8').split('Redis lost writes; replaying').length).toBeGreaterThan(replaysBefore);

    // make up brings the killed node back; it rejoins as a replica and the cluster is whole again.
    await rt.up(log);
    await waitFor(async () => (await clusterNodes(seed)).filter((n) => !n.failed).length === 6, { what: 'all 6 nodes known and healthy', timeoutMs: 60_000 });
    const after = await clusterNodes(seed);
    expect(after.find((n) => n.port === victim.port)?.replicaOf).toBeDefined();
    expect((await verifyMirror(rt)).ok).toBe(true);
  });

  it('all six nodes stopped, then make up: the cluster forms again from each node\'s nodes.conf and AOF, holding what it held', async () => {
    const state = async () => {
      const store = await connectStore(rt.access.redis('admin'), rt.stack);
      return readStoreHashes(store).finally(() => store.disconnect());
    };
    const before = await state();
    expect(before.size).toBeGreaterThanOrEqual(700);
    // Redis only (make down stops it the same way; Kafka's and Connect's restarts are tested on the shared stack).
    await rt.stopRedis();
    await rt.up(log);
    // Straight after make up, before the sink could have replayed anything: the nodes kept it all.
    expect(await state()).toEqual(before);
    expect((await verifyMirror(rt)).ok).toBe(true);
  });

  it('rebuild-redis empties every primary and replays; validate-redis then passes', async () => {
    const rebuild = await runScript('scripts/rebuild-redis.mjs', [], { env: ENV, timeoutMs: 300_000 });
    expect(rebuild.exitCode, `${rebuild.stdout}\n${rebuild.stderr}`).toBe(0);
    expect(rebuild.stdout).toContain('on each of the 3 primaries');
    const validate = await runScript('scripts/validate-redis.mjs', [], { env: ENV, timeoutMs: 300_000 });
    expect(validate.exitCode, `${validate.stdout}\n${validate.stderr}`).toBe(0);
    expect(validate.stdout).toContain('Redis mirrors the topic');
  });
});
