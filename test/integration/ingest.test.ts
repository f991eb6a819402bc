import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocationEvent } from '../../shared/event.ts';
import { waitFullyReplicated } from '../../scripts/lib/cluster.ts';
import { lostUpdates, readDriverHashes } from '../../scripts/lib/mirror-check.ts';
import { aclEntry } from '../../scripts/lib/kafka-acls.ts';
import { withAdmin } from '../../scripts/lib/kafka-admin.ts';
import { waitForSink } from '../../scripts/lib/pipeline.ts';
import { waitForBrokers } from '../../scripts/lib/readiness.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { NODE_IDS, ROOT } from '../../shared/stack.ts';
import { foldTopic } from '../../scripts/lib/topic-fold.ts';
import { runScript, startScript } from './exec.ts';
import { findInTopic, withRedis } from './helpers.ts';
import { TEST_ENV, testRuntime } from './stack.ts';

let rt: Runtime;
const env = { ...process.env, ...TEST_ENV };
const dir = mkdtempSync(join(tmpdir(), 'rastro-ingest-'));
interface Summary { sent: number; late: number; unacknowledged: number; seededDrivers: number }
const summary = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Summary;

beforeAll(async () => {
  rt = await testRuntime();
});

/** One line as the course's Python simulator prints it (epoch seconds, delivery_id). */
const line = (driver: string, ts: number, lat: number, status = 'DELIVERING') =>
  JSON.stringify({ timestamp: ts, driver_id: driver, delivery_id: `del_${driver}`, latitude: lat, longitude: -46.63, status });

