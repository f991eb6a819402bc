import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanerDelayMs, dirtyRatio, parseCleanerCheckpoint, partitionsBehind, segmentsFromListing } from '../../scripts/lib/bench/compaction.ts';
import { ackSeries, failoverGap } from '../../scripts/lib/bench/failover.ts';
import { aboveCeiling, compactionExcess, freshnessShortfall, lowRatio, nearestShortfall, rateShortfall, slowFreshness } from '../../scripts/lib/bench/flags.ts';
import { keyedLine } from '../../scripts/lib/bench/ndjson-file.ts';
import { FreshnessProbe } from '../../scripts/lib/bench/freshness.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { cpuTicks, waitQuiet } from '../../scripts/lib/bench/processes.ts';
import { barChartSvg } from '../../scripts/lib/bench/plot.ts';
import { $ } from 'zx';
import { withBenchUser } from '../../scripts/lib/bench/bench-user.ts';
import { commandCalls, infoNumber, javaIntConstant, parseBenchmarkCsv, parseBenchmarkP99, parseMonitorLine, redisBenchmarkArgs, splitFcall } from '../../scripts/lib/bench/redis-bench.ts';
import { readSinkLibrary } from '../../shared/redis-libraries.ts';
import { startRedis } from './app-fixture.ts';
import { fmtMs, fmtNumber, fmtRate, fmtRatio, median, percentile, perSecondP99, ratePerSecond, summarize } from '../../shared/stats.ts';
import { renderMarkdownTable, renderTextTable, type BenchRow } from '../../scripts/lib/bench/table.ts';


describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 0)).toThrow(/p must be/);
  });
  it('takes medians of odd and even counts, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
  it('summarizes unsorted samples without changing them', () => {
    const xs = [5, 1, 9, 3, 7];
    expect(summarize(xs)).toEqual({ n: 5, p50: 5, p90: 9, p99: 9, max: 9 });
    expect(xs).toEqual([5, 1, 9, 3, 7]);
    expect(summarize([]).max).toBeNaN();
  });
  it('computes rates and per-second p99', () => {
    expect(ratePerSecond(5000, 2000)).toBe(2500);
    expect(ratePerSecond(1, 0)).toBeNaN();
    expect(perSecondP99([{ at: 1000, value: 1 }, { at: 1500, value: 9 }, { at: 2100, value: 4 }])).toEqual([[1, 9], [2, 4]]);
  });
  it('formats to sensible precision', () => {
    expect(fmtNumber(12345.6)).toBe('12,346');
    expect(fmtNumber(12.34)).toBe('12.3');
    expect(fmtNumber(1.234)).toBe('1.23');
    expect(fmtRate(Number.NaN)).toBe('n/a');
    expect(fmtMs(3.21)).toBe('3.2 ms');
    expect(fmtMs(250.4)).toBe('250 ms');
    expect(fmtMs(12_345)).toBe('12.3 s');
    expect(fmtRatio(0.456)).toBe('0.46×');
  });
});

