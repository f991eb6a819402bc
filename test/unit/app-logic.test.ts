import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BANNER_QUERIES, bannerError } from '../../scripts/lib/app/banner.ts';
import { driverFromHash } from '../../scripts/lib/app/driver.ts';
import type { LiveDriver, NearestAnswer } from '../../scripts/lib/app/drivers.ts';
import { nearestTable } from '../../scripts/lib/app/format.ts';
import { diffFleet, sseEvent } from '../../scripts/lib/app/live.ts';
import { BadParam, DEFAULT_LIMIT, DEFAULT_RADIUS_KM, parseNearestQuery } from '../../scripts/lib/app/query.ts';
import { tilesFromEnv } from '../../scripts/lib/app/server.ts';
import { DASHBOARD_FILE, dashboardPanels, dashboardRow } from '../../scripts/lib/metrics/dashboard-file.ts';
import { VIDEO_DASHBOARD_ROW } from '../../scripts/lib/video/capture.ts';

const parse = (qs: string) => parseNearestQuery(new URLSearchParams(qs));
/** The BadParam a query string is refused with: its parameter and message. */
function refusal(qs: string): { param: string; message: string } {
  try {
    parse(qs);
  } catch (err) {
    if (err instanceof BadParam) return { param: err.param, message: err.message };
    throw err;
  }
  throw new Error(`${qs} was accepted`);
}

describe('GET /drivers/nearest parameters', () => {
  it('defaults: AVAILABLE, the default radius and limit; numbers in any plain form', () => {
    expect(parse('lat=-23.55&lon=-46.63')).toEqual({ lat: -23.55, lon: -46.63, radiusKm: DEFAULT_RADIUS_KM, statuses: ['AVAILABLE'], limit: DEFAULT_LIMIT });
    expect(parse('lat=+1.5e1&lon=.5&radius_km=0.25&limit=1000')).toMatchObject({ lat: 15, lon: 0.5, radiusKm: 0.25, limit: 1000 });
  });
  it('status: any, a comma list in any case (deduplicated), never OFFLINE', () => {
    expect(parse('lat=0&lon=0&status=any').statuses).toBe('any');
    expect(parse('lat=0&lon=0&status=ANY').statuses).toBe('any');
    expect(parse('lat=0&lon=0&status=available, delivering,AVAILABLE').statuses).toEqual(['AVAILABLE', 'DELIVERING']);
    expect(refusal('lat=0&lon=0&status=OFFLINE')).toMatchObject({ param: 'status', message: expect.stringMatching(/OFFLINE drivers are not in the GEO index/) });
    expect(refusal('lat=0&lon=0&status=SLEEPING')).toMatchObject({ param: 'status', message: expect.stringMatching(/unknown status "SLEEPING" \(expected any, or a comma list of AVAILABLE, PICKING_UP, DELIVERING\)/) });
    expect(refusal('lat=0&lon=0&status=AVAILABLE,')).toMatchObject({ param: 'status', message: expect.stringMatching(/empty item/) });
  });
  it.each([
    ['lon=0', 'lat', /is required/],
    ['lat=&lon=0', 'lat', /is required/],
    ['lat=abc&lon=0', 'lat', /"abc" is not a number/],
    ['lat=1e999&lon=0', 'lat', /not a number/],
    ['lat=0x10&lon=0', 'lat', /not a number/],
    ['lat=85.06&lon=0', 'lat', /85\.06 is out of range \(expected in \[-85\.05112878, 85\.05112878\]\)/],
    ['lat=0&lon=-180.5', 'lon', /out of range \(expected in \[-180, 180\]\)/],
    ['lat=0&lon=0&radius_km=0', 'radius_km', /0 is out of range \(expected > 0 and ≤ 100\)/],
    ['lat=0&lon=0&radius_km=101', 'radius_km', /out of range/],
    ['lat=0&lon=0&limit=0', 'limit', /expected an integer from 1 to 1000/],
    ['lat=0&lon=0&limit=1001', 'limit', /out of range/],
    ['lat=0&lon=0&limit=2.5', 'limit', /2\.5 is not an integer/],
    ['lat=0&lat=1&lon=0', 'lat', /given 2 times/],
    ['lat=0&lon=0&radius=3', 'radius', /unknown parameter \(expected lat, lon, radius_km, status, limit\)/],
  ])('%s is refused naming %s', (qs, param, message) => {
    const r = refusal(qs);
    expect(r.param).toBe(param);
    expect(r.message).toMatch(new RegExp(`^${param}: `));
    expect(r.message).toMatch(message);
  });
});

describe('a driver hash as JSON', () => {
  const hash = { driver_id: 'driver_1', latitude: '-23.5', longitude: '-46.6', timestamp: '1700000000000', status: 'AVAILABLE', delivery_id: '1003', note: 'x' };
  it('reads coordinates and time as numbers, everything else as text, and adds the age', () => {
    expect(driverFromHash('driver:driver_1', hash, 1_700_000_000_250)).toEqual({ ...hash, latitude: -23.5, longitude: -46.6, timestamp: 1_700_000_000_000, age_ms: 250 });
  });
  it('an empty hash is no driver', () => {
    expect(driverFromHash('driver:x', {}, 0)).toBeUndefined();
  });
  it('a hash the sink cannot have written is an error naming the key and the field', () => {
    expect(() => driverFromHash('driver:driver_1', { ...hash, latitude: 'north' }, 0)).toThrow('driver:driver_1: field latitude "north" is not a number');
    expect(() => driverFromHash('driver:driver_1', { ...hash, timestamp: '' }, 0)).toThrow('driver:driver_1: field timestamp is missing');
    const { status: _, ...noStatus } = hash;
    expect(() => driverFromHash('driver:driver_1', noStatus, 0)).toThrow('driver:driver_1: field status is missing');
  });
});

