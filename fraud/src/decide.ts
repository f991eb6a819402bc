import type { BlockEntry, Decision, Reason, Transaction, Verdict } from './transaction.ts';
import type { VelocityLimit } from './velocity.ts';

/** What the decision service knows about one transaction when it decides. */
export interface Facts {
  /** The card's blocklist entry, or null when the card is not listed. */
  blocked: BlockEntry | null;
  /** The card's transactions in the velocity window ending at this one, itself included. */
  velocityCount: number;
  limit: VelocityLimit;
}

/**
 * The immediate-block decision, a pure function. Precedence: the blocklist first (a listed card is
 * declined whatever its velocity), then the velocity rule, else approve.
 */
export function decide(txn: Transaction, facts: Facts, decidedAt: number): Decision {
  const { verdict, reason, detail } = judge(facts);
  return { txn_id: txn.txn_id, card: txn.card, decision: verdict, reason, detail, amount: txn.amount, txn_ts: txn.ts, decided_at: decidedAt };
}

function judge(f: Facts): { verdict: Verdict; reason: Reason; detail: string } {
  if (f.blocked !== null) return { verdict: 'decline', reason: 'blocklist', detail: `card on the blocklist: ${f.blocked.reason}` };
  const window = `${f.velocityCount} transactions in ${f.limit.windowMs} ms`;
  if (f.velocityCount > f.limit.max) return { verdict: 'decline', reason: 'velocity', detail: `${window}, over the limit of ${f.limit.max}` };
  return { verdict: 'approve', reason: 'ok', detail: `not on the blocklist; ${window} (limit ${f.limit.max})` };
}
