import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { withAdmin } from './kafka-admin.ts';

/**
 * What Redis must hold per key, derived from the topic with the sink's own rules: the newest event
 * by timestamp wins (an older one arriving later never overwrites it); a tombstone removes the key;
 * a record the sink rejects (to the DLQ) changes nothing.
 */
export type Fold = Map<string, Record<string, unknown>>;

export interface FoldResult {
  fold: Fold;
  records: number;
  tombstones: number;
  /** Records the sink sends to the DLQ: no key, not a JSON object, no integral timestamp, id mismatch. */
  unreadable: number;
  /** Valid records older than what the key already had (Redis keeps the newer one). */
  superseded: number;
}

export function emptyFold(): FoldResult {
  return { fold: new Map(), records: 0, tombstones: 0, unreadable: 0, superseded: 0 };
}

function eventTimestamp(v: Record<string, unknown>, field: string): number | undefined {
  const t = v[field];
  const n = typeof t === 'number' ? t : typeof t === 'string' && /^-?\d+$/.test(t) ? Number(t) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Applies one record to the fold (pure; the unit tests drive it directly). */
export function applyRecord(r: FoldResult, key: string | null, value: string | null, tsField = 'timestamp', idField = 'driver_id'): void {
  r.records++;
  if (value === null) {
    if (key !== null) {
      r.tombstones++;
      r.fold.delete(key);
    } else r.unreadable++;
    return;
  }
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    r.unreadable++;
    return;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    r.unreadable++;
    return;
  }
  const obj = v as Record<string, unknown>;
  const id = typeof obj[idField] === 'string' && obj[idField] !== '' ? (obj[idField] as string) : undefined;
  const driver = key ?? id;
  const ts = eventTimestamp(obj, tsField);
  if (driver === undefined || driver === '' || ts === undefined || (key !== null && id !== undefined && id !== key)) {
    r.unreadable++;
    return;
  }
  const prev = r.fold.get(driver);
  if (prev !== undefined && (eventTimestamp(prev, tsField) ?? 0) > ts) {
    r.superseded++;
    return;
  }
  r.fold.set(driver, obj);
}

/**
 * Reads `topic` from the beginning up to the end offsets seen at the start and folds it to the last
 * value per key. Uses a throw-away consumer group, deleted afterwards.
 */
export async function foldTopic(bootstrap: string[], topic: string, timeoutMs = 120_000): Promise<FoldResult> {
  const ends = await withAdmin(bootstrap, (a) => a.fetchTopicOffsets(topic));
  const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  const result = emptyFold();
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
