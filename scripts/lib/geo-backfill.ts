import { openRedis, type RedisAccess } from '../../shared/security.ts';
import { GEO_LATITUDE_MAX, GEO_LONGITUDE_MAX, type GeoRules } from './topic-fold.ts';

/**
 * Sets, for each driver hash in KEYS[2..], its membership of the GEO set KEYS[1] from the hash itself:
 * a position (numbers within what a GEO set holds) and a status other than the excluded one → GEOADD
 * (CH: counts a new or moved member); anything else, including no hash at all → ZREM. One script per
 * batch, so each driver's read and write are atomic: a sink write running beside it (hash and member
 * in one script too) is never undone by a stale read. ARGV: prefix length, lat, lon and status fields,
 * excluded status, the latitude and longitude bounds.
 */
export const BACKFILL_SCRIPT = `
local geo = KEYS[1]
local plen = tonumber(ARGV[1])
local latmax, lonmax = tonumber(ARGV[6]), tonumber(ARGV[7])
local set, removed = 0, 0
for i = 2, #KEYS do
  local member = string.sub(KEYS[i], plen + 1)
  local v = redis.call('HMGET', KEYS[i], ARGV[2], ARGV[3], ARGV[4])
  local lat, lon = tonumber(v[1]), tonumber(v[2])
  if v[3] and v[3] ~= ARGV[5] and lat and lon and math.abs(lat) <= latmax and math.abs(lon) <= lonmax then
    set = set + redis.call('GEOADD', geo, 'CH', lon, lat, member)
  else
    removed = removed + redis.call('ZREM', geo, member)
  end
end
return {set, removed}`;

export interface BackfillResult {
  /** Driver hashes looked at, and GEO members whose hash was looked at too. */
  checked: number;
  /** Members added or moved to their hash's position. */
  set: number;
  /** Members removed: hash gone, OFFLINE, or without a valid position. */
  removed: number;
}

/**
 * Makes the sink's GEO index agree with the driver hashes: for an index turned on over a Redis that
 * already held drivers (they would join it only with their next event), or one damaged by hand.
 * Walks every driver hash (SCAN … TYPE hash) and every member (ZSCAN), in batches of `batch`.
 */
export async function backfillGeoIndex(access: RedisAccess, o: { geoKey: string; keyPrefix: string; rules: GeoRules; batch?: number }): Promise<BackfillResult> {
  // One attempt: a failure is reported by the awaited call that met it, not as an 'error' event.
  const redis = openRedis(access, { lazyConnect: true, maxRetriesPerRequest: 2, retryStrategy: () => null });
  redis.on('error', () => {});
  const batch = o.batch ?? 500;
  const result: BackfillResult = { checked: 0, set: 0, removed: 0 };
  const target = `Redis at ${access.url}`;
  const run = async (keys: string[]) => {
    for (let i = 0; i < keys.length; i += batch) {
      const chunk = keys.slice(i, i + batch);
      const [set, removed] = (await redis.eval(BACKFILL_SCRIPT, chunk.length + 1, o.geoKey, ...chunk, String(o.keyPrefix.length), o.rules.latField, o.rules.lonField, o.rules.statusField, o.rules.excludeStatus, String(GEO_LATITUDE_MAX), String(GEO_LONGITUDE_MAX))) as [number, number];
      result.checked += chunk.length;
      result.set += set;
      result.removed += removed;
    }
  };
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${o.keyPrefix}*`, 'COUNT', 1000, 'TYPE', 'hash');
      await run(keys);
      cursor = next;
    } while (cursor !== '0');
    cursor = '0';
    do {
      const [next, flat] = await redis.zscan(o.geoKey, cursor, 'COUNT', 1000);
      await run(flat.filter((_, i) => i % 2 === 0).map((m) => `${o.keyPrefix}${m}`));
      cursor = next;
    } while (cursor !== '0');
    return result;
  } catch (err) {
    throw new Error(`backfill GEO index ${o.geoKey} from ${o.keyPrefix}* hashes at ${target}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}
