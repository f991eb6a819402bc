import type { Redis } from 'ioredis';
import type { Fold } from './topic-fold.ts';

export type RedisState = Map<string, Record<string, string>>;

export interface Difference {
  driver: string;
  kind: 'missing' | 'extra' | 'stale' | 'regressed' | 'mismatch' | 'duplicate';
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

export const DIFFERENCE_KINDS: ReadonlyArray<Difference['kind']> = ['missing', 'extra', 'stale', 'regressed', 'mismatch', 'duplicate'];

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

/** Every hash under `prefix`, found with SCAN (never KEYS) and read with pipelined HGETALL. */
export async function readDriverHashes(redis: Redis, prefix: string): Promise<RedisState> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
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
