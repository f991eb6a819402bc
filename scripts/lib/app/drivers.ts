import { KeySpace } from '../../../shared/key-space.ts';
import { APP_LIBRARY_FILE, readAppLibrary } from '../../../shared/redis-libraries.ts';
import { openRedis, type RedisAccess } from '../../../shared/security.ts';
import type { Stack } from '../../../shared/stack.ts';
import { describeClient, primariesOf, RedisStore, type RedisClient } from '../redis-store.ts';
import { driverFromHash, strictNumber, type DriverJson } from './driver.ts';
import { queryJson, type NearestQuery } from './query.ts';

/** Where the sink keeps its data (config/stack.env: REDIS_GEO_KEY, REDIS_KEY_PREFIX; on a cluster, per bucket). */
export type IndexKeys = KeySpace;

export interface NearestDriver extends DriverJson {
  /** From GEOSEARCH WITHDIST (km, Redis rounds to 4 decimals). */
  distance_km: number;
}

export interface NearestAnswer {
  query: ReturnType<typeof queryJson>;
  drivers: NearestDriver[];
}

/** A dot on the live map: what the feed compares between polls. */
export interface LiveDriver {
  id: string;
  lat: number;
  lon: number;
  status: string;
  ts: number;
}

export interface Health {
  redis: 'up' | 'down';
  target: string;
  geo_key: string;
  geo_members?: number;
  /** Newest `timestamp` among the sampled drivers, and its age. */
  newest_timestamp?: number | null;
  newest_age_ms?: number | null;
  sample_size?: number;
  error?: string;
}

/** A Redis operation that failed because Redis cannot be reached (the API answers 503, not 500). */
export class RedisUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailable';
  }
}

/** ioredis's messages for "not connected": refused, closed, not writable without an offline queue, timed out. */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection is closed|Stream isn't writeable|Command timed out/i;

/** The app library's nearest-drivers function (scripts/lib/app/app-library.lua; make up loads it). */
export const NEAREST_FUNCTION = readAppLibrary().functions[0] as string;

/** Health samples this many random GEO members (ZRANDMEMBER) for the newest timestamp. */
export const HEALTH_SAMPLE = 64;

/**
 * A client for the app: fails fast while Redis is unreachable (no offline queue, one try per command)
 * instead of queueing requests, and keeps reconnecting in the background, so the API answers 503 and
 * recovers on its own when Redis is back. A Redis Cluster client when `stack` says REDIS_MODE=cluster.
 */
export function appRedis(access: RedisAccess, stack?: Stack): RedisClient {
  const opts = {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 3000,
    retryStrategy: (attempt: number) => Math.min(250 * attempt, 2000),
  };
  const r = stack === undefined ? openRedis(access, opts) : RedisStore.open(access, stack, opts).client;
  // Failures reach the caller through the command that failed; without a listener ioredis prints every reconnect error.
  r.on('error', () => {});
  return r;
}

/** The key space of a stack, for the app (one Redis, or bucketed on a cluster). */
export function appKeys(stack: Stack): IndexKeys {
  return KeySpace.of(stack);
}

/** The driver data the sink keeps in Redis, read the way the delivery app needs it. One code path for the API, the map and the CLI. */
export class DriverIndex {
  readonly target: string;
  constructor(private readonly redis: RedisClient, readonly keys: IndexKeys) {
    this.target = describeClient(redis);
  }

