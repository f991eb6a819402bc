/**
 * Sanity rules: a number that looks wrong is flagged in the table, never hidden. Each rule returns
 * the flag text, or undefined when the value is plausible.
 */

/** The producer delivered less than 98 % of the rate it was asked for. */
export function rateShortfall(asked: number, achieved: number, threshold = 0.98): string | undefined {
  if (!Number.isFinite(achieved)) return 'no rate reported';
  return achieved < asked * threshold ? `achieved ${((achieved / asked) * 100).toFixed(0)} % of asked (< ${Math.round(threshold * 100)} %)` : undefined;
}

/** Loopback freshness should be milliseconds; a p99 of a second or more, or a max of 5 s or more, is suspicious. */
export function slowFreshness(p99Ms: number, maxMs: number): string | undefined {
  if (!Number.isFinite(p99Ms)) return 'no samples';
  if (p99Ms >= 1000) return `p99 ≥ 1 s on loopback`;
  if (maxMs >= 5000) return `max ≥ 5 s on loopback`;
  return undefined;
}

/** Ours vs a baseline (kcat, redis-benchmark): below `low` is worth a look. */
export function lowRatio(ratio: number, low = 0.5): string | undefined {
  if (!Number.isFinite(ratio)) return 'no ratio';
  return ratio < low ? `below ${low}× the baseline` : undefined;
}

/** Compaction left more records than live keys plus a small allowance (the active segments). */
export function compactionExcess(records: number, liveKeys: number, allowance: number): string | undefined {
  return records > liveKeys + allowance ? `${records - liveKeys} records above the live drivers (cleaner not done?)` : undefined;
}

/** A measurement that did not finish inside its bound. */
export function timedOut(what: string, ok: boolean): string | undefined {
  return ok ? undefined : `${what} did not finish in time`;
}

/** A rate above its own ceiling (redis-benchmark replaying the same write) means the ceiling run was starved. */
export function aboveCeiling(ratio: number, tolerance = 1.1): string | undefined {
  return Number.isFinite(ratio) && ratio > tolerance ? `above its redis-benchmark ceiling: that run was starved of CPU?` : undefined;
}

/** The delivery app's goals (issue 24): p99 ≤ 25 ms and ≥ 5,000 requests/s at 100 concurrent clients. */
export const NEAREST_GOAL = { p99Ms: 25, requestsPerSecond: 5000 } as const;

/** The nearest-drivers API missed a goal, or answered with failures. */
export function nearestShortfall(load: { p99: number; requestsPerSecond: number; failed: number }): string | undefined {
  const missed = [
    load.failed > 0 ? `${load.failed} requests failed` : undefined,
    load.p99 > NEAREST_GOAL.p99Ms ? `p99 above the ${NEAREST_GOAL.p99Ms} ms goal` : undefined,
    load.requestsPerSecond < NEAREST_GOAL.requestsPerSecond ? `below the ${NEAREST_GOAL.requestsPerSecond.toLocaleString('en-US')} req/s goal` : undefined,
  ].filter(Boolean);
  return missed.length === 0 ? undefined : missed.join('; ');
}

/** The freshness goals as users run it (issue 24): p99 ≤ 250 ms up to 5,000 events/s, ≤ 500 ms above. */
export function freshnessShortfall(rate: number, p99Ms: number): string | undefined {
  const goal = rate <= 5000 ? 250 : 500;
  return Number.isFinite(p99Ms) && p99Ms > goal ? `p99 above the ${goal} ms goal` : undefined;
}