describe('bench sanity flags', () => {
  it('flags a rate below 98 % of the one asked', () => {
    expect(rateShortfall(1000, 990)).toBeUndefined();
    expect(rateShortfall(1000, 980)).toBeUndefined();
    expect(rateShortfall(1000, 979)).toMatch(/98 % of asked|< 98 %/);
    expect(rateShortfall(10_000, 6000)).toContain('60 %');
    expect(rateShortfall(1000, Number.NaN)).toBeDefined();
  });
  it('flags multi-second freshness on loopback', () => {
    expect(slowFreshness(40, 300)).toBeUndefined();
    expect(slowFreshness(1200, 1500)).toContain('p99');
    expect(slowFreshness(200, 6000)).toContain('max');
    expect(slowFreshness(Number.NaN, Number.NaN)).toBe('no samples');
    // The goals as users run it: 250 ms up to 5,000 events/s, 500 ms above.
    expect(freshnessShortfall(1000, 250)).toBeUndefined();
    expect(freshnessShortfall(5000, 251)).toBe('p99 above the 250 ms goal');
    expect(freshnessShortfall(10_000, 480)).toBeUndefined();
    expect(freshnessShortfall(10_000, 520)).toBe('p99 above the 500 ms goal');
    expect(nearestShortfall({ p99: 25, requestsPerSecond: 5000, failed: 0 })).toBeUndefined();
    expect(nearestShortfall({ p99: 26, requestsPerSecond: 4999, failed: 2 })).toBe('2 requests failed; p99 above the 25 ms goal; below the 5,000 req/s goal');
  });
  it('flags a ratio below the threshold and compaction leftovers', () => {
    expect(lowRatio(0.8)).toBeUndefined();
    expect(lowRatio(0.3)).toContain('0.5×');
    expect(lowRatio(0.3, 0.2)).toBeUndefined();
    expect(lowRatio(Number.NaN)).toBeDefined();
    expect(compactionExcess(1012, 1000, 12)).toBeUndefined();
    expect(compactionExcess(1500, 1000, 12)).toContain('500');
    expect(aboveCeiling(0.9)).toBeUndefined();
    expect(aboveCeiling(1.69)).toContain('ceiling');
  });
});

describe('bench table', () => {
  const rows: BenchRow[] = [
    { section: '1 producer', metric: 'kcat', value: '100,000 ev/s' },
    { section: '1 producer', metric: 'ours | stdin', value: '20,000 ev/s', note: 'a|b', flag: 'below 0.5× the baseline' },
    { section: '2 freshness', metric: '1,000 ev/s', value: '3 ms' },
  ];
  it('renders Markdown with the section once, escaped pipes and the flag', () => {
    const md = renderMarkdownTable(rows).split('\n');
    expect(md[0]).toBe('| # | metric | value | note | check |');
    expect(md).toHaveLength(5);
    expect(md[2]).toBe('| 1 producer | kcat | 100,000 ev/s |  | ok |');
    expect(md[3]).toBe('|  | ours \\| stdin | 20,000 ev/s | a\\|b | ⚠ below 0.5× the baseline |');
    expect(md[4]).toContain('| 2 freshness |');
  });
  it('aligns the terminal table', () => {
    const lines = renderTextTable(rows).split('\n');
    expect(lines).toHaveLength(5);
    const col = (l: string) => l.indexOf('ev/s') >= 0 ? l.search(/\d[\d,]* ev\/s/) : -1;
    expect(col(lines[2] as string)).toBe(col(lines[3] as string));
  });
});

