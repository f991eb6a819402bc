import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, Partitioners } from '../../../producer/src/kafka.ts';
import { $ } from 'zx';
import { failoverGap, ackSeries, type Ack } from '../bench/failover.ts';
import { cleanerDelayMs, dirtyRatio, parseCleanerCheckpoint, partitionsBehind, segmentsFromListing } from '../bench/compaction.ts';
import { aboveCeiling, compactionExcess, freshnessShortfall, lowRatio, nearestShortfall, rateShortfall, slowFreshness, timedOut } from '../bench/flags.ts';
import { FreshnessProbe } from '../bench/freshness.ts';
import { cityPoints, loadNearest, startEmptyHttpServer, nearestPath, sampleAnswers } from '../bench/nearest.ts';
import { NEAREST_FUNCTION } from '../app/drivers.ts';
import { writeKeyedFiles } from '../bench/ndjson-file.ts';
import { benchPlotHtml, type BenchPlotData } from '../bench/plot.ts';
import { cpuMicrosPer, cpuSeconds, rssKiB, servicePid, timedRun, waitQuiet } from '../bench/processes.ts';
import { withBenchUser, type BenchUser } from '../bench/bench-user.ts';
import { PhaseClock } from '../bench/phases.ts';
import { fmtDuration, Progress } from '../progress.ts';
import { commandCalls, infoNumber, parseBenchmarkCsv, parseBenchmarkP99, parseMonitorLine, redisBenchmarkArgs, splitFcall, type FcallCall } from '../bench/redis-bench.ts';
import { sinkPipelineChunk } from '../bench/sink-script.ts';
import { groupLag, SinkControl } from '../bench/sink-control.ts';
import { fmtMicros, fmtMiB, fmtMs, fmtNumber, fmtRate, fmtRatio, fmtSeconds, median, perSecondP99, ratePerSecond, summarize } from '../../../shared/stats.ts';
import { flaggedCount, renderMarkdownTable, renderTextTable, type BenchRow } from '../bench/table.ts';
import { busiestLeader, waitFullyReplicated } from '../cluster.ts';
import { loadConnectorConfig } from '../connect.ts';
import { Evidence } from '../evidence.ts';
import { withAdmin } from '../kafka-admin.ts';
import { freshnessMaxOver, METRICS, QUERIES, sinkAgeQuantile } from '../metrics/catalogue.ts';
import { Load } from '../load.ts';
import { ensureJmxAgent, ensureKafkaLibs, ensureSinkPlugin } from '../native/install.ts';
import { NativeRuntime } from '../native/runtime.ts';
import { bringUp } from '../steps.ts';
import { PrometheusClient } from '../prometheus.ts';
import { waitForBrokers } from '../readiness.ts';
import { screenshotHtml } from '../render/screenshot.ts';
import { openRuntime } from '../runtime/index.ts';
import { CONFIG_DIR, NODE_IDS, ROOT, type NodeId } from '../../../shared/stack.ts';
import { foldTopic, geoRulesOf } from '../topic-fold.ts';
import { loadTopics } from '../topics.ts';
import { GiveUp, waitFor } from '../wait.ts';
import { openRedis, redisAclRules } from '../../../shared/security.ts';
import type { KafkaAccess } from '../../../producer/src/kafka.ts';
import { displayPath } from '../../../shared/security.ts';
import { readSinkLibrary, SINK_LIBRARY_FILE } from '../../../shared/redis-libraries.ts';
import { parseCommand, UsageError, type CommandSpec } from '../../../shared/cli.ts';

const PRODUCE = join(ROOT, 'producer', 'bin', 'produce.mjs');
const APP = join(ROOT, 'scripts', 'app.mjs');
/** How long a producer may keep flushing after its run before the bench stops waiting for it. */
const FLUSH_GRACE_S = 90;
/** Brokers count as quiet before a throughput run below this share of one core, summed (idle is about 30%). */
const QUIET_BROKERS_PERCENT = 45;
/** The bench's own stack unless told otherwise: never the one `make up` runs. */
const DEFAULT_HOME = join(ROOT, '.rastro', 'bench');
// Below the kernel's ephemeral port range (make up refuses ports there) and apart from the tests' +10000.
const DEFAULT_OFFSET = '12000';
/** Phase times of a `--quick` run on this project's 2-core reference machine (2026-12-07): the first estimate a machine gets. */
const QUICK_REFERENCE_MS: Record<string, number> = { '5 footprint': 86_600, '2 freshness': 71_600, '1 producer': 47_800, '3 sink catch-up': 15_000, '6 failover': 35_600, '4 compaction': 8_300, '8 make up, security on': 50_000, '8 freshness, security on': 72_000, '7 nearest': 25_000, '8 make demo, security on': 150_000 };

interface Plan {
  quick: boolean;
  /** GET /drivers/nearest requests of the app phase (100 at a time). */
  nearestRequests: number;
  /** Events per producer in each throughput run (and so 3 × reps × this in the sink's backlog). */
  events: number;
  /** Interleaved repetitions of the three throughput runs. */
  reps: number;
  fileDrivers: number;
  rates: number[];
  freshDrivers: number;
  warmupS: number;
  measureS: number;
  failoverRate: number;
  compactionWaitMs: number;
}

function plan(o: { quick?: boolean; events?: string; rates?: string; seconds?: string }): Plan {
  const quick = o.quick === true;
  const p: Plan = {
    quick,
    events: Number(o.events ?? (quick ? 50_000 : 200_000)),
    reps: quick ? 1 : 3,
    fileDrivers: 10_000,
    rates: (o.rates ?? '1000,5000,10000').split(',').map(Number),
    freshDrivers: 2000,
    warmupS: quick ? 3 : 5,
    measureS: Number(o.seconds ?? (quick ? 8 : 20)),
    failoverRate: 1000,
    nearestRequests: quick ? 10_000 : 30_000,
    compactionWaitMs: quick ? 90_000 : 120_000,
  };
  if (!Number.isInteger(p.events) || p.events < 1000) throw new UsageError(`--events ${o.events}: expected an integer ≥ 1000`);
  if (p.rates.some((r) => !Number.isInteger(r) || r < 1)) throw new UsageError(`--rates ${o.rates}: expected positive integers, comma-separated`);
  if (!Number.isFinite(p.measureS) || p.measureS < 2) throw new UsageError(`--seconds ${o.seconds}: expected ≥ 2`);
  return p;
}

interface ProducerSummary {
  sent: number;
  seconds: number;
  eventsPerSecond: number;
  /** Connect + reading the topic for the never-regress marks, before the first event. */
  startupSeconds: number;
  /** From each event's timestamp to its request / to Kafka's ack, over the whole run. */
  sinceEventTimestampMs?: { queued?: { p50: number; p99: number; max: number }; acked?: { p50: number; p99: number; max: number } };
}

function readSummary(file: string): ProducerSummary {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProducerSummary>;
  if (typeof s.sent !== 'number' || typeof s.eventsPerSecond !== 'number') throw new Error(`${file}: no sent/eventsPerSecond in the producer summary`);
  return { sent: s.sent, seconds: Number(s.seconds), eventsPerSecond: s.eventsPerSecond, startupSeconds: Number(s.startupSeconds ?? 0), sinceEventTimestampMs: s.sinceEventTimestampMs };
}

/** Sum of the topic's end offsets: records appended between two reads. */
async function endOffsetSum(bootstrap: KafkaAccess, topic: string): Promise<bigint> {
  return withAdmin(bootstrap, async (a) => (await a.fetchTopicOffsets(topic)).reduce((s, p) => s + BigInt(p.high), 0n));
}

/**
 * One real upsert FCALL of the sink, from `redis-cli MONITOR` (bounded): its exact keys and arguments,
 * whatever the sink's current code sends.
 */
