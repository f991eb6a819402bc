import type { Redis } from 'ioredis';
import type { Stack } from '../../shared/stack.ts';

/** Escapes Redis glob metacharacters so a prefix matches only itself. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Keys the sink writes: a SCAN pattern and the one Redis type it writes there. */
export interface SinkKeys {
  pattern: string;
  type: 'hash' | 'string' | 'zset';
}

/**
 * Every Redis key the sink writes, each pattern with its type: the one list of what the sink owns. The
 * driver hashes, the tombstone markers (strings: tombstone:driver:<id>, which keep a late location out
 * after a delete; the replay writes them again), the GEO index (a sorted set, one key, matched exactly:
 * the replay adds every live driver back, and a member left over from before would survive it), and the
 * applied offsets (a hash; without them the tasks replay every partition from its start). Anything the
 * sink starts writing belongs here, so rebuild-redis deletes it too and never touches keys the sink does
 * not own: no FLUSHALL, and a key of another type under the same prefix (someone's string at
 * driver:x) is left alone.
 */
export function sinkKeyPatterns(stack: Stack): SinkKeys[] {
  // On a Redis Cluster the GEO set and the offsets hash are one per bucket: <key>:{<tag>}.
  const perBucket = stack.redis.mode === 'cluster' ? ':{*}' : '';
  return [
    { pattern: `${globEscape(stack.redisKeyPrefix)}*`, type: 'hash' },
    { pattern: `${globEscape(stack.redisTombstonePrefix + stack.redisKeyPrefix)}*`, type: 'string' },
    { pattern: globEscape(stack.redisGeoKey) + perBucket, type: 'zset' },
    { pattern: globEscape(stack.redisOffsetsKey) + perBucket, type: 'hash' },
  ];
}

/**
 * Deletes every key matching `keys` (pattern and type) on the node `redis` connects to: SCAN … TYPE (never
 * KEYS, which blocks Redis) and UNLINK (frees memory in the background), one key per UNLINK (a cluster node
 * refuses one UNLINK over keys of different slots) in pipelines of `batch`. Returns how many keys were
 * deleted; SCAN may return a key twice, UNLINK counts it once.
 */
export async function unlinkMatching(redis: Redis, keys: SinkKeys, batch = 500, progress: (deleted: number) => void = () => {}): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.pattern, 'COUNT', batch, 'TYPE', keys.type);
    for (let i = 0; i < found.length; i += batch) {
      const pipe = redis.pipeline();
      for (const key of found.slice(i, i + batch)) pipe.unlink(key);
      for (const [err, n] of (await pipe.exec()) ?? []) {
        if (err) throw new Error(`UNLINK (${keys.pattern}) at ${redis.options.host}:${redis.options.port}: ${err.message}`);
        deleted += Number(n);
      }
    }
    if (found.length > 0) progress(deleted);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}

/** How many keys match `keys` (SCAN … TYPE; counts each key once). */
export async function countMatching(redis: Redis, keys: SinkKeys): Promise<number> {
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.pattern, 'COUNT', 1000, 'TYPE', keys.type);
    for (const k of found) seen.add(k);
    cursor = next;
  } while (cursor !== '0');
  return seen.size;
}
