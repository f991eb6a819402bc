import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { withAdmin } from './kafka-admin.ts';

/** Last value per key, exactly what a fully compacted topic would keep; tombstones remove the key. */
export type Fold = Map<string, Record<string, unknown>>;

export interface FoldResult {
  fold: Fold;
  records: number;
  tombstones: number;
  /** Values that are not JSON objects (they belong in the DLQ, not in Redis). */
  unreadable: number;
}

/** Applies one record to the fold (pure; the unit tests drive it directly). */
export function applyRecord(r: FoldResult, key: string | null, value: string | null): void {
  r.records++;
  if (key === null) {
    r.unreadable++;
    return;
  }
  if (value === null) {
    r.tombstones++;
    r.fold.delete(key);
    return;
  }
  try {
    const v: unknown = JSON.parse(value);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      r.fold.set(key, v as Record<string, unknown>);
      return;
    }
  } catch {
    /* counted below */
  }
  r.unreadable++;
}

/**
 * Reads `topic` from the beginning up to the end offsets seen at the start and folds it to the last
 * value per key. Uses a throw-away consumer group, deleted afterwards.
 */
export async function foldTopic(bootstrap: string[], topic: string, timeoutMs = 120_000): Promise<FoldResult> {
  const ends = await withAdmin(bootstrap, (a) => a.fetchTopicOffsets(topic));
  const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  const result: FoldResult = { fold: new Map(), records: 0, tombstones: 0, unreadable: 0 };
  if (remaining.size === 0) return result;
  const groupId = `rastro-validate-${randomUUID()}`;
  const kafka = new Kafka({ clientId: 'rastro-validate', brokers: bootstrap, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fold ${topic} at ${bootstrap.join(',')}: timed out after ${timeoutMs / 1000} s with partitions ${[...remaining.keys()].join(',')} unfinished`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = remaining.get(batch.partition);
            if (end === undefined) return;
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= end) break;
              applyRecord(result, m.key?.toString('utf8') ?? null, m.value === null ? null : m.value.toString('utf8'));
            }
            const last = batch.messages.at(-1);
            // Compaction leaves gaps, so "done" is reaching the end offset, not counting records.
            if (last !== undefined && BigInt(last.offset) + 1n >= end) remaining.delete(batch.partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await withAdmin(bootstrap, (a) => a.deleteGroups([groupId])).catch(() => undefined);
  }
  return result;
}
