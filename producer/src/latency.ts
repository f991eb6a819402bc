/**
 * Milliseconds counted into 1 ms buckets up to a minute (one more for anything longer): recording
 * is one array increment, cheap enough for every event, and percentiles are exact to the ms.
 */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(LIMIT_MS + 2);
  private n = 0;
  private maxMs = 0;

  record(ms: number): void {
    const b = ms <= 0 ? 0 : ms >= LIMIT_MS ? LIMIT_MS + 1 : Math.round(ms);
    this.buckets[b] = (this.buckets[b] ?? 0) + 1;
    this.n++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  get count(): number {
    return this.n;
  }

  /** The smallest bucket (ms) at or below which a fraction q of the samples fall; undefined without samples. */
  quantile(q: number): number | undefined {
    if (this.n === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let b = 0; b < this.buckets.length; b++) {
      seen += this.buckets[b] ?? 0;
      if (seen >= rank) return b > LIMIT_MS ? this.maxMs : b;
    }
    return this.maxMs;
  }

  /** p50 / p99 / max in ms, for a run summary; undefined without samples. */
  summary(): { p50: number; p99: number; max: number; n: number } | undefined {
    if (this.n === 0) return undefined;
    return { p50: this.quantile(0.5) as number, p99: this.quantile(0.99) as number, max: Math.round(this.maxMs), n: this.n };
  }
}

const LIMIT_MS = 60_000;
