import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { compareGeoIndex, compareMirror, DIFFERENCE_KINDS, GEO_TOLERANCE_DEGREES, lostUpdates, readGeoIndex, type GeoState, type RedisState } from '../../scripts/lib/mirror-check.ts';
import { applyRecord, emptyFold, eventTimestamp, GEO_DEFAULTS, geoRulesOf, hasGeoPosition } from '../../scripts/lib/topic-fold.ts';

const ev = (id: string, ts: number, extra: Record<string, unknown> = {}) => ({ driver_id: id, latitude: -23.5, longitude: -46.6, timestamp: ts, status: 'AVAILABLE', ...extra });
const hash = (id: string, ts: number, extra: Record<string, string> = {}) => ({ driver_id: id, latitude: '-23.5', longitude: '-46.6', timestamp: String(ts), status: 'AVAILABLE', ...extra });

describe('applyRecord (topic fold)', () => {
  const T = 1_700_000_000_000;
  const rules = { now: T + 60_000 };
  it('keeps the newest value per key, deletes on tombstones, counts what the sink rejects', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 1)), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 2)), T, rules);
    applyRecord(r, 'b', JSON.stringify(ev('b', T + 1)), T, rules);
    applyRecord(r, 'b', null, T + 1, rules);
    applyRecord(r, 'c', 'not json', T, rules);
    applyRecord(r, null, '{}', T, rules);
    expect([...r.fold.keys()]).toEqual(['a']);
    expect(r.fold.get('a')?.timestamp).toBe(T + 2);
    expect(r).toMatchObject({ records: 6, tombstones: 1, unreadable: 2, superseded: 0 });
  });
  it('never lets an older event replace a newer one (as the sink does), equal timestamps do', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 20, { status: 'NEW' })), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 10, { status: 'OLD' })), T, rules);
    expect(r.fold.get('a')?.status).toBe('NEW');
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 20, { status: 'SAME_TIME' })), T, rules);
    expect(r.fold.get('a')?.status).toBe('SAME_TIME');
    expect(r.superseded).toBe(1);
  });
  it('ignores records the sink sends to the DLQ, keeping the previous value', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 5)), T, rules);
    applyRecord(r, 'a', JSON.stringify({ driver_id: 'a', status: 'NO_TS' }), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 9, { timestamp: '2023-11-14' })), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 9, { timestamp: -1 })), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('other', T + 9)), T, rules);
    applyRecord(r, 'a', '[1,2]', T, rules);
    applyRecord(r, 'a', null, undefined, rules); // a tombstone without a Kafka timestamp
    expect(r.fold.get('a')?.timestamp).toBe(T + 5);
    expect(r.unreadable).toBe(6);
  });
  it('reads epoch seconds as the sink does: below 1e11 they are multiplied by 1000', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', 1_700_000_010)), T, rules);
    expect(r.fold.get('a')?.timestamp).toBe(1_700_000_010_000);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 5_000, { status: 'EARLIER' })), T, rules);
    expect(r.fold.get('a')?.status).toBe('AVAILABLE');
    applyRecord(r, 'b', JSON.stringify(ev('b', 0, { timestamp: '1700000000.5' })), T, rules);
    expect(r.fold.get('b')?.timestamp).toBe(1_700_000_000_500);
    expect(eventTimestamp({ t: 1.5 }, 't')).toBe(1500);
    expect(eventTimestamp({ t: 1_700_000_000_000.5 }, 't')).toBe(1_700_000_000_001);
    for (const bad of [0, -5, '-5', ' 12', '1e12', 'inf', 2 ** 54, Number.NaN, null]) expect(eventTimestamp({ t: bad }, 't')).toBeUndefined();
  });
  it('rejects times more than a day ahead of the Kafka timestamp (or now, if earlier), as the sink does', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T)), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', 1_700_000_000_000_000)), T, rules); // microseconds
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 86_400_001)), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', rules.now + 2 * 86_400_000)), rules.now + 3 * 86_400_000, rules);
    expect(r.unreadable).toBe(3);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 86_400_000)), T, rules);
    expect(r.fold.get('a')?.timestamp).toBe(T + 86_400_000);
    applyRecord(r, 'b', null, rules.now + 86_400_001, rules); // a tombstone from the far future
    expect(r.unreadable).toBe(4);
  });
  it('rejects values with too many or too large fields, as the sink does', () => {
    const r = emptyFold();
    const many = Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`f${i}`, i]));
    applyRecord(r, 'a', JSON.stringify(ev('a', T, many)), T, rules);
    expect(r.unreadable).toBe(1);
    applyRecord(r, 'b', JSON.stringify(ev('b', T, { note: 'x'.repeat(65_537) })), T, rules);
    expect(r.unreadable).toBe(2);
    applyRecord(r, 'c', JSON.stringify(ev('c', T, { note: 'x'.repeat(65_536) })), T, rules);
    expect(r.fold.has('c')).toBe(true);
  });
  it('guards tombstones: an older tombstone is ignored, a late location no newer than the tombstone stays out', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 100)), T, rules);
    applyRecord(r, 'a', null, T + 99, rules);
    expect(r.fold.has('a')).toBe(true);
    applyRecord(r, 'a', null, T + 100, rules);
    expect(r.fold.has('a')).toBe(false);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 50)), T + 200, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 100)), T + 200, rules);
    expect(r.fold.has('a')).toBe(false);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 101)), T + 200, rules);
    expect(r.fold.get('a')?.timestamp).toBe(T + 101);
    expect(r).toMatchObject({ tombstones: 1, superseded: 3 });
    // Without markers (redis.tombstone.guard.ms=0) the late location comes back.
    const off = emptyFold();
    applyRecord(off, 'a', JSON.stringify(ev('a', T)), T, { ...rules, tombstoneGuard: false });
    applyRecord(off, 'a', null, T + 100, { ...rules, tombstoneGuard: false });
    applyRecord(off, 'a', JSON.stringify(ev('a', T + 50)), T + 200, { ...rules, tombstoneGuard: false });
    expect(off.fold.has('a')).toBe(true);
  });
});

