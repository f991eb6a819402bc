import { readTopicToEnd } from '../../producer/src/index.ts';
import { MIRROR_CHECK_CLIENT, type KafkaAccess } from '../../shared/security.ts';

/**
 * What Redis must hold per key, derived from the topic with the sink's own rules (connector/README.md,
 * "Guarantees"): the newest event by timestamp wins (an older one arriving later never overwrites it);
 * a tombstone removes the key unless the stored event is newer than the tombstone's Kafka timestamp, and
 * then keeps later-arriving events no newer than that timestamp out; a record the sink rejects (to the
 * DLQ) changes nothing.
 */
export type Fold = Map<string, Record<string, unknown>>;

export interface FoldResult {
  fold: Fold;
  /** The tombstone guard: driver → Kafka timestamp of the tombstone that deleted it (the sink's marker key). */
  deletedAt: Map<string, number>;
  records: number;
  /** Tombstones applied (the driver deleted, or nothing to delete). */
  tombstones: number;
  /**
   * Records the sink sends to the DLQ: no key, not a JSON object, no valid timestamp, a timestamp too far in
   * the future, too many or too large fields, id mismatch, a tombstone without a Kafka timestamp, and with a
   * GEO index a missing or invalid position.
   */
  unreadable: number;
  /** Valid records older than what the key already had, or than its tombstone (Redis keeps the newer state). */
  superseded: number;
  /**
   * Timestamp of each live key's last valid record by offset. Compaction keeps that record, so when
   * it is older than the fold's value the topic has regressed: a late event was sent last.
   */
  last: Map<string, number>;
}

/** The sink's settings that change the fold; the defaults are the connector's. */
export interface FoldRules {
  tsField?: string;
  idField?: string;
  /** redis.timestamp.max.future.ms */
  maxFutureMs?: number;
  /** redis.record.max.fields */
  maxFields?: number;
  /** redis.record.max.field.bytes */
  maxFieldBytes?: number;
  /** false when redis.tombstone.guard.ms=0 (no markers). A marker's TTL is not modelled: the guard is taken to hold. */
  tombstoneGuard?: boolean;
  /** The wall clock the sink compares future timestamps with (ms); default Date.now(). */
  now?: number;
  /** Set when the sink keeps a GEO index (redis.geo.key): every location then needs a valid position. */
  geo?: GeoRules;
}

/** The sink's GEO index settings (redis.geo.*). */
export interface GeoRules {
  latField: string;
  lonField: string;
  statusField: string;
  /** The status (text as the hash stores it) that keeps a driver out of the index. */
  excludeStatus: string;
}

/** The connector's defaults (RedisSinkConfig). */
export const GEO_DEFAULTS: GeoRules = { latField: 'latitude', lonField: 'longitude', statusField: 'status', excludeStatus: 'OFFLINE' };

/** What a Redis GEO set can hold (GEOADD refuses anything else), as the sink checks it. */
export const GEO_LONGITUDE_MAX = 180;
export const GEO_LATITUDE_MAX = 85.05112878;

/**
 * The GEO rules of a connector config: undefined when redis.geo.key is empty or absent (no index), the
 * connector's defaults for every field name it does not set.
 */
export function geoRulesOf(config: Record<string, string>): { key: string; rules: GeoRules } | undefined {
  const key = config['redis.geo.key'] ?? '';
  if (key === '') return undefined;
  return {
    key,
    rules: {
      latField: config['redis.geo.latitude.field'] ?? GEO_DEFAULTS.latField,
      lonField: config['redis.geo.longitude.field'] ?? GEO_DEFAULTS.lonField,
      statusField: config['redis.status.field'] ?? GEO_DEFAULTS.statusField,
      excludeStatus: config['redis.geo.exclude.status'] ?? GEO_DEFAULTS.excludeStatus,
    },
  };
}

/** True when the value carries a position the sink can put in its GEO set: JSON numbers within its bounds. */
export function hasGeoPosition(v: Record<string, unknown>, geo: GeoRules): boolean {
  const within = (x: unknown, max: number) => typeof x === 'number' && x >= -max && x <= max;
  return within(v[geo.latField], GEO_LATITUDE_MAX) && within(v[geo.lonField], GEO_LONGITUDE_MAX);
}