async function captureSinkFcall(port: number, fn: string, timeoutMs: number, auth: { args: string[]; env: Record<string, string> }): Promise<FcallCall> {
  const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...auth.args, 'MONITOR'], { env: { ...process.env, ...auth.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    return await new Promise<FcallCall>((resolveP, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-cli MONITOR on 127.0.0.1:${port}: no FCALL ${fn} from the sink within ${timeoutMs / 1000} s`)), timeoutMs);
      let buf = '';
      child.once('error', (e) => reject(new Error(`redis-cli MONITOR on 127.0.0.1:${port}: ${e.message}`)));
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          const m = parseMonitorLine(l.trim());
          if (m && m.db === 0 && (m.args[0] ?? '').toUpperCase() === 'FCALL' && m.args[1] === fn) {
            clearTimeout(timer);
            resolveP(splitFcall(m.args));
            return;
          }
        }
      });
    });
  } finally {
    child.kill('SIGTERM');
  }
}

/** The last record of each partition (key, event timestamp), read with kcat. */
async function lastRecords(bootstrap: string, topic: string, partitions: number, config: string[]): Promise<Array<{ partition: number; key: string; ts: number }>> {
  const out: Array<{ partition: number; key: string; ts: number }> = [];
  for (let p = 0; p < partitions; p++) {
    const r = await $({ quiet: true, timeout: '30s' })`kcat -C -b ${bootstrap} ${config} -t ${topic} -p ${String(p)} -o -1 -c 1 -e -q -f ${'%k\t%s\n'}`;
    const line = r.stdout.trim();
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const ts = Number((JSON.parse(line.slice(tab + 1)) as { timestamp?: unknown }).timestamp);
    out.push({ partition: p, key: line.slice(0, tab), ts });
  }
  return out;
}

/**
 * make bench: performance numbers on a private native stack it starts (cold) and wipes afterwards.
 * One table on the terminal and in evidence/<run>/BENCH.md, plus bench.png.
 */
export const SPEC: CommandSpec = {
  name: './scripts/bench.mjs',
  summary: 'performance numbers on a private native stack (make bench): producer vs kcat, freshness, sink catch-up vs redis-benchmark, compaction, footprint, failover, the app; evidence/<run>/BENCH.md',
  options: {
    quick: { type: 'boolean', description: 'shorter phases (about 5 minutes instead of 15)' },
    keep: { type: 'boolean', description: 'leave the private stack running afterwards' },
    events: { type: 'string', value: 'N', description: 'events per producer throughput run, ≥ 1000 (default 200000; 50000 with --quick)' },
    rates: { type: 'string', value: 'LIST', default: '1000,5000,10000', description: 'freshness rates, events/s, comma-separated' },
    seconds: { type: 'string', value: 'S', description: 'seconds measured per freshness rate, ≥ 2 (default 20; 8 with --quick)' },
  },
  notes: ['Environment: RASTRO_HOME (default .rastro/bench), RASTRO_PORT_OFFSET (default 12000), SECURITY (default off for the comparison phases: kcat cannot log in to Kafka 4.4; freshness and the app are then measured again on a stack started with security on, the headline rows).'],
  examples: ['make bench', 'make bench BENCH_ARGS=--quick'],
  exits: { 0: 'measured, nothing flagged', 1: 'a phase failed or a number was flagged (⚠ in the table)', 2: 'bad usage', 3: 'crashed' },
};

export async function main(argv: string[]): Promise<number> {
  // The one-Redis stack, whatever the caller's environment says (every stack and child below inherits it): the
  // phases read one Redis (its CPU, MONITOR, redis-benchmark). A Redis Cluster is not priced here yet.
  process.env.REDIS_MODE = 'single';
  const args = parseCommand<{ quick?: boolean; keep?: boolean; events?: string; rates: string; seconds?: string }>(SPEC, argv);
  if (args === undefined) return 0;
  const o = args.values;
  const p = plan(o);
  const home = resolve(process.env.RASTRO_HOME ?? DEFAULT_HOME);
  // The bench wipes its stack: refuse the state directory of the stack `make up` uses.
  if (home === join(ROOT, '.rastro', 'native')) throw new Error(`bench: RASTRO_HOME=${home} is make up's stack, which the bench would wipe; unset it or point it elsewhere`);
  const offset = process.env.RASTRO_PORT_OFFSET ?? DEFAULT_OFFSET;
  // The baseline, Debian's kcat (librdkafka 2.0.2), is refused by Kafka 4.4's SCRAM-SHA-512 with the
  // right password (kafkajs and the Java clients log in), so the bench's private stack is the plain
  // set-up unless SECURITY=on is given (then the kcat rows fail and say so).
  const security = process.env.SECURITY ?? 'off';
  const rt = await openRuntime({ ...process.env, SECURITY: security, RUNTIME: 'native', RASTRO_HOME: home, RASTRO_PORT_OFFSET: offset }, { quiet: true });
  if (!(rt instanceof NativeRuntime)) throw new Error('bench: needs the native runtime');
  const ev = Evidence.create('bench');
  const topic = rt.stack.topics.locations;
  const admin = rt.access.kafka('admin');
  const bootstrap = admin.brokers;
  const childEnv = { ...process.env, SECURITY: security, RASTRO_PORT_OFFSET: offset, RASTRO_HOME: home };
  const producerArgs = (summary: string) => ['--brokers', bootstrap.join(','), '--topic', topic, '--metrics-port', '0', '--quiet', '--summary', summary];
  /** A stack the freshness and nearest measurements run on: the comparison one (SECURITY as given) or the one users run (security on). */
  interface Target {
    rt: NativeRuntime;
    security: string;
    env: NodeJS.ProcessEnv;
    producerArgs: (summary: string) => string[];
    /** Row prefix and file suffix: '' for the comparison stack. */
    label: string;
  }
  const plain: Target = { rt, security, env: childEnv, producerArgs, label: '' };
  /** The stack running now: the one the finally block stops. */
  let current: NativeRuntime = rt;
  const rows: BenchRow[] = [];
  const row = (r: BenchRow) => {
    rows.push(r);
    ev.step(`${r.metric}: ${r.value}${r.note ? ` (${r.note})` : ''}${r.flag ? `  ⚠ ${r.flag}` : ''}`);
  };
  const plot: BenchPlotData = { title: `make bench${p.quick ? ' --quick' : ''} — ${new Date().toISOString().slice(0, 16)}Z (CPU shared with other work: noisy)`, throughput: [], freshness: [], freshnessSeries: [], failoverSeries: [], failoverMarkers: [] };
  /** A phase that fails is reported as a flagged row; the later phases still run. */
  // The phases in the order they run: each says where the run is and how much is left.
  const runOrder = ['5 footprint', '2 freshness', '1 producer', '3 sink catch-up', '6 failover', '4 compaction', '8 make up, security on', '8 freshness, security on', '7 nearest', '8 make demo, security on'];
  const clock = new PhaseClock(join(ROOT, '.rastro', 'bench-phase-times.json'), p.quick ? 'quick' : 'full', runOrder.length, p.quick ? QUICK_REFERENCE_MS : {});
  const ticker = new Progress();
  const phase = async (section: string, title: string, fn: () => Promise<void>) => {
    ev.section(`${section}: ${title}`);
    ev.step(clock.describe(section, 0, runOrder));
    const t0 = Date.now();
    const tick = setInterval(() => ticker.update(`bench ${section}: ${fmtDuration(Date.now() - t0)} in; ${clock.describe(section, Date.now() - t0, runOrder)}`), 10_000);
    try {
      await fn();
    } catch (err) {
      row({ section, metric: `${title}: FAILED`, value: 'n/a', flag: (err as Error).message.split('\n')[0] ?? 'error' });
    } finally {
      clearInterval(tick);
      ticker.done();
    }
    clock.finish(section, Date.now() - t0);
    ev.step(`phase took ${fmtSeconds(Date.now() - t0)}`);
  };
  const rss = new Map<string, { idle: number; load: number }>();
  const services = [...NODE_IDS.map((id) => `kafka-${id}`), 'connect', 'redis'];
  const sampleRss = (when: 'idle' | 'load') => {
    for (const s of services) {
      const pid = servicePid(home, s);
      const cur = rss.get(s) ?? { idle: Number.NaN, load: Number.NaN };
      cur[when] = pid === undefined ? Number.NaN : rssKiB(pid);
      rss.set(s, cur);
    }
  };

  ev.section('Plan');
  ev.step(`private native stack: RASTRO_HOME=${home}, RASTRO_PORT_OFFSET=${offset}, SECURITY=${security} (bootstrap ${bootstrap.join(',')})`);
  ev.step(`${p.quick ? 'quick: ' : ''}${p.events} events per throughput run over ${p.fileDrivers} drivers; freshness at ${p.rates.join(', ')} ev/s × ${p.measureS} s (+${p.warmupS} s warm-up) over ${p.freshDrivers} drivers`);
  ev.step('CPU is shared with whatever else runs on this machine: absolute numbers are noisy; ratios against kcat on the same stack are steadier');
  const started = Date.now();
  let upOk = false;
  try {
    // --- 5: cold start ------------------------------------------------------------------------
    await phase('5 footprint', '`make up` from a wiped state', async () => {
      await rt.down({ wipe: true }, (l) => ev.step(l));
      // Downloads and the plugin build are not part of a start: resolve them before the clock starts.
      await ensureKafkaLibs(rt.stack, (l) => ev.step(l));
      await ensureJmxAgent(rt.stack, (l) => ev.step(l));
      await ensureSinkPlugin(rt.stack, (l) => ev.step(l));
      const t0 = Date.now();
      await bringUp(rt, ev);
      upOk = true;
      const ms = Date.now() - t0;
      row({ section: '5 footprint', metric: '`make up`, cold (wiped state, jars cached)', value: fmtSeconds(ms), note: `Redis, Prometheus, ${NODE_IDS.length} nodes formatted + started, Connect, topics created, connector RUNNING`, flag: ms > 180_000 ? 'over 3 minutes' : undefined });
      sampleRss('idle');
    });
    if (!upOk) throw new Error('the stack did not come up; nothing to measure');

    const sink = new SinkControl(rt.access.connect(), rt.stack.connect.connectorName);
    const connectorConfig = loadConnectorConfig(rt.stack);
    const tasks = Number(connectorConfig['tasks.max'] ?? '1');
    const partitions = loadTopics(rt.stack).find((t) => t.name === topic)?.partitions ?? 6;
    let fcall: FcallCall | undefined;
    const library = readSinkLibrary();
    const upsertFn = library.functions[0] as string;

    /**
     * The q-quantile (ms) of the age of the records the sink wrote in [from, to], at put() or once written: its
     * cumulative buckets, read at Connect's first scrape at or after `to` (Prometheus scrapes every 5 s: that is the
     * precision, and records written just after the window count). NaN when Prometheus has no answer.
     */
    const sinkAgeOver = async (prom: PrometheusClient, stage: 'received' | 'written', q: number, from: number, to: number): Promise<number> => {
      const scraped = await waitFor(
        async () => {
          const t = Number((await prom.query(`max(timestamp(${METRICS.up}{job="connect"}))`))[0]?.value);
          return Number.isFinite(t) && t * 1000 >= to ? t : false;
        },
        { what: "Prometheus's first scrape of Connect after the window", timeoutMs: 30_000, intervalMs: 500 },
      ).catch(() => Math.floor(to / 1000));
      return prom.query(sinkAgeQuantile(stage, q, Math.max(5, Math.round(scraped - from / 1_000))), scraped).then((x) => Number(x[0]?.value)).catch(() => Number.NaN);
    };

    /**
     * Freshness on a target stack: the cold run right after its make up, then each rate, each with where its p99 goes.
     * `captureFcall`: also capture one real FCALL of the sink for phase 3's redis-benchmark (the comparison stack).
     */
    const freshnessRuns = async (t: Target, captureFcall: boolean): Promise<void> => {
      const pre = t.label ? `${t.label}, ` : '';
      const hrow = (r: BenchRow): void => row({ ...r, headline: t.security === 'on' });
      const probe = await FreshnessProbe.start(t.rt.access.redis('admin'), t.rt.stack.redisKeyPrefix);
      const prom = new PrometheusClient(t.rt.addresses.prometheusUrl);
      ev.step(`measured in Redis: keyspace notifications (notify-keyspace-events Kh) on the hset of a sample of the drivers (${Math.round(probe.sampleFraction * 100)} %: ids ending in 3 or 7), then HGET timestamp; sample = reply time − event timestamp (upper bound, includes one loopback round trip)`);
      /**
       * Where a run's p99 goes, as p99s of the age (ms since the event's timestamp) at each boundary: the producer's
       * request and acks=all (its summary, whole run), the sink's put() receiving the record and its write returning
       * (Connect's metrics, ~30 s windows, the highest task), the probe seeing it in Redis (the window).
       */
      const stagesRow = async (label: string, s: ProducerSummary | undefined, seen: number, from: number, to: number) => {
        const sink = (stage: 'received' | 'written') => sinkAgeOver(prom, stage, 0.99, from, to);
        const stages: Array<[string, number | undefined]> = [
          ['request sent', s?.sinceEventTimestampMs?.queued?.p99],
          ['acked (acks=all)', s?.sinceEventTimestampMs?.acked?.p99],
          ["in the sink's put()", await sink('received')],
          ['written to Redis', await sink('written')],
          ['seen in Redis', seen],
        ];
        hrow({
          section: '2 freshness', metric: `${pre}${label}: where the p99 goes`, value: stages.map(([, v]) => (v === undefined || !Number.isFinite(v) ? '?' : fmtMs(v))).join(' → '),
          note: `p99 of the age at each step, from the event's timestamp: ${stages.map(([n]) => n).join(' → ')}. Sources: the producer's summary (its whole run); the sink's cumulative age buckets over this window (all tasks; read as a bucket's upper bound, RedisSinkMetrics.AGE_BUCKETS_MS); the probe (this window). Each step's increase is what that stage adds at the tail`,
          flag: stages.some(([, v]) => v === undefined || !Number.isFinite(v)) ? 'a stage has no figure' : undefined,
        });
      };
      try {
        // A freshly started stack needs one to two minutes of load before its round trips settle (cold
        // JITs in the brokers and Connect, Redis's first allocations): the first run, at the highest rate
        // right after make up, is the cold row (what a user who starts producing at once gets); the warm
        // rows follow it. MONITOR captures one real FCALL of the sink at its start (stopped at the first).
        const warmRate = Math.max(...p.rates);
        const warmS = p.quick ? 15 : 60;
        const warmSummary = join(ev.dir, `cold${t.label ? `-${t.label.replaceAll(' ', '-')}` : ''}.json`);
        ev.step(`cold run, right after make up: ${fmtNumber(warmRate)} ev/s for ${warmS} s; captures one FCALL ${upsertFn} of the sink with redis-cli MONITOR`);
        const warmStarted = Date.now();
        const warm = timedRun(process.execPath, [PRODUCE, ...t.producerArgs(warmSummary), '--drivers', String(p.freshDrivers), '--rate', String(warmRate), '--duration', String(warmS), '--seed', '10'], {
          timeoutMs: (warmS + FLUSH_GRACE_S) * 1000, env: t.env,
        });
        warm.catch(() => undefined);
        if (captureFcall) {
          fcall = await captureSinkFcall(t.rt.stack.ports.redis, upsertFn, 60_000, t.rt.access.redisCli('admin')).catch((e: Error) => {
            ev.step(`could not capture the sink's FCALL: ${e.message}`);
            return undefined;
          });
        }
        const w = await warm;
        if (w.exitCode !== 0) throw new Error(`cold-run producer exited ${w.exitCode}: ${w.stderrTail}`);
        // The cold row: what a user who starts producing as soon as make up returns gets, over the whole first run.
        const cold = probe.window(warmStarted, Date.now());
        const c = summarize(cold);
        hrow({
          section: '2 freshness', metric: `${pre}cold: ${fmtNumber(warmRate)} ev/s for the first ${warmS} s after make up: p50 / p99 / max`, value: `${fmtMs(c.p50)} / ${fmtMs(c.p99)} / ${fmtMs(c.max)}`,
          note: `${c.n.toLocaleString('en-US')} samples; the just-started stack (cold JITs, first allocations); this run also warms the stack for the rows below`,
          flag: slowFreshness(c.p99, c.max),
        });
        plot.freshnessSeries.push({ name: `${pre}cold ${fmtNumber(warmRate)} ev/s`, points: perSecondP99(probe.samples.filter((x) => x.at >= warmStarted)) });
        await stagesRow(`cold ${fmtNumber(warmRate)} ev/s`, readSummary(warmSummary), c.p99, warmStarted, Date.now());
        for (const [i, rate] of p.rates.entries()) {
          const summary = join(ev.dir, `fresh-${rate}${t.label ? `-${t.label.replaceAll(' ', '-')}` : ''}.json`);
          const t0 = Date.now();
          const seenBefore = probe.samples.length;
          const run = timedRun(process.execPath, [PRODUCE, ...t.producerArgs(summary), '--drivers', String(p.freshDrivers), '--rate', String(rate), '--duration', String(p.warmupS + p.measureS + 2), '--seed', String(11 + i)], {
            // Bounded: a producer that is still flushing its backlog 90 s after its duration is stopped.
            timeoutMs: (p.warmupS + p.measureS + 2 + FLUSH_GRACE_S) * 1000, env: t.env,
          });
          // Awaited below; marked handled now so a failure while we wait for Redis is not an unhandled rejection.
          run.catch(() => undefined);
          const first = await waitFor(async () => probe.samples.slice(seenBefore).find((s) => s.at >= t0), { what: `the first driver write in Redis at ${rate} ev/s`, timeoutMs: 60_000, intervalMs: 50, maxIntervalMs: 200 });
          const from = first.at + p.warmupS * 1000;
          const to = from + p.measureS * 1000;
          const r = await run.catch((e: Error) => e);
          if (!(r instanceof Error) && r.exitCode !== 0) throw new Error(`producer at ${rate} ev/s exited ${r.exitCode}: ${r.stderrTail}`);
          const s = r instanceof Error ? undefined : readSummary(summary);
          const values = probe.window(from, to);
          const st = summarize(values);
          const seen = ratePerSecond(values.length / probe.sampleFraction, to - from);
          const gauge = await prom.query(freshnessMaxOver(p.measureS), Math.floor(to / 1000)).then((x) => x[0]?.value).catch(() => undefined);
          hrow({
            section: '2 freshness', metric: `${pre}${fmtNumber(rate)} ev/s: p50 / p99 / max`, value: `${fmtMs(st.p50)} / ${fmtMs(st.p99)} / ${fmtMs(st.max)}`,
            note: `${st.n.toLocaleString('en-US')} samples over ${p.measureS} s${gauge !== undefined ? `; the sink's own gauge max ${fmtMs(Number(gauge))} (its window reaches back before this run)` : ''}`,
            flag: slowFreshness(st.p99, st.max) ?? (t.security === 'on' ? freshnessShortfall(rate, st.p99) : undefined),
          });
          await stagesRow(`${fmtNumber(rate)} ev/s`, s, st.p99, from, to);
          const achieved = s?.eventsPerSecond ?? seen;
          hrow({
            section: '2 freshness', metric: `${pre}${fmtNumber(rate)} ev/s: asked → producer achieved`, value: `${fmtRate(rate)} → ${fmtRate(achieved)}`,
            note: s
              ? `producer summary (${s.sent.toLocaleString('en-US')} sent in ${s.seconds} s); writes seen in Redis in the window ${fmtRate(seen)}`
              : `the producer was still flushing ${FLUSH_GRACE_S} s after its duration and was stopped (no summary): achieved = writes seen in Redis in the window`,
            flag: [rateShortfall(rate, achieved), s ? undefined : 'producer stopped before it finished'].filter(Boolean).join('; ') || undefined,
          });
          plot.freshness.push({ label: `${pre}${fmtNumber(rate)} ev/s`, bars: [{ name: 'p50', value: st.p50 }, { name: 'p99', value: st.p99 }, { name: 'max', value: st.max }] });
          plot.freshnessSeries.push({ name: `${pre}${fmtNumber(rate)} ev/s`, points: perSecondP99(probe.samples.filter((x) => x.at >= from && x.at <= to)) });
        }
      } finally {
        await probe.stop();
      }
    };

    // --- 2: freshness ------------------------------------------------------------------------
    await phase('2 freshness', `end-to-end freshness through the project producer (SECURITY=${security})`, () => freshnessRuns(plain, true));

    // --- 1: producer throughput (connector paused: the backlog is phase 3's) -------------------
    let backlog = 0n;
    await phase('1 producer', 'producer events/s, ours vs kcat (connector paused)', async () => {
      await sink.pause();
      ev.ok(`connector ${sink.name} PAUSED: the runs below queue up for the catch-up measurement`);
      // Each producer runs `reps` times, interleaved (ours --stdin, kcat, simulator, again ...), each run
      // on brokers that have settled: one run of a few seconds on 2 shared cores swings by ±40% with what
      // the brokers do meanwhile, above all the log cleaner compacting the previous run's records (it may
      // start min.compaction.lag.ms + log.cleaner.backoff.ms after they were written). So each run waits
      // out that delay after the previous one, then for the brokers' CPU to be quiet. Medians and the
      // median of the paired ratios are reported, every run's value beside them.
      const spec = loadTopics(rt.stack).find((t) => t.name === topic);
      const settleMs = cleanerDelayMs(readFileSync(join(CONFIG_DIR, 'kafka', 'server.properties'), 'utf8'), Number(spec?.config['min.compaction.lag.ms'] ?? '0'));
      const brokerPids = NODE_IDS.map((id) => servicePid(home, `kafka-${id}`)).filter((x): x is number => x !== undefined);
      ev.step(`between runs: ${fmtSeconds(settleMs)} after the previous one ends (min.compaction.lag.ms + log.cleaner.backoff.ms), then until the ${brokerPids.length} brokers use under ${QUIET_BROKERS_PERCENT}% of a core`);
      const timeoutMs = Math.max(180_000, p.events * 5);
      // The freshness phase has just written to the topic too.
      let lastEnd = Date.now();
      const appended = async (label: string, fn: () => Promise<number>): Promise<{ ms: number; records: bigint }> => {
        if (Date.now() < lastEnd + settleMs) await sleep(lastEnd + settleMs - Date.now());
        const q = await waitQuiet(brokerPids, { maxPercent: QUIET_BROKERS_PERCENT, windowMs: 1000, timeoutMs: 30_000 });
        const before = await endOffsetSum(admin, topic);
        const ms = await fn();
        lastEnd = Date.now();
        const records = (await endOffsetSum(admin, topic)) - before;
        ev.step(`${label}: ${records} records appended in ${fmtSeconds(ms)} (brokers before it: ${Number.isFinite(q.percent) ? `${q.percent.toFixed(0)}% of a core` : 'CPU unknown'}${q.quiet ? '' : `, not below ${QUIET_BROKERS_PERCENT}% after ${fmtSeconds(q.waitedMs)}`})`);
        return { ms, records };
      };
      // Own drivers per repetition: our producer reads the topic's newest timestamp per driver at start,
      // so a file kcat had already sent would be all late events. Written just before its runs, stamped
      // from when they start at 50 events per ms (about a run's length): near their send time, as a live
      // source's would be. (Kafka's record timestamps are the send time for both producers.)
      const filesFor = (r: number) => writeKeyedFiles({
        ndjson: join(ev.dir, `events-${r + 1}.ndjson`), keyed: join(ev.dir, `events-${r + 1}.kcat`), events: p.events, drivers: p.fileDrivers, firstId: 200_000 + r * p.fileDrivers, seed: 5 + r,
        startMs: Math.max(Date.now(), lastEnd + settleMs), eventsPerMs: 50,
      });
      const n = BigInt(p.events);
      const runs: Array<{ kcat: number; stdin: number; sim: number; kcatWall: number; stdinWall: number; simWall: number }> = [];
      /** The brokers' CPU seconds during each kcat run: what an event costs the cluster (RF 3, acks=all). */
      const kcatBrokerCpu: number[] = [];
      const problems: string[] = [];
      backlog = 0n;
      const kcatArgsFor = (file: string) => ['-b', bootstrap.join(','), ...rt.access.kcatConfig('producer'), '-t', topic, '-P', '-K', '\t', '-X', 'acks=all', '-X', 'enable.idempotence=true', '-X', 'partitioner=murmur2_random', '-l', file];
      // The rates compare sending, not process start-up, on both sides. Ours: the producer's own clock,
      // from connected (and the never-regress marks read from the topic) to every event acknowledged.
      // kcat: start → exit minus its start-up, which is a kcat run of one event (start, connect, producer
      // id, one acknowledged request, exit; the median of three). Wall-clock rates are shown beside them.
      const one = await writeKeyedFiles({ ndjson: join(ev.dir, 'one-event.ndjson'), keyed: join(ev.dir, 'one-event.kcat'), events: 1, drivers: 1, firstId: 200_000 - 1, seed: 4, startMs: Date.now() });
      const startups: number[] = [];
      for (let i = 0; i < 3; i++) {
        const x = await timedRun('kcat', kcatArgsFor(one.keyed), { timeoutMs: 60_000 });
        if (x.exitCode !== 0) throw new Error(`kcat -P (one event) exited ${x.exitCode}: ${x.stderrTail}`);
        startups.push(x.ms);
        backlog += 1n;
      }
      const kcatStartupMs = median(startups);
      ev.step(`kcat's start-up, a one-event run: ${startups.map((x) => fmtMs(x)).join(', ')} (median ${fmtMs(kcatStartupMs)})`);
      for (let r = 0; r < p.reps; r++) {
        const f = await filesFor(r);
        if (r === 0) ev.step(`each run's events: ${p.events} over ${p.fileDrivers} drivers of its own, events-N.ndjson (for --stdin) and events-N.kcat (key<TAB>json, the same JSON) in ${ev.dir}`);
        const stdinSummary = join(ev.dir, `stdin-${r + 1}.json`);
        if (r === 0) ev.command(`producer/bin/produce.mjs --stdin ${producerArgs(stdinSummary).join(' ')} < events-1.ndjson`);
        const stdin = await appended(`run ${r + 1}: ours --stdin`, async () => {
          const x = await timedRun(process.execPath, [PRODUCE, '--stdin', ...producerArgs(stdinSummary)], { stdinFile: f.ndjson, timeoutMs, env: childEnv });
          if (x.exitCode !== 0) throw new Error(`produce.mjs --stdin exited ${x.exitCode}: ${x.stderrTail}`);
          return x.ms;
        });
        // Ours --stdin before kcat on the same file (see above). The simulator goes last: the last record
        // of each partition is then an event with a unique timestamp, which phase 3 waits for in Redis.
        const kcatArgs = kcatArgsFor(f.keyed);
        if (r === 0) ev.command(`kcat ${kcatArgs.join(' ').replace('\t', '\\t')}`);
        const kcat = await appended(`run ${r + 1}: kcat`, async () => {
          const cpu0 = cpuSeconds(brokerPids);
          const x = await timedRun('kcat', kcatArgs, { timeoutMs });
          kcatBrokerCpu.push(cpuSeconds(brokerPids) - cpu0);
          if (x.exitCode !== 0) throw new Error(`kcat -P exited ${x.exitCode}: ${x.stderrTail}`);
          return x.ms;
        });
        const simSummary = join(ev.dir, `simulator-${r + 1}.json`);
        const simArgs = ['--rate', '0', '--count', String(p.events), '--drivers', String(p.fileDrivers), '--seed', String(3 + r)];
        if (r === 0) ev.command(`producer/bin/produce.mjs ${simArgs.join(' ')} ${producerArgs(simSummary).join(' ')}`);
        const sim = await appended(`run ${r + 1}: ours simulator`, async () => {
          const x = await timedRun(process.execPath, [PRODUCE, ...simArgs, ...producerArgs(simSummary)], { timeoutMs, env: childEnv });
          if (x.exitCode !== 0) throw new Error(`produce.mjs --rate 0 exited ${x.exitCode}: ${x.stderrTail}`);
          return x.ms;
        });
        for (const [label, x] of [['kcat', kcat], ['ours --stdin', stdin], ['ours simulator', sim]] as const) {
          if (x.records !== n) problems.push(`run ${r + 1} ${label}: ${x.records} records appended, expected ${n}`);
        }
        runs.push({
          kcat: ratePerSecond(p.events, kcat.ms - kcatStartupMs),
          stdin: readSummary(stdinSummary).eventsPerSecond,
          sim: readSummary(simSummary).eventsPerSecond,
          kcatWall: ratePerSecond(p.events, kcat.ms),
          stdinWall: ratePerSecond(p.events, stdin.ms),
          simWall: ratePerSecond(p.events, sim.ms),
        });
        backlog += kcat.records + stdin.records + sim.records;
      }
      const med = (pick: (x: (typeof runs)[number]) => number) => median(runs.map(pick));
      const each = (pick: (x: (typeof runs)[number]) => number, fmt: (v: number) => string) => runs.map((x) => fmt(pick(x))).join(', ');
      const lost = problems.length > 0 ? problems.join('; ') : undefined;
      const kRate = med((x) => x.kcat);
      const sRate = med((x) => x.stdin);
      const mRate = med((x) => x.sim);
      const sRatio = med((x) => x.stdin / x.kcat);
      const mRatio = med((x) => x.sim / x.kcat);
      const of = `median of ${runs.length} interleaved runs`;
      row({ section: '1 producer', metric: `kcat -P, ${p.events.toLocaleString('en-US')} keyed events`, value: fmtRate(kRate), note: `${of} (${each((x) => x.kcat, fmtRate)}); process start → exit minus its start-up (${fmtMs(kcatStartupMs)}); wall clock ${fmtRate(med((x) => x.kcatWall))}; acks=all, idempotent, murmur2 partitioner`, flag: lost });
      row({ section: '1 producer', metric: 'ours --stdin, same events (NDJSON)', value: fmtRate(sRate), note: `${of} (${each((x) => x.stdin, fmtRate)}); the producer's own clock, connected → all acknowledged; wall clock (Node start, connect, reading the topic) ${fmtRate(med((x) => x.stdinWall))}` });
      row({ section: '1 producer', metric: `ours simulator --rate 0 --count ${p.events}`, value: fmtRate(mRate), note: `${of} (${each((x) => x.sim, fmtRate)}); the producer's own clock; wall clock ${fmtRate(med((x) => x.simWall))}` });
      row({ section: '1 producer', metric: 'ratio ours --stdin / kcat', value: fmtRatio(sRatio), note: `median of the runs' own ratios (${each((x) => x.stdin / x.kcat, fmtRatio)}); same cluster, topic and events; wall clock to wall clock ${fmtRatio(med((x) => x.stdinWall / x.kcatWall))}`, flag: lowRatio(sRatio) });
      row({ section: '1 producer', metric: 'ratio ours simulator / kcat', value: fmtRatio(mRatio), note: `median of the runs' own ratios (${each((x) => x.sim / x.kcat, fmtRatio)}); wall clock to wall clock ${fmtRatio(med((x) => x.simWall / x.kcatWall))}`, flag: lowRatio(mRatio) });
      const brokerCpu = cpuMicrosPer(median(kcatBrokerCpu), p.events);
      row({ section: '1 producer', metric: "the brokers' CPU per event (kcat runs)", value: `${fmtMicros(brokerCpu)} per event`, note: `user + system CPU of the ${brokerPids.length} brokers during each kcat run (${kcatBrokerCpu.map((c) => `${c.toFixed(2)} s`).join(', ')}) ÷ ${p.events.toLocaleString('en-US')} events: the leader's append and two followers' fetch and append (RF 3, acks=all), SECURITY=${security}; an input of docs/scale.ts`, flag: Number.isFinite(brokerCpu) ? undefined : 'no CPU figure' });
      plot.throughput.push({ label: 'producers', bars: [{ name: 'kcat -P', value: kRate }, { name: 'ours --stdin', value: sRate }, { name: 'ours simulator', value: mRate }] });
    });

    // --- 3: sink catch-up ----------------------------------------------------------------------
    await phase('3 sink catch-up', 'sink catch-up on the queued backlog vs redis-benchmark', async () => {
      const groupId = `connect-${sink.name}`;
      const states = await sink.states();
      if (!states.every((s) => s === 'PAUSED')) await sink.pause();
      const before = await groupLag(admin, groupId, topic);
      const last = await lastRecords(bootstrap.join(','), topic, partitions, rt.access.kcatConfig('admin'));
      ev.step(`backlog ${before.lag} records (consumer group ${groupId}); done when Redis holds the last record of each of ${last.length} partitions (polled every 50 ms) and when the group has committed the end offsets (commits every offset.flush.interval.ms)`);
      const redis = openRedis(rt.access.redis('admin'), { lazyConnect: true });
      await redis.connect();
      try {
        // Redis's own count of the sink's writes: every queued record must become one FCALL.
        const callsBefore = commandCalls(await redis.info('commandstats'), 'fcall');
        const connectPid = servicePid(home, 'connect');
        const redisPid = servicePid(home, 'redis');
        const cpu0 = [connectPid, redisPid].map((pid) => (pid === undefined ? Number.NaN : cpuSeconds([pid])));
        const t0 = Date.now();
        await sink.resume();
        const bound = Math.max(180_000, Number(before.lag) * 2);
        await waitFor(
          async () => {
            const pipe = redis.pipeline();
            for (const l of last) pipe.hget(`${rt.stack.redisKeyPrefix}${l.key}`, 'timestamp');
            const replies = (await pipe.exec()) ?? [];
            return last.every((l, i) => Number(replies[i]?.[1] ?? 0) >= l.ts);
          },
          { what: 'Redis to hold the last record of every partition', timeoutMs: bound, intervalMs: 50, maxIntervalMs: 50 },
        );
        const redisMs = Date.now() - t0;
        const [connectCpu, redisCpu] = [connectPid, redisPid].map((pid, i) => (pid === undefined ? Number.NaN : cpuSeconds([pid]) - (cpu0[i] as number)));
        await waitFor(async () => (await groupLag(admin, groupId, topic)).lag === 0n, { what: `consumer group ${groupId} committed up to the end offsets`, timeoutMs: 60_000, intervalMs: 250, maxIntervalMs: 250 });
        const commitMs = Date.now() - t0;
        // The topic is compacted while the connector is paused, so fewer records than the queued offsets
        // remain to be read: Redis's own FCALL count is what the sink really wrote.
        const calls = commandCalls(await redis.info('commandstats'), 'fcall') - callsBefore;
        const rate = ratePerSecond(calls, redisMs);
        row({
          section: '3 sink catch-up', metric: `sink catch-up: ${calls.toLocaleString('en-US')} writes for ${Number(before.lag).toLocaleString('en-US')} queued offsets`, value: fmtRate(rate),
          note: `writes = Redis's FCALL count (compaction removed the other queued records before the sink read them); resume → last record of every partition in Redis ${fmtSeconds(redisMs)} (50 ms polls) = ${fmtRate(ratePerSecond(Number(before.lag), redisMs))} in offsets; group committed the end offsets after ${fmtSeconds(commitMs)} (commits every 5 s)`,
          flag: Number(before.lag) !== Number(backlog) ? `backlog ${before.lag} ≠ records produced ${backlog}` : calls === 0 ? 'no FCALL counted' : undefined,
        });

        const perWrite = [cpuMicrosPer(connectCpu as number, calls), cpuMicrosPer(redisCpu as number, calls)];
        row({
          section: '3 sink catch-up', metric: 'CPU per sink write: Connect / Redis', value: perWrite.map((x) => `${fmtMicros(x)}`).join(' / '),
          note: `user + system CPU of the Connect worker (${(connectCpu as number).toFixed(2)} s: poll, JSON, the sink's pipeline, commits) and of Redis (${(redisCpu as number).toFixed(2)} s: the FCALL, AOF) from resume until Redis held the last records, ÷ ${calls.toLocaleString('en-US')} writes; an input of docs/scale.ts`,
          flag: perWrite.every(Number.isFinite) ? undefined : 'no CPU figure',
        });

        // redis-benchmark: the same FCALL, same function, same connections and pipeline depth.
        if (fcall === undefined) throw new Error(`no FCALL ${upsertFn} captured from the sink (see the freshness phase)`);
        // The sink checks at every connection that Redis holds its library byte for byte, so this is the code it runs.
        const held = (await redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', library.name, 'WITHCODE')) as unknown[][];
        const same = held.some((entry) => entry.includes(library.code));
        ev.step(`function library ${library.name} in Redis: ${same ? `the code of ${displayPath(SINK_LIBRARY_FILE)}, which the sink checks at every connection` : `NOT the code of ${displayPath(SINK_LIBRARY_FILE)}`}`);
        const chunk = sinkPipelineChunk(connectorConfig);
        const requests = Math.min(Math.max(Number(before.lag), 50_000), 200_000);
        // Two depths: the sink's own, and a shallower one, since redis-benchmark itself can be the
        // bottleneck with very deep pipelines; the better of the two is the ceiling.
        const runs: Array<{ pipeline: number; rps: number }> = [];
        // Redis's AOF (appendfsync everysec) stalls writes when fsync falls behind on a busy disk: counted, so
        // a slow run can be told apart from a slow write path.
        const aofDelayed = async () => infoNumber(await redis.info('persistence'), 'aof_delayed_fsync');
        const replay = async (user?: BenchUser) => {
          if (user !== undefined) ev.step(`redis-benchmark logs in as ${user.name}, a one-off user (keys bench:* only, the sink's commands) deleted after the runs: it reads no password from a file or its environment, so a throw-away one is on its command line, never the admin's`);
          for (const pipeline of [...new Set([chunk.size, 50])]) {
            const delayedBefore = await aofDelayed();
            const args = redisBenchmarkArgs(fcall as FcallCall, { host: '127.0.0.1', port: rt.stack.ports.redis, db: 1, requests, clients: tasks, pipeline, keyspace: 20_000, keyPrefix: rt.stack.redisKeyPrefix });
            const login = user === undefined ? [] : ['--user', user.name, '-a'];
            ev.command(`redis-benchmark ${[...login, ...(user === undefined ? [] : ['<one-off password>']), ...args].join(' ')}`);
            const out = await $({ quiet: true, timeout: '300s' })`redis-benchmark ${login} ${user === undefined ? [] : [user.password]} ${args}`;
            const rps = parseBenchmarkCsv(out.stdout);
            runs.push({ pipeline, rps });
            const delayed = (await aofDelayed()) - delayedBefore;
            row({
              section: '3 sink catch-up', metric: `redis-benchmark, the sink's FCALL, -c ${tasks} -P ${pipeline}`, value: fmtRate(rps),
              note: `${requests.toLocaleString('en-US')} calls; -c = tasks.max${pipeline === chunk.size ? `, -P = the sink's pipeline chunk (${chunk.from})` : ''}; the captured keys and arguments in db 1, driver keys and GEO members random; AOF fsync delayed ${delayed} times`,
              flag: same ? undefined : 'the library in Redis differs from the sink\'s',
            });
          }
        };
        // With security off Redis has no login to give (the default user is on).
        if (rt.access.secure) await withBenchUser(redis, replay);
        else await replay();
        await redis.select(1);
        await redis.flushdb();
        const rps = Math.max(...runs.map((r) => r.rps));
        row({ section: '3 sink catch-up', metric: 'ratio sink / best redis-benchmark', value: fmtRatio(rate / rps), note: 'the sink also polls Kafka, converts JSON and commits', flag: lowRatio(rate / rps, 0.2) ?? aboveCeiling(rate / rps) });
        plot.throughput.push({ label: 'Redis writes', bars: [{ name: 'sink catch-up', value: rate }, { name: 'redis-benchmark FCALL (best)', value: rps }] });
      } finally {
        redis.disconnect();
        if (!(await sink.states().catch(() => ['?'])).every((s) => s === 'RUNNING')) await sink.resume().catch(() => undefined);
      }
    });
    sampleRss('load');

    // --- 5: memory ---------------------------------------------------------------------------
    for (const s of services) {
      const r = rss.get(s);
      if (!r) continue;
      row({ section: '5 footprint', metric: `RSS ${s}`, value: `${fmtMiB(r.idle)} idle, ${fmtMiB(r.load)} after load`, note: `VmRSS of the pid in ${s}/${s}.pid${s.startsWith('kafka') ? ` (heap -Xmx${rt.stack.heaps.kafka})` : s === 'connect' ? ` (heap -Xmx${rt.stack.heaps.connect})` : ''}`, flag: Number.isFinite(r.idle) ? undefined : 'process not found' });
    }

    /** The delivery app's nearest-drivers query on a target stack, at 100 concurrent requests, beside its Redis ceiling. */
    const nearestRuns = async (t: Target): Promise<void> => {
      const port = t.rt.stack.ports.app;
      const appUrl = `http://127.0.0.1:${port}`;
      const token = t.rt.access.appToken();
      const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
      ev.command(`scripts/app.mjs --port ${port}`);
      const child = spawn(process.execPath, [APP, '--port', String(port)], { env: t.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-2000)));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        const health = await waitFor(
          async () => {
            if (child.exitCode !== null) throw new GiveUp(new Error(`scripts/app.mjs exited ${child.exitCode}: ${stderr}`));
            const res = await fetch(`${appUrl}/health`, { headers });
            return res.ok ? ((await res.json()) as { geo_members?: number }) : false;
          },
          { what: `the app at ${appUrl}/health`, timeoutMs: 60_000 },
        );
        const connections = 100;
        const ask = { radiusKm: 2, limit: 10, headers };
        const points = cityPoints(Math.max(p.nearestRequests, 1000));
        // Correctness first: a sample asked one at a time and read in full.
        const sample = await sampleAnswers(appUrl, points.slice(0, 200), ask);
        if (sample.errors.length > 0) throw new Error(`${sample.errors.length} of 200 sampled answers failed: ${sample.errors[0]}`);
        const avgListed = sample.listed.reduce((a, b) => a + b, 0) / Math.max(sample.listed.length, 1);
        ev.command(`autocannon -c ${connections} -a ${p.nearestRequests} ${appUrl}${nearestPath(points[0] as { lat: number; lon: number }, ask)} (the point changes per request)`);
        const redisPid = servicePid(t.rt.home, 'redis');
        const cpuPids = [child.pid, redisPid].map((pid) => pid ?? -1);
        const cpu0 = cpuPids.map((pid) => cpuSeconds([pid]));
        const load = await loadNearest(appUrl, points, { ...ask, requests: p.nearestRequests, connections });
        const [appCpu, redisCpu] = cpuPids.map((pid, i) => cpuSeconds([pid]) - (cpu0[i] as number));
        const members = health.geo_members ?? 0;
        row({ headline: true, 
          section: '7 nearest', metric: `GET /drivers/nearest, ${connections} concurrent: p50 / p90 / p99 / max`, value: `${fmtMs(load.p50)} / ${fmtMs(load.p90)} / ${fmtMs(load.p99)} / ${fmtMs(load.max)}`,
          note: `${load.requests.toLocaleString('en-US')} requests from autocannon (closed loop, keep-alive) at random points of the city, radius 2 km, AVAILABLE, limit 10 (a sample of 200 listed ${avgListed.toFixed(1)} drivers on average); ${members.toLocaleString('en-US')} drivers in ${t.rt.stack.redisGeoKey}; the app started just before, with security ${t.security}; client, app, Redis and the idle stack share the cores`,
          flag: nearestShortfall(load) ?? (members < 10_000 ? 'fewer than 10,000 drivers in the index' : undefined),
        });
        row({ headline: true,  section: '7 nearest', metric: 'GET /drivers/nearest: requests/s', value: `${fmtNumber(load.requestsPerSecond)} req/s`, note: `one app process, one FCALL_RO ${NEAREST_FUNCTION} per request (GEOSEARCH and the status filter inside Redis)`, flag: nearestShortfall({ ...load, p99: 0, failed: 0 }) });
        const perRequest = [cpuMicrosPer(appCpu as number, load.requests), cpuMicrosPer(redisCpu as number, load.requests)];
        row({
          headline: true, section: '7 nearest', metric: 'CPU per request: app / Redis', value: perRequest.map((x) => fmtMicros(x)).join(' / '),
          note: `user + system CPU of the app process (${(appCpu as number).toFixed(2)} s: HTTP, the query, the ioredis call, the answer) and of Redis (${(redisCpu as number).toFixed(2)} s: the FCALL_RO) during the load ÷ ${load.requests.toLocaleString('en-US')} requests; autocannon's own CPU is the rest of the 2 cores; an input of docs/scale.ts`,
          flag: perRequest.every(Number.isFinite) ? undefined : 'no CPU figure',
        });
        // The HTTP ceiling: the same client, connections and request count against a server that does nothing.
        const empty = await startEmptyHttpServer();
        try {
          const floor = await loadNearest(empty.url, points, { ...ask, requests: p.nearestRequests, connections });
          row({
            headline: true, section: '7 nearest', metric: `ceiling: an empty Node HTTP server, ${connections} concurrent: p50 / p99, requests/s`, value: `${fmtMs(floor.p50)} / ${fmtMs(floor.p99)}, ${fmtNumber(floor.requestsPerSecond)} req/s`,
            note: `node:http in its own process answering every request at once with the same 2-byte body: no Redis, no work; the same autocannon client (in this process) and ${load.requests.toLocaleString('en-US')} requests; the floor under any Node app's latency on these cores`,
            flag: floor.failed > 0 ? `${floor.failed} failed` : undefined,
          });
        } finally {
          await empty.stop();
        }
        // The ceiling: the same Redis work from redis-benchmark, no HTTP and no app, as a user with the app's grant.
        const first = points[0] as { lat: number; lon: number };
        const redis = openRedis(t.rt.access.redis('admin'), { lazyConnect: true, maxRetriesPerRequest: 1 });
        await redis.connect();
        try {
          const ceiling = async (user?: BenchUser) => {
            const login = user === undefined ? [] : ['--user', user.name, '-a', user.password];
            const base = ['-h', '127.0.0.1', '-p', String(t.rt.stack.ports.redis), '-c', String(connections), '-n', String(Math.max(p.nearestRequests, 20_000)), '--csv'];
            const calls: Array<[string, string[]]> = [
              [`FCALL_RO ${NEAREST_FUNCTION} (what one request costs Redis)`, ['FCALL_RO', NEAREST_FUNCTION, '1', t.rt.stack.redisGeoKey, t.rt.stack.redisKeyPrefix, String(first.lon), String(first.lat), '2', '10', 'AVAILABLE']],
              ['GEOSEARCH alone (radius 2 km, COUNT 40)', ['GEOSEARCH', t.rt.stack.redisGeoKey, 'FROMLONLAT', String(first.lon), String(first.lat), 'BYRADIUS', '2', 'km', 'ASC', 'COUNT', '40', 'WITHDIST']],
            ];
            for (const [label, cmd] of calls) {
              ev.command(`redis-benchmark ${[...(user === undefined ? [] : ['--user', user.name, '-a', '<one-off password>']), ...base, ...cmd].join(' ')}`);
              const out = await $({ quiet: true, timeout: '300s' })`redis-benchmark ${login} ${base} ${cmd}`;
              row({ headline: true, 
                section: '7 nearest', metric: `ceiling: redis-benchmark -c ${connections}, ${label}`, value: `${fmtNumber(parseBenchmarkCsv(out.stdout))} req/s, p99 ${fmtMs(parseBenchmarkP99(out.stdout))}`,
                note: `one point (${first.lat}, ${first.lon}), ${connections} connections, no HTTP and no app${user === undefined ? '' : ", as a one-off user with the app's own grant"}; redis-benchmark shares the cores too`,
              });
            }
          };
          if (t.rt.access.secure) await withBenchUser(redis, ceiling, redisAclRules(t.rt.stack).app);
          else await ceiling();
        } finally {
          redis.disconnect();
        }
      } finally {
        child.kill('SIGTERM');
        // Bounded: an app that does not stop on SIGTERM within 10 s is killed.
        const stop = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(stop);
      }
    };

    // --- 6: failover ---------------------------------------------------------------------------
    let lastLoad: { ledger: Array<{ driver_id: string; timestamp: number }>; stoppedAt: number } | undefined;
    await phase('6 failover', 'producer writes after a SIGKILLed node', async () => {
      const acks: Ack[] = [];
      let errors = 0;
      const load = await Load.start(rt, { drivers: 200, seed: 21, rate: p.failoverRate, firstId: 300_000, onBatch: (events, at) => void acks.push({ at, events }), onError: () => void errors++ });
      let victim: NodeId | undefined;
      let killedAt = 0;
      const t0 = Date.now();
      try {
        await waitFor(async () => (acks.length > 0 && (acks.at(-1)?.at ?? 0) - (acks[0]?.at ?? 0) >= 3000 ? true : false), { what: '3 s of acknowledged writes before the kill', timeoutMs: 60_000 });
        victim = await busiestLeader(rt, topic);
        killedAt = Date.now();
        await rt.stopNode(victim, { kill: true });
        ev.ok(`kafka-${victim} (leads the most partitions) SIGKILLed at ${new Date(killedAt).toISOString()}`);
        await waitFor(
          async () => {
            const resumed = acks.find((a) => a.at > killedAt);
            return resumed !== undefined && (acks.at(-1)?.at ?? 0) - resumed.at >= 3000;
          },
          { what: 'writes acknowledged again for 3 s after the kill', timeoutMs: 120_000 },
        );
      } finally {
        // Bounded: a producer with a long queue of unacknowledged batches may take minutes to flush.
        const stopping = load.stop();
        stopping.catch(() => undefined);
        const flushed = await Promise.race([stopping.then(() => true), sleep(FLUSH_GRACE_S * 1000).then(() => false)]);
        if (!flushed) ev.fail(`the failover producer was still flushing ${FLUSH_GRACE_S} s after stop(); later numbers may see its writes`);
        lastLoad = { ledger: load.producer.ledger.entries(), stoppedAt: Date.now() };
      }
      const g = failoverGap(acks, killedAt);
      row({ section: '6 failover', metric: `SIGKILL kafka-${victim} under ${fmtNumber(p.failoverRate)} ev/s: longest silence in acks`, value: g ? fmtSeconds(g.longestGapMs) : 'n/a', note: g ? `first ack after the kill at +${fmtSeconds(g.firstAfterMs)} (may be a batch in flight); ${errors} send attempts failed and were retried` : undefined, flag: g ? (g.longestGapMs > 30_000 ? 'over 30 s' : undefined) : 'writes never resumed' });
      plot.failoverSeries.push({ name: 'events acknowledged / 250 ms', points: ackSeries(acks, t0, lastLoad.stoppedAt) });
      plot.failoverMarkers.push({ t: killedAt / 1000, label: `SIGKILL kafka-${victim}`, color: '#f2495c' });
      if (victim !== undefined) {
        const t1 = Date.now();
        await rt.startNode(victim);
        await waitForBrokers(admin);
        await waitFullyReplicated(rt, topic, 180_000);
        row({ section: '6 failover', metric: `kafka-${victim} restarted → every partition's ISR full`, value: fmtSeconds(Date.now() - t1), note: 'JVM start, broker registration, follower catch-up' });
      }
    });
    // Never leave the cluster a node short for the compaction read.
    for (const id of NODE_IDS) if (!(await rt.isNodeRunning(id))) await rt.startNode(id);

    // --- 4: compaction -------------------------------------------------------------------------
    await phase('4 compaction', 'records retained after compaction vs live drivers', async () => {
      const spec = loadTopics(rt.stack).find((t) => t.name === topic);
      const segmentMs = Number(spec?.config['segment.ms'] ?? '604800000');
      if (segmentMs > 60_000) throw new Error(`segment.ms=${segmentMs}: too long to force a roll inside the bench`);
      const ledger = lastLoad?.ledger ?? [];
      if (ledger.length === 0) throw new Error('no driver events from the failover phase to re-send');
      // Kafka rolls a segment by time only when a record arrives after segment.ms: let that time pass
      // since the last append (a property of Kafka's roll rule, not a readiness we could poll), then
      // append to every partition a copy of a driver's current event (same content: no new state).
      const idleUntil = (lastLoad?.stoppedAt ?? Date.now()) + segmentMs + 1000;
      if (Date.now() < idleUntil) await sleep(idleUntil - Date.now());
      const partitioner = Partitioners.DefaultPartitioner();
      const meta = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
      const pick = new Map<number, { driver_id: string; timestamp: number }>();
      for (const e of ledger) {
        const part = partitioner({ topic, partitionMetadata: meta, message: { key: e.driver_id, value: null } });
        if (!pick.has(part)) pick.set(part, e);
      }
      const kafka = new Kafka({ ...admin, clientId: 'rastro-bench', logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const target = new Map<number, bigint>();
      try {
        const res = await producer.send({ topic, acks: -1, messages: [...pick.values()].map((e) => ({ key: e.driver_id, value: JSON.stringify(e) })) });
        for (const r of res) target.set(r.partition, BigInt(r.baseOffset ?? '0'));
      } finally {
        await producer.disconnect();
      }
      ev.step(`segment roll forced on ${target.size}/${partitions} partitions; waiting for the log cleaner of every broker to pass those offsets (cleaner-offset-checkpoint)`);
      // Settled = on every broker, each partition is either cleaned up to the roll, or its uncleaned share
      // is below min.cleanable.dirty.ratio: the cleaner's own rule says it will leave that one alone.
      const minDirty = Number(spec?.config['min.cleanable.dirty.ratio'] ?? '0.5');
      let settled = { cleaned: 0, belowRatio: 0, total: 0 };
      let cleanedAll = true;
      const t0 = Date.now();
      const survey = () => {
        const st = { cleaned: 0, belowRatio: 0, total: 0 };
        for (const id of NODE_IDS) {
          const data = join(home, `kafka-${id}`, 'data');
          let text = '';
          try {
            text = readFileSync(join(data, 'cleaner-offset-checkpoint'), 'utf8');
          } catch {
            /* no checkpoint yet: nothing cleaned on this broker */
          }
          const cleaned = parseCleanerCheckpoint(text, topic);
          const behind = new Set(partitionsBehind(cleaned, target));
          for (const part of target.keys()) {
            st.total++;
            if (!behind.has(part)) st.cleaned++;
            else {
              const dir = join(data, `${topic}-${part}`);
              const segs = segmentsFromListing(readdirSync(dir).map((name) => ({ name, bytes: statSync(join(dir, name)).size })));
              if (dirtyRatio(segs, cleaned.get(part) ?? 0n) < minDirty) st.belowRatio++;
            }
          }
        }
        return st;
      };
      try {
        await waitFor(
          async () => {
            settled = survey();
            return settled.cleaned + settled.belowRatio === settled.total && settled.total > 0;
          },
          { what: `the log cleaner to settle (every partition replica cleaned up to the forced roll, or below min.cleanable.dirty.ratio=${minDirty})`, timeoutMs: p.compactionWaitMs, maxIntervalMs: 1000 },
        );
      } catch (err) {
        cleanedAll = false;
        ev.step((err as Error).message);
      }
      ev.step(`partition replicas: ${settled.cleaned}/${settled.total} cleaned up to the roll, ${settled.belowRatio} left below min.cleanable.dirty.ratio=${minDirty}`);
      const cleanMs = Date.now() - t0;
      const fold = await foldTopic(admin, topic, 300_000, { geo: geoRulesOf(connectorConfig)?.rules });
      const live = fold.fold.size;
      const scan = await rt.redisCli(['--scan', '--pattern', `${rt.stack.redisKeyPrefix}*`]);
      const inRedis = scan.stdout.split('\n').filter(Boolean).length;
      const allowance = target.size + (settled.belowRatio > 0 ? Math.ceil((live * minDirty) / (1 - minDirty)) : 0);
      row({
        section: '4 compaction', metric: 'records a full read of the topic returns', value: fold.records.toLocaleString('en-US'),
        note: `cleaner settled ${fmtSeconds(cleanMs)} after the forced roll: ${settled.cleaned}/${settled.total} partition replicas cleaned to the roll, ${settled.belowRatio} below min.cleanable.dirty.ratio=${minDirty} (left by design)`,
        flag: timedOut('the log cleaner', cleanedAll) ?? compactionExcess(fold.records, live, allowance),
      });
      row({ section: '4 compaction', metric: 'distinct keys (live drivers) / driver hashes in Redis', value: `${live.toLocaleString('en-US')} / ${inRedis.toLocaleString('en-US')}`, note: `retained / live = ${fmtRatio(fold.records / Math.max(live, 1))} (${target.size} records in the new active segments are copies)`, flag: live !== inRedis ? 'Redis and the topic disagree' : undefined });
    });

    // --- as users run it: security on, on a stack make up has just started ---------------------
    // The comparison phases above run SECURITY=off by default (kcat, their baseline, cannot log in); users run
    // the default. So the stack is started again, secure, and freshness and the app are measured on it: these
    // are the headline rows of sections 2 and 7.
    let users: Target = plain;
    if (security !== 'on') {
      await phase('8 make up, security on', '`make up` again, with security on (as users run it)', async () => {
        await rt.down({ wipe: true }, (l) => ev.step(l));
        const secure = await openRuntime({ ...process.env, SECURITY: 'on', RUNTIME: 'native', RASTRO_HOME: home, RASTRO_PORT_OFFSET: offset }, { quiet: true });
        if (!(secure instanceof NativeRuntime)) throw new Error('bench: needs the native runtime');
        current = secure;
        const t0 = Date.now();
        await bringUp(secure, ev);
        row({ section: '5 footprint', metric: '`make up`, cold, security on (the default)', value: fmtSeconds(Date.now() - t0), note: 'as above, plus the CA and certificates, SCRAM users, ACLs and Redis users', headline: true });
        const brokers = secure.access.kafka('admin').brokers;
        users = {
          rt: secure, security: 'on', label: 'security on',
          env: { ...process.env, SECURITY: 'on', RASTRO_PORT_OFFSET: offset, RASTRO_HOME: home },
          producerArgs: (summary: string) => ['--brokers', brokers.join(','), '--topic', topic, '--metrics-port', '0', '--quiet', '--summary', summary],
        };
      });
      if (users !== plain) await phase('8 freshness, security on', 'end-to-end freshness as users run it (security on)', () => freshnessRuns(users, false));
    }
    await phase('7 nearest', "the app's nearest-drivers query at 100 concurrent requests (security on)", async () => {
      // At least 10,000 drivers in the index: the freshness runs used 2,000.
      const fillSummary = join(ev.dir, 'nearest-fill.json');
      const fill = await timedRun(process.execPath, [PRODUCE, ...users.producerArgs(fillSummary), '--drivers', '10000', '--count', '10000', '--rate', '0', '--first-id', '400000', '--seed', '31'], { timeoutMs: 120_000, env: users.env });
      if (fill.exitCode !== 0) throw new Error(`the producer filling 10,000 drivers exited ${fill.exitCode}: ${fill.stderrTail}`);
      const redis = openRedis(users.rt.access.redis('admin'), { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      try {
        await waitFor(async () => (await redis.zcard(users.rt.stack.redisGeoKey)) >= 10_000, { what: `10,000 drivers in ${users.rt.stack.redisGeoKey}`, timeoutMs: 60_000 });
      } finally {
        redis.disconnect();
      }
      await nearestRuns(users);
    });

    // --- a newcomer's first make demo: wiped, security on, its own make up, load and pictures ------------------
    await phase('8 make demo, security on', "freshness during a first `make demo` (wiped state, security on)", async () => {
      await current.down({ wipe: true }, (l) => ev.step(l));
      const env = { ...users.env, SECURITY: 'on' };
      ev.command('./scripts/demo.mjs   (wiped state, SECURITY=on: its own make up, 20,000 events at 1,000 ev/s over 200 drivers, then its pictures)');
      const from = Date.now();
      const run = await timedRun(process.execPath, [join(ROOT, 'scripts', 'demo.mjs')], { timeoutMs: 15 * 60_000, env });
      const to = Date.now();
      const demoRt = await openRuntime({ ...env, RUNTIME: 'native' }, { quiet: true });
      if (demoRt instanceof NativeRuntime) current = demoRt;
      if (run.exitCode !== 0) throw new Error(`./scripts/demo.mjs exited ${run.exitCode}: ${run.stderrTail}`);
      const prom = new PrometheusClient(demoRt.addresses.prometheusUrl);
      const [p50, p99, received] = [await sinkAgeOver(prom, 'written', 0.5, from, to), await sinkAgeOver(prom, 'written', 0.99, from, to), await sinkAgeOver(prom, 'received', 0.99, from, to)];
      const panel = Number((await prom.query(`max_over_time(${QUERIES.freshnessP99}[${Math.max(5, Math.round((to - from) / 1000))}s:1s])`).catch(() => []))[0]?.value);
      row({
        headline: true, section: '2 freshness', metric: 'security on, during a first make demo (1,000 ev/s): p50 / p99', value: `${fmtMs(p50)} / ${fmtMs(p99)}`,
        note: `every record the sink wrote while ./scripts/demo.mjs ran (${fmtSeconds(to - from)}, make up included), age once written, from the sink's cumulative buckets (a bucket's upper bound); in the sink's put() p99 ${fmtMs(received)}; the dashboard's freshness panel (the sink's 30 s p99) peaked at ${Number.isFinite(panel) ? fmtMs(panel) : '?'}. The demo takes its pictures after producing, so they do not compete with these writes`,
        flag: !Number.isFinite(p99) ? 'no figure from Prometheus' : freshnessShortfall(1000, Math.max(p99, Number.isFinite(panel) ? panel : 0)),
      });
    });
  } catch (err) {
    // Whatever stopped the run still ends up in the table, with what was measured before it.
    row({ section: '5 footprint', metric: 'bench stopped early', value: 'n/a', flag: (err as Error).message.split('\n')[0] ?? 'error' });
  } finally {
    if (!o.keep) {
      ev.section('Stop and wipe the bench stack');
      await current.down({ wipe: true }, (l) => ev.step(l)).catch((e: Error) => ev.fail(`down --wipe: ${e.message}`));
    } else ev.step(`--keep: the bench stack is still running (RASTRO_HOME=${home} RASTRO_PORT_OFFSET=${offset} ./scripts/down.mjs --wipe)`);
  }

  clock.save();
  const order = ['1', '2', '3', '4', '5', '6', '7'];
  // By section, what users get (security on, just started) first within it; otherwise in the order measured.
  rows.sort((a, b) => order.indexOf(a.section[0] ?? '') - order.indexOf(b.section[0] ?? '') || Number(b.headline === true) - Number(a.headline === true));
  ev.section('Results');
  const png = join(ev.dir, 'bench.png');
  const picture = benchPlotHtml(plot);
  writeFileSync(join(ev.dir, 'bench.html'), picture.html);
  const pictureOk = await screenshotHtml(picture.html, png, picture.width, picture.height).then(() => true, (e: Error) => {
    ev.fail(`bench.png: ${e.message}`);
    return false;
  });
  const table = renderMarkdownTable(rows);
  const notes = [
    `Run ${ev.runId}: ${p.quick ? '--quick, ' : ''}whole run ${fmtSeconds(Date.now() - started)}; private native stack (RASTRO_HOME=${home.replace(`${ROOT}/`, '')}, port offset ${offset}).`,
    'CPU is shared with anything else running on this machine; absolute numbers are noisy, ratios against kcat on the same stack are steadier; redis-benchmark competes for the same CPU, so its ceiling is indicative.',
    'Freshness: event timestamp (set by the producer when it generates the event) → the moment a reader sees it in Redis, from keyspace notifications plus one HGET; an upper bound with about one loopback round trip of resolution.',
    `Producer rates: ${p.reps} interleaved runs of each producer (ours --stdin, kcat, simulator, then again), each started once the log cleaner could have taken up the previous run's records (min.compaction.lag.ms + log.cleaner.backoff.ms) and the brokers were quiet again, on events stamped from the run's start (50 per ms); ours on its own clock (connected and the never-regress marks read → every event acknowledged), kcat from process start to exit minus a one-event kcat run (its start-up); the ratio is the median of each run's own ratio, wall clock to wall clock beside it.`,
    'Freshness: the cold row is the first run after make up, at the highest rate; the rates after it run on the stack it warmed. Each rate has a row saying where its p99 goes.',
    `Sink catch-up: the connector was paused during section 1, so its backlog is every producer run of section 1 (the log cleaner compacts part of it away meanwhile, so the rate counts the FCALL calls Redis saw, not offsets); redis-benchmark replays the sink's own FCALL (captured with MONITOR; Redis holds the sink's function library, which the sink checks) with the sink's connection count, at the sink's pipeline depth and at 50; the better run is the ceiling.`,
  ];
  const md = [`# rastro benchmark — ${ev.runId}`, '', table, '', `${flaggedCount(rows)} value(s) flagged.`, '', ...notes.map((n) => `- ${n}`), '', ...(pictureOk ? ['![bench](bench.png)', ''] : []), `Run log: [REPORT.md](REPORT.md)`, ''].join('\n');
  const benchMd = join(ev.dir, 'BENCH.md');
  writeFileSync(benchMd, md);
  ev.block('text', renderTextTable(rows));
  if (pictureOk) ev.image(png, 'Benchmark plot');
  ev.ok(`table: ${benchMd}`);
  ev.ok(`evidence: ${ev.save()}`);
  return rows.some((r) => r.metric.endsWith('FAILED') || r.metric === 'bench stopped early') ? 1 : 0;
}
