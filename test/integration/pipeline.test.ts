import { execFileSync } from 'node:child_process';
import { runScript } from './exec.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocationProducer } from '../../producer/src/location-producer.ts';
import { simulate } from '../../producer/src/run.ts';
import { Simulator } from '../../producer/src/simulator.ts';
import { busiestLeader, waitFullyReplicated } from '../../scripts/lib/cluster.ts';
import { describeTopic } from '../../scripts/lib/kafka-admin.ts';
import { lostUpdates } from '../../scripts/lib/mirror-check.ts';
import { mirrorCheck, waitForSink } from '../../scripts/lib/pipeline.ts';
import { waitForBrokers } from '../../scripts/lib/readiness.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { ConnectClient } from '../../scripts/lib/connect.ts';
import { findInTopic, nothingLostUnderLoad, sendRaw, waitSinkProcessed, withRedis } from './helpers.ts';
import { TEST_ENV, testRuntime } from './stack.ts';
import { ROOT } from '../../shared/stack.ts';

let rt: Runtime;
let topic: string;
const key = (driver: string) => `${rt.stack.redisKeyPrefix}${driver}`;
const event = (driver: string, timestamp: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ driver_id: driver, latitude: -23.55, longitude: -46.63, timestamp, status: 'AVAILABLE', ...extra });

beforeAll(async () => {
  rt = await testRuntime();
  topic = rt.stack.topics.locations;
});