export function emptyFold(): FoldResult {
  return { fold: new Map(), deletedAt: new Map(), records: 0, tombstones: 0, unreadable: 0, superseded: 0, last: new Map() };
}

/** Below this a numeric timestamp is epoch seconds (the producer's and the sink's rule). */
const SECONDS_CUTOFF = 1e11;

/** Epoch ms as the sink reads it: a positive number or decimal string; seconds ×1000; rounded half up; ≤ 2^53. */
export function eventTimestamp(v: Record<string, unknown>, field: string): number | undefined {
  const t = v[field];
  const n = typeof t === 'number' ? t : typeof t === 'string' && /^\d{1,30}(\.\d{1,30})?$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const ms = Math.round(n < SECONDS_CUTOFF ? n * 1000 : n);
  return ms <= 2 ** 53 ? ms : undefined;
}

/** The text the sink stores for a field (its size is what the field cap counts). */
function fieldText(v: unknown): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Applies one record to the fold (pure; the unit tests drive it directly). `kafkaTimestamp` is the
 * record's Kafka timestamp in ms (undefined when it has none).
 */
export function applyRecord(r: FoldResult, key: string | null, value: string | null, kafkaTimestamp?: number, rules: FoldRules = {}): void {
  const tsField = rules.tsField ?? 'timestamp';
  const idField = rules.idField ?? 'driver_id';
  const maxFutureMs = rules.maxFutureMs ?? 86_400_000;
  const now = rules.now ?? Date.now();
  r.records++;
  if (value === null) {
    if (key === null || kafkaTimestamp === undefined || kafkaTimestamp < 0 || kafkaTimestamp - now > maxFutureMs) {
      r.unreadable++;
      return;
    }
    const stored = r.fold.get(key);
    if (stored !== undefined && (stored[tsField] as number) > kafkaTimestamp) {
      r.superseded++;
      return;
    }
    r.tombstones++;
    r.fold.delete(key);
    r.last.delete(key);
    if (rules.tombstoneGuard !== false) r.deletedAt.set(key, Math.max(r.deletedAt.get(key) ?? kafkaTimestamp, kafkaTimestamp));
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
  // The sink's reference is the Kafka timestamp when earlier than now, so a replay decides the same way.
  const reference = kafkaTimestamp === undefined ? now : Math.min(kafkaTimestamp, now);
  const present = Object.entries(obj).filter(([, x]) => x !== null);
  const maxBytes = rules.maxFieldBytes ?? 65_536;
  if (
    ts - reference > maxFutureMs ||
    present.length > (rules.maxFields ?? 1000) ||
    present.some(([k, x]) => Buffer.byteLength(k) > maxBytes || Buffer.byteLength(fieldText(x)) > maxBytes) ||
    (rules.geo !== undefined && !hasGeoPosition(obj, rules.geo))
  ) {
    r.unreadable++;
    return;
  }
  r.last.set(driver, ts);
  const stored = r.fold.get(driver);
  const deletedAt = r.deletedAt.get(driver);
  if ((stored !== undefined && (stored[tsField] as number) > ts) || (deletedAt !== undefined && deletedAt >= ts)) {
    r.superseded++;
    return;
  }
  r.fold.set(driver, { ...obj, [tsField]: ts });
  r.deletedAt.delete(driver);
}

/** Reads `topic` from the beginning up to the end offsets seen at the start and folds it with the sink's rules. */
export async function foldTopic(kafka: KafkaAccess, topic: string, timeoutMs = 120_000, rules: FoldRules = {}): Promise<FoldResult> {
  const foldRules = { ...rules, now: rules.now ?? Date.now() };
  const result = emptyFold();
  await readTopicToEnd(
    kafka,
    topic,
    (m) => applyRecord(result, m.key, m.value, Number.isFinite(m.timestamp) && m.timestamp >= 0 ? m.timestamp : undefined, foldRules),
    { clientId: MIRROR_CHECK_CLIENT, timeoutMs },
  );
  return result;
}
