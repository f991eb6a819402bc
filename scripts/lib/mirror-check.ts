import type { Redis } from 'ioredis';
import type { RedisClient, RedisStore } from './redis-store.ts';
import type { Fold, GeoRules } from './topic-fold.ts';

export type RedisState = Map<string, Record<string, string>>;

/** The sink's GEO set: member (driver id) → the position GEOPOS answers. */
export type GeoState = Map<string, { latitude: number; longitude: number }>;

export interface Difference {
  driver: string;
  kind: 'missing' | 'extra' | 'stale' | 'regressed' | 'mismatch' | 'duplicate' | 'geo-missing' | 'geo-extra' | 'geo-position';
  detail: string;
}

export interface MirrorReport {
  expected: number;
  inRedis: number;
  matching: number;
  differences: Difference[];
}

/** How the sink writes a JSON value into a hash field. */
function asField(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** Numbers compare by value (Java and JS print some doubles differently), everything else as text. */
function sameField(expected: unknown, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (typeof expected === 'number') return Number(actual) === expected;
  return asField(expected) === actual;
}

export const DIFFERENCE_KINDS: ReadonlyArray<Difference['kind']> = ['missing', 'extra', 'stale', 'regressed', 'mismatch', 'duplicate', 'geo-missing', 'geo-extra', 'geo-position'];

/**
 * How far a GEO position may lie from the hash's degrees. Redis stores a 52-bit geohash and GEOPOS
 * answers its cell's centre: at most ~2.7e-6° of longitude and ~1.3e-6° of latitude off (about 0.6 m).
 * 1e-5° (about 1 m) passes that rounding and catches any real move.
 */
export const GEO_TOLERANCE_DEGREES = 1e-5;

const REGRESSED = 'topic regressed: a late event is the last record for this key';

/**
 * Compares the topic fold (what Redis must hold) with the Redis hashes, driver by driver and field
 * by field. `prefix` maps a driver id to its key (driver:<id>). `last` (the timestamp of each key's
 * last record by offset) lets it name a regressed topic as such rather than as a mismatch.
 */
export function compareMirror(fold: Fold, redis: RedisState, prefix: string, last: Map<string, number> = new Map(), tsField = 'timestamp'): MirrorReport {
  const differences: Difference[] = [];
  let matching = 0;
  for (const [driver, value] of fold) {
    const lastTs = last.get(driver);
    const foldTs = Number(value[tsField]);
    const redisTs = Number(redis.get(`${prefix}${driver}`)?.[tsField]);
    // Compaction keeps the last offset: once the newer record is compacted away, the late one is all the topic has.
    if (lastTs !== undefined && (lastTs < foldTs || lastTs < redisTs)) {
      const newest = Number.isFinite(redisTs) ? Math.max(foldTs, redisTs) : foldTs;
      differences.push({ driver, kind: 'regressed', detail: `${REGRESSED} (last record's ${tsField} ${lastTs}, newest known ${newest}${Number.isFinite(redisTs) ? `, Redis ${redisTs}` : ''})` });
      continue;
    }
    const hash = redis.get(`${prefix}${driver}`);
    if (hash === undefined) {
      differences.push({ driver, kind: 'missing', detail: `no key ${prefix}${driver}` });
      continue;
    }
    const want = Number(value[tsField]);
    const got = Number(hash[tsField]);
    if (got < want) {
      differences.push({ driver, kind: 'stale', detail: `Redis ${tsField}=${hash[tsField]} older than topic ${value[tsField]}` });
      continue;
    }
    const expectedFields = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
    const wrong = expectedFields.filter(([k, v]) => !sameField(v, hash[k])).map(([k, v]) => `${k}: want ${asField(v)}, got ${hash[k] ?? '(absent)'}`);
    const unexpected = Object.keys(hash).filter((k) => !(k in value) || value[k] === null);
    if (wrong.length > 0 || unexpected.length > 0) {
      differences.push({ driver, kind: 'mismatch', detail: [...wrong, ...unexpected.map((k) => `${k}: not in the topic`)].join('; ') });
      continue;
    }
    matching++;
  }
  const owners = new Map<string, string[]>();
  for (const [key, hash] of redis) {
    const driver = key.slice(prefix.length);
    if (!fold.has(driver)) differences.push({ driver, kind: 'extra', detail: `key ${key} has no live record in the topic` });
    const named = hash.driver_id ?? driver;
    owners.set(named, [...(owners.get(named) ?? []), key]);
  }
  for (const [driver, keys] of owners) {
    if (keys.length > 1) differences.push({ driver, kind: 'duplicate', detail: `${keys.length} keys hold driver ${driver}: ${keys.join(', ')}` });
  }
  return { expected: fold.size, inRedis: redis.size, matching, differences };
}

/**
 * The GEO index against the hashes it must mirror (compareMirror proves the hashes against the topic):
 * every driver hash whose status is not the excluded one is a member exactly once, at the hash's
 * latitude/longitude within GEO_TOLERANCE_DEGREES; no other member (a driver without a hash, i.e. absent
 * or tombstoned, or one whose hash is excluded) is there. A sorted set holds a member once by itself.
 */
export function compareGeoIndex(redis: RedisState, geo: GeoState, prefix: string, geoKey: string, rules: GeoRules, tolerance = GEO_TOLERANCE_DEGREES): Difference[] {
  const differences: Difference[] = [];
  const indexed = new Set<string>();
  for (const [key, hash] of redis) {
    const driver = key.slice(prefix.length);
    const status = hash[rules.statusField];
    const at = geo.get(driver);
    const where = `latitude ${hash[rules.latField] ?? '(absent)'}, longitude ${hash[rules.lonField] ?? '(absent)'}`;
    if (status === rules.excludeStatus) {
      if (at !== undefined) differences.push({ driver, kind: 'geo-extra', detail: `${geoKey} has ${driver} at latitude ${at.latitude}, longitude ${at.longitude}, but hash ${key} has ${rules.statusField} ${status}` });
      continue;
    }
    indexed.add(driver);
    if (at === undefined) {
      differences.push({ driver, kind: 'geo-missing', detail: `${driver} not in ${geoKey}; hash ${key} is at ${where}, ${rules.statusField} ${status ?? '(absent)'}` });
      continue;
    }
    const lat = Number(hash[rules.latField]);
    const lon = Number(hash[rules.lonField]);
    // An absent field reads as NaN (Number(undefined)), which no distance passes.
    if (!(Math.abs(at.latitude - lat) <= tolerance && Math.abs(at.longitude - lon) <= tolerance)) {
      differences.push({ driver, kind: 'geo-position', detail: `${geoKey} has ${driver} at latitude ${at.latitude}, longitude ${at.longitude}; hash ${key} is at ${where} (tolerance ${tolerance}°)` });
    }
  }
  for (const [member, at] of geo) {
    if (indexed.has(member) || redis.has(`${prefix}${member}`)) continue;
    differences.push({ driver: member, kind: 'geo-extra', detail: `${geoKey} has ${member} at latitude ${at.latitude}, longitude ${at.longitude}, but there is no hash ${prefix}${member}` });
  }
  return differences;
}

/**
 * The sink's GEO set: members by ZSCAN (never a blocking full read), positions by pipelined GEOPOS.
 * An absent key is an empty index; a key of another type is an error naming it.
 */
export async function readGeoIndex(redis: RedisClient, key: string): Promise<GeoState> {
  const type = await redis.type(key);
  if (type === 'none') return new Map();
  if (type !== 'zset') throw new Error(`TYPE ${key}: ${type}, not the sink's GEO set (a sorted set)`);
  const members = new Set<string>();
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(key, cursor, 'COUNT', 1000);
    for (let i = 0; i < flat.length; i += 2) members.add(flat[i] as string);
    cursor = next;
  } while (cursor !== '0');
  const all = [...members];
  const state: GeoState = new Map();
  for (let i = 0; i < all.length; i += 500) {
    const chunk = all.slice(i, i + 500);
    const positions = (await redis.geopos(key, ...chunk)) as Array<[string, string] | null>;
    chunk.forEach((member, j) => {
      const p = positions[j];
      // null: removed between ZSCAN and GEOPOS by a write in flight, so no longer a member.
      if (p) state.set(member, { longitude: Number(p[0]), latitude: Number(p[1]) });
    });
  }
  return state;
}