describe('live map feed', () => {
  const d = (id: string, lat: number, status = 'AVAILABLE', ts = 1): LiveDriver => ({ id, lat, lon: -46.6, status, ts });
  it('sends only what changed: new, moved, new status or time; and who is gone', () => {
    const prev = new Map([d('a', 1), d('b', 2), d('c', 3), d('e', 5)].map((x) => [x.id, x]));
    const next = new Map([d('a', 1), d('b', 2.5), d('c', 3, 'DELIVERING'), d('d', 4), d('e', 5, 'AVAILABLE', 2)].map((x) => [x.id, x]));
    const diff = diffFleet(prev, next);
    expect(diff.upsert.map((x) => x.id)).toEqual(['b', 'c', 'd', 'e']);
    expect(diffFleet(next, new Map([['a', d('a', 1)]]))).toEqual({ upsert: [], remove: ['b', 'c', 'd', 'e'] });
    expect(diffFleet(next, next)).toEqual({ upsert: [], remove: [] });
  });
  it('frames a server-sent event', () => {
    expect(sseEvent('update', { a: 1 })).toBe('event: update\ndata: {"a":1}\n\n');
  });
});

describe('optional map tiles (MAP_TILES_URL)', () => {
  it('none by default; a {z}/{x}/{y} template with its attribution; anything else refused by name', () => {
    expect(tilesFromEnv({})).toBeUndefined();
    expect(tilesFromEnv({ MAP_TILES_URL: ' ' })).toBeUndefined();
    expect(tilesFromEnv({ MAP_TILES_URL: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png' })).toEqual({ url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', attribution: '© OpenStreetMap contributors' });
    expect(tilesFromEnv({ MAP_TILES_URL: 'http://tiles.lan:8080/{z}/{x}/{y}.png', MAP_TILES_ATTRIBUTION: 'our tiles' })?.attribution).toBe('our tiles');
    expect(tilesFromEnv({ MAP_TILES_URL: 'http://tiles.lan:8080/{z}/{x}/{y}.png' })?.attribution).toBe('tiles.lan:8080');
    expect(() => tilesFromEnv({ MAP_TILES_URL: 'tiles.lan/{z}/{x}/{y}.png' })).toThrow(/^MAP_TILES_URL=tiles.lan\/\{z\}\/\{x\}\/\{y\}.png: expected an http\(s\) URL template/);
    expect(() => tilesFromEnv({ MAP_TILES_URL: 'https://t/{z}.png' })).toThrow(/with \{z\}, \{x\} and \{y\}/);
  });
});

describe('the live pages read the dashboard JSON', () => {
  it('the video\'s row exists and holds the "Brokers online" stat the frame check reads', () => {
    const row = dashboardRow(readFileSync(DASHBOARD_FILE, 'utf8'), VIDEO_DASHBOARD_ROW);
    expect(row).toBeDefined();
    expect((JSON.parse(row as string) as { panels: Array<{ title: string }> }).panels.map((p) => p.title)).toContain('Brokers online');
  });
});

describe('the banner reads what the dashboard shows', () => {
  it('every banner expression is a query of a dashboard panel', () => {
    const exprs = dashboardPanels().flatMap((p) => p.queries.map((q) => q.expr));
    for (const expr of Object.values(BANNER_QUERIES)) expect(exprs).toContain(expr);
  });
  it('says a shared failure once, different ones each with its query', () => {
    const down = Object.values(BANNER_QUERIES).map((q) => `query ${q} at 127.0.0.1:19090: fetch failed`);
    expect(bannerError(down)).toBe('Prometheus at 127.0.0.1:19090: fetch failed (all 3 queries)');
    const mixed = [`query ${BANNER_QUERIES.sinkLag} at h:1: 400 parse error`, `query ${BANNER_QUERIES.brokersUp} at h:1: fetch failed`];
    expect(bannerError(mixed)).toBe(mixed.join('; '));
    expect(bannerError([mixed[0] as string])).toBe(mixed[0]);
  });
});

describe('./scripts/nearest.mjs table', () => {
  const answer: NearestAnswer = {
    query: { lat: -23.55, lon: -46.63, radius_km: 5, status: ['AVAILABLE'], limit: 10 },
    drivers: [
      { driver_id: 'driver_7', latitude: -23.551, longitude: -46.631, timestamp: 1, status: 'AVAILABLE', age_ms: 1500, distance_km: 0.1234 },
      { driver_id: 'driver_12', latitude: -23.56, longitude: -46.64, timestamp: 1, status: 'AVAILABLE', age_ms: 20, distance_km: 1.5, delivery_id: 'd1' },
    ],
  };
  it('one aligned line per driver, in the answer\'s order, under a line saying what was asked', () => {
    expect(nearestTable(answer).split('\n')).toEqual([
      '2 of at most 10 AVAILABLE drivers within 5 km of -23.55, -46.63',
      '#  driver     km     status     latitude  longitude  age     delivery',
      '1  driver_7   0.123  AVAILABLE  -23.551   -46.631    1.50 s',
      '2  driver_12  1.500  AVAILABLE  -23.56    -46.64     20 ms   d1',
    ]);
  });
  it('says so when none is near', () => {
    expect(nearestTable({ query: { ...answer.query, status: 'any' }, drivers: [] })).toBe('0 of at most 10 drivers (any status) within 5 km of -23.55, -46.63');
  });
});
