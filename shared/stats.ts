/** Latency statistics for the benchmark: nearest-rank percentiles over raw samples (no histogram buckets). */

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentile of an ascending array: the smallest sample with at least p % of the
 * samples at or below it. NaN for no samples. p in (0, 100].
 */
export function percentile(sortedAsc: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new Error(`percentile: p must be in (0, 100], got ${p}`);
  if (sortedAsc.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedAsc.length);
  return sortedAsc[Math.min(rank, sortedAsc.length) - 1] as number;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. NaN samples are ignored. */
export function median(samples: readonly number[]): number {
  const v = samples.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.length === 0 ? Number.NaN : (sorted.at(-1) as number) };
}

/** Events per second; NaN when the duration is not positive. */
export function ratePerSecond(events: number, ms: number): number {
  return ms > 0 ? (events * 1000) / ms : Number.NaN;
}

/** Samples grouped per whole second of `at` (unix ms), each second's p99: the freshness-over-time plot. */
export function perSecondP99(samples: ReadonlyArray<{ at: number; value: number }>): Array<[number, number]> {
  const bySecond = new Map<number, number[]>();
  for (const s of samples) {
    const sec = Math.floor(s.at / 1000);
    const list = bySecond.get(sec) ?? [];
    list.push(s.value);
    bySecond.set(sec, list);
  }
  return [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([sec, vs]) => [sec, percentile(vs.sort((a, b) => a - b), 99)]);
}

// --- formatting: sensible precision for a table ---------------------------------------------

/** 12345.6 → "12,346"; 12.34 → "12.3"; 1.234 → "1.23". */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v).toLocaleString('en-US');
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function fmtRate(eventsPerSecond: number): string {
  return Number.isFinite(eventsPerSecond) ? `${fmtNumber(eventsPerSecond)} ev/s` : 'n/a';
}

/** Milliseconds below 10 s, seconds above. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/** CPU microseconds (per event, write or request), three significant digits. */
export function fmtMicros(us: number): string {
  return Number.isFinite(us) ? `${us >= 100 ? Math.round(us) : us.toPrecision(3)} µs` : 'n/a';
}

export function fmtSeconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a';
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}

export function fmtMiB(kib: number): string {
  return Number.isFinite(kib) ? `${(kib / 1024).toFixed(0)} MiB` : 'n/a';
}
