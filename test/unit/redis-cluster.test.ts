import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeySpace } from '../../shared/key-space.ts';
import { readAppLibrary, readSinkLibrary } from '../../shared/redis-libraries.ts';
import { startRedisCluster, type TestRedisCluster } from './redis-cluster-fixture.ts';

/**
 * The Redis Cluster design of connector/README.md ("Redis Cluster: the design"), checked against a real
 * 3-primary cluster before the sink and the app are built on it (issue 25, part 2): why today's keys cannot
 * go to a cluster as they are, and that the unchanged function libraries keep every guarantee once a
 * driver's keys carry its bucket as a hash tag.
 */
let cluster: TestRedisCluster;
const BUCKETS = 16;
const SLOTS = 16_384;

beforeAll(async () => {
  cluster = await startRedisCluster({ primaries: 3, replicas: 1 });
  // What make up would do on each primary: load both libraries (replicas get them by replication).
  for (const port of await cluster.primaries()) {
    for (const lib of [readSinkLibrary(), readAppLibrary()]) await cluster.node(port).function('LOAD', 'REPLACE', lib.code);
  }
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** The design's keys for driver `id` in bucket tag `tag`: one slot for all four. */
const keysOf = (tag: string, id: string) => ({
  hash: `driver:{${tag}}:${id}`,
  marker: `tombstone:driver:{${tag}}:${id}`,
  geo: `drivers:geo:{${tag}}`,
  offsets: `sink-offsets:redis-sink:{${tag}}`,
});

/** FCALL rastro_sink_upsert as the sink sends it (WriteScript): timestamp field, time, GEO member and position, offset field and offset, fields. */
function upsert(k: ReturnType<typeof keysOf>, id: string, ts: number, offset: number, lon: string, lat: string): Promise<unknown> {
  return cluster.client.call('FCALL', 'rastro_sink_upsert', 4, k.hash, k.marker, k.geo, k.offsets, 'timestamp', String(ts), id, lon, lat, 'driver-locations-0', String(offset), 'driver_id', id, 'timestamp', String(ts), 'status', 'AVAILABLE', 'latitude', lat, 'longitude', lon);
}

/**
 * The design's bucket tags, asked of Redis itself (CLUSTER KEYSLOT): for bucket b, the first tag `<b>.<k>` whose slot falls in the b-th of B equal
 * slot ranges, so the buckets spread over the slots (and the primaries) evenly, whatever CRC16 makes of "0".."15".
 */
async function bucketTags(n: number): Promise<string[]> {
  const tags: string[] = [];
  for (let b = 0; b < n; b++) {
    for (let k = 0; ; k++) {
      const tag = `${b}.${k}`;
      const slot = Number(await cluster.client.cluster('KEYSLOT', `{${tag}}`));
      if (Math.floor((slot * n) / SLOTS) === b) {
        tags.push(tag);
        break;
      }
    }
  }
  return tags;
}

describe('Redis Cluster design: a bucket per driver as hash tag', () => {
  it("today's keys of one record lie in different slots, so one function call over them is refused (CROSSSLOT)", async () => {
    const slots = await Promise.all(['driver:7', 'tombstone:driver:7', 'drivers:geo', 'sink-offsets:redis-sink'].map(async (k) => Number(await cluster.client.cluster('KEYSLOT', k))));
    expect(new Set(slots).size).toBe(4);
    await expect(cluster.client.call('FCALL', 'rastro_sink_upsert', 4, 'driver:7', 'tombstone:driver:7', 'drivers:geo', 'sink-offsets:redis-sink', 'timestamp', '1', '7', '-46.6', '-23.5', 'p-0', '1', 'driver_id', '7')).rejects.toThrow(/CROSSSLOT/);
  });

  it('with the bucket tag, the unchanged sink library writes, never regresses, guards with the marker, and keeps the GEO set and offsets in the bucket', async () => {
    const k = keysOf('3.0', 'd-1');
    expect(new Set(await Promise.all(Object.values(k).map((key) => cluster.client.cluster('KEYSLOT', key)))).size).toBe(1);
    expect(await upsert(k, 'd-1', 2000, 10, '-46.6', '-23.5')).toBe(1);
    // Older: skipped, the hash and the GEO position untouched, the offset recorded (Redis holds what was applied).
    expect(await upsert(k, 'd-1', 1000, 11, '-46.7', '-23.6')).toBe(0);
    expect(await cluster.client.hget(k.hash, 'timestamp')).toBe('2000');
    const [pos] = await cluster.client.geopos(k.geo, 'd-1');
    expect(Number(pos?.[0])).toBeCloseTo(-46.6, 4);
    expect(await cluster.client.hget(k.offsets, 'driver-locations-0')).toBe('11');
    // A tombstone at 3000 deletes and leaves its marker; upserts at or before 3000 stay out (2), a later one comes back.
    expect(await cluster.client.call('FCALL', 'rastro_sink_delete', 4, k.hash, k.marker, k.geo, k.offsets, 'timestamp', '3000', '60000', 'd-1', 'driver-locations-0', '12')).toBe(1);
    expect(await cluster.client.exists(k.hash)).toBe(0);
    expect(await cluster.client.zscore(k.geo, 'd-1')).toBeNull();
    expect(await upsert(k, 'd-1', 3000, 13, '-46.6', '-23.5')).toBe(2);
    expect(await upsert(k, 'd-1', 3001, 14, '-46.6', '-23.5')).toBe(1);
    expect(await cluster.client.hget(k.offsets, 'driver-locations-0')).toBe('14');
  });

  it("the app's nearest function answers per bucket: its GEO set and the hashes it reads share the bucket's slot", async () => {
    const tag = '5.0';
    for (const [i, lon] of ['-46.600', '-46.601', '-46.650'].entries()) await upsert(keysOf(tag, `n-${i}`), `n-${i}`, 1000 + i, 20 + i, lon, '-23.500');
    const answer = (await cluster.client.call('FCALL_RO', 'rastro_nearest', 1, `drivers:geo:{${tag}}`, `driver:{${tag}}:`, '-46.600', '-23.500', '2', '10', '')) as unknown;
    const text = JSON.stringify(answer);
    // The two within 2 km, nearest first; the one 5 km away is not there.
    expect(text.indexOf('n-0')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('n-1')).toBeGreaterThan(text.indexOf('n-0'));
    expect(text).not.toContain('n-2');
  });

  it(`${BUCKETS} bucket tags chosen by slot range spread over every primary`, async () => {
    const tags = await bucketTags(BUCKETS);
    // The tags the sink and the readers compute (KeySpace, with a client-side CRC16) are the ones Redis's own KEYSLOT gives.
    expect(new KeySpace('driver:', 'tombstone:', 'drivers:geo', 'sink-offsets:redis-sink', BUCKETS).tags).toEqual(tags);
    const slots = await Promise.all(tags.map(async (t) => Number(await cluster.client.cluster('KEYSLOT', `{${t}}`))));
    expect(slots.map((s) => Math.floor((s * BUCKETS) / SLOTS))).toEqual([...Array(BUCKETS).keys()]);
    // Which primary owns each bucket's slot: every one of the three owns some (5 or 6 each with even ranges).
    const owners = new Map<number, number>();
    const ranges = await cluster.client.cluster('SLOTS');
    for (const s of slots) {
      const port = ranges.find(([from, to]) => s >= from && s <= to)?.[2]?.[1] as number;
      owners.set(port, (owners.get(port) ?? 0) + 1);
    }
    expect(owners.size).toBe(3);
    for (const n of owners.values()) expect(n).toBeGreaterThanOrEqual(4);
  });
});
