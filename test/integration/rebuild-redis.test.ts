import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocationProducer } from '../../producer/src/location-producer.ts';
import { simulate } from '../../producer/src/run.ts';
import { Simulator } from '../../producer/src/simulator.ts';
import { ConnectClient, loadConnectorConfig, sinkGroupId } from '../../scripts/lib/connect.ts';
import { readDriverHashes, type RedisState } from '../../scripts/lib/mirror-check.ts';
import { mirrorCheck } from '../../scripts/lib/pipeline.ts';
import { waitForGroupCatchUp } from '../../scripts/lib/readiness.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { runScript } from './exec.ts';
import { findInTopic, sendRaw, withRedis } from './helpers.ts';
import { TEST_ENV, testRuntime } from './stack.ts';
import { ROOT } from '../../shared/stack.ts';

let rt: Runtime;
let topic: string;
const key = (driver: string) => `${rt.stack.redisKeyPrefix}${driver}`;
const event = (driver: string, timestamp: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ driver_id: driver, latitude: -23.55, longitude: -46.63, timestamp, status: 'AVAILABLE', ...extra });
/** Sorted plain object: a failing comparison then shows which driver and field differ. */
const plain = (s: RedisState) => Object.fromEntries([...s.entries()].sort(([a], [b]) => a.localeCompare(b)));

beforeAll(async () => {
  rt = await testRuntime();
  topic = rt.stack.topics.locations;
});

/** Until the sink's consumer group has committed everything in the topic now (it commits only written records). */
const sinkCaughtUp = () => waitForGroupCatchUp(rt.access.kafka('admin'), sinkGroupId(rt.stack.connect.connectorName), [topic], { timeoutMs: 120_000 });