  /** Runs one Redis operation; a failure names the operation and the target. */
  private async op<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      const raw = (err as Error).message;
      // ioredis's words for "no connection and no offline queue", said plainly.
      const said = /Stream isn't writeable/.test(raw) ? 'not connected (reconnecting in the background)' : /Function not found/i.test(raw) ? `${raw} (make up loads the app's function library ${APP_LIBRARY_FILE}: run it again)` : raw;
      const message = `${what} at ${this.target}: ${said}`;
      throw UNREACHABLE.test(raw) ? new RedisUnavailable(message) : new Error(message);
    }
  }

  /** HGETALL of many drivers (auto-pipelined: one pipeline per node); an id whose hash is gone maps to an empty object. */
  private async hashes(ids: readonly string[]): Promise<Array<Record<string, string>>> {
    if (ids.length === 0) return [];
    return this.op(`HGETALL ×${ids.length} (${this.keys.hashKey(ids[0] as string)}…)`, () => Promise.all(ids.map((id) => this.redis.hgetall(this.keys.hashKey(id)))));
  }

  /** GET /drivers/:id: the hash as JSON, or undefined when there is none. */
  async driver(id: string, now = Date.now()): Promise<DriverJson | undefined> {
    const key = this.keys.hashKey(id);
    const [hash] = await this.hashes([id]);
    return driverFromHash(key, hash ?? {}, now);
  }

  /**
   * The nearest drivers of the asked statuses, in one FCALL_RO of the app's Redis function
   * (app-library.lua: GEOSEARCH from an eighth of the radius, doubling it, and widening COUNT, until
   * `limit` candidates have an asked status or the radius holds no more; all in one atomic call). Only
   * the matches come back, as one JSON text: a request costs one round trip and one small reply however
   * many candidates were skipped.
   *
   * Position, status and timestamp come from the hash (exact, and the same as GET /drivers/:id); the
   * distance from GEOSEARCH WITHDIST. WITHCOORD is not asked: the GEO index stores a 52-bit geohash
   * (up to ~0.6 m off), and the hash's own coordinates are the sink's record. A member whose hash is
   * gone or OFFLINE is skipped; a hash the sink cannot have written is named (driverFromHash).
   */
  async nearest(q: NearestQuery, now = Date.now()): Promise<NearestAnswer> {
    const statuses = q.statuses === 'any' ? '' : q.statuses.join(',');
    // One call per GEO set: one on one Redis; on a cluster one per bucket (each set and its hashes share a slot),
    // in flight together, and the buckets' nearest merged by distance.
    const sets = this.keys.geoSets();
    const replies = (await this.op(`FCALL_RO ${NEAREST_FUNCTION} ${sets.length === 1 ? sets[0]?.geoKey : `${this.keys.geoKey}:{…} ×${sets.length}`}`, () =>
      Promise.all(sets.map((s) => this.redis.call('FCALL_RO', NEAREST_FUNCTION, 1, s.geoKey, s.hashPrefix, q.lon, q.lat, q.radiusKm, q.limit, statuses))),
    )) as string[];
    const matches = replies.flatMap((r) => JSON.parse(r) as Array<[string, string, Record<string, string>]>);
    if (sets.length > 1) matches.sort((a, b) => Number(a[1]) - Number(b[1])).splice(q.limit);
    const drivers = matches.map(([id, dist, hash]) => ({ ...(driverFromHash(this.keys.hashKey(id), hash, now) as DriverJson), distance_km: Number(dist) }));
    return { query: queryJson(q), drivers };
  }

  /**
   * GET /health: PING, ZCARD of the GEO key, and the newest timestamp among up to HEALTH_SAMPLE random
   * GEO members (ZRANDMEMBER + pipelined HGET). A sample, not a SCAN of every hash: it is cheap at any
   * fleet size, and with a fleet that moves continuously its newest is within a poll of the true newest.
   */
  async health(now = Date.now()): Promise<Health> {
    const base = { target: this.target, geo_key: this.keys.clustered ? `${this.keys.geoKey}:{…} (${this.keys.buckets} buckets)` : this.keys.geoKey };
    try {
      await this.op('PING', () => this.redis.ping());
      const sets = this.keys.geoSets();
      const counts = await this.op(`ZCARD ${base.geo_key}`, () => Promise.all(sets.map((s) => this.redis.zcard(s.geoKey))));
      const members = counts.reduce((a, b) => a + b, 0);
      // The sample spread over the sets that hold drivers.
      const per = Math.ceil(HEALTH_SAMPLE / Math.max(1, counts.filter((n) => n > 0).length));
      const picked = await this.op(`ZRANDMEMBER ${base.geo_key}`, () => Promise.all(sets.map((s, i) => (counts[i] === 0 ? Promise.resolve([] as string[]) : this.redis.zrandmember(s.geoKey, per)))));
      const sample = picked.flat().slice(0, HEALTH_SAMPLE);
      const stamps = (await this.op('HGET timestamp of the sample', () => Promise.all(sample.map((id) => this.redis.hget(this.keys.hashKey(id), 'timestamp')))))
        .map((v) => (typeof v === 'string' ? strictNumber(v) : undefined))
        .filter((n): n is number => n !== undefined);
      const newest = stamps.length === 0 ? null : Math.max(...stamps);
      return { redis: 'up', ...base, geo_members: members, sample_size: sample.length, newest_timestamp: newest, newest_age_ms: newest === null ? null : now - newest };
    } catch (err) {
      return { redis: 'down', ...base, error: (err as Error).message };
    }
  }

  /**
   * Every driver the sink holds, OFFLINE ones included (the map counts them, hidden by default): the
   * driver hashes (SCAN MATCH <prefix>* TYPE hash) with their position, status and time (pipelined
   * HMGET). A hash gone between the two reads is left out; a malformed one is left out and named in
   * `problems`.
   */
  async liveFleet(): Promise<{ drivers: Map<string, LiveDriver>; problems: string[] }> {
    const ids = new Set<string>();
    const pattern = `${this.keys.keyPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    // SCAN sees one node: every primary of a cluster (the one Redis otherwise).
    for (const node of primariesOf(this.redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await this.op(`SCAN MATCH ${pattern}`, () => node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000, 'TYPE', 'hash'));
        for (const k of keys) {
          const id = this.keys.idOf(k);
          if (id !== undefined) ids.add(id);
        }
        cursor = next;
      } while (cursor !== '0');
    }
    const list = [...ids];
    const drivers = new Map<string, LiveDriver>();
    const problems: string[] = [];
    for (let i = 0; i < list.length; i += 1000) {
      const chunk = list.slice(i, i + 1000);
      const replies = await this.op(`HMGET ×${chunk.length} (${this.keys.keyPrefix}…)`, () =>
        Promise.all(chunk.map((id) => this.redis.hmget(this.keys.hashKey(id), 'latitude', 'longitude', 'status', 'timestamp').then((v) => ({ v }), (err: Error) => ({ err })))),
      );
      replies.forEach((reply, j) => {
        const id = chunk[j] as string;
        if ('err' in reply) return problems.push(`HMGET ${this.keys.hashKey(id)}: ${reply.err.message}`);
        const [lat, lon, status, ts] = reply.v;
        if (status === null || status === undefined) return;
        const n = [lat, lon, ts].map((s) => (typeof s === 'string' ? strictNumber(s) : undefined));
        if (n.some((x) => x === undefined)) return problems.push(`${this.keys.hashKey(id)}: latitude/longitude/timestamp ${JSON.stringify([lat, lon, ts])} are not all numbers`);
        drivers.set(id, { id, lat: n[0] as number, lon: n[1] as number, status, ts: n[2] as number });
      });
    }
    return { drivers, problems };
  }
}
