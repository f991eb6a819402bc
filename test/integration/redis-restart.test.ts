import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocationProducer } from '../../producer/src/location-producer.ts';
import { simulate } from '../../producer/src/run.ts';
import { Simulator } from '../../producer/src/simulator.ts';
import { ConnectClient, loadConnectorConfig } from '../../scripts/lib/connect.ts';
import { readDriverHashes } from '../../scripts/lib/mirror-check.ts';
import { mirrorCheck, waitForSink } from '../../scripts/lib/pipeline.ts';
import { readRedisLoad } from '../../scripts/lib/redis-load.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { runScript } from './exec.ts';
import { nothingLostUnderLoad, withRedis } from './helpers.ts';
import { TEST_ENV, testRuntime } from './stack.ts';
import { reportCommands } from '../report-commands.ts';
import { ROOT } from '../../shared/stack.ts';

/**
 * Issue 19: Redis keeps what it acknowledged across a restart (clean or SIGKILL) with security on, and
 * the sink puts back by itself whatever Redis does lose.
 */
let rt: Runtime;
let client: ConnectClient;
let name: string;
const env = { ...process.env, ...TEST_ENV };
/** The demo run's REPORT.md (the first test below makes it). */
let demoReport: string | undefined;
const log = (l: string) => process.stderr.write(`[redis-restart] ${l}\n`);

beforeAll(async () => {
  rt = await testRuntime();
  client = new ConnectClient(rt.access.connect());
  name = rt.stack.connect.connectorName;
});

/** Every test leaves the connector running with all its tasks, as the files after this one need it. */
afterEach(async () => {
  await rt.up(log);
  await client.resume(name);
  await client.waitRunning(name, Number(loadConnectorConfig(rt.stack)['tasks.max']));
});

/** `drivers` fresh drivers, `count` events through the real producer, and Redis holding each one's last. */
async function produceAndSink(seed: number, firstId: number, count: number) {
  const producer = new LocationProducer({ ...rt.access.producer(), topic: rt.stack.topics.locations, lateTopic: rt.stack.topics.late });
  await producer.connect();
  await simulate(producer, new Simulator({ drivers: 60, seed, firstId }), { rate: 0, count });
  await producer.close();
  await waitForSink(rt, producer.ledger.entries(), 120_000);
  return producer.ledger.entries();
}

/** What the sink owns in Redis: hashes, the GEO index, the applied offsets. */
async function sinkState() {
  return withRedis(rt, async (r) => ({
    hashes: Object.fromEntries([...(await readDriverHashes(r, rt.stack.redisKeyPrefix)).entries()].sort(([a], [b]) => a.localeCompare(b))),
    geo: (await r.zrange(rt.stack.redisGeoKey, '0', '-1', 'WITHSCORES')).join(','),
    offsets: await r.hgetall(rt.stack.redisOffsetsKey),
  }));
}

