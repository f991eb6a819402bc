/**
 * Failover seen by the producer: acknowledged batches (time, events) around a SIGKILL. Pure, so the
 * unit tests pin down what "writes resumed" means.
 */
export interface Ack {
  at: number;
  events: number;
}

export interface FailoverGap {
  /** First acknowledgement after the kill (may be a batch already in flight: see longestGapMs). */
  firstAfterMs: number;
  /**
   * The longest silence between two consecutive acknowledgements that ends after the kill: the
   * outage the producer lived through, whatever was in flight at the moment of the kill.
   */
  longestGapMs: number;
  gapFrom: number;
  gapTo: number;
}

export function failoverGap(acks: readonly Ack[], killedAt: number): FailoverGap | undefined {
  const times = acks.map((a) => a.at).sort((a, b) => a - b);
  const firstAfter = times.find((t) => t > killedAt);
  if (firstAfter === undefined) return undefined;
  let best = { ms: 0, from: killedAt, to: firstAfter };
  let prev = times.filter((t) => t <= killedAt).at(-1) ?? killedAt;
  for (const t of times.filter((x) => x > killedAt)) {
    if (t - prev > best.ms) best = { ms: t - prev, from: prev, to: t };
    prev = t;
  }
  return { firstAfterMs: firstAfter - killedAt, longestGapMs: best.ms, gapFrom: best.from, gapTo: best.to };
}

/** Events acknowledged per bucket (unix seconds, count), empty buckets included, for the plot. */
export function ackSeries(acks: readonly Ack[], from: number, to: number, bucketMs = 250): Array<[number, number]> {
  const n = Math.max(0, Math.ceil((to - from) / bucketMs));
  const counts = new Array<number>(n).fill(0);
  for (const a of acks) {
    const i = Math.floor((a.at - from) / bucketMs);
    if (i >= 0 && i < n) counts[i] = (counts[i] ?? 0) + a.events;
  }
  return counts.map((c, i) => [(from + i * bucketMs) / 1000, c]);
}