describe('redis-benchmark replay of the sink write', () => {
  const plan = { host: '127.0.0.1', port: 19379, db: 1, requests: 200_000, clients: 3, pipeline: 500, keyspace: 20_000 };
  const monitor = '1764311000.123456 [0 127.0.0.1:51234] "FCALL" "rastro_sink_upsert" "1" "driver:driver_7" "timestamp" "1764311000000" "driver_id" "driver_7" "status" "say \\"hi\\"\\x41"';
  it('parses a MONITOR line', () => {
    const m = parseMonitorLine(monitor);
    expect(m?.db).toBe(0);
    expect(m?.args).toEqual(['FCALL', 'rastro_sink_upsert', '1', 'driver:driver_7', 'timestamp', '1764311000000', 'driver_id', 'driver_7', 'status', 'say "hi"A']);
    expect(parseMonitorLine('OK')).toBeUndefined();
  });
  it('splits FCALL and builds a faithful redis-benchmark command', () => {
    const call = splitFcall(parseMonitorLine(monitor)?.args ?? []);
    expect(call).toEqual({ fn: 'rastro_sink_upsert', keys: ['driver:driver_7'], argv: ['timestamp', '1764311000000', 'driver_id', 'driver_7', 'status', 'say "hi"A'] });
    const args = redisBenchmarkArgs(call, { ...plan, keyPrefix: 'other:' });
    expect(args.slice(0, 16)).toEqual(['-h', '127.0.0.1', '-p', '19379', '--dbnum', '1', '-n', '200000', '-c', '3', '-P', '500', '-r', '20000', '--csv', 'FCALL']);
    // Same function, same key count, a random key, the sink's arguments untouched (equal timestamp: every call writes).
    expect(args.slice(16)).toEqual(['rastro_sink_upsert', '1', 'bench:0:__rand_int__', ...call.argv]);
    expect(() => splitFcall(['GET', 'x'])).toThrow(/not an FCALL/);
    expect(() => splitFcall(['FCALL', 'x', '3', 'k'])).toThrow(/key count/);
  });
  it('replays a GEO-indexed write with one shared GEO set and random drivers', () => {
    // The sink's upsert with markers and a GEO index: KEYS hash, marker, GEO set; ARGV timestamp field,
    // timestamp, GEO member, longitude, latitude, then the fields.
    const line = '1764311000.123456 [0 127.0.0.1:51234] "FCALL" "rastro_sink_upsert" "3" "driver:driver_7" "tombstone:driver:driver_7" "drivers:geo" "timestamp" "1764311000000" "driver_7" "-46.6" "-23.5" "driver_id" "driver_7" "latitude" "-23.5" "longitude" "-46.6" "status" "AVAILABLE"';
    const call = splitFcall(parseMonitorLine(line)?.args ?? []);
    expect(call.keys).toEqual(['driver:driver_7', 'tombstone:driver:driver_7', 'drivers:geo']);
    const args = redisBenchmarkArgs(call, { ...plan, keyPrefix: 'driver:' });
    expect(args.slice(16)).toEqual([
      'rastro_sink_upsert', '3', 'bench:0:__rand_int__', 'bench:1:__rand_int__', 'bench:2',
      'timestamp', '1764311000000', 'bench__rand_int__', '-46.6', '-23.5',
      'driver_id', 'bench__rand_int__', 'latitude', '-23.5', 'longitude', '-46.6', 'status', 'AVAILABLE',
    ]);
  });
  it('reads a command count from INFO commandstats', () => {
    const info = '# Commandstats\r\ncmdstat_fcall:calls=600123,usec=1,usec_per_call=1.00\r\ncmdstat_hget:calls=5,usec=1\r\n';
    expect(commandCalls(info, 'FCALL')).toBe(600123);
    expect(commandCalls(info, 'hget')).toBe(5);
    expect(commandCalls(info, 'del')).toBe(0);
    expect(infoNumber('# Persistence\r\naof_enabled:1\r\naof_delayed_fsync:12\r\n', 'aof_delayed_fsync')).toBe(12);
    expect(infoNumber('', 'aof_delayed_fsync')).toBeNaN();
  });
  it('reads the rate from --csv output', () => {
    expect(parseBenchmarkCsv('"test","rps","avg_latency_ms"\n"FCALL rastro_sink_upsert 1 bench:0:__rand_int__","48123.45","1.2"\n')).toBe(48123.45);
    expect(() => parseBenchmarkCsv('error')).toThrow(/no rate/);
    const csv = '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n"FCALL_RO rastro_nearest 1 drivers:geo driver: -46.63 -23.55 2 10 AVAILABLE","10593.22","8.819","0.960","7.911","15.279","22.911","26.255"\n';
    expect(parseBenchmarkP99(csv)).toBe(22.911);
    expect(() => parseBenchmarkP99('"test","rps"\n"PING","1000"\n')).toThrow(/no p99_latency_ms/);
  });
  it('reads a Java int constant', () => {
    expect(javaIntConstant('public static final int BATCH_SIZE_DEFAULT = 1_000;', 'BATCH_SIZE_DEFAULT')).toBe(1000);
  });
  it('redis-benchmark logs in as a one-off user that may replay the sink\'s write on bench:* keys only, deleted afterwards', async () => {
    const redis = await startRedis();
    try {
      const lib = readSinkLibrary();
      await redis.client.call('FUNCTION', 'LOAD', 'REPLACE', lib.code);
      let name = '';
      const [written, refused] = await withBenchUser(redis.client, async (user) => {
        name = user.name;
        const auth = ['-p', String(redis.port), '--user', user.name, '--pass', user.password, '--no-auth-warning'];
        const cli = (...args: string[]) => $({ quiet: true, nothrow: true })`redis-cli ${auth} ${args}`;
        const fcall = (key: string) => cli('FCALL', lib.functions[0] as string, '1', key, 'timestamp', '1', '', '', '', '', '', 'driver_id', 'x');
        return [(await fcall('bench:0:1')).stdout.trim(), `${(await fcall('driver:x')).stdout.trim()} | ${(await cli('SCRIPT', 'LOAD', 'return 1')).stdout.trim()}`];
      });
      expect(written).toBe('1');
      expect(await redis.client.hget('bench:0:1', 'driver_id')).toBe('x');
      expect(refused).toMatch(/^NOPERM .*keys.* \| NOPERM .*script\|load/);
      expect(await redis.client.call('ACL', 'USERS')).not.toContain(name);
    } finally {
      await redis.stop();
    }
  });
});

