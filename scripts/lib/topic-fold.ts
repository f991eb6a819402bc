import { readTopicToEnd } from '../../producer/src/read-topic.ts';

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
  /**
   * Timestamp of each live key's last valid record by offset. Compaction keeps that record, so when
   * it is older than the fold's value the topic has regressed: a late event was sent last.
   */
  last: Map<string, number>;
}

export function emptyFold(): FoldResult {
  return { fold: new Map(), records: 0, tombstones: 0, unreadable: 0, superseded: 0, last: new Map() };
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
      r.last.delete(key);
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
  r.last.set(driver, ts);
  const prev = r.fold.get(driver);
  if (prev !== undefined && (eventTimestamp(prev, tsField) ?? 0) > ts) {
    r.superseded++;
    return;
  }
  r.fold.set(driver, obj);
}

/** Reads `topic` from the beginning up to the end offsets seen at the start and folds it. */
export async function foldTopic(bootstrap: string[], topic: string, timeoutMs = 120_000): Promise<FoldResult> {
  const result = emptyFold();
  await readTopicToEnd(bootstrap, topic, (m) => applyRecord(result, m.key, m.value), { clientId: 'rastro-validate', timeoutMs });
  return result;
}