describe('make rebuild-redis', () => {
  it('rebuilds, after Redis lost its data, exactly the hashes the sink had written: late events, tombstones and DLQ records included', async () => {
    const m = `rb${Date.now()}`;
    const producer = new LocationProducer({ ...rt.access.producer(), topic, lateTopic: rt.stack.topics.late });
    await producer.connect();
    await simulate(producer, new Simulator({ drivers: 80, seed: 21, firstId: 8000 }), { rate: 0, count: 1500 });
    await producer.close();
    await sendRaw(rt, topic, [
      { key: `${m}_gone`, value: event(`${m}_gone`, 1_795_800_000_000) },
      { key: `${m}_gone`, value: null },
      { key: `${m}_never`, value: null },
      { key: `${m}_bad`, value: `not json ${m}` },
      { key: `${m}_nots`, value: JSON.stringify({ driver_id: `${m}_nots`, latitude: 1, longitude: 1, status: 'AVAILABLE', note: m }) },
      // A late event (older than the record before it) inside the feed: the replay must skip it as
      // the first pass did. A newer record follows, as our producer guarantees: a late record left
      // last would be the key's "topic regressed" case, which the mirror check rightly fails.
      { key: `${m}_late`, value: event(`${m}_late`, 1_795_800_003_000, { status: 'NEW', delivery_id: 'delivery_1' }) },
      { key: `${m}_late`, value: event(`${m}_late`, 1_795_800_001_000, { status: 'OLD' }) },
      { key: `${m}_late`, value: event(`${m}_late`, 1_795_800_004_000, { status: 'NEWER', delivery_id: 'delivery_2' }) },
    ]);
    const other = `${m}:not-the-sinks`;
    const foreign = key(`${m}_foreign`);
    try {
      await sinkCaughtUp();
      const snapshot = await withRedis(rt, (r) => readDriverHashes(r, rt.stack.redisKeyPrefix));
      // The state to rebuild holds what each kind of record left behind.
      expect(snapshot.get(key(`${m}_late`))).toMatchObject({ timestamp: '1795800004000', status: 'NEWER', delivery_id: 'delivery_2' });
      for (const gone of ['gone', 'never', 'bad', 'nots']) expect(snapshot.has(key(`${m}_${gone}`))).toBe(false);
      expect([...snapshot.keys()].filter((k) => k.startsWith(key('driver_80')))).toHaveLength(80);

      // Redis loses data: half the hashes gone, one left corrupt with a future timestamp (the
      // never-regress write would keep it forever unless the rebuild deletes it), one key the
      // topic never had, a GEO member the topic never had; plus a key the sink does not own,
      // which must survive.
      const keys = [...snapshot.keys()].sort();
      const corrupt = keys[1] as string;
      await withRedis(rt, async (r) => {
        await r.unlink(...keys.filter((_, i) => i % 2 === 0));
        await r.hset(corrupt, { timestamp: '9999999999999', status: 'CORRUPT' });
        await r.hset(key(`${m}_ghost`), { driver_id: `${m}_ghost`, timestamp: '1' });
        await r.geoadd(rt.stack.redisGeoKey, 0, 0, `${m}_geo_ghost`);
        await r.set(other, 'keep');
        // Under the sink's prefix but not the sink's: it writes hashes only.
        await r.set(foreign, 'not a driver hash');
      });
      expect((await mirrorCheck(rt)).differences.length).toBeGreaterThan(keys.length / 2);
      // Keys the sink does not own: ours, plus whatever other tests left (the fraud prototype's blocklist).
      const sinkOwned = (k: string) => k !== foreign && (k.startsWith(rt.stack.redisKeyPrefix) || k.startsWith(rt.stack.redisTombstonePrefix + rt.stack.redisKeyPrefix) || k === rt.stack.redisGeoKey || k === rt.stack.redisOffsetsKey);
      const othersBefore = await withRedis(rt, async (r) => (await r.keys('*')).filter((k) => !sinkOwned(k)).length);
      expect(othersBefore).toBeGreaterThanOrEqual(1);

      const run = await runScript('scripts/rebuild-redis.mjs', ['--timeout', '180'], { env: { ...process.env, ...TEST_ENV }, timeoutMs: 300_000 });
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('connector STOPPED, 0 tasks');
      expect(run.stdout).toContain(`sink keys deleted, ${othersBefore} other keys untouched`);
      expect(run.stdout).toContain('have been reset successfully');
      expect(run.stdout).toContain('{"offsets":[]}');
      expect(run.stdout).toContain('Redis mirrors the topic');

      const rebuilt = await withRedis(rt, (r) => readDriverHashes(r, rt.stack.redisKeyPrefix));
      expect(plain(rebuilt)).toEqual(plain(snapshot));
      expect(await withRedis(rt, (r) => r.zscore(rt.stack.redisGeoKey, `${m}_geo_ghost`))).toBeNull();
      expect(await withRedis(rt, (r) => r.get(other))).toBe('keep');
      expect(await withRedis(rt, (r) => r.get(foreign))).toBe('not a driver hash');
      // Every curl it printed carries the REST login from a file, so it works as pasted.
      const curls = run.stdout.split('\n').filter((l) => /^\$ curl /.test(l.trim()));
      expect(curls.length).toBeGreaterThanOrEqual(4);
      for (const c of curls) expect(c, c).toContain('--netrc-file');
      const get = curls.find((c) => !c.includes(' -X ')) as string;
      expect(JSON.parse(execFileSync('bash', ['-c', get.trim().replace(/^\$ /, '')], { cwd: ROOT, encoding: 'utf8' }))).toHaveProperty('offsets');
      // The replay wrote the applied offsets again, with the data.
      expect(Object.keys(await withRedis(rt, (r) => r.hgetall(rt.stack.redisOffsetsKey))).length).toBeGreaterThan(0);
      expect((await mirrorCheck(rt)).differences).toEqual([]);
      const status = await new ConnectClient(rt.access.connect()).status(rt.stack.connect.connectorName);
      expect([status.connector.state, ...status.tasks.map((t) => t.state)]).toEqual(['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
      // The replay passes the rejected records through the sink again: each reaches the DLQ twice.
      expect(await findInTopic(rt, rt.stack.topics.dlq, m, 4)).toHaveLength(4);
    } finally {
      await withRedis(rt, (r) => r.del(other, foreign));
      // A failed rebuild may leave the connector STOPPED; the files after this one need it running.
      const client = new ConnectClient(rt.access.connect());
      await client.resume(rt.stack.connect.connectorName);
      await client.waitRunning(rt.stack.connect.connectorName, Number(loadConnectorConfig(rt.stack)['tasks.max']));
      await sinkCaughtUp();
    }
  });
});
