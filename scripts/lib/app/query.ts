import { GEO_STATUSES, STATUSES, strictNumber } from './driver.ts';

/** A request parameter that is missing or wrong: the API answers 400 with this message. */
export class BadParam extends Error {
  constructor(readonly param: string, detail: string) {
    super(`${param}: ${detail}`);
    this.name = 'BadParam';
  }
}

/** Redis GEO's latitude limit (Web Mercator): GEOADD and GEOSEARCH refuse anything beyond it. */
export const MAX_ABS_LAT = 85.05112878;
export const MAX_RADIUS_KM = 100;
export const DEFAULT_RADIUS_KM = 5;
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 1000;

export interface NearestQuery {
  lat: number;
  lon: number;
  radiusKm: number;
  /** The statuses asked for, or 'any' (every driver in the GEO index). */
  statuses: readonly string[] | 'any';
  limit: number;
}

const PARAMS = ['lat', 'lon', 'radius_km', 'status', 'limit'] as const;

/** The single value of a parameter; given twice is an error rather than a silent pick. */
function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw new BadParam(name, `given ${all.length} times, expected once`);
  return all[0];
}

function number(params: URLSearchParams, name: string, fallback?: number): number {
  const raw = single(params, name);
  if (raw === undefined || raw.trim() === '') {
    if (fallback !== undefined) return fallback;
    throw new BadParam(name, 'is required');
  }
  const n = strictNumber(raw.trim());
  if (n === undefined) throw new BadParam(name, `${JSON.stringify(raw)} is not a number`);
  return n;
}

function inRange(name: string, v: number, lo: number, hi: number, what = `in [${lo}, ${hi}]`): number {
  if (v < lo || v > hi) throw new BadParam(name, `${v} is out of range (expected ${what})`);
  return v;
}

/** `status`: AVAILABLE by default, `any`, or a comma list of statuses (any case). */
export function parseStatuses(raw: string | undefined): readonly string[] | 'any' {
  if (raw === undefined || raw.trim() === '') return ['AVAILABLE'];
  if (raw.trim().toLowerCase() === 'any') return 'any';
  const wanted: string[] = [];
  for (const part of raw.split(',')) {
    const s = part.trim().toUpperCase();
    if (s === '') throw new BadParam('status', `${JSON.stringify(raw)} has an empty item`);
    if (s === 'OFFLINE') throw new BadParam('status', 'OFFLINE drivers are not in the GEO index (the sink removes them), so none can be near');
    if (!(STATUSES as readonly string[]).includes(s)) throw new BadParam('status', `unknown status ${JSON.stringify(part.trim())} (expected any, or a comma list of ${GEO_STATUSES.join(', ')})`);
    if (!wanted.includes(s)) wanted.push(s);
  }
  return wanted;
}

/** GET /drivers/nearest's parameters, checked; unknown parameters are refused (a typo must not be ignored). */
export function parseNearestQuery(params: URLSearchParams): NearestQuery {
  for (const name of new Set(params.keys())) {
    if (!(PARAMS as readonly string[]).includes(name)) throw new BadParam(name, `unknown parameter (expected ${PARAMS.join(', ')})`);
  }
  const lat = inRange('lat', number(params, 'lat'), -MAX_ABS_LAT, MAX_ABS_LAT);
  const lon = inRange('lon', number(params, 'lon'), -180, 180);
  const radiusKm = number(params, 'radius_km', DEFAULT_RADIUS_KM);
  if (radiusKm <= 0 || radiusKm > MAX_RADIUS_KM) throw new BadParam('radius_km', `${radiusKm} is out of range (expected > 0 and ≤ ${MAX_RADIUS_KM})`);
  const limit = number(params, 'limit', DEFAULT_LIMIT);
  if (!Number.isInteger(limit)) throw new BadParam('limit', `${limit} is not an integer`);
  inRange('limit', limit, 1, MAX_LIMIT, `an integer from 1 to ${MAX_LIMIT}`);
  return { lat, lon, radiusKm, statuses: parseStatuses(single(params, 'status')), limit };
}

/** The query as the answer echoes it (snake_case, like the parameters). */
export function queryJson(q: NearestQuery): { lat: number; lon: number; radius_km: number; status: readonly string[] | 'any'; limit: number } {
  return { lat: q.lat, lon: q.lon, radius_km: q.radiusKm, status: q.statuses, limit: q.limit };
}
