import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DecisionChecker, type Seen } from '../../fraud/src/checker.ts';
import { READY_LINE, publishBlocklist } from '../../fraud/src/cli.ts';
import { DECIDER_GROUP } from '../../fraud/src/decision-service.ts';
import { TransactionGenerator } from '../../fraud/src/generator.ts';
import { RecordSender } from '../../fraud/src/sender.ts';
import { runTraffic, type Traffic } from '../../fraud/src/traffic.ts';
import type { VelocityLimit } from '../../fraud/src/velocity.ts';
import { blocklistHeld, judgeRun, type RunVerdict } from '../../fraud/src/verdict.ts';
import { Kafka, logLevel } from '../../producer/src/kafka.ts';
import { rateShortfall, slowFreshness } from './bench/flags.ts';
import { fmtMs, fmtNumber, fmtRate } from '../../shared/stats.ts';
import type { BenchRow } from './bench/table.ts';
import type { Evidence } from './evidence.ts';
import { waitForGroupCatchUp } from './readiness.ts';
import type { Runtime } from './runtime/types.ts';
import { waitForGroupAssignment } from './sink-assignment.ts';
import { ROOT } from '../../shared/stack.ts';
import { GiveUp, waitFor } from './wait.ts';
import { openRedis, accessEnv } from '../../shared/security.ts';

type ServiceName = 'decide' | 'blocklist-updater';

