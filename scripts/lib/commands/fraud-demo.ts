import type { Decision } from '../../../fraud/src/transaction.ts';
import { DEFAULT_VELOCITY } from '../../../fraud/src/velocity.ts';
import { blocklistHeld } from '../../../fraud/src/verdict.ts';
import { renderMarkdownTable, renderTextTable } from '../bench/table.ts';
import { Evidence } from '../evidence.ts';
import { FraudServices, openSender, phaseRows, runPhase, seedBlocklist, waitMirrored } from '../fraud.ts';
import { publishBlocklist } from '../../../fraud/src/cli.ts';
import { bringUp } from '../steps.ts';
import { openRuntime } from '../runtime/index.ts';
import { DECIDER_GROUP } from '../../../fraud/src/decision-service.ts';
import { numberOption, parseCommand, type CommandSpec } from '../../../shared/cli.ts';

const BLOCKLISTED = Array.from({ length: 20 }, (_, i) => `demo-stolen-${String(i + 1).padStart(2, '0')}`);
const REASONS = ['stolen card', 'confirmed fraud (chargeback)', 'customer reported lost'];
const LIFTED = 'demo-lifted-01';

/**
 * make fraud-demo: the immediate-block path end to end on the rastro stack. make up (idempotent:
 * creates the fraud topics too), the blocklist updater and the decision service in their own
 * processes, a seeded blocklist (and one block lifted again), a few seconds of generated
 * transactions, then the evidence: counts by reason, every blocklisted transaction declined, the
 * bursts over the velocity limit declined, latency. Exits 1 if a blocklisted transaction was not
 * declined or a transaction got no decision.
 */
export const SPEC: CommandSpec = {
  name: './scripts/fraud-demo.mjs',
  summary: "the fraud design's hot path on the stack: blocklist, velocity rule and decisions, with the evidence in evidence/<run>/REPORT.md",
  options: {
    rate: { type: 'string', value: 'N', default: '200', description: 'transactions per second (≥ 1)' },
    seconds: { type: 'string', value: 'S', default: '10', description: 'seconds per phase (≥ 1)' },
  },
  examples: ['make fraud-demo', './scripts/fraud-demo.mjs --rate 1000 --seconds 20'],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ rate: string; seconds: string }>(SPEC, argv);
  if (args === undefined) return 0;
  const o = args.values;
  const rate = numberOption('rate', o.rate, { integer: true, min: 1 }) as number;
  const seconds = numberOption('seconds', o.seconds, { min: 1 }) as number;
  const limit = DEFAULT_VELOCITY;

  const rt = await openRuntime();
  // The prototype's blocklist reads and writes one Redis (MGET over many cards would cross a cluster's slots).
  if (rt.stack.redis.mode === 'cluster') throw new Error('the fraud prototype runs against one Redis: unset REDIS_MODE=cluster');
  const ev = Evidence.create('fraud-demo');
  ev.deliverable('fraud prototype: immediate-block path', '"Verdict" section');
  await bringUp(rt, ev);
  const services = await FraudServices.start(rt, ev, { limit, dir: ev.dir });
  const sender = await openSender(rt, 'rastro-fraud-demo');
  try {
    ev.section(`Blocklist: ${rt.stack.fraudTopics.blocklist} (compacted) → Redis`);
    const ms = await seedBlocklist(rt, sender, BLOCKLISTED, REASONS, () => services.check());
    ev.ok(`${BLOCKLISTED.length} cards blocked (${BLOCKLISTED[0]} … ${BLOCKLISTED.at(-1)}) and mirrored into Redis in ${ms} ms`);
    const get = await rt.redisCli(['GET', `${rt.stack.redisBlocklistPrefix}${BLOCKLISTED[0]}`]);
    ev.command(get.display, get.stdout.trim());
    await publishBlocklist(sender, rt.stack.fraudTopics.blocklist, { add: [LIFTED], reason: 'suspected', source: 'demo' });
    await waitMirrored(rt, [LIFTED], true, { timeoutMs: 30_000, guard: () => services.check() });
    await publishBlocklist(sender, rt.stack.fraudTopics.blocklist, { remove: [LIFTED] });
    await waitMirrored(rt, [LIFTED], false, { timeoutMs: 30_000, guard: () => services.check() });
    const exists = await rt.redisCli(['EXISTS', `${rt.stack.redisBlocklistPrefix}${LIFTED}`]);
    ev.command(exists.display, exists.stdout.trim());
    ev.ok(`${LIFTED} blocked, then lifted by a tombstone: its key is gone from Redis`);

    ev.section(`Transactions: ${rate}/s for ${seconds} s`);
    const runId = `demo${Date.now().toString(36)}`;
    ev.step(`same as: fraud/bin/generate.mjs --rate ${rate} --duration ${seconds} --blocklisted ${BLOCKLISTED.slice(0, 2).join(',')},… --blocklist-share 0.05 --burst-share 0.05 --burst-size 8 --run-id ${runId}`);
    const r = await runPhase(rt, sender, { rate, warmupMs: 0, durationMs: seconds * 1000, runId, blocklisted: BLOCKLISTED, limit, blocklistShare: 0.05, burstShare: 0.05, burstSize: 8, settleMs: 60_000, guard: () => services.check() });
    ev.ok(`${r.traffic.queued} transactions acknowledged; ${r.verdict.decided} decisions read back from ${rt.stack.fraudTopics.decisions}`);

    ev.section('Decisions (one of each kind)');
    // The first decision of each kind, in the order the transactions were sent.
    const samples = new Map<string, Decision>();
    for (const id of r.traffic.ids) {
      const d = r.seen.get(id)?.decision;
      if (d !== undefined && !samples.has(`${d.decision}/${d.reason}`)) samples.set(`${d.decision}/${d.reason}`, d);
    }
    ev.block('json', [...samples.values()].map((d) => JSON.stringify(d)).join('\n'), `${rt.stack.fraudTopics.decisions}: key = card, value =`);
    const lag = await rt.kafkaCli('kafka-consumer-groups', ['--bootstrap-server', rt.cliBootstrap, '--describe', '--group', DECIDER_GROUP], 'monitor');
    ev.command(lag.display, lag.stdout.trim());

    ev.section('Verdict');
    const rows = phaseRows(`${rate}/s`, r, limit);
    ev.block('text', renderTextTable(rows));
    ev.block('markdown', renderMarkdownTable(rows));
    const ok = blocklistHeld(r.verdict) && r.verdict.missing === 0;
    if (ok) ev.ok(`every transaction decided; every one of the ${r.verdict.blocklisted.sent} blocklisted transactions declined (reason blocklist)`);
    else ev.fail(`blocklisted approved: ${r.verdict.blocklisted.approved.slice(0, 10).join(', ') || 'none'}; blocklisted undecided: ${r.verdict.blocklisted.missing}; transactions without a decision: ${r.verdict.missing}`);
    ev.ok(`evidence: ${ev.save()}`);
    return ok ? 0 : 1;
  } finally {
    await sender.close();
    const last = await services.stop();
    if (last !== '') ev.block('text', last, 'decision service, last lines');
  }
}
