import { summarize, type LatencySummary } from '../../shared/stats.ts';
import type { Seen } from './checker.ts';
import type { Traffic } from './traffic.ts';
import type { VelocityLimit } from './velocity.ts';

/** What a run proved, from what was sent (Traffic) and the decisions that came back. */
export interface RunVerdict {
  sent: number;
  decided: number;
  /** Sent transactions without a decision (by the end of the wait). */
  missing: number;
  approved: number;
  declined: { blocklist: number; velocity: number };
  blocklisted: { sent: number; declined: number; approved: string[]; missing: number; otherReason: number };
  /** Burst transactions beyond the velocity limit (expected declines) vs what was declined for velocity. */
  bursts: { cards: number; sent: number; overLimit: number; declinedVelocity: number };
  /** Declined for velocity although neither blocklisted nor in a burst: ordinary cards that happened to be busy. */
  ordinaryVelocityDeclines: number;
  /** Transaction created → decision appended to the decisions topic (the broker's LogAppendTime), ms. */
  written: LatencySummary;
  /** Transaction created → decision received by a consumer, ms. */
  received: LatencySummary;
  /** Decisions per second: decided / (last decision written − first transaction created). */
  decidedPerSecond: number;
}

/** True when the run's one hard rule holds: every blocklisted transaction was decided, and declined. */
export function blocklistHeld(v: RunVerdict): boolean {
  return v.blocklisted.approved.length === 0 && v.blocklisted.missing === 0 && v.blocklisted.otherReason === 0;
}

export function judgeRun(traffic: Traffic, seen: ReadonlyMap<string, Seen>, limit: VelocityLimit): RunVerdict {
  const written: number[] = [];
  const received: number[] = [];
  let approved = 0;
  let blocklist = 0;
  let velocity = 0;
  let missing = 0;
  let firstTs = Number.POSITIVE_INFINITY;
  let lastWritten = Number.NEGATIVE_INFINITY;
  const velocityByCard = new Map<string, number>();
  for (const id of traffic.ids) {
    const s = seen.get(id);
    if (s === undefined) {
      missing++;
      continue;
    }
    const d = s.decision;
    written.push(s.writtenAt - d.txn_ts);
    received.push(s.receivedAt - d.txn_ts);
    if (d.txn_ts < firstTs) firstTs = d.txn_ts;
    if (s.writtenAt > lastWritten) lastWritten = s.writtenAt;
    if (d.decision === 'approve') approved++;
    else if (d.reason === 'blocklist') blocklist++;
    else if (d.reason === 'velocity') {
      velocity++;
      velocityByCard.set(d.card, (velocityByCard.get(d.card) ?? 0) + 1);
    }
  }
  const bl = { sent: traffic.blocklisted.length, declined: 0, approved: [] as string[], missing: 0, otherReason: 0 };
  for (const id of traffic.blocklisted) {
    const d = seen.get(id)?.decision;
    if (d === undefined) bl.missing++;
    else if (d.decision === 'approve') bl.approved.push(id);
    else if (d.reason === 'blocklist') bl.declined++;
    else bl.otherReason++;
  }
  const bursts = { cards: traffic.bursts.size, sent: 0, overLimit: 0, declinedVelocity: 0 };
  for (const [card, n] of traffic.bursts) {
    bursts.sent += n;
    bursts.overLimit += Math.max(0, n - limit.max);
    bursts.declinedVelocity += velocityByCard.get(card) ?? 0;
  }
  const decided = traffic.ids.length - missing;
  return {
    sent: traffic.ids.length,
    decided,
    missing,
    approved,
    declined: { blocklist, velocity },
    blocklisted: bl,
    bursts,
    ordinaryVelocityDeclines: velocity - bursts.declinedVelocity,
    written: summarize(written),
    received: summarize(received),
    decidedPerSecond: decided > 0 && lastWritten > firstTs ? (decided * 1000) / (lastWritten - firstTs) : Number.NaN,
  };
}