describe('bench: compaction, failover, files, plot', () => {
  it('parses the cleaner checkpoint and finds partitions still behind', () => {
    const text = '0\n3\ndriver-locations 0 120\ndriver-locations 1 80\n_rastro-connect-offsets 0 9\n';
    const cleaned = parseCleanerCheckpoint(text, 'driver-locations');
    expect(cleaned).toEqual(new Map([[0, 120n], [1, 80n]]));
    expect(partitionsBehind(cleaned, new Map([[0, 100n], [1, 100n], [2, 5n]]))).toEqual([1, 2]);
    expect(parseCleanerCheckpoint('', 't').size).toBe(0);
    expect(() => parseCleanerCheckpoint('1\n0\n', 't')).toThrow(/version/);
  });
  it('computes the dirty ratio over closed segments only', () => {
    const segs = segmentsFromListing([
      { name: '00000000000000000000.log', bytes: 900 },
      { name: '00000000000000000100.index', bytes: 10 },
      { name: '00000000000000000100.log', bytes: 100 },
      { name: '00000000000000000200.log', bytes: 5000 },
    ]);
    expect(segs.map((x) => x.base)).toEqual([0n, 100n, 200n]);
    // Cleaned to 100: the 100-byte segment is dirty; the active (200) one never counts.
    expect(dirtyRatio(segs, 100n)).toBeCloseTo(0.1);
    expect(dirtyRatio(segs, 200n)).toBe(0);
    expect(dirtyRatio(segs, 0n)).toBe(1);
    expect(dirtyRatio([], 0n)).toBe(0);
  });
  it('measures the producer outage as the longest silence ending after the kill', () => {
    const acks = [1000, 1100, 1200, 1300, 8300, 8400].map((at) => ({ at, events: 10 }));
    expect(failoverGap(acks, 1250)).toEqual({ firstAfterMs: 50, longestGapMs: 7000, gapFrom: 1300, gapTo: 8300 });
    expect(failoverGap(acks, 9000)).toBeUndefined();
    expect(ackSeries(acks, 1000, 2000, 250)).toEqual([[1, 30], [1.25, 10], [1.5, 0], [1.75, 0]]);
  });
  it('writes kcat lines key<TAB>json and refuses a separator inside', () => {
    expect(keyedLine('driver_1', '{"a":1}')).toBe('driver_1\t{"a":1}');
    expect(() => keyedLine('a\tb', '{}')).toThrow(/separator/);
  });
  it('draws one bar per finite value', () => {
    const svg = barChartSvg([{ label: 'g', bars: [{ name: 'a', value: 5 }, { name: 'b', value: Number.NaN }] }], { title: 't', width: 300, height: 200 });
    expect(svg.match(/<rect x=/g)).toHaveLength(1 + 2);
    expect(svg).toContain('g (n/a)');
  });
});

