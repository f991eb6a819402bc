import { describe, expect, it } from 'vitest';
import { TransactionGenerator, type Generated, type GeneratorOptions } from '../../fraud/src/generator.ts';
import { checkTransaction } from '../../fraud/src/transaction.ts';

const T0 = 1_795_800_000_000;
const blocklisted = Array.from({ length: 50 }, (_, i) => `stolen-${i}`);
const base: GeneratorOptions = { runId: 'r1', seed: 3, cards: 100_000, blocklisted, blocklistShare: 0.02, burstShare: 0.05, burstSize: 8, now: () => T0 };
const take = (g: TransactionGenerator, n: number): Generated[] => Array.from({ length: n }, () => g.next());

describe('transaction generator', () => {
  it('produces valid transactions with unique ids carrying the run id', () => {
    const out = take(new TransactionGenerator(base), 2000);
    for (const { txn } of out) expect(checkTransaction(txn)).toEqual(txn);
    expect(new Set(out.map((g) => g.txn.txn_id)).size).toBe(2000);
    expect(out[0]?.txn.txn_id).toBe('r1-1');
  });

  it.each([
    [0.02, 0.05, 8],
    [0.1, 0.2, 3],
    [0.01, 0, 8],
    [0, 0.3, 10],
  ])('holds the shares over all transactions: blocklisted %f, in bursts %f (burst size %i)', (blocklistShare, burstShare, burstSize) => {
    const g = new TransactionGenerator({ ...base, blocklistShare, burstShare, burstSize, blocklisted: blocklistShare > 0 ? blocklisted : [] });
    const n = 200_000;
    const out = take(g, n);
    const share = (k: string) => out.filter((x) => x.kind === k).length / n;
    expect(share('blocklisted')).toBeCloseTo(blocklistShare, 2);
    expect(share('burst')).toBeCloseTo(burstShare, 2);
    expect(g.counts.blocklisted + g.counts.burst + g.counts.ordinary).toBe(n);
    // Blocklisted transactions use the blocklisted cards, and only those.
    const listed = new Set(blocklisted);
    expect(out.filter((x) => listed.has(x.txn.card) !== (x.kind === 'blocklisted'))).toEqual([]);
  });

  it('sends each burst as burstSize back-to-back transactions of one fresh card', () => {
    const g = new TransactionGenerator({ ...base, burstShare: 0.2, burstSize: 6 });
    const out = take(g, 50_000);
    const runs: Array<{ card: string; n: number }> = [];
    for (const x of out) {
      if (x.kind !== 'burst') continue;
      const last = runs.at(-1);
      if (last !== undefined && last.card === x.txn.card && last.n < 6) last.n++;
      else runs.push({ card: x.txn.card, n: 1 });
    }
    // Every burst but possibly the last (cut by the sample's end) is complete and contiguous.
    const complete = runs.slice(0, -1);
    expect(complete.length).toBeGreaterThan(1000);
    expect(complete.every((r) => r.n === 6)).toBe(true);
    expect(new Set(runs.map((r) => r.card)).size).toBe(runs.length);
    expect(g.burstsStarted).toBe(runs.length);
    // Contiguous: between a burst's first and last transaction nothing else is sent.
    const i = out.findIndex((x) => x.kind === 'burst');
    expect(out.slice(i, i + 6).every((x) => x.txn.card === out[i]?.txn.card)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const a = take(new TransactionGenerator(base), 500).map((x) => x.txn);
    const b = take(new TransactionGenerator(base), 500).map((x) => x.txn);
    expect(a).toEqual(b);
  });

  it('refuses shares that cannot hold', () => {
    expect(() => new TransactionGenerator({ ...base, blocklistShare: 1 })).toThrow('blocklistShare must be in [0, 1)');
    expect(() => new TransactionGenerator({ ...base, blocklisted: [] })).toThrow('needs at least one blocklisted card');
    expect(() => new TransactionGenerator({ ...base, blocklistShare: 0.6, burstShare: 0.6 })).toThrow('leave no room');
    expect(() => new TransactionGenerator({ ...base, burstSize: 0 })).toThrow('burstSize must be a positive integer');
  });
});