describe('the work tree', () => {
  it('make up leaves nothing untracked behind: every file it writes lies in an ignored folder', () => {
    // A developer's own new files may be untracked; what the stack writes must never be among them.
    const untracked = execFileSync('git', ['ls-files', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(untracked.filter((f) => f.startsWith('$') || /(^|\/)(target|\.rastro|evidence|node_modules)\//.test(f))).toEqual([]);
  });
});

describe('cluster and topics', () => {
  it('has three brokers and the compacted topic on all three with min ISR 2', async () => {
    await waitForBrokers(rt.access.kafka('admin'), 30_000);
    const parts = await describeTopic(rt.access.kafka('admin'), topic);
    expect(parts).toHaveLength(6);
    for (const p of parts) expect([...p.replicas].sort()).toEqual([1, 2, 3]);
    const describe = (await rt.kafkaCli('kafka-topics', ['--bootstrap-server', rt.cliBootstrap, '--describe', '--topic', topic])).stdout;
    expect(describe).toContain('cleanup.policy=compact');
    expect(describe).toContain('min.insync.replicas=2');
  });

  it('replicates the consumer offsets topic three ways too', async () => {
    const parts = await describeTopic(rt.access.kafka('admin'), '__consumer_offsets');
    expect(parts.length).toBeGreaterThan(0);
    for (const p of parts) expect(p.replicas).toHaveLength(3);
  });
});

describe('producer → Kafka → Connect → Redis', () => {
  it('mirrors the simulator: Redis equals the ledger and the topic fold, one hash per driver', async () => {
    const producer = new LocationProducer({ ...rt.access.producer(), topic, lateTopic: rt.stack.topics.late });
    await producer.connect();
    await simulate(producer, new Simulator({ drivers: 120, seed: 11, firstId: 1000 }), { rate: 0, count: 6000 });
    await producer.close();
    expect(producer.ledger.size).toBe(120);
    await waitForSink(rt, producer.ledger.entries(), 60_000);
    const check = await mirrorCheck(rt);
    expect(check.differences).toEqual([]);
    expect(lostUpdates(producer.ledger.entries(), check.state, rt.stack.redisKeyPrefix)).toEqual([]);
    const h = check.state.get(key('driver_1000'));
    const last = producer.ledger.entries().find((e) => e.driver_id === 'driver_1000');
    expect(h?.timestamp).toBe(String(last?.timestamp));
    expect(Number(h?.latitude)).toBe(last?.latitude);
  });

  it('deletes the Redis record on a tombstone', async () => {
    const [m] = await sendRaw(rt, topic, [{ key: 'tomb_1', value: event('tomb_1', 1_795_800_000_000) }]);
    await waitFor(async () => withRedis(rt, async (r) => (await r.exists(key('tomb_1'))) === 1), { what: 'tomb_1 in Redis', timeoutMs: 30_000 });
    expect(m).toBeDefined();
    await sendRaw(rt, topic, [{ key: 'tomb_1', value: null }]);
    await waitFor(async () => withRedis(rt, async (r) => (await r.exists(key('tomb_1'))) === 0), { what: 'tomb_1 deleted from Redis', timeoutMs: 30_000 });
  });

  it('never lets an older event overwrite a newer one, and replaces the whole record when newer', async () => {
    await sendRaw(rt, topic, [{ key: 'order_1', value: event('order_1', 1_795_800_002_000, { status: 'DELIVERING', delivery_id: 'delivery_9' }) }]);
    const [older] = await sendRaw(rt, topic, [{ key: 'order_1', value: event('order_1', 1_795_800_001_000, { status: 'OLD' }) }]);
    await waitSinkProcessed(rt, older!);
    const h = await withRedis(rt, (r) => r.hgetall(key('order_1')));
    expect(h).toMatchObject({ timestamp: '1795800002000', status: 'DELIVERING', delivery_id: 'delivery_9' });

    const [newer] = await sendRaw(rt, topic, [{ key: 'order_1', value: event('order_1', 1_795_800_003_000, { status: 'AVAILABLE' }) }]);
    await waitSinkProcessed(rt, newer!);
    const h2 = await withRedis(rt, (r) => r.hgetall(key('order_1')));
    expect(h2).toMatchObject({ timestamp: '1795800003000', status: 'AVAILABLE' });
    // The newer event has no delivery: the stale delivery_id must be gone, not merged.
    expect(h2).not.toHaveProperty('delivery_id');
  });

  it('sends bad records to the DLQ with the reason, and keeps writing good ones', async () => {
    const marker = `bad-${Date.now()}`;
    await sendRaw(rt, topic, [
      { key: `${marker}-a`, value: `not json ${marker}` },
      { key: `${marker}-b`, value: JSON.stringify({ driver_id: `${marker}-b`, latitude: 1, longitude: 1, status: 'AVAILABLE' }) },
    ]);
    await sendRaw(rt, topic, [{ key: 'after_bad', value: event('after_bad', 1_795_800_000_000) }]);
    const dlq = await findInTopic(rt, rt.stack.topics.dlq, marker, 2);
    expect(dlq).toHaveLength(2);
    const reasons = dlq.map((d) => d.headers['__connect.errors.exception.message'] ?? '').join('\n');
    expect(reasons).toMatch(/timestamp/);
    await waitFor(async () => withRedis(rt, async (r) => (await r.hget(key('after_bad'), 'timestamp')) === '1795800000000'), { what: 'after_bad in Redis', timeoutMs: 30_000 });
    const status = await new ConnectClient(rt.access.connect()).status(rt.stack.connect.connectorName);
    expect(status.tasks.map((t: { state: string }) => t.state)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    const keys = await withRedis(rt, (r) => r.keys(`*${marker}*`));
    expect(keys).toEqual([]);
  });

  it('writes no keys to Redis other than driver hashes, tombstone markers, the GEO index and its applied offsets', async () => {
    const all = await withRedis(rt, (r) => r.keys('*'));
    expect(all.length).toBeGreaterThan(0);
    const marker = `${rt.stack.redisTombstonePrefix}${rt.stack.redisKeyPrefix}`;
    const own = (k: string) => k.startsWith(rt.stack.redisKeyPrefix) || k.startsWith(marker) || k === rt.stack.redisGeoKey || k === rt.stack.redisOffsetsKey;
    expect(all.filter((k) => !own(k))).toEqual([]);
    expect(all).toContain(rt.stack.redisGeoKey);
    // One field per partition of the topic, each an offset.
    const offsets = await withRedis(rt, (r) => r.hgetall(rt.stack.redisOffsetsKey));
    expect(Object.keys(offsets).sort()).toEqual([0, 1, 2, 3, 4, 5].map((p) => `${topic}-${p}`).sort());
    for (const v of Object.values(offsets)) expect(v).toMatch(/^\d+$/);
    expect(rt.stack.redisGeoKey.startsWith(rt.stack.redisKeyPrefix)).toBe(false);
    // The tombstone test above left its marker; it must not look like a driver key.
    expect(all).toContain(`${marker}tomb_1`);
    expect(marker.startsWith(rt.stack.redisKeyPrefix)).toBe(false);
  });
});

describe('resilience', () => {
  it.each([
    ['stops cleanly', false],
    ['is killed (SIGKILL)', true],
  ])('loses no acknowledged update when a broker %s mid-stream and comes back', async (_how, kill) => {
    await nothingLostUnderLoad(rt, new Simulator({ drivers: 80, seed: kill ? 6 : 5, firstId: kill ? 6000 : 5000 }), 400, async (sent) => {
      await waitFor(async () => sent() >= 800, { what: '800 events before the stop', timeoutMs: 60_000 });
      const victim = await busiestLeader(rt, topic);
      await rt.stopNode(victim, { kill });
      const atStop = sent();
      await waitFor(async () => sent() >= atStop + 1500, { what: '1500 events acknowledged with a broker down', timeoutMs: 90_000 });
      const during = await describeTopic(rt.access.kafka('admin'), topic);
      expect(during.every((p) => p.leader !== victim && !p.isr.includes(victim))).toBe(true);
      await rt.startNode(victim);
      await waitForBrokers(rt.access.kafka('admin'), 120_000);
      await waitFullyReplicated(rt, topic, 120_000);
    });
  });
});

describe('command-line tools', () => {
  const env = { ...process.env, ...TEST_ENV };

  it('producer --stdin takes the course simulator output, skips banners, rejects bad lines by number', async () => {
    const lines = [
      'Delivery tracking simulator — 2 drivers, 2 updates',
      JSON.stringify({ driver_id: 'stdin_100', delivery_id: 'delivery_1', latitude: -23.5, longitude: -46.6, timestamp: 1_795_800_100.25, status: 'PICKING_UP' }),
      JSON.stringify({ driver_id: 'stdin_101', latitude: 123, longitude: -46.6, timestamp: 1_795_800_100, status: 'DELIVERING' }),
      JSON.stringify({ driver_id: 'stdin_101', delivery_id: 'delivery_2', latitude: -23.6, longitude: -46.7, timestamp: 1_795_800_101, status: 'DELIVERING' }),
    ].join('\n');
    const r = await runScript('producer/bin/produce.mjs', ['--stdin', '--strict'], { env, input: lines });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('stdin line 1: skipped non-JSON line');
    expect(r.stderr).toContain('stdin line 3: latitude 123 is out of range');
    await waitFor(async () => withRedis(rt, async (x) => (await x.hget(key('stdin_101'), 'timestamp')) === '1795800101000'), { what: 'stdin_101 in Redis', timeoutMs: 30_000 });
    const h = await withRedis(rt, (x) => x.hgetall(key('stdin_100')));
    expect(h).toMatchObject({ timestamp: '1795800100250', status: 'PICKING_UP', delivery_id: 'delivery_1' });
  });

  it('validate-redis passes on the mirror and fails, naming the key, when Redis holds a record the topic does not', async () => {
    const ok = await runScript('scripts/validate-redis.mjs', [], { env });
    expect(ok.stdout).toContain('Redis mirrors the topic');
    expect(ok.exitCode).toBe(0);
    await withRedis(rt, (r) => r.hset(key('ghost'), { driver_id: 'ghost', timestamp: '1' }));
    try {
      const bad = await runScript('scripts/validate-redis.mjs', [], { env });
      expect(bad.exitCode).toBe(1);
      expect(bad.stdout).toContain('extra ghost');
    } finally {
      await withRedis(rt, (r) => r.del(key('ghost')));
    }
  });
});