describe('bench: keyed event files', () => {
  it('writes the same events as NDJSON and as kcat lines, even past the stream buffers', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { writeKeyedFiles } = await import('../../scripts/lib/bench/ndjson-file.ts');
    const dir = mkdtempSync(join(tmpdir(), 'rastro-bench-'));
    const f = await writeKeyedFiles({ ndjson: join(dir, 'e.ndjson'), keyed: join(dir, 'e.kcat'), events: 20_000, drivers: 100, firstId: 1, seed: 1, startMs: 1_700_000_000_000 });
    const nd = readFileSync(f.ndjson, 'utf8').trimEnd().split('\n');
    const kc = readFileSync(f.keyed, 'utf8').trimEnd().split('\n');
    expect(nd).toHaveLength(20_000);
    expect(kc).toHaveLength(20_000);
    const first = JSON.parse(nd[0] as string) as { driver_id: string; timestamp: number };
    expect(kc[0]).toBe(`${first.driver_id}\t${nd[0]}`);
    expect(new Set(nd.map((l) => (JSON.parse(l) as { driver_id: string }).driver_id)).size).toBe(100);
  }, 30_000);
  it('spreads the timestamps over events / eventsPerMs ms from startMs, each driver strictly newer each time', async () => {
    const { PassThrough } = await import('node:stream');
    const { writeKeyedEvents } = await import('../../scripts/lib/bench/ndjson-file.ts');
    const nd = new PassThrough();
    const kc = new PassThrough().resume();
    const chunks: Buffer[] = [];
    nd.on('data', (c: Buffer) => chunks.push(c));
    await writeKeyedEvents(nd, kc, { events: 500, drivers: 200, firstId: 1, seed: 1, startMs: 1_000, eventsPerMs: 50 });
    const evs = Buffer.concat(chunks).toString().trimEnd().split('\n').map((l) => JSON.parse(l) as { driver_id: string; timestamp: number });
    const ts = evs.map((e) => e.timestamp);
    // 500 events at 50 per ms: 10 ms, plus at most a ms per repeat of a driver inside one ms (the simulator's rule).
    expect(Math.min(...ts)).toBe(1_000);
    expect(Math.max(...ts)).toBeLessThanOrEqual(1_013);
    const last = new Map<string, number>();
    for (const e of evs) {
      expect(e.timestamp, e.driver_id).toBeGreaterThan(last.get(e.driver_id) ?? 0);
      last.set(e.driver_id, e.timestamp);
    }
    await expect(writeKeyedEvents(new PassThrough(), new PassThrough(), { events: 1, drivers: 1, firstId: 1, seed: 1, startMs: 0, eventsPerMs: 0 })).rejects.toThrow(/eventsPerMs 0/);
  });
  it('does not stall when the second stream drains before the first (a real hang seen at 1,302 lines)', async () => {
    const { Writable } = await import('node:stream');
    const { writeKeyedEvents } = await import('../../scripts/lib/bench/ndjson-file.ts');
    const lines = { nd: 0, kc: 0 };
    // Tiny buffers: every write asks to wait; the slow stream drains after the fast one.
    const sink = (name: 'nd' | 'kc', delay: (cb: () => void) => void) =>
      new Writable({ highWaterMark: 1, write(_c, _e, cb) { lines[name]++; delay(cb); } });
    const nd = sink('nd', (cb) => setTimeout(cb, 2));
    const kc = sink('kc', (cb) => setImmediate(cb));
    const done = writeKeyedEvents(nd, kc, { events: 200, drivers: 10, firstId: 1, seed: 1, startMs: 0 });
    const stalled = new Promise((_, reject) => setTimeout(() => reject(new Error('stalled')), 5000));
    await Promise.race([done, stalled]);
    expect(lines).toEqual({ nd: 200, kc: 200 });
  }, 10_000);
});