describe('never-regress at the source', () => {
  it('keeps late lines out of the compacted topic across a producer restart, audits and counts them', async () => {
    const run = `late${Date.now() % 1_000_000}`;
    const d = (i: number) => `${run}_${i}`;
    const t = Math.floor(Date.now() / 1000) - 600;
    // First run: two updates per driver, the second a same-second tie (the later line wins).
    const part1 = ['Starting Delivery Tracking Simulation for 12 drivers at 5.0 updates/sec... (Press Ctrl+C to stop)'];
    for (let i = 0; i < 12; i++) part1.push(line(d(i), t + 10, -23.51), line(d(i), t + 20, -23.52), line(d(i), t + 20, -23.53));
    // Second run (a new process: its marks come from the topic): drivers 0–5 send a line older than
    // what they sent before; 6–8 move on, then 6 sends one older than that; 9–11 tie again.
    const part2: string[] = [];
    for (let i = 0; i < 6; i++) part2.push(line(d(i), t + 15, -23.6, 'LATE'));
    for (let i = 6; i < 9; i++) part2.push(line(d(i), t + 30, -23.54));
    part2.push(line(d(6), t + 25, -23.6, 'LATE'));
    for (let i = 9; i < 12; i++) part2.push(line(d(i), t + 20, -23.55, 'PICKING_UP'));

    const s1 = join(dir, `${run}-1.json`);
    const s2 = join(dir, `${run}-2.json`);
    const r1 = await runScript('producer/bin/produce.mjs', ['--stdin', '--strict', '--metrics-port', '0', '--summary', s1], { env, input: part1.join('\n') });
    expect(r1.exitCode, r1.stderr).toBe(0);
    expect(summary(s1)).toMatchObject({ sent: 36, late: 0, skippedLines: 1, rejected: 0 });
    const r2 = await runScript('producer/bin/produce.mjs', ['--stdin', '--strict', '--metrics-port', '0', '--summary', s2], { env, input: part2.join('\n') });
    expect(r2.exitCode, r2.stderr).toBe(0);
    expect(summary(s2)).toMatchObject({ late: 7, lateLines: 7, sent: 6 });
    expect(summary(s2).seededDrivers).toBeGreaterThanOrEqual(12);
    expect(r2.stderr).toContain(`stdin line 1: late event for ${d(0)} (timestamp ${(t + 15) * 1000} is older than ${(t + 20) * 1000}, already sent)`);
    expect(r2.stderr).toContain(`stdin line 10: late event for ${d(6)}`);

    // What must be current: the newest line per driver, the later one on a tie.
    const expected = new Map<string, LocationEvent>();
    for (const l of [...part1.slice(1), ...part2]) {
      const e = JSON.parse(l) as LocationEvent;
      const ev = { ...e, timestamp: e.timestamp * 1000 };
      const prev = expected.get(e.driver_id);
      if (prev === undefined || ev.timestamp >= prev.timestamp) expected.set(e.driver_id, ev);
    }
    await waitForSink(rt, [...expected.values()], 60_000);
    const state = await withRedis(rt, (r) => readDriverHashes(r, `${rt.stack.redisKeyPrefix}${run}_`));
    for (const [driver, e] of expected) {
      expect(state.get(`${rt.stack.redisKeyPrefix}${driver}`), driver).toMatchObject({ timestamp: String(e.timestamp), latitude: String(e.latitude), status: e.status });
    }
    // The topic's last record per driver is the newest one: compaction will keep the right record.
    const fold = await foldTopic(rt.access.kafka('admin'), rt.stack.topics.locations);
    for (const [driver, e] of expected) {
      expect(fold.last.get(driver), driver).toBe(e.timestamp);
      expect(fold.fold.get(driver)?.latitude, driver).toBe(e.latitude);
    }
    const audit = await findInTopic(rt, rt.stack.topics.late, run, 7);
    expect(audit.map((a) => (JSON.parse(a.value) as LocationEvent).status)).toEqual(Array(7).fill('LATE'));
    const validate = await runScript('scripts/validate-redis.mjs', [], { env });
    expect(validate.exitCode, validate.stdout).toBe(0);
  });

  it('reads a regular file on stdin in 1 MiB chunks: every line sent, lines cut between chunks intact', async () => {
    const run = `file${Date.now() % 1_000_000}`;
    const t = Math.floor(Date.now() / 1000) - 900;
    // 300 drivers × 40 lines ≈ 1.9 MB: at least one 1 MiB chunk boundary falls inside a line.
    const lines: string[] = [];
    const expected = new Map<string, LocationEvent>();
    for (let k = 0; k < 40; k++) {
      for (let i = 0; i < 300; i++) {
        const l = line(`${run}_${i}`, t + k, -23.5 - k / 1000 - i / 1e6, k === 39 ? 'AVAILABLE' : 'DELIVERING');
        lines.push(l);
        const e = JSON.parse(l) as LocationEvent;
        expected.set(e.driver_id, { ...e, timestamp: e.timestamp * 1000 });
      }
    }
    const file = join(dir, `${run}.ndjson`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(statSync(file).size).toBeGreaterThan(1 << 20);
    const out = join(dir, `${run}.json`);
    const r = await runScript('producer/bin/produce.mjs', ['--stdin', '--strict', '--metrics-port', '0', '--summary', out], { env, inputFile: file });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(summary(out)).toMatchObject({ stdinLines: lines.length, rejected: 0, sent: lines.length, late: 0, unacknowledged: 0 });
    await waitForSink(rt, [...expected.values()], 60_000);
    const state = await withRedis(rt, (c) => readDriverHashes(c, `${rt.stack.redisKeyPrefix}${run}_`));
    expect(state.size).toBe(300);
    for (const [driver, e] of expected) expect(state.get(`${rt.stack.redisKeyPrefix}${driver}`), driver).toMatchObject({ timestamp: String(e.timestamp), latitude: String(e.latitude), status: 'AVAILABLE' });
  });

  it("takes the course simulator's real output (recorded from generate_delivery_tracking.py)", async () => {
    const input = readFileSync(join(ROOT, 'test/fixtures/course-simulator.ndjson'), 'utf8');
    const out = join(dir, 'course.json');
    const r = await runScript('producer/bin/produce.mjs', ['--stdin', '--strict', '--metrics-port', '0', '--summary', out], { env, input });
    expect(r.exitCode, r.stderr).toBe(0);
    // The banner and the "Simulation stopped" trailer are skipped; every JSON line is valid.
    expect(summary(out)).toMatchObject({ stdinLines: 39, skippedLines: 2, rejected: 0 });
    expect(summary(out).sent + summary(out).late).toBe(36);
  });
});

describe('robust start', () => {
  it('delivers everything and exits 0 when started right after a node was killed, ten times in a row', async () => {
    const topic = rt.stack.topics.locations;
    let ledger: LocationEvent[] = [];
    for (let i = 0; i < 10; i++) {
      const victim = NODE_IDS[i % NODE_IDS.length] as (typeof NODE_IDS)[number];
      await rt.stopNode(victim, { kill: true });
      const file = join(dir, `kill-${i}.json`);
      const ledgerFile = join(dir, `kill-${i}-ledger.json`);
      const t0 = Date.now();
      const r = await runScript(
        'producer/bin/produce.mjs',
        ['--drivers', '40', '--first-id', '9000', '--count', '400', '--rate', '0', '--seed', String(i), '--metrics-port', '0', '--summary', file, '--ledger', ledgerFile],
        { env, timeoutMs: 120_000 },
      );
      expect(r.exitCode, `run ${i} (node ${victim} killed): ${r.stderr}`).toBe(0);
      expect(summary(file), `run ${i}`).toMatchObject({ sent: 400, unacknowledged: 0 });
      process.stderr.write(`[ingest] run ${i}: node ${victim} killed, producer delivered 400 events in ${Date.now() - t0} ms\n`);
      ledger = JSON.parse(readFileSync(ledgerFile, 'utf8')) as LocationEvent[];
      await rt.startNode(victim);
      await waitForBrokers(rt.access.kafka('admin'), 120_000);
      await waitFullyReplicated(rt, topic, 120_000);
    }
    await waitForSink(rt, ledger, 60_000);
    const state = await withRedis(rt, (r) => readDriverHashes(r, rt.stack.redisKeyPrefix));
    expect(lostUpdates(ledger, state, rt.stack.redisKeyPrefix)).toEqual([]);
  }, 900_000); // ten kill → produce → restart → full ISR cycles
});

describe('bounded stop', () => {
  it('SIGTERM flushes and exits 0 when Kafka acknowledges everything', async () => {
    const file = join(dir, 'term-ok.json');
    const p = startScript('producer/bin/produce.mjs', ['--drivers', '30', '--first-id', '3000', '--rate', '300', '--metrics-port', '0', '--summary', file], { env });
    await waitFor(async () => /sent [1-9]\d* events/.test(p.output()), { what: 'the producer to report sent events', timeoutMs: 60_000 });
    p.stop('SIGTERM');
    expect(await p.exited, p.output()).toBe(0);
    expect(summary(file)).toMatchObject({ unacknowledged: 0 });
    expect(summary(file).sent).toBeGreaterThan(0);
  });

  it('SIGTERM gives up after --flush-timeout when Kafka cannot acknowledge, and exits 3 naming how many were lost', async () => {
    // min.insync.replicas 3 with one node stopped: every write is refused (NOT_ENOUGH_REPLICAS).
    // (Kafka 4 caps min.insync.replicas at the replication factor, so a higher value alone would not do.)
    const topic = `rastro-test-unackable-${Date.now()}`;
    // The producer principal may write only its own topics: grant this one as the admin would (no-op with SECURITY=off).
    const grants = (['WRITE', 'DESCRIBE'] as const).map((operation) => aclEntry({ user: 'producer', resource: 'TOPIC', name: topic, pattern: 'LITERAL', operation }));
    await withAdmin(rt.access.kafka('admin'), async (a) => {
      await a.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '3' }] }] });
      if (rt.access.secure) await a.createAcls({ acl: grants });
    });
    await rt.stopNode(3);
    try {
      const p = startScript('producer/bin/produce.mjs', ['--topic', topic, '--late-topic', '', '--no-seed', '--drivers', '5', '--rate', '50', '--flush-timeout', '2', '--metrics-port', '0'], { env });
      await waitFor(async () => p.output().includes('fewer in-sync replicas than required; retrying'), { what: 'the producer to retry a refused batch', timeoutMs: 60_000 });
      const t0 = Date.now();
      p.stop('SIGTERM');
      expect(await p.exited, p.output()).toBe(3);
      expect(Date.now() - t0).toBeLessThan(15_000);
      const lost = /error (\d+) events not acknowledged/.exec(p.output());
      expect(Number(lost?.[1]), p.output()).toBeGreaterThan(0);
      // Nothing is logged after the verdict: the retry loop stops with the producer.
      expect(p.output().trimEnd().split('\n').at(-1)).toMatch(/"unacknowledged":[1-9]/);
    } finally {
      await rt.startNode(3);
      await waitForBrokers(rt.access.kafka('admin'), 120_000);
      await waitFullyReplicated(rt, rt.stack.topics.locations, 120_000);
      await withAdmin(rt.access.kafka('admin'), async (a) => {
        await a.deleteTopics({ topics: [topic] });
        if (rt.access.secure) await a.deleteAcls({ filters: grants });
      });
    }
  });
});