/** One fraud service in its own process (fraud/bin/<name>.mjs), its stderr kept in the evidence directory. */
class ServiceProcess {
  private tail: string[] = [];
  private exitCode: number | null | undefined;
  private readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: ServiceName,
    readonly display: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    writeFileSync(logFile, '');
    createInterface({ input: child.stderr! }).on('line', (line) => {
      appendFileSync(logFile, `${line}\n`);
      this.tail = [...this.tail.slice(-19), line];
    });
    this.ready = new Promise((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.trim() === READY_LINE) resolve();
      });
    });
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': its output has been read to the end by then.
      child.once('close', (code, signal) => {
        this.exitCode = code ?? (signal === null ? null : 128);
        resolve(this.exitCode);
      });
      child.once('error', (err) => {
        this.tail.push(err.message);
        this.exitCode = 127;
        resolve(127);
      });
    });
  }

  /** `env` tells the service where the stack's secrets are (accessEnv). */
  static spawn(name: ServiceName, args: string[], dir: string, env: NodeJS.ProcessEnv): ServiceProcess {
    const bin = join(ROOT, 'fraud', 'bin', `${name}.mjs`);
    const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ServiceProcess(name, `fraud/bin/${name}.mjs ${args.join(' ')}`, child, join(dir, `fraud-${name}.log`));
  }

  /** Throws, naming the service and its last log lines, once it has exited. */
  guard = (): void => {
    if (this.exitCode !== undefined) throw new Error(`${this.display}: exited with status ${this.exitCode} (last lines of ${this.logFile}:\n${this.tail.join('\n')})`);
  };

  /** Resolves when it printed its ready line; throws if it exits first or `timeoutMs` passes. */
  async waitReady(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.ready,
        this.exited.then(() => this.guard()),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${this.display}: not ready after ${timeoutMs / 1000} s (last lines of ${this.logFile}:\n${this.tail.join('\n')})`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited 15 s later. */
  async stop(): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(killer);
    }
  }

  lastLines(): string {
    return this.tail.join('\n');
  }
}

export interface FraudServicesOptions {
  limit: VelocityLimit;
  /** Where the services' logs go (the evidence directory). */
  dir: string;
}

/**
 * The blocklist updater and the decision service, each in its own process as an operator would run
 * them, started in order and waited on: the updater until it has mirrored the blocklist topic, the
 * decision service until its group (one member) owns every transactions partition.
 */
export class FraudServices {
  private constructor(
    readonly updater: ServiceProcess,
    readonly decider: ServiceProcess,
    private readonly rt: Runtime,
  ) {}

  static async start(rt: Runtime, ev: Evidence, o: FraudServicesOptions): Promise<FraudServices> {
    const common = ['--brokers', rt.addresses.bootstrap.join(','), '--redis', rt.addresses.redisUrl];
    const env = { ...process.env, ...accessEnv(rt.access) };
    ev.section('Fraud services');
    const updater = ServiceProcess.spawn('blocklist-updater', common, o.dir, env);
    ev.command(updater.display);
    let decider: ServiceProcess | undefined;
    try {
      await updater.waitReady(120_000);
      ev.ok(`blocklist updater ready: ${rt.stack.fraudTopics.blocklist} mirrored into Redis (${rt.stack.redisBlocklistPrefix}<card>); log ${updater.logFile}`);
      decider = ServiceProcess.spawn('decide', [...common, '--velocity-max', String(o.limit.max), '--velocity-window-ms', String(o.limit.windowMs)], o.dir, env);
      ev.command(decider.display);
      await decider.waitReady(60_000);
      const owned = await waitForGroupAssignment(rt.access.kafka('admin'), DECIDER_GROUP, rt.stack.fraudTopics.transactions, { timeoutMs: 90_000, members: 1, guard: decider.guard });
      ev.ok(`decision service owns all ${owned.partitions} partitions of ${rt.stack.fraudTopics.transactions} (group ${DECIDER_GROUP} ${owned.state}, ${owned.members} member); log ${decider.logFile}`);
      const services = new FraudServices(updater, decider, rt);
      const backlog = await services.caughtUp();
      if (backlog > 0n) ev.ok(`decision service caught up: ${backlog} transactions of ${rt.stack.fraudTopics.transactions} were not yet decided (or their offsets not yet committed) when it started`);
      return services;
    } catch (err) {
      await decider?.stop();
      await updater.stop();
      throw err;
    }
  }

  /**
   * Waits until the decision service has decided (and committed) everything the transactions topic
   * holds now, so a measurement does not start behind a backlog (an earlier run stopped half-way).
   * Returns how many offsets it had to catch up.
   */
  async caughtUp(timeoutMs = 300_000): Promise<bigint> {
    const topic = this.rt.stack.fraudTopics.transactions;
    let first: bigint | undefined;
    const p = await waitForGroupCatchUp(this.rt.access.kafka('admin'), DECIDER_GROUP, [topic], {
      timeoutMs,
      progress: (g) => {
        try {
          this.check();
        } catch (err) {
          throw new GiveUp(err as Error); // a dead service: stop waiting at once
        }
        first ??= g.total - g.done;
      },
    });
    return first ?? p.total - p.done;
  }

  /** Throws if either service has exited. */
  check(): void {
    this.updater.guard();
    this.decider.guard();
  }

  /** Stops both; returns the decision service's last log lines (its counts). */
  async stop(): Promise<string> {
    await this.decider.stop();
    await this.updater.stop();
    return this.decider.lastLines();
  }
}

/** A sender of the fraud records (blocklist entries, transactions) for the scripts. */
export async function openSender(rt: Runtime, clientId: string): Promise<RecordSender> {
  const sender = new RecordSender(new Kafka({ ...rt.access.kafka('fraud'), clientId, logLevel: logLevel.NOTHING }));
  await sender.connect();
  return sender;
}

/** Waits until Redis lists every card of `cards` (listed) or none of them (not listed): the updater has mirrored the change. */
export async function waitMirrored(rt: Runtime, cards: readonly string[], listed: boolean, o: { timeoutMs: number; guard?: () => void }): Promise<void> {
  if (cards.length === 0) return;
  const redis = openRedis(rt.access.redis('admin'), { lazyConnect: true });
  await redis.connect();
  try {
    await waitFor(
      async () => {
        const values = await redis.mget(cards.map((c) => `${rt.stack.redisBlocklistPrefix}${c}`));
        const wrong = values.filter((v) => (v !== null) !== listed).length;
        if (wrong === 0) return true;
        throw new Error(`${wrong} of ${cards.length} cards still ${listed ? 'missing' : 'listed'}`);
      },
      { what: `Redis at ${rt.addresses.redisUrl} to ${listed ? 'list' : 'no longer list'} ${cards.length} cards of ${rt.stack.fraudTopics.blocklist}`, timeoutMs: o.timeoutMs, maxIntervalMs: 250, guard: o.guard },
    );
  } finally {
    redis.disconnect();
  }
}

/** Blocks `cards` on the blocklist topic (reasons rotate through `reasons`) and waits until Redis lists them all. */
export async function seedBlocklist(rt: Runtime, sender: RecordSender, cards: readonly string[], reasons: readonly string[], guard?: () => void): Promise<number> {
  const t0 = Date.now();
  for (let i = 0; i < reasons.length; i++) {
    const add = cards.filter((_, j) => j % reasons.length === i);
    await publishBlocklist(sender, rt.stack.fraudTopics.blocklist, { add, reason: reasons[i], source: 'seed' });
  }
  await waitMirrored(rt, cards, true, { timeoutMs: 60_000, guard });
  return Date.now() - t0;
}

export interface PhaseOptions {
  rate: number;
  /** Unmeasured traffic first (its decisions are not checked or timed), 0 for none. */
  warmupMs: number;
  durationMs: number;
  runId: string;
  blocklisted: readonly string[];
  limit: VelocityLimit;
  blocklistShare: number;
  burstShare: number;
  burstSize: number;
  /** How long to wait, after the last transaction, for the last decision. */
  settleMs: number;
  seed?: number;
  guard?: () => void;
}

export interface PhaseResult {
  traffic: Traffic;
  verdict: RunVerdict;
  /** Every decision of the run, by txn_id. */
  seen: ReadonlyMap<string, Seen>;
  /** Decisions for the same transaction seen more than once (redeliveries). */
  duplicates: number;
  /** Transactions per second asked and kept while generating (queued / generating time). */
  asked: number;
  achieved: number;
}

/**
 * One traffic phase against running services: a checker on the decisions topic first, then the
 * warm-up, then the measured transactions, then a bounded wait for their decisions, judged.
 *
 * The ordinary card pool is 4 × rate × window: a card then sees 0.25 transactions per velocity
 * window on average, so the velocity declines come from the bursts (an ordinary card over the
 * limit is possible, rare, and counted apart).
 */
export async function runPhase(rt: Runtime, sender: RecordSender, o: PhaseOptions): Promise<PhaseResult> {
  const checker = await DecisionChecker.start(rt.access.kafka('fraud'), rt.stack.fraudTopics.decisions, [`${o.runId}-`]);
  try {
    const cards = Math.max(1000, Math.ceil((4 * o.rate * o.limit.windowMs) / 1000));
    const gen = (runId: string, seed: number) =>
      new TransactionGenerator({ runId, seed, cards, blocklisted: o.blocklisted, blocklistShare: o.blocklistShare, burstShare: o.burstShare, burstSize: o.burstSize });
    const topic = rt.stack.fraudTopics.transactions;
    if (o.warmupMs > 0) await runTraffic(sender, gen(`${o.runId}w`, (o.seed ?? 1) + 1000), { topic, rate: o.rate, durationMs: o.warmupMs });
    o.guard?.();
    const traffic = await runTraffic(sender, gen(o.runId, o.seed ?? 1), { topic, rate: o.rate, durationMs: o.durationMs });
    o.guard?.();
    const missing = await checker.waitFor(traffic.ids, o.settleMs);
    if (missing.length > 0) o.guard?.();
    const generatingMs = traffic.queuedUntil - traffic.startedAt;
    return {
      traffic,
      verdict: judgeRun(traffic, checker.seen, o.limit),
      seen: checker.seen,
      duplicates: checker.duplicates,
      asked: o.rate,
      achieved: generatingMs > 0 ? (traffic.queued * 1000) / generatingMs : Number.NaN,
    };
  } finally {
    await checker.stop();
  }
}

const latency = (s: { p50: number; p90: number; p99: number; max: number }) => `${fmtMs(s.p50)} / ${fmtMs(s.p90)} / ${fmtMs(s.p99)} / max ${fmtMs(s.max)}`;

/** The table rows of one phase: rates, latencies, counts by reason and the checks, each flagged when it looks wrong. */
export function phaseRows(section: string, r: PhaseResult, limit: VelocityLimit): BenchRow[] {
  const v = r.verdict;
  const bl = v.blocklisted;
  const pct = (n: number) => (v.decided > 0 ? ` (${((n / v.decided) * 100).toFixed(1)} %)` : '');
  return [
    { section, metric: 'transactions/s asked → achieved', value: `${fmtNumber(r.asked)} → ${fmtNumber(r.achieved)}`, note: `${v.sent} transactions, acks=all, key = card`, flag: rateShortfall(r.asked, r.achieved) },
    { section, metric: 'decisions/s', value: fmtRate(v.decidedPerSecond), note: 'decided ÷ (last decision written − first transaction created)' },
    { section, metric: 'decision latency p50 / p90 / p99', value: latency(v.written), note: 'transaction created → decision appended to the decisions topic (broker LogAppendTime)', flag: slowFreshness(v.written.p99, v.written.max) },
    { section, metric: 'seen by a consumer p50 / p90 / p99', value: latency(v.received), note: 'transaction created → decision received by a consumer of the decisions topic' },
    { section, metric: 'decided', value: `${v.decided} / ${v.sent}`, note: r.duplicates > 0 ? `${r.duplicates} decided twice (redelivered)` : 'each exactly once', flag: v.missing > 0 ? `${v.missing} transactions without a decision` : undefined },
    { section, metric: 'approved', value: `${v.approved}${pct(v.approved)}` },
    { section, metric: 'declined: blocklist', value: `${v.declined.blocklist}${pct(v.declined.blocklist)}` },
    { section, metric: 'declined: velocity', value: `${v.declined.velocity}${pct(v.declined.velocity)}`, note: `limit ${limit.max} per ${limit.windowMs / 1000} s; ${v.ordinaryVelocityDeclines} of them ordinary cards that happened to be busy` },
    {
      section,
      metric: 'every blocklisted transaction declined',
      value: blocklistHeld(v) ? `yes (${bl.declined} / ${bl.sent})` : 'NO',
      note: `blocklisted approved: ${bl.approved.length}${bl.missing > 0 ? `, undecided: ${bl.missing}` : ''}${bl.otherReason > 0 ? `, declined for another reason: ${bl.otherReason}` : ''}`,
      flag: blocklistHeld(v) ? undefined : `${bl.approved.length} blocklisted transactions approved, ${bl.missing} undecided`,
    },
    {
      section,
      metric: 'burst transactions over the limit declined',
      value: `${v.bursts.declinedVelocity} / ${v.bursts.overLimit}`,
      note: `${v.bursts.cards} bursts, ${v.bursts.sent} transactions`,
      flag: v.bursts.declinedVelocity === v.bursts.overLimit ? undefined : 'velocity declines of burst cards differ from the transactions over the limit',
    },
  ];
}