describe('Redis keeps what the sink wrote', () => {
  it.each([
    ['a clean shutdown', false],
    ['SIGKILL', true],
  ])('every write of the sink user is back after %s, with the connector stopped so nothing rewrites it', async (_how, kill) => {
    await produceAndSink(kill ? 32 : 31, kill ? 32_000 : 31_000, 900);
    await client.stop(name);
    await client.waitStopped(name);
    const before = await sinkState();
    expect(Object.keys(before.hashes).length).toBeGreaterThanOrEqual(60);
    expect(Object.keys(before.offsets).length).toBeGreaterThan(0);

    await rt.stopRedis({ kill });
    await rt.up(log);
    expect((await readRedisLoad(rt.access.redis('admin'))).refused).toBe(0);
    expect(await sinkState()).toEqual(before);
  });

  it('make up stops, naming the log line, when the replay of the AOF refused a command', async () => {
    await client.stop(name);
    await client.waitStopped(name);
    await rt.stopRedis();
    const dir = join(TEST_ENV.RASTRO_HOME, 'redis', 'appendonlydir');
    const incr = readdirSync(dir).filter((f) => f.endsWith('.incr.aof')).sort().at(-1);
    expect(incr).toBeDefined();
    const file = join(dir, incr!);
    const size = statSync(file).size;
    // A transaction Redis refuses while replaying: LPUSH on a key that holds a string.
    const cmd = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
    appendFileSync(file, cmd('SET', 'rastro-test:aof', 'x') + cmd('MULTI') + cmd('LPUSH', 'rastro-test:aof', '1') + cmd('EXEC'));
    try {
      const failed = await runScript('scripts/up.mjs', [], { env, timeoutMs: 300_000 });
      const out = `${failed.stdout}\n${failed.stderr}`;
      expect(failed.exitCode, out).not.toBe(0);
      expect(out).toContain('refused 1 command(s) while loading its append-only file');
      expect(out).toMatch(/redis\.log says: .*This server is sending an error to its AOF-loading-client: '-WRONGTYPE/);
      // Stopped, so that no rewrite of the AOF can make the loss final.
      expect(await rt.services().then((s) => s.find((x) => x.name === 'redis')?.running)).toBe(false);
    } finally {
      truncateSync(file, size);
    }
    await rt.up(log);
    await withRedis(rt, async (r) => expect(await r.exists('rastro-test:aof')).toBe(0));
  });
});

describe('the sink heals what Redis lost, by itself', () => {
  it('demo → down → up → validate-redis passes with the defaults', async () => {
    const demo = await runScript('scripts/demo.mjs', ['--events', '3000', '--rate', '1500'], { env, timeoutMs: 300_000 });
    expect(demo.exitCode, `${demo.stdout}\n${demo.stderr}`).toBe(0);
    demoReport = /evidence: (\S+REPORT\.md)/.exec(demo.stdout)?.[1];
    const before = await sinkState();
    for (const step of ['scripts/down.mjs', 'scripts/up.mjs']) {
      const r = await runScript(step, [], { env, timeoutMs: 300_000 });
      expect(r.exitCode, `${step}\n${r.stdout}\n${r.stderr}`).toBe(0);
    }
    // Straight after up, before the sink could have replayed anything: Redis itself kept it all.
    expect((await sinkState()).hashes).toEqual(before.hashes);
    const validate = await runScript('scripts/validate-redis.mjs', [], { env, timeoutMs: 300_000 });
    expect(validate.exitCode, `${validate.stdout}\n${validate.stderr}`).toBe(0);
    expect(validate.stdout).toContain('Redis mirrors the topic');
  });

  it("every command the demo's REPORT.md prints runs as printed, with make up's PATH line", async () => {
    expect(demoReport).toBeDefined();
    const commands = reportCommands(readFileSync(demoReport as string, 'utf8'));
    // The ones that matter are there: the Kafka tools, redis-cli, the connector's curl, the PATH line.
    for (const want of [/^kafka-topics .*--describe/, /^REDISCLI_AUTH=.* redis-cli /, /^curl [\s\S]*connectors\/[^/]+\/config/, /^export PATH=/]) expect(commands.some((c) => want.test(c)), String(want)).toBe(true);
    const path = `${rt.toolsDir}:${process.env.PATH ?? ''}`;
    for (const c of commands) {
      const r = spawnSync('bash', ['-c', c], { cwd: ROOT, env: { ...env, PATH: path }, encoding: 'utf8', timeout: 120_000 });
      const said = (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
      expect(`${c}\n→ exit ${r.status}: ${said}`).toBe(`${c}\n→ exit 0: ${said}`);
      // curl exits 0 on an HTTP error: Connect's error body says so.
      expect(r.stdout, c).not.toContain('"error_code"');
    }
  });

  it('SIGKILL of redis-server under producer load, restarted: Redis equals the ledger with no manual step', async () => {
    await nothingLostUnderLoad(rt, new Simulator({ drivers: 500, seed: 33, firstId: 33_000 }), 2000, async (sent) => {
      await waitFor(async () => sent() >= 4000, { what: '4000 events before the kill', timeoutMs: 60_000 });
      await rt.stopRedis({ kill: true });
      const atKill = sent();
      await waitFor(async () => sent() >= atKill + 4000, { what: '4000 events acknowledged while Redis is down', timeoutMs: 60_000 });
      await rt.up(log);
      const atStart = sent();
      await waitFor(async () => sent() >= atStart + 4000, { what: '4000 events after Redis is back', timeoutMs: 60_000 });
    });
  });

  it('after a FLUSHALL behind its back and a task restart, the sink restores every key from the topic', async () => {
    await produceAndSink(34, 34_000, 600);
    const before = await sinkState();
    await withRedis(rt, (r) => r.flushall());
    await client.restartWithTasks(name);
    await client.waitRunning(name, Number(loadConnectorConfig(rt.stack)['tasks.max']));
    await waitFor(async () => (await mirrorCheck(rt)).differences.length === 0, { what: 'Redis to mirror the topic again', timeoutMs: 180_000 });
    const after = await sinkState();
    expect(after.hashes).toEqual(before.hashes);
    expect(after.geo).toEqual(before.geo);
  });
});