describe('compareMirror', () => {
  const fold = new Map<string, Record<string, unknown>>([
    ['a', ev('a', 10)],
    ['b', ev('b', 20, { delivery_id: 'delivery_1' })],
    ['c', ev('c', 30)],
    ['d', ev('d', 40)],
  ]);
  it('passes when every driver matches field by field (numbers by value)', () => {
    const redis: RedisState = new Map([
      ['driver:a', hash('a', 10)],
      ['driver:b', hash('b', 20, { delivery_id: 'delivery_1', latitude: '-23.50' })],
      ['driver:c', hash('c', 30)],
      ['driver:d', hash('d', 40)],
    ]);
    expect(compareMirror(fold, redis, 'driver:')).toEqual({ expected: 4, inRedis: 4, matching: 4, differences: [] });
  });
  it('reports missing, stale, mismatched, extra and duplicate records', () => {
    const redis: RedisState = new Map([
      ['driver:b', hash('b', 19, { delivery_id: 'delivery_1' })],
      ['driver:c', hash('c', 30, { status: 'OFFLINE' })],
      ['driver:d', hash('d', 40, { delivery_id: 'stale-field' })],
      ['driver:zombie', hash('zombie', 1)],
      ['driver:d2', hash('d', 40)],
    ]);
    const r = compareMirror(fold, redis, 'driver:');
    const kinds = r.differences.map((d) => `${d.kind}:${d.driver}`).sort();
    expect(kinds).toEqual(['duplicate:d', 'extra:d2', 'extra:zombie', 'mismatch:c', 'mismatch:d', 'missing:a', 'stale:b']);
    expect(r.matching).toBe(0);
    expect(r.differences.find((d) => d.driver === 'c')?.detail).toBe('status: want AVAILABLE, got OFFLINE');
    expect(r.differences.find((d) => d.driver === 'd' && d.kind === 'mismatch')?.detail).toBe('delivery_id: not in the topic');
  });
});

describe('compareMirror: a regressed topic', () => {
  const T = 1_795_800_000_000;
  it('names a late last record as "topic regressed", before and after compaction removed the newer one', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 20, { status: 'NEW' })));
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 10, { status: 'OLD' })));
    applyRecord(r, 'b', JSON.stringify(ev('b', T + 5)));
    expect(r.last).toEqual(new Map([['a', T + 10], ['b', T + 5]]));
    const redis: RedisState = new Map([['driver:a', hash('a', T + 20, { status: 'NEW' })], ['driver:b', hash('b', T + 5)]]);
    const before = compareMirror(r.fold, redis, 'driver:', r.last);
    expect(before.differences).toEqual([{ driver: 'a', kind: 'regressed', detail: `topic regressed: a late event is the last record for this key (last record's timestamp ${T + 10}, newest known ${T + 20}, Redis ${T + 20})` }]);
    // After compaction only the late record is left: the fold holds it, Redis is newer.
    const compacted = emptyFold();
    applyRecord(compacted, 'a', JSON.stringify(ev('a', T + 10, { status: 'OLD' })));
    const after = compareMirror(compacted.fold, new Map([['driver:a', hash('a', T + 20, { status: 'NEW' })]]), 'driver:', compacted.last);
    expect(after.differences.map((d) => d.kind)).toEqual(['regressed']);
    // A tombstone clears the key's last record.
    applyRecord(r, 'a', null, T + 30);
    expect(r.last.has('a')).toBe(false);
  });
});

