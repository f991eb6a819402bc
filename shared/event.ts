/** A driver's states, as the simulator writes them and the map and the sink's GEO rules read them. */
export type Status = 'AVAILABLE' | 'PICKING_UP' | 'DELIVERING' | 'OFFLINE';

/** The record every part of rastro agrees on (Kafka value, Redis hash fields). */
export interface LocationEvent {
  driver_id: string;
  latitude: number;
  longitude: number;
  /** Epoch milliseconds (canonical; inputs in seconds or ISO-8601 are normalised). */
  timestamp: number;
  status: string;
  delivery_id?: string;
}

export type Validated = { ok: true; event: LocationEvent } | { ok: false; error: string };

/** Before this many "units" a numeric timestamp is taken as seconds (1e11 s is year 5138; 1e11 ms is 1973). */
const SECONDS_CUTOFF = 1e11;

/** Epoch ms from epoch seconds, epoch ms, numeric strings or ISO-8601; undefined if it is none of these. */
export function normaliseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    return Math.round(value < SECONDS_CUTOFF ? value * 1000 : value);
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const s = value.trim();
    if (/^\d+(\.\d+)?$/.test(s)) return normaliseTimestamp(Number(s));
    // Only full ISO-8601 date-times: Date.parse accepts too many loose formats.
    if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) return undefined;
    const ms = Date.parse(s);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/**
 * How far ahead of this machine's clock an event may be. A timestamp further ahead is a clock or
 * unit error (microseconds, a year typo): accepted, it would become the driver's newest position
 * and every real update after it would count as late.
 */
export const MAX_FUTURE_MS = 5 * 60_000;

/**
 * The most UTF-8 bytes of one text field (driver_id, status, delivery_id): the sink's own limit
 * (redis.record.max.field.bytes, RedisSinkConfig.MAX_FIELD_BYTES_DEFAULT), so the producer refuses a line
 * the sink would, and a record always fits a Kafka batch (max.message.bytes, 1 MB) with room.
 */
export const MAX_FIELD_BYTES = 64 * 1024;

function textTooLong(field: string, v: string): string | undefined {
  const n = Buffer.byteLength(v, 'utf8');
  return n > MAX_FIELD_BYTES ? `${field} is ${n} bytes (at most ${MAX_FIELD_BYTES} are accepted)` : undefined;
}

/** The coordinate, or what is wrong with it. */
function coordinate(r: Record<string, unknown>, field: 'latitude' | 'longitude', limit: number): number | string {
  const v = r[field];
  if (v === undefined) return `${field} is missing`;
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${field} must be a finite number, got ${JSON.stringify(v)}`;
  if (v < -limit || v > limit) return `${field} ${v} is out of range [-${limit}, ${limit}]`;
  return v;
}

/**
 * Checks and normalises one input object. The error names the field and what was wrong with it;
 * `where` (e.g. "stdin line 12") prefixes it.
 */
export function validateEvent(raw: unknown, where: string, now = Date.now()): Validated {
  const r = checkEvent(raw, now);
  return typeof r === 'string' ? { ok: false, error: `${where}: ${r}` } : { ok: true, event: r };
}

/** validateEvent without the `where` (built only for a bad line, not for every line): the event, or what is wrong. */
export function checkEvent(raw: unknown, now = Date.now()): LocationEvent | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `expected a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`;
  const r = raw as Record<string, unknown>;

  if (r.driver_id === undefined) return 'driver_id is missing';
  if (typeof r.driver_id !== 'string') return `driver_id must be a string, got ${typeof r.driver_id}`;
  const driverId = r.driver_id.trim();
  if (driverId === '') return 'driver_id is empty';
  const longId = textTooLong('driver_id', driverId);
  if (longId !== undefined) return longId;

  const lat = coordinate(r, 'latitude', 90);
  if (typeof lat === 'string') return lat;
  const lon = coordinate(r, 'longitude', 180);
  if (typeof lon === 'string') return lon;

  if (r.timestamp === undefined) return 'timestamp is missing';
  const ts = normaliseTimestamp(r.timestamp);
  if (ts === undefined) return `timestamp ${JSON.stringify(r.timestamp)} is not epoch seconds, epoch milliseconds or an ISO-8601 date-time`;
  if (ts > now + MAX_FUTURE_MS) return `timestamp ${JSON.stringify(r.timestamp)} is ${Math.round((ts - now) / 1000)} s in the future (at most ${MAX_FUTURE_MS / 1000} s ahead is accepted)`;

  if (r.status === undefined) return 'status is missing';
  if (typeof r.status !== 'string' || r.status.trim() === '') return `status must be a non-empty string, got ${JSON.stringify(r.status)}`;
  const longStatus = textTooLong('status', r.status.trim());
  if (longStatus !== undefined) return longStatus;

  const event: LocationEvent = { driver_id: driverId, latitude: lat, longitude: lon, timestamp: ts, status: r.status.trim() };
  const delivery = r.delivery_id;
  if (delivery !== undefined && delivery !== null) {
    if (typeof delivery !== 'string' && typeof delivery !== 'number') return `delivery_id must be a string, got ${typeof delivery}`;
    event.delivery_id = String(delivery);
    const longDelivery = textTooLong('delivery_id', event.delivery_id);
    if (longDelivery !== undefined) return longDelivery;
  }
  return event;
}
