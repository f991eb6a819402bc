import type { Status } from '../../../shared/event.ts';

/** Every status the producer and the course simulator emit; `satisfies` keeps the list within the type. */
export const STATUSES = ['AVAILABLE', 'PICKING_UP', 'DELIVERING', 'OFFLINE'] as const satisfies readonly Status[];

/** The statuses the sink keeps in the GEO index: every one but OFFLINE. */
export const GEO_STATUSES: readonly Status[] = STATUSES.filter((s) => s !== 'OFFLINE');

/** A driver as the API answers it: the hash's fields, numbers as numbers, plus the data's age. */
export interface DriverJson {
  driver_id: string;
  latitude: number;
  longitude: number;
  /** Epoch milliseconds of the event (the sink's never-regress field). */
  timestamp: number;
  status: string;
  /** now − timestamp, in milliseconds (negative when the event's clock is ahead of this one). */
  age_ms: number;
  delivery_id?: string;
  /** Any other field the record carried, as the sink stored it (text). */
  [field: string]: string | number | undefined;
}

/** The hash fields read as numbers; every other field stays text (delivery_id "1003" is an id, not a number). */
const NUMERIC = ['latitude', 'longitude', 'timestamp'] as const;
const REQUIRED = ['driver_id', 'latitude', 'longitude', 'timestamp', 'status'] as const;

/** A finite decimal number written plainly (what the sink writes); undefined for anything else. */
export function strictNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The API's JSON for one driver hash, or undefined when the hash is empty (the key does not exist).
 * A hash the sink cannot have written (a field missing, a coordinate that is not a number) throws,
 * naming the key and the field: a silent skip would hide a broken writer.
 */
export function driverFromHash(key: string, hash: Record<string, string>, now: number): DriverJson | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  for (const f of REQUIRED) {
    if (hash[f] === undefined || hash[f] === '') throw new Error(`${key}: field ${f} is missing`);
  }
  // The required fields first, in a fixed order, whatever order the hash came in (the app's function returns it as a JSON object).
  const out: Record<string, string | number> = {};
  for (const f of REQUIRED) out[f] = hash[f] as string;
  for (const f in hash) if (!(f in out)) out[f] = hash[f] as string;
  for (const f of NUMERIC) {
    const n = strictNumber(hash[f] as string);
    if (n === undefined) throw new Error(`${key}: field ${f} ${JSON.stringify(hash[f])} is not a number`);
    out[f] = n;
  }
  out.age_ms = now - (out.timestamp as number);
  return out as DriverJson;
}
