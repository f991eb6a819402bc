import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_VELOCITY } from '../../../fraud/src/velocity.ts';
import { blocklistHeld } from '../../../fraud/src/verdict.ts';
import { flaggedCount, renderMarkdownTable, renderTextTable, type BenchRow } from '../bench/table.ts';
import { Evidence } from '../evidence.ts';
import { FraudServices, openSender, phaseRows, runPhase, seedBlocklist, type PhaseResult } from '../fraud.ts';
import { bringUp } from '../steps.ts';
import { openRuntime } from '../runtime/index.ts';
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../../../shared/cli.ts';

const REASONS = ['stolen card', 'confirmed fraud (chargeback)', 'customer reported lost'];

/**
 * make fraud-bench: decision latency of the immediate-block path at 1,000 and 10,000 transactions/s
 * on the stack this environment names (RASTRO_HOME / RASTRO_PORT_OFFSET; make up's by default). The
 * updater and the decision service run in their own processes; the generator and a checker on the
 * decisions topic run here. Per rate: an unmeasured warm-up, then the measured transactions, then a
 * bounded wait for every decision. One table, printed and saved as evidence/<run>/FRAUD-BENCH.md.
 * A number that looks wrong is flagged in it; the exit status is 1 only when a blocklisted
 * transaction was approved or a transaction got no decision.
 */
export const SPEC: CommandSpec = {
  name: './scripts/fraud-bench.mjs',
  summary: "the fraud prototype's hot path under load (make fraud-bench): decisions per second and their latency at each rate; evidence/<run>/FRAUD-BENCH.md",
  options: {
    rates: { type: 'string', value: 'LIST', default: '1000,10000', description: 'transactions per second, comma-separated' },
    seconds: { type: 'string', value: 'S', default: '20', description: 'seconds measured per rate (≥ 2)' },
    warmup: { type: 'string', value: 'S', default: '5', description: 'seconds of unmeasured load first' },
    blocklisted: { type: 'string', value: 'N', default: '1000', description: 'cards on the blocklist (≥ 1)' },
  },
  examples: ['make fraud-bench', './scripts/fraud-bench.mjs --rates 2000 --seconds 10'],
  exits: { 0: 'every transaction decided, none blocklisted approved', 1: 'a blocklisted transaction was approved, or one got no decision', 2: 'bad usage', 3: 'crashed' },
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ rates: string; seconds: string; warmup: string; blocklisted: string }>(SPEC, argv);
  if (args === undefined) return 0;
  const o = args.values;
  const rates = o.rates.split(',').map(Number);
  if (rates.some((r) => !Number.isInteger(r) || r < 1)) throw new UsageError(`--rates ${o.rates}: expected positive integers, comma-separated`);
  const seconds = numberOption('seconds', o.seconds, { min: 2 }) as number;
  const warmup = numberOption('warmup', o.warmup) as number;
  const listed = numberOption('blocklisted', o.blocklisted, { integer: true, min: 1 }) as number;
  const limit = DEFAULT_VELOCITY;
  const shares = { blocklistShare: 0.01, burstShare: 0.02, burstSize: 8 };

  const rt = await openRuntime();
  // The prototype's blocklist reads and writes one Redis (MGET over many cards would cross a cluster's slots).
  if (rt.stack.redis.mode === 'cluster') throw new Error('the fraud prototype runs against one Redis: unset REDIS_MODE=cluster');
  const ev = Evidence.create('fraud-bench');
  const loadAtStart = loadavg()[0] as number;
  await bringUp(rt, ev);
  const services = await FraudServices.start(rt, ev, { limit, dir: ev.dir });
  const sender = await openSender(rt, 'rastro-fraud-bench');
  const rows: BenchRow[] = [];
  const results: PhaseResult[] = [];
  try {
    ev.section('Blocklist');
    const blocklisted = Array.from({ length: listed }, (_, i) => `bench-stolen-${i + 1}`);
    const ms = await seedBlocklist(rt, sender, blocklisted, REASONS, () => services.check());
    ev.ok(`${listed} cards blocked and mirrored into Redis in ${ms} ms`);
    const runId = `bench${Date.now().toString(36)}`;
    for (const rate of rates) {
      ev.section(`${rate.toLocaleString('en-US')} transactions/s: ${warmup} s warm-up, ${seconds} s measured`);
      const behind = await services.caughtUp();
      if (behind > 0n) ev.step(`waited until the decision service had decided and committed the ${behind} transactions before this phase`);
      const r = await runPhase(rt, sender, { rate, warmupMs: warmup * 1000, durationMs: seconds * 1000, runId: `${runId}r${rate}`, blocklisted, limit, ...shares, settleMs: 120_000, guard: () => services.check() });
      results.push(r);
      const section = `${rate.toLocaleString('en-US')}/s`;
      const phase = phaseRows(section, r, limit);
      rows.push(...phase);
      ev.block('text', renderTextTable(phase));
    }
  } finally {
    await sender.close();
    const last = await services.stop();
    if (last !== '') ev.block('text', last, 'decision service, last lines');
  }

  ev.section('Fraud benchmark');
  const table = renderMarkdownTable(rows);
  ev.block('text', renderTextTable(rows));
  const notes = [
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), 1-minute load average ${loadAtStart.toFixed(2)} at the start and ${(loadavg()[0] as number).toFixed(2)} at the end; the 3 Kafka nodes, Connect, Redis, the two services and this process share them (and whatever else runs on the machine).`,
    `Stack: ${rt.name}, brokers ${rt.addresses.bootstrap.join(',')}, Kafka ${rt.stack.versions.kafka}; transactions and decisions have 6 partitions, RF 3, min ISR 2, acks=all everywhere.`,
    `Traffic per rate: ${warmup} s unmeasured warm-up, then ${seconds} s measured; ${shares.blocklistShare * 100} % of transactions from ${listed} blocklisted cards, ${shares.burstShare * 100} % in bursts of ${shares.burstSize} back-to-back transactions of one fresh card; the rest from 4 × rate × window ordinary cards.`,
    `Velocity rule: more than ${limit.max} transactions of one card in ${limit.windowMs / 1000} s (sliding, by transaction time, evaluated on each transaction) declines.`,
    'Decision latency: the decision record\'s broker append time (the decisions topic is LogAppendTime) minus the transaction\'s creation time (the generator\'s clock; same machine). It includes the generator\'s produce (acks=all), the decision service\'s fetch, Redis MGET and its acks=all produce.',
    'Flags: achieved rate below 98 % of asked; p99 ≥ 1 s or max ≥ 5 s; any transaction undecided; any blocklisted transaction approved; burst velocity declines not equal to the burst transactions over the limit.',
  ];
  const md = [`# rastro fraud benchmark — ${ev.runId}`, '', table, '', `${flaggedCount(rows)} value(s) flagged.`, '', ...notes.map((n) => `- ${n}`), '', 'Run log: [REPORT.md](REPORT.md)', ''].join('\n');
  const file = join(ev.dir, 'FRAUD-BENCH.md');
  writeFileSync(file, md);
  ev.ok(`table: ${file}`);
  const ok = results.length === rates.length && results.every((r) => blocklistHeld(r.verdict) && r.verdict.missing === 0);
  if (ok) ev.ok('every blocklisted transaction declined, every transaction decided, at every rate');
  else ev.fail('a blocklisted transaction was not declined, or a transaction got no decision (see the table)');
  return ok ? 0 : 1;
}
