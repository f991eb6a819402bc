import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlocklistUpdater } from '../../fraud/src/blocklist-updater.ts';
import { DecisionChecker } from '../../fraud/src/checker.ts';
import { publishBlocklist } from '../../fraud/src/cli.ts';
import { DecisionService, type Rejected } from '../../fraud/src/decision-service.ts';
import type { RecordSender } from '../../fraud/src/sender.ts';
import type { Decision, Transaction } from '../../fraud/src/transaction.ts';
import { openSender, waitMirrored } from '../../scripts/lib/fraud.ts';
import { waitForGroupAssignment } from '../../scripts/lib/sink-assignment.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { runScript } from './exec.ts';
import { findInTopic, sendRaw, withRedis } from './helpers.ts';
import { TEST_ENV, testRuntime } from './stack.ts';

let rt: Runtime;
const m = `fr${Date.now().toString(36)}`;
const T0 = Date.now();
/** A small limit, so the velocity tests need few transactions: more than 3 in a minute declines. */
const limit = { max: 3, windowMs: 60_000 };

describe('the immediate-block path on the real stack (services in this process)', () => {
  let updater: BlocklistUpdater;
  let service: DecisionService;
  let checker: DecisionChecker;
  let sender: RecordSender;
  let seq = 0;
  const stray = () => `${rt.stack.redisBlocklistPrefix}${m}-stray`;

  /** Sends transactions (key = card) and returns each one's decision, waiting (bounded) for all of them. */
  async function decide(txns: Array<Omit<Transaction, 'txn_id' | 'merchant'>>): Promise<Decision[]> {
    const full = txns.map((t) => ({ ...t, txn_id: `${m}-${++seq}`, merchant: 'test' }));
    await sender.sendAll(rt.stack.fraudTopics.transactions, full.map((t) => ({ key: t.card, value: JSON.stringify(t) })));
    const missing = await checker.waitFor(full.map((t) => t.txn_id), 60_000);
    expect(missing, `transactions without a decision from ${rt.stack.fraudTopics.decisions}`).toEqual([]);
    return full.map((t) => checker.seen.get(t.txn_id)!.decision);
  }
  const block = (cards: string[]) => publishBlocklist(sender, rt.stack.fraudTopics.blocklist, { add: cards, reason: 'stolen card', source: 'test' });
  const lift = (cards: string[]) => publishBlocklist(sender, rt.stack.fraudTopics.blocklist, { remove: cards });

  beforeAll(async () => {
    rt = await testRuntime();
    const t = rt.stack.fraudTopics;
    // A key the topic never had: the updater must delete it when it has caught up.
    await withRedis(rt, (r) => r.set(stray(), '{"reason":"written by hand"}'));
    updater = await BlocklistUpdater.start({ kafka: rt.access.kafka('fraud'), topic: t.blocklist, redis: rt.access.redis('fraud'), prefix: rt.stack.redisBlocklistPrefix });
    await updater.waitReady(60_000);
    const groupId = `rastro-fraud-decider-${m}`;
    service = await DecisionService.start({ kafka: rt.access.kafka('fraud'), topics: { transactions: t.transactions, decisions: t.decisions, dlq: t.transactionsDlq }, redis: rt.access.redis('fraud'), blocklistPrefix: rt.stack.redisBlocklistPrefix, groupId, limit });
    await waitForGroupAssignment(rt.access.kafka('admin'), groupId, t.transactions, { timeoutMs: 60_000, members: 1 });
    checker = await DecisionChecker.start(rt.access.kafka('fraud'), t.decisions, [`${m}-`]);
    sender = await openSender(rt, 'rastro-fraud-test');
  });

  afterAll(async () => {
    await sender?.close();
    await checker?.stop();
    await service?.stop();
    await updater?.stop();
  });

  it('mirrors the blocklist at start and deletes a Redis key the topic does not list', async () => {
    expect(await withRedis(rt, (r) => r.exists(stray()))).toBe(0);
    expect(updater.stats.reconciled).toBeGreaterThanOrEqual(1);
  });

  it('declines every transaction of a blocklisted card, with reason blocklist, even over the velocity limit', async () => {
    const card = `${m}-stolen`;
    await block([card]);
    await waitMirrored(rt, [card], true, { timeoutMs: 30_000 });
    expect(JSON.parse((await withRedis(rt, (r) => r.get(`${rt.stack.redisBlocklistPrefix}${card}`))) ?? 'null')).toMatchObject({ reason: 'stolen card' });
    const ds = await decide(Array.from({ length: 8 }, (_, i) => ({ card, amount: 10 + i, ts: T0 + i })));
    expect(ds.map((d) => [d.decision, d.reason])).toEqual(Array.from({ length: 8 }, () => ['decline', 'blocklist']));
    expect(ds[0]).toMatchObject({ card, amount: 10, txn_ts: T0, detail: 'card on the blocklist: stolen card' });
    expect(ds[0]!.decided_at).toBeGreaterThanOrEqual(ds[0]!.txn_ts);
  });

  it('declines a card once its block is mirrored, and approves it again once the block is lifted (tombstone)', async () => {
    const card = `${m}-flip`;
    expect((await decide([{ card, amount: 5, ts: T0 }]))[0]).toMatchObject({ decision: 'approve', reason: 'ok' });
    await block([card]);
    await waitMirrored(rt, [card], true, { timeoutMs: 30_000 });
    expect((await decide([{ card, amount: 5, ts: T0 + 1 }]))[0]).toMatchObject({ decision: 'decline', reason: 'blocklist' });
    await lift([card]);
    await waitMirrored(rt, [card], false, { timeoutMs: 30_000 });
    expect((await decide([{ card, amount: 5, ts: T0 + 2 }]))[0]).toMatchObject({ decision: 'approve', reason: 'ok' });
  });

  it('approves an unlisted card up to the velocity limit and declines it beyond (reason velocity), by transaction time', async () => {
    const card = `${m}-busy`;
    const under = await decide(Array.from({ length: limit.max }, (_, i) => ({ card, amount: 20, ts: T0 + i * 1000 })));
    expect(under.map((d) => d.decision)).toEqual(Array.from({ length: limit.max }, () => 'approve'));
    const over = await decide([{ card, amount: 20, ts: T0 + 5000 }]);
    expect(over[0]).toMatchObject({ decision: 'decline', reason: 'velocity', detail: `${limit.max + 1} transactions in 60000 ms, over the limit of ${limit.max}` });
    // The window slides: a minute after the first ones, only the last two are inside it.
    const later = await decide([{ card, amount: 20, ts: T0 + 5000 + limit.windowMs - 1 }]);
    expect(later[0]).toMatchObject({ decision: 'approve', reason: 'ok' });
    // Other cards are not affected by this one's velocity.
    expect((await decide([{ card: `${m}-quiet`, amount: 1, ts: T0 + 5000 }]))[0]).toMatchObject({ decision: 'approve' });
  });

  it('sends unreadable transactions to the DLQ naming the error and the offset, decides none of them, and goes on', async () => {
    const card = `${m}-dlq`;
    const t = rt.stack.fraudTopics;
    const good = { txn_id: `${m}-dlq-good`, card, amount: 3, merchant: 'test', ts: T0 };
    // One key, so one partition: when the last (valid) record is decided, the bad ones before it were handled.
    const metas = await sendRaw(rt, t.transactions, [
      { key: card, value: `{"txn_id": "${m}-dlq-json", ` },
      { key: card, value: JSON.stringify({ txn_id: `${m}-dlq-noamount`, card, merchant: 'test', ts: T0 }) },
      { key: card, value: JSON.stringify({ txn_id: `${m}-dlq-key`, card: `${m}-other`, amount: 1, merchant: 'test', ts: T0 }) },
      { key: card, value: JSON.stringify(good) },
    ]);
    expect(await checker.waitFor([good.txn_id], 60_000)).toEqual([]);
    expect(checker.seen.get(good.txn_id)?.decision).toMatchObject({ decision: 'approve' });
    for (const id of ['noamount', 'key']) expect(checker.seen.has(`${m}-dlq-${id}`), id).toBe(false);

    const dlq = (await findInTopic(rt, t.transactionsDlq, `${m}-dlq-`, 3)).map((r) => JSON.parse(r.value) as Rejected);
    const at = (i: number) => ({ topic: t.transactions, partition: metas[i]!.partition, offset: String(metas[i]!.baseOffset ?? metas[i]!.offset) });
    const byOffset = (i: number) => dlq.find((r) => r.source.offset === at(i).offset && r.source.partition === at(i).partition);
    expect(byOffset(0)).toMatchObject({ source: at(0), key: card, value: `{"txn_id": "${m}-dlq-json", ` });
    expect(byOffset(0)?.error).toMatch(/^not JSON: /);
    expect(byOffset(1)).toMatchObject({ source: at(1), error: 'amount is missing' });
    expect(byOffset(2)).toMatchObject({ source: at(2), error: `key "${card}" is not the card "${m}-other" (transactions must be keyed by card)` });
    expect(service.stats.rejected).toBeGreaterThanOrEqual(3);
  });
});

describe('make fraud-demo', () => {
  it('runs the services as processes, and every blocklisted transaction is declined', async () => {
    const run = await runScript('scripts/fraud-demo.mjs', ['--rate', '100', '--seconds', '4'], { env: { ...process.env, ...TEST_ENV }, timeoutMs: 240_000 });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/every transaction decided; every one of the \d+ blocklisted transactions declined/);
    expect(run.stdout).toMatch(/every blocklisted transaction declined\s+yes \(\d+ \/ \d+\)/);
    expect(run.stdout).toContain('blocked, then lifted by a tombstone');
    // The services stopped with the demo.
    expect(run.stdout).toMatch(/decide: stopped: \d+ approved/);
  });
});
