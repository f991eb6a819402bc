import { describe, expect, it } from 'vitest';
import type { Seen } from '../../fraud/src/checker.ts';
import type { Traffic } from '../../fraud/src/traffic.ts';
import type { Decision } from '../../fraud/src/transaction.ts';
import { blocklistHeld, judgeRun } from '../../fraud/src/verdict.ts';

const T0 = 1_795_800_000_000;
const limit = { max: 2, windowMs: 10_000 };

function seen(id: string, card: string, decision: Decision['decision'], reason: Decision['reason'], latency: number): [string, Seen] {
  const d: Decision = { txn_id: id, card, decision, reason, detail: '', amount: 1, txn_ts: T0, decided_at: T0 + latency - 1 };
  return [id, { decision: d, writtenAt: T0 + latency, receivedAt: T0 + latency + 2 }];
}

function traffic(ids: string[], blocklisted: string[], bursts: Array<[string, number]>): Traffic {
  return { queued: ids.length, startedAt: T0, endedAt: T0 + 1000, queuedUntil: T0 + 1000, ids, blocklisted, bursts: new Map(bursts) };
}

describe('a run’s verdict', () => {
  it('counts decisions by reason, checks every blocklisted transaction and the bursts, and times each decision', () => {
    const t = traffic(['a', 'b', 'c', 'd', 'e', 'f'], ['b'], [['burst-1', 4]]);
    const s = new Map([
      seen('a', 'card-1', 'approve', 'ok', 10),
      seen('b', 'stolen-1', 'decline', 'blocklist', 20),
      seen('c', 'burst-1', 'approve', 'ok', 30),
      seen('d', 'burst-1', 'approve', 'ok', 40),
      seen('e', 'burst-1', 'decline', 'velocity', 50),
      seen('f', 'burst-1', 'decline', 'velocity', 60),
    ]);
    const v = judgeRun(t, s, limit);
    expect(v).toMatchObject({ sent: 6, decided: 6, missing: 0, approved: 3, declined: { blocklist: 1, velocity: 2 }, ordinaryVelocityDeclines: 0 });
    expect(v.blocklisted).toEqual({ sent: 1, declined: 1, approved: [], missing: 0, otherReason: 0 });
    expect(v.bursts).toEqual({ cards: 1, sent: 4, overLimit: 2, declinedVelocity: 2 });
    expect(v.written).toMatchObject({ n: 6, p50: 30, p90: 60, max: 60 });
    expect(v.received.p50).toBe(32);
    expect(v.decidedPerSecond).toBeCloseTo(100, 5); // 6 decisions from T0 to T0 + 60 ms
    expect(blocklistHeld(v)).toBe(true);
  });

  it('fails the blocklist rule on an approved, a missing or an otherwise-declined blocklisted transaction', () => {
    const t = traffic(['b1', 'b2', 'b3'], ['b1', 'b2', 'b3'], []);
    const v = judgeRun(t, new Map([seen('b1', 'stolen-1', 'approve', 'ok', 5), seen('b3', 'stolen-1', 'decline', 'velocity', 5)]), limit);
    expect(v.blocklisted).toEqual({ sent: 3, declined: 0, approved: ['b1'], missing: 1, otherReason: 1 });
    expect(v.missing).toBe(1);
    expect(blocklistHeld(v)).toBe(false);
    expect(blocklistHeld(judgeRun(traffic(['b2'], ['b2'], []), new Map(), limit))).toBe(false);
  });
});
