import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillGeoIndex } from '../../scripts/lib/geo-backfill.ts';
import { GEO_DEFAULTS } from '../../scripts/lib/topic-fold.ts';
import { KEYS, startRedis, type TestRedis } from './app-fixture.ts';

// Against a real redis-server: the backfill brings a GEO index in line with the driver hashes.
let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.stop();
});

const hash = (id: string, lat: string, lon: string, status: string) => redis.client.hset(`${KEYS.keyPrefix}${id}`, { driver_id: id, latitude: lat, longitude: lon, status, timestamp: '1795857079194' });

describe('backfillGeoIndex', () => {
  it('adds missing and moved members, removes OFFLINE, hashless and position-less ones, skips non-hash keys; a second run changes nothing', async () => {
    const c = redis.client;
    await hash('driver_1', '-23.55', '-46.63', 'AVAILABLE'); // never indexed
    await hash('driver_2', '-23.50', '-46.60', 'DELIVERING');
    await c.geoadd(KEYS.geoKey, -46.0, -23.0, 'driver_2'); // indexed at a stale position
    await hash('driver_3', '-23.52', '-46.61', 'OFFLINE');
    await c.geoadd(KEYS.geoKey, -46.61, -23.52, 'driver_3'); // OFFLINE must leave
    await c.geoadd(KEYS.geoKey, -46.7, -23.6, 'driver_4'); // no hash at all
    await hash('driver_5', 'abc', '-46.61', 'AVAILABLE'); // no valid position
    await c.geoadd(KEYS.geoKey, -46.61, -23.52, 'driver_5');
    await hash('driver_6', '89.5', '-46.61', 'AVAILABLE'); // beyond what a GEO set holds
    await c.set(`${KEYS.keyPrefix}not-a-hash`, 'x'); // foreign key of another type: left alone
    await hash('driver_7', '-23.40', '-46.40', 'PICKING_UP');
    await c.geoadd(KEYS.geoKey, -46.40, -23.40, 'driver_7'); // already right

    const o = { ...KEYS, rules: GEO_DEFAULTS, batch: 2 };
    const first = await backfillGeoIndex({ url: redis.url }, o);
    expect(first).toMatchObject({ set: 2, removed: 3 });
    const members = (await c.zrange(KEYS.geoKey, '0', '-1')).sort();
    expect(members).toEqual(['driver_1', 'driver_2', 'driver_7']);
    const [p2] = await c.geopos(KEYS.geoKey, 'driver_2');
    expect(Number(p2?.[0])).toBeCloseTo(-46.6, 5);
    expect(Number(p2?.[1])).toBeCloseTo(-23.5, 5);
    expect(await c.get(`${KEYS.keyPrefix}not-a-hash`)).toBe('x');

    expect(await backfillGeoIndex({ url: redis.url }, o)).toMatchObject({ set: 0, removed: 0 });
  });

  it('names the index, the hashes and the Redis it could not reach', async () => {
    await expect(backfillGeoIndex({ url: 'redis://127.0.0.1:1' }, { ...KEYS, rules: GEO_DEFAULTS })).rejects.toThrow(`backfill GEO index ${KEYS.geoKey} from ${KEYS.keyPrefix}* hashes at Redis at redis://127.0.0.1:1`);
  });
});
