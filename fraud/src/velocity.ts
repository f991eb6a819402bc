/**
 * The per-card velocity rule: "more than `max` transactions of one card within `windowMs`" declines.
 *
 * A sliding window evaluated on EACH event, by event time (the transaction's `ts`), not at window
 * ends: the answer for an event is the number of the card's events with ts in (ts − windowMs, ts],
 * itself included. No clock is read, so the same events give the same counts (tests, replays).
 */
export interface VelocityLimit {
  /** Most transactions allowed in one window; the next one declines. */
  max: number;
  windowMs: number;
}

export const DEFAULT_VELOCITY: VelocityLimit = { max: 5, windowMs: 10_000 };

interface CardWindow {
  /** Event times still inside the window of the card's newest event, in arrival order. */
  times: number[];
  /** Highest sequence number (Kafka offset) counted: a redelivered event is not counted twice. */
  lastSeq: number;
  newest: number;
}

export class VelocityWindow {
  private readonly cards = new Map<string, CardWindow>();
  /** Newest event time seen on any card: what sweep() compares with. */
  private newest = Number.NEGATIVE_INFINITY;
  /** Times kept per card at most: beyond it the count is "at least this many", still a decline. */
  private readonly cap: number;

  constructor(readonly limit: VelocityLimit = DEFAULT_VELOCITY) {
    if (!Number.isInteger(limit.max) || limit.max < 1) throw new Error(`velocity: max must be a positive integer, got ${limit.max}`);
    if (!Number.isFinite(limit.windowMs) || limit.windowMs <= 0) throw new Error(`velocity: windowMs must be positive, got ${limit.windowMs}`);
    this.cap = Math.max(4 * limit.max, 16);
  }

  /**
   * Counts the event and returns how many of the card's events fall in (ts − windowMs, ts].
   * `seq` orders one card's events as delivered (the Kafka offset: a card lives on one partition);
   * an event at or below the card's highest counted `seq` is a redelivery: it is evaluated again but
   * not counted again.
   */
  observe(card: string, ts: number, seq: number): number {
    let w = this.cards.get(card);
    if (w === undefined) {
      w = { times: [], lastSeq: Number.NEGATIVE_INFINITY, newest: Number.NEGATIVE_INFINITY };
      this.cards.set(card, w);
    }
    if (seq > w.lastSeq) {
      w.lastSeq = seq;
      w.times.push(ts);
      if (ts > w.newest) w.newest = ts;
      if (ts > this.newest) this.newest = ts;
      // Drop what no later event can see (later events have ts ≤ newest only when out of order,
      // and those look back from their own ts, which is never after newest).
      const horizon = w.newest - this.limit.windowMs;
      if ((w.times[0] as number) <= horizon || w.times.length > this.cap) {
        w.times = w.times.filter((t) => t > horizon);
        if (w.times.length > this.cap) w.times = w.times.slice(-this.cap);
      }
    }
    const from = ts - this.limit.windowMs;
    let n = 0;
    for (const t of w.times) if (t > from && t <= ts) n++;
    return n;
  }

  /** True when `count` (from observe) is over the limit. */
  exceeded(count: number): boolean {
    return count > this.limit.max;
  }

  /** Forgets cards whose newest event is out of every future window; returns how many. Call now and then. */
  sweep(): number {
    const horizon = this.newest - this.limit.windowMs;
    let dropped = 0;
    for (const [card, w] of this.cards) {
      if (w.newest <= horizon) {
        this.cards.delete(card);
        dropped++;
      }
    }
    return dropped;
  }

  /** Cards held now. */
  get size(): number {
    return this.cards.size;
  }
}
