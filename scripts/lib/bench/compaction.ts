/** Reading Kafka's log-cleaner checkpoint: how far the cleaner has compacted each partition on one broker. */

/**
 * Parses a `cleaner-offset-checkpoint` file (version line, count line, then "topic partition offset"
 * lines) into offsets for `topic`, by partition.
 */
export function parseCleanerCheckpoint(text: string, topic: string): Map<number, bigint> {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length < 2) return new Map();
  if (lines[0] !== '0') throw new Error(`cleaner checkpoint: unknown version ${lines[0]}`);
  const out = new Map<number, bigint>();
  for (const l of lines.slice(2)) {
    const parts = l.split(/\s+/);
    if (parts.length < 3) continue;
    const offset = parts.at(-1) as string;
    const partition = parts.at(-2) as string;
    // Topic names cannot contain spaces, but take everything before the last two fields anyway.
    const t = parts.slice(0, -2).join(' ');
    if (t === topic && /^\d+$/.test(partition) && /^\d+$/.test(offset)) out.set(Number(partition), BigInt(offset));
  }
  return out;
}

/** Partitions whose cleaned-up-to offset has not reached `target` yet (missing counts as not reached). */
export function partitionsBehind(cleaned: Map<number, bigint>, target: Map<number, bigint>): number[] {
  return [...target.entries()].filter(([p, off]) => (cleaned.get(p) ?? -1n) < off).map(([p]) => p).sort((a, b) => a - b);
}

export interface Segment {
  /** First offset of the segment (its file name). */
  base: bigint;
  bytes: number;
}

/**
 * Share of a partition's closed segments the cleaner has not compacted yet (bytes at or after
 * `cleanedTo`), the figure Kafka compares with min.cleanable.dirty.ratio. The newest segment is the
 * active one and never counts.
 */
export function dirtyRatio(segments: readonly Segment[], cleanedTo: bigint): number {
  const closed = [...segments].sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0)).slice(0, -1);
  const total = closed.reduce((s, x) => s + x.bytes, 0);
  const dirty = closed.filter((x) => x.base >= cleanedTo).reduce((s, x) => s + x.bytes, 0);
  return total === 0 ? 0 : dirty / total;
}

/** Segments from a partition directory listing: `00000000000000001234.log` files and their sizes. */
export function segmentsFromListing(files: ReadonlyArray<{ name: string; bytes: number }>): Segment[] {
  return files.filter((f) => /^\d{20}\.log$/.test(f.name)).map((f) => ({ base: BigInt(f.name.slice(0, 20)), bytes: f.bytes }));
}

/** Kafka's default log.cleaner.backoff.ms: how long an idle cleaner thread sleeps before it looks again. */
const DEFAULT_CLEANER_BACKOFF_MS = 15_000;

/**
 * How long after the last append a record's segment can still wait before the log cleaner takes it
 * up: min.compaction.lag.ms (the topic's) plus log.cleaner.backoff.ms (the brokers', from the text of
 * server.properties; Kafka's default when absent). A throughput run started sooner shares the
 * brokers with the cleaning of the previous run's records.
 */
export function cleanerDelayMs(serverProperties: string, minCompactionLagMs: number): number {
  const m = /^\s*log\.cleaner\.backoff\.ms\s*=\s*(\d+)\s*$/m.exec(serverProperties);
  return minCompactionLagMs + (m ? Number(m[1]) : DEFAULT_CLEANER_BACKOFF_MS);
}
