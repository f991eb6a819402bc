import { describe, expect, it } from 'vitest';
import { decide } from '../../fraud/src/decide.ts';
import { checkTransaction, parseBlockEntry, parseTransaction, type Transaction } from '../../fraud/src/transaction.ts';
import { VelocityWindow } from '../../fraud/src/velocity.ts';

const T0 = 1_795_800_000_000;

describe('velocity rule: a sliding window per card, evaluated on each event', () => {
  it('counts the card’s events in (ts − window, ts], this one included, and flags the one over the limit', () => {
    const v = new VelocityWindow({ max: 3, windowMs: 1000 });
    const counts = [0, 100, 200, 300, 400].map((dt, i) => v.observe('c1', T0 + dt, i));
    expect(counts).toEqual([1, 2, 3, 4, 5]);
    expect(counts.map((n) => v.exceeded(n))).toEqual([false, false, false, true, true]);
  });

  it('slides: an event exactly one window after another no longer sees it', () => {
    const v = new VelocityWindow({ max: 1, windowMs: 1000 });
    expect(v.observe('c', T0, 1)).toBe(1);
    expect(v.observe('c', T0 + 999, 2)).toBe(2);
    expect(v.observe('c', T0 + 1000, 3)).toBe(2); // T0 is out, T0+999 is in
    expect(v.observe('c', T0 + 2500, 4)).toBe(1);
  });

  it('keeps cards apart', () => {
    const v = new VelocityWindow({ max: 2, windowMs: 1000 });
    for (let i = 0; i < 5; i++) v.observe('busy', T0 + i, i);
    expect(v.observe('quiet', T0 + 5, 5)).toBe(1);
  });

  it('evaluates an out-of-order event against its own time, without counting later events', () => {
    const v = new VelocityWindow({ max: 5, windowMs: 1000 });
    v.observe('c', T0 + 500, 1);
    v.observe('c', T0 + 1400, 2);
    // Arrives after T0+1400 but happened at T0+300: sees only itself (T0+500 and T0+1400 are later).
    expect(v.observe('c', T0 + 300, 3)).toBe(1);
    // A later event sees all three that are inside its window.
    expect(v.observe('c', T0 + 1450, 4)).toBe(3);
  });

  it('does not count a redelivered event (same or lower offset) twice', () => {
    const v = new VelocityWindow({ max: 2, windowMs: 1000 });
    expect(v.observe('c', T0, 10)).toBe(1);
    expect(v.observe('c', T0 + 1, 11)).toBe(2);
    expect(v.observe('c', T0 + 1, 11)).toBe(2);
    expect(v.observe('c', T0, 10)).toBe(1);
    expect(v.observe('c', T0 + 2, 12)).toBe(3);
  });

  it('keeps the count over the limit during a long burst while bounding the memory per card', () => {
    const v = new VelocityWindow({ max: 3, windowMs: 60_000 });
    let last = 0;
    for (let i = 0; i < 1000; i++) last = v.observe('c', T0 + i, i);
    expect(v.exceeded(last)).toBe(true);
    expect(last).toBeLessThanOrEqual(16);
  });

  it('forgets cards whose newest event is out of every window', () => {
    const v = new VelocityWindow({ max: 3, windowMs: 1000 });
    v.observe('old', T0, 1);
    v.observe('new', T0 + 900, 1);
    v.observe('newer', T0 + 1500, 1);
    expect(v.sweep()).toBe(1);
    expect(v.size).toBe(2);
    expect(v.observe('old', T0 + 1600, 2)).toBe(1);
  });

  it('refuses a limit that is not a limit', () => {
    expect(() => new VelocityWindow({ max: 0, windowMs: 1000 })).toThrow('max must be a positive integer');
    expect(() => new VelocityWindow({ max: 1, windowMs: 0 })).toThrow('windowMs must be positive');
  });
});

describe('decision: blocklist, then velocity, else approve', () => {
  const txn: Transaction = { txn_id: 't1', card: 'card-1', amount: 12.5, merchant: 'm', ts: T0 };
  const limit = { max: 5, windowMs: 10_000 };

  it('declines a blocklisted card with reason blocklist, whatever its velocity', () => {
    for (const velocityCount of [1, 99]) {
      const d = decide(txn, { blocked: { reason: 'stolen' }, velocityCount, limit }, T0 + 3);
      expect(d).toEqual({ txn_id: 't1', card: 'card-1', decision: 'decline', reason: 'blocklist', detail: 'card on the blocklist: stolen', amount: 12.5, txn_ts: T0, decided_at: T0 + 3 });
    }
  });

  it('declines an unlisted card over the velocity limit with reason velocity', () => {
    const d = decide(txn, { blocked: null, velocityCount: 6, limit }, T0);
    expect(d).toMatchObject({ decision: 'decline', reason: 'velocity', detail: '6 transactions in 10000 ms, over the limit of 5' });
  });

  it('approves an unlisted card at or under the limit', () => {
    for (const velocityCount of [1, 5]) expect(decide(txn, { blocked: null, velocityCount, limit }, T0)).toMatchObject({ decision: 'approve', reason: 'ok' });
  });
});

describe('transaction validation', () => {
  const good = { txn_id: 't1', card: 'card-1', amount: 10, merchant: 'm', ts: T0 };

  it('accepts a complete transaction and ignores extra fields; merchant is optional', () => {
    expect(checkTransaction({ ...good, extra: true })).toEqual(good);
    const { merchant: _m, ...noMerchant } = good;
    expect(checkTransaction(noMerchant)).toEqual({ ...good, merchant: '' });
  });

  it.each([
    [null, 'expected a JSON object, got null'],
    [[1], 'expected a JSON object, got an array'],
    [{ ...good, txn_id: undefined }, 'txn_id is missing'],
    [{ ...good, card: 7 }, 'card must be a string, got number'],
    [{ ...good, card: '  ' }, 'card is empty'],
    [{ ...good, card: 'x'.repeat(65) }, 'card is longer than 64 characters'],
    [{ ...good, amount: undefined }, 'amount is missing'],
    [{ ...good, amount: '10' }, 'amount must be a finite number, got "10"'],
    [{ ...good, amount: 0 }, 'amount must be positive, got 0'],
    [{ ...good, merchant: 3 }, 'merchant must be a string, got number'],
    [{ ...good, ts: undefined }, 'ts is missing'],
    [{ ...good, ts: 1.5e12 + 0.5 }, 'ts must be an integer (epoch ms), got 1500000000000.5'],
    [{ ...good, ts: 1_795_800_000 }, 'ts 1795800000 is not epoch milliseconds (before 2001-09-09: seconds?)'],
  ])('rejects %j: %s', (raw, error) => {
    expect(checkTransaction(raw)).toBe(error);
  });

  it('reads record values: bad JSON and tombstones are errors, not exceptions', () => {
    expect(parseTransaction(Buffer.from(JSON.stringify(good)))).toEqual(good);
    expect(parseTransaction('{"txn_id": ')).toMatch(/^not JSON: /);
    expect(parseTransaction(null)).toBe('no value (a tombstone on the transactions topic)');
  });

  it('reads blocklist entries: a JSON object with a non-empty reason', () => {
    expect(parseBlockEntry('{"reason":"stolen","source":"analyst"}')).toEqual({ reason: 'stolen', source: 'analyst' });
    expect(parseBlockEntry('"stolen"')).toBe('expected a JSON object, got string');
    expect(parseBlockEntry('{"source":"x"}')).toBe('reason is missing');
    expect(parseBlockEntry('nope')).toMatch(/^not JSON: /);
  });
});