/** Every hash under `prefix`, found with SCAN (never KEYS) and read with pipelined HGETALL. */
export async function readDriverHashes(redis: Redis, prefix: string): Promise<RedisState> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    // Hashes only: the sink writes nothing else under its prefix (a foreign key of another type is not a driver).
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000, 'TYPE', 'hash');
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  const state: RedisState = new Map();
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const pipe = redis.pipeline();
    for (const k of chunk) pipe.hgetall(k);
    const replies = (await pipe.exec()) ?? [];
    replies.forEach(([err, h], j) => {
      const key = chunk[j] as string;
      if (err) throw new Error(`HGETALL ${key}: ${err.message}`);
      state.set(key, h as Record<string, string>);
    });
  }
  return state;
}

/** Every driver hash of the store, from every primary, keyed `<prefix><id>` whatever bucket tag the key carries (so the comparisons stay the same). */
export async function readStoreHashes(store: RedisStore): Promise<RedisState> {
  const state: RedisState = new Map();
  for (const node of store.primaries()) {
    for (const [key, hash] of await readDriverHashes(node, store.keys.keyPrefix)) {
      const id = store.keys.idOf(key);
      if (id !== undefined) state.set(store.keys.keyPrefix + id, hash);
    }
  }
  return state;
}

/**
 * The GEO index over every set (one, or one per bucket), merged by member; on a cluster a member found in
 * another bucket's set than its own is a difference (the sink never writes it there).
 */
export async function readStoreGeoIndex(store: RedisStore): Promise<{ index: GeoState; misplaced: Difference[] }> {
  const index: GeoState = new Map();
  const misplaced: Difference[] = [];
  for (const [b, { geoKey }] of store.keys.geoSets().entries()) {
    for (const [member, at] of await readGeoIndex(store.client, geoKey)) {
      const own = store.keys.bucketOf(member);
      if (own !== undefined && own !== b) misplaced.push({ driver: member, kind: 'geo-extra', detail: `in ${geoKey}, not in its own bucket's set ${store.keys.geoSets()[own]?.geoKey}` });
      else index.set(member, at);
    }
  }
  return { index, misplaced };
}

/**
 * Drivers whose last acknowledged event (the producer's ledger) is not in Redis: absent, or an
 * older timestamp. These are lost updates. A newer timestamp is fine (another producer wrote later).
 */
export function lostUpdates(ledger: Array<{ driver_id: string; timestamp: number }>, redis: RedisState, prefix: string): Difference[] {
  const lost: Difference[] = [];
  for (const e of ledger) {
    const h = redis.get(`${prefix}${e.driver_id}`);
    if (h === undefined) lost.push({ driver: e.driver_id, kind: 'missing', detail: `acknowledged event at ${e.timestamp} not in Redis` });
    else if (Number(h.timestamp) < e.timestamp) lost.push({ driver: e.driver_id, kind: 'stale', detail: `Redis has ${h.timestamp}, Kafka acknowledged ${e.timestamp}` });
  }
  return lost;
}