describe('lostUpdates', () => {
  it('flags acknowledged events that are absent or older in Redis, tolerates newer', () => {
    const redis: RedisState = new Map([['driver:a', hash('a', 10)], ['driver:b', hash('b', 5)], ['driver:c', hash('c', 99)]]);
    const lost = lostUpdates([ev('a', 10), ev('b', 6), ev('c', 50), ev('x', 1)], redis, 'driver:');
    expect(lost.map((d) => `${d.kind}:${d.driver}`)).toEqual(['stale:b', 'missing:x']);
  });
});

describe('the GEO index: fold rules', () => {
  const T = 1_700_000_000_000;
  const rules = { now: T + 60_000, geo: GEO_DEFAULTS };
  it('rejects, as the sink does with a GEO index, a location without a position a GEO set can hold', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T)), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 1, { latitude: 85.06 })), T, rules); // the producer allows ±90
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 2, { longitude: -180.5 })), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 3, { latitude: '-23.5' })), T, rules);
    applyRecord(r, 'a', JSON.stringify({ driver_id: 'a', longitude: 1, timestamp: T + 4, status: 'OFFLINE' }), T, rules);
    expect(r.unreadable).toBe(4);
    expect(r.fold.get('a')?.timestamp).toBe(T);
    // The bounds themselves are positions; OFFLINE drivers need one too, and keep their hash.
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 5, { latitude: -85.05112878, longitude: 180, status: 'OFFLINE' })), T, rules);
    expect(r.fold.get('a')).toMatchObject({ timestamp: T + 5, status: 'OFFLINE' });
    // Without a GEO index the same records are fine.
    const off = emptyFold();
    applyRecord(off, 'a', JSON.stringify(ev('a', T, { latitude: 89 })), T, { now: rules.now });
    expect(off.fold.has('a')).toBe(true);
  });
  it('reads the position as the sink does: JSON numbers within the GEO bounds, under the configured names', () => {
    expect(hasGeoPosition({ latitude: 85.05112878, longitude: -180 }, GEO_DEFAULTS)).toBe(true);
    expect(hasGeoPosition({ latitude: 85.05112879, longitude: 0 }, GEO_DEFAULTS)).toBe(false);
    expect(hasGeoPosition({ latitude: 0, longitude: 180.000001 }, GEO_DEFAULTS)).toBe(false);
    expect(hasGeoPosition({ latitude: 0, longitude: null }, GEO_DEFAULTS)).toBe(false);
    expect(hasGeoPosition({ lat: 1, lon: 2 }, { ...GEO_DEFAULTS, latField: 'lat', lonField: 'lon' })).toBe(true);
  });
  it('takes the GEO settings from the connector config, off without redis.geo.key', () => {
    expect(geoRulesOf({})).toBeUndefined();
    expect(geoRulesOf({ 'redis.geo.key': '' })).toBeUndefined();
    expect(geoRulesOf({ 'redis.geo.key': 'drivers:geo' })).toEqual({ key: 'drivers:geo', rules: GEO_DEFAULTS });
    expect(geoRulesOf({ 'redis.geo.key': 'g', 'redis.geo.latitude.field': 'lat', 'redis.geo.longitude.field': 'lon', 'redis.status.field': 'state', 'redis.geo.exclude.status': 'GONE' }))
      .toEqual({ key: 'g', rules: { latField: 'lat', lonField: 'lon', statusField: 'state', excludeStatus: 'GONE' } });
  });
});