describe('quiet brokers before a throughput run', () => {
  it("waits out the topic's compaction lag plus the brokers' cleaner back-off", () => {
    expect(cleanerDelayMs('# x\nlog.cleaner.backoff.ms=5000\nnum.partitions=6\n', 5000)).toBe(10_000);
    expect(cleanerDelayMs('num.partitions=6\n', 0)).toBe(15_000);
    expect(cleanerDelayMs('#log.cleaner.backoff.ms=1\n', 0)).toBe(15_000);
  });
  it('reads a process CPU time from /proc and NaN for a process that is gone', () => {
    const before = cpuTicks(process.pid);
    const until = Date.now() + 200;
    while (Date.now() < until) Math.sqrt(Math.random());
    expect(cpuTicks(process.pid)).toBeGreaterThan(before);
    expect(cpuTicks(2 ** 22 + 1)).toBeNaN();
  });
  it('is not quiet without processes to watch, nor when one is gone', async () => {
    expect(await waitQuiet([], { maxPercent: 50, windowMs: 100, timeoutMs: 1000 })).toMatchObject({ quiet: false, waitedMs: 0 });
    expect(await waitQuiet([2 ** 22 + 1], { maxPercent: 50, windowMs: 100, timeoutMs: 1000 })).toMatchObject({ quiet: false });
  });
  it('waits while a process is busy and says so when it never settles', async () => {
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      await new Promise((r) => busy.once('spawn', r));
      // A low bar: a spinning process gets far less than a core when the machine is busy (CI ran it below 30 %).
      const q = await waitQuiet([busy.pid as number], { maxPercent: 5, windowMs: 300, timeoutMs: 700 });
      expect(q.quiet).toBe(false);
      expect(q.percent).toBeGreaterThan(5);
      expect(q.waitedMs).toBeGreaterThanOrEqual(700);
    } finally {
      busy.kill('SIGKILL');
    }
  });
  it('returns after one window for an idle process', async () => {
    const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((r) => idle.once('spawn', r));
      // Let its start-up pass: then it sleeps in a timer.
      await waitQuiet([idle.pid as number], { maxPercent: 5, windowMs: 300, timeoutMs: 10_000 });
      const q = await waitQuiet([idle.pid as number], { maxPercent: 5, windowMs: 300, timeoutMs: 10_000 });
      expect(q).toMatchObject({ quiet: true });
      expect(q.waitedMs).toBeLessThan(1000);
    } finally {
      idle.kill('SIGKILL');
    }
  });
});

describe('FreshnessProbe', () => {
  it('watches only the sampled drivers (ids ending in 3 or 7) and says which share that is; the notification setting is put back', async () => {
    const redis = await startRedis();
    try {
      const probe = await FreshnessProbe.start({ url: redis.url }, 'driver:');
      expect(probe.sampleFraction).toBe(0.2);
      const now = Date.now();
      for (let i = 100; i < 120; i++) await redis.client.hset(`driver:driver_${i}`, { timestamp: String(now - 50) });
      await waitFor(async () => probe.samples.length >= 4, { what: 'the probe to see the sampled writes', timeoutMs: 5_000, intervalMs: 20 });
      // A moment more: an unsampled write arriving late would show up here.
      await new Promise((r) => setTimeout(r, 200));
      expect(probe.notifications).toBe(4); // driver_103, 107, 113, 117
      expect(probe.samples.every((s) => s.value >= 50 && s.value < 5_000)).toBe(true);
      await probe.stop();
      expect(await redis.client.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', '']);
    } finally {
      await redis.stop();
    }
  });
});
