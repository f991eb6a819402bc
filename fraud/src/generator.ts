import { prng } from '../../producer/src/index.ts';
import type { Transaction } from './transaction.ts';

export interface GeneratorOptions {
  /** Prefix of every txn_id and burst card: tells one run's transactions from another's. */
  runId: string;
  seed?: number;
  /** Size of the pool ordinary transactions draw their card from, uniformly. */
  cards: number;
  /** Cards on the blocklist; `blocklistShare` of the transactions use one of them. */
  blocklisted: readonly string[];
  /** Share of all transactions made with a blocklisted card (0–1). */
  blocklistShare: number;
  /** Share of all transactions that are part of a velocity burst (0–1). */
  burstShare: number;
  /** Transactions in one burst: one fresh card, back to back. */
  burstSize: number;
  /** Clock for `ts`, injectable for tests. */
  now?: () => number;
}

/** What a generated transaction is, for the checks (the decision service does not see this). */
export type Kind = 'ordinary' | 'blocklisted' | 'burst';

export interface Generated {
  txn: Transaction;
  kind: Kind;
}

const MERCHANTS = ['mercado-pinheiros', 'posto-paulista', 'farmacia-se', 'livraria-consolacao', 'padaria-moema', 'eletro-bras', 'app-transporte', 'streaming-br'];

/**
 * Card transactions with a known mix: `blocklistShare` of them from blocklisted cards, `burstShare`
 * of them in velocity bursts (a fresh card sending `burstSize` transactions back to back), the rest
 * from a pool of `cards` ordinary cards (`card-<n>`). Deterministic for a seed (except `ts`, which is
 * the clock at creation).
 *
 * The shares hold over all transactions: a burst, once started, emits its remaining transactions
 * before anything else, so the chance of starting one per draw is set so that bursts make up
 * `burstShare` of the output (q = b / (s − b(s − 1)) for share b and size s), and the blocklisted
 * draw probability is scaled up by the transactions bursts add per draw.
 */
export class TransactionGenerator {
  private readonly rand: () => number;
  private readonly now: () => number;
  private readonly pStart: number;
  private readonly pBlocked: number;
  private seq = 0;
  private bursts = 0;
  private burst: { card: string; left: number } | undefined;
  readonly counts: Record<Kind, number> = { ordinary: 0, blocklisted: 0, burst: 0 };

  constructor(private readonly o: GeneratorOptions) {
    const share = (name: string, v: number) => {
      if (!(v >= 0 && v < 1)) throw new Error(`generator: ${name} must be in [0, 1), got ${v}`);
    };
    share('blocklistShare', o.blocklistShare);
    share('burstShare', o.burstShare);
    if (!Number.isInteger(o.cards) || o.cards < 1) throw new Error(`generator: cards must be a positive integer, got ${o.cards}`);
    if (!Number.isInteger(o.burstSize) || o.burstSize < 1) throw new Error(`generator: burstSize must be a positive integer, got ${o.burstSize}`);
    if (o.blocklistShare > 0 && o.blocklisted.length === 0) throw new Error('generator: blocklistShare > 0 needs at least one blocklisted card');
    this.rand = prng(o.seed ?? 7);
    this.now = o.now ?? Date.now;
    const b = o.burstShare;
    const s = o.burstSize;
    this.pStart = b / (s - b * (s - 1));
    this.pBlocked = o.blocklistShare * (1 + this.pStart * (s - 1));
    if (this.pStart + this.pBlocked > 1) throw new Error(`generator: blocklistShare ${o.blocklistShare} + burstShare ${b} leave no room for ordinary transactions`);
  }

  /** Bursts started so far. */
  get burstsStarted(): number {
    return this.bursts;
  }

  next(): Generated {
    let card: string;
    let kind: Kind;
    if (this.burst !== undefined) {
      card = this.burst.card;
      kind = 'burst';
      if (--this.burst.left === 0) this.burst = undefined;
    } else {
      const u = this.rand();
      if (u < this.pBlocked) {
        card = this.o.blocklisted[Math.floor(this.rand() * this.o.blocklisted.length)] as string;
        kind = 'blocklisted';
      } else if (u < this.pBlocked + this.pStart) {
        card = `burst-${this.o.runId}-${++this.bursts}`;
        kind = 'burst';
        if (this.o.burstSize > 1) this.burst = { card, left: this.o.burstSize - 1 };
      } else {
        card = `card-${Math.floor(this.rand() * this.o.cards)}`;
        kind = 'ordinary';
      }
    }
    this.counts[kind]++;
    // Amounts: mostly small, a long tail (log-uniform between 1 and 5,000), in cents.
    const amount = Math.round(Math.exp(this.rand() * Math.log(5000)) * 100) / 100;
    const merchant = MERCHANTS[Math.floor(this.rand() * MERCHANTS.length)] as string;
    const txn: Transaction = { txn_id: `${this.o.runId}-${++this.seq}`, card, amount, merchant, ts: this.now() };
    return { txn, kind };
  }
}