describe('compareGeoIndex', () => {
  const geoAt = (latitude: number, longitude: number) => ({ latitude, longitude });
  const compare = (redis: RedisState, geo: GeoState) => compareGeoIndex(redis, geo, 'driver:', 'drivers:geo', GEO_DEFAULTS);
  it('passes when every driver not OFFLINE is a member at its hash position (within GEO precision) and nothing else is', () => {
    const redis: RedisState = new Map([
      ['driver:a', hash('a', 10)],
      ['driver:b', hash('b', 20, { latitude: '-23.550512', longitude: '-46.633308' })],
      ['driver:off', hash('off', 30, { status: 'OFFLINE' })],
    ]);
    // What GEOPOS answers: the 52-bit cell's centre, a few 1e-6 degrees off.
    const geo: GeoState = new Map([['a', geoAt(-23.500001, -46.599997)], ['b', geoAt(-23.55051158, -46.63330811)]]);
    expect(compare(redis, geo)).toEqual([]);
    expect(compare(new Map(), new Map())).toEqual([]);
  });
  it('names each difference with the driver and both values', () => {
    const redis: RedisState = new Map([
      ['driver:missing', hash('missing', 10)],
      ['driver:moved', hash('moved', 10)],
      ['driver:off', hash('off', 10, { status: 'OFFLINE' })],
      ['driver:nopos', hash('nopos', 10, { latitude: 'x' })],
    ]);
    const geo: GeoState = new Map([
      ['moved', geoAt(-23.5, -46.6 + 2 * GEO_TOLERANCE_DEGREES)],
      ['off', geoAt(-23.5, -46.6)],
      ['nopos', geoAt(-23.5, -46.6)],
      ['gone', geoAt(1, 2)],
    ]);
    const diffs = compare(redis, geo);
    expect(diffs.map((d) => `${d.kind}:${d.driver}`).sort()).toEqual(['geo-extra:gone', 'geo-extra:off', 'geo-missing:missing', 'geo-position:moved', 'geo-position:nopos']);
    const detail = (driver: string) => diffs.find((d) => d.driver === driver)?.detail;
    expect(detail('missing')).toBe('missing not in drivers:geo; hash driver:missing is at latitude -23.5, longitude -46.6, status AVAILABLE');
    expect(detail('moved')).toBe(`drivers:geo has moved at latitude -23.5, longitude ${-46.6 + 2 * GEO_TOLERANCE_DEGREES}; hash driver:moved is at latitude -23.5, longitude -46.6 (tolerance 0.00001°)`);
    expect(detail('off')).toBe('drivers:geo has off at latitude -23.5, longitude -46.6, but hash driver:off has status OFFLINE');
    expect(detail('gone')).toBe('drivers:geo has gone at latitude 1, longitude 2, but there is no hash driver:gone');
    expect(detail('nopos')).toContain('hash driver:nopos is at latitude x, longitude -46.6');
    for (const d of diffs) expect(DIFFERENCE_KINDS).toContain(d.kind);
  });
  it('reads the field names and the excluded status from the rules', () => {
    const redis: RedisState = new Map([['driver:a', { lat: '1', lon: '2', state: 'GONE' }], ['driver:b', { lat: '3', lon: '4', state: 'OFFLINE' }]]);
    const rules = { latField: 'lat', lonField: 'lon', statusField: 'state', excludeStatus: 'GONE' };
    expect(compareGeoIndex(redis, new Map([['b', geoAt(3, 4)]]), 'driver:', 'g', rules)).toEqual([]);
    expect(compareGeoIndex(redis, new Map([['a', geoAt(1, 2)], ['b', geoAt(3, 4)]]), 'driver:', 'g', rules).map((d) => d.kind)).toEqual(['geo-extra']);
  });
});

describe('readGeoIndex', () => {
  /** The few ioredis calls readGeoIndex makes, over a fixed set; ZSCAN pages of two with a repeat, as SCAN may. */
  const fake = (type: string, positions: Record<string, [string, string] | null>) => {
    const members = Object.keys(positions);
    const pages: Array<[string, string[]]> = [
      ['7', members.slice(0, 2).flatMap((m) => [m, '0'])],
      ['0', [...members.slice(1), ...members.slice(0, 1)].flatMap((m) => [m, '0'])],
    ];
    let page = 0;
    return {
      type: async () => type,
      zscan: async () => pages[page++] ?? ['0', []],
      geopos: async (_key: string, ...ms: string[]) => ms.map((m) => positions[m] ?? null),
    } as unknown as Redis;
  };
  it('reads every member once with its position, leaving out one removed meanwhile', async () => {
    const index = await readGeoIndex(fake('zset', { a: ['-46.6', '-23.5'], b: ['2', '1'], gone: null }), 'drivers:geo');
    expect(index).toEqual(new Map([['a', { longitude: -46.6, latitude: -23.5 }], ['b', { longitude: 2, latitude: 1 }]]));
  });
  it('reads an absent key as an empty index and refuses a key of another type', async () => {
    expect(await readGeoIndex(fake('none', {}), 'drivers:geo')).toEqual(new Map());
    await expect(readGeoIndex(fake('string', {}), 'drivers:geo')).rejects.toThrow("TYPE drivers:geo: string, not the sink's GEO set (a sorted set)");
  });
});
