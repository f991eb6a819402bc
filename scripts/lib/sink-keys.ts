import type { Redis } from 'ioredis';
import type { Stack } from '../../shared/stack.ts';

/** Escapes Redis glob metacharacters so a prefix matches only itself. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Every Redis key pattern the sink writes: the one list of what the sink owns. The driver hashes, the
 * tombstone markers (tombstone:driver:<id>, which keep a late location out after a delete; the replay
 * writes them again) and the GEO index (one key, matched exactly: the replay adds every live driver
 * back, and a member left over from before would survive it), and the applied offsets (without them
 * the tasks replay every partition from its start); anything the sink starts writing (a
 * metadata key) belongs here, so rebuild-redis deletes it too and never touches keys the sink does
 * not own (no FLUSHALL).
 */
export function sinkKeyPatterns(stack: Stack): string[] {
  return [`${globEscape(stack.redisKeyPrefix)}*`, `${globEscape(stack.redisTombstonePrefix + stack.redisKeyPrefix)}*`, globEscape(stack.redisGeoKey), globEscape(stack.redisOffsetsKey)];
}

/**
 * Deletes every key matching `pattern`: SCAN (never KEYS, which blocks Redis) and UNLINK (frees
 * memory in the background) in batches. Returns how many keys were deleted; SCAN may return a key
 * twice, UNLINK counts it once.
 */
export async function unlinkMatching(redis: Redis, pattern: string, batch = 500, progress: (deleted: number) => void = () => {}): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', batch);
    for (let i = 0; i < keys.length; i += batch) {
      deleted += await redis.unlink(...keys.slice(i, i + batch));
    }
    if (keys.length > 0) progress(deleted);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}

/** How many keys match `pattern` (SCAN; counts each key once). */
export async function countMatching(redis: Redis, pattern: string): Promise<number> {
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    for (const k of keys) seen.add(k);
    cursor = next;
  } while (cursor !== '0');
  return seen.size;
}
