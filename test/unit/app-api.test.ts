import { execFile } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NearestAnswer } from '../../scripts/lib/app/drivers.ts';
import { appRedis } from '../../scripts/lib/app/drivers.ts';
import { startApp, type App } from '../../scripts/lib/app/server.ts';
import { DASHBOARD_RANGES } from '../../scripts/lib/app/live-dashboard.ts';
import { ROOT } from '../../shared/stack.ts';
import { allHashes, KEYS, sinkDelete, sinkWrite, startRedis, type TestRedis } from './app-fixture.ts';

// Not pure logic: the API against a real redis-server on a free port (no Kafka), written as the sink
// writes. Kept with the unit tests: it starts in well under a second.

/** Great-circle distance as Redis computes it (haversine, Redis's earth radius), for an independent expectation. */
function km(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return (2 * 6372797.560856 * Math.asin(Math.sqrt(a))) / 1000;
}

const HERE = { lat: -23.55, lon: -46.63 };
const NOW = Date.now();
let redis: TestRedis;
let app: App;

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${app.url}${path}`);
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  redis = await startRedis();
  // A crowd of 120 busy drivers right at HERE (0–1.2 km), three AVAILABLE ones further out (2, 3, 4 km
  // north): a search that filters by status after one GEOSEARCH COUNT 4×limit would miss them.
  for (let i = 0; i < 120; i++) {
    await sinkWrite(redis.client, { driver_id: `busy_${i}`, latitude: HERE.lat + i * 0.0001, longitude: HERE.lon, timestamp: NOW - i, status: i % 2 === 0 ? 'DELIVERING' : 'PICKING_UP', delivery_id: `delivery_${i}` });
  }
  for (const [i, dLat] of [0.018, 0.027, 0.036].entries()) {
    await sinkWrite(redis.client, { driver_id: `free_${i}`, latitude: HERE.lat + dLat, longitude: HERE.lon, timestamp: NOW, status: 'AVAILABLE' });
  }
  // OFFLINE: a hash, but not in the GEO index. Far away: outside any radius used below.
  await sinkWrite(redis.client, { driver_id: 'off_1', latitude: HERE.lat, longitude: HERE.lon + 0.001, timestamp: NOW, status: 'OFFLINE' });
  await sinkWrite(redis.client, { driver_id: 'far_1', latitude: -22.9, longitude: -43.2, timestamp: NOW, status: 'AVAILABLE' });
  const client = appRedis({ url: redis.url });
  await client.connect();
  app = await startApp({ redis: client, keys: KEYS, port: 0 });
  return async () => {
    await app.close();
    client.disconnect();
    await redis.stop();
  };
}, 30_000);

describe('GET /drivers/nearest', () => {
  it('finds the AVAILABLE drivers behind a crowd of busy ones (searches past the first COUNT)', async () => {
    const { status, body } = await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&radius_km=10&limit=3`);
    expect(status).toBe(200);
    expect(body.query).toEqual({ lat: HERE.lat, lon: HERE.lon, radius_km: 10, status: ['AVAILABLE'], limit: 3 });
    expect(body.drivers.map((d: { driver_id: string }) => d.driver_id)).toEqual(['free_0', 'free_1', 'free_2']);
    const first = body.drivers[0];
    expect(first).toMatchObject({ driver_id: 'free_0', status: 'AVAILABLE', latitude: HERE.lat + 0.018, longitude: HERE.lon, timestamp: NOW });
    expect(first.distance_km).toBeCloseTo(km(HERE.lat, HERE.lon, first.latitude, first.longitude), 2);
    expect(first.age_ms).toBeGreaterThanOrEqual(0);
    expect(first).not.toHaveProperty('delivery_id');
  });

  it('returns fewer than the limit only when the radius holds no more', async () => {
    const { body } = await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&radius_km=3.5&limit=10`);
    expect(body.drivers.map((d: { driver_id: string }) => d.driver_id)).toEqual(['free_0', 'free_1']);
  });

  it('status=any and a comma list: every match in distance order, equal to a brute-force search of the hashes', async () => {
    const hashes = await allHashes(redis.client);
    const expected = (statuses: string[] | 'any', radius: number, limit: number) =>
      [...hashes.values()]
        .filter((h) => h.status !== 'OFFLINE' && (statuses === 'any' || statuses.includes(h.status as string)))
        .map((h) => ({ id: h.driver_id, d: km(HERE.lat, HERE.lon, Number(h.latitude), Number(h.longitude)) }))
        .filter((x) => x.d <= radius)
        .sort((a, b) => a.d - b.d)
        .slice(0, limit)
        .map((x) => x.id);
    const any = (await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&radius_km=5&status=any&limit=1000`)).body as NearestAnswer;
    expect(any.drivers.map((d) => d.driver_id)).toEqual(expected('any', 5, 1000));
    expect(any.drivers).toHaveLength(123);
    const picking = (await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&status=picking_up,AVAILABLE&limit=70`)).body as NearestAnswer;
    expect(picking.query.status).toEqual(['PICKING_UP', 'AVAILABLE']);
    expect(picking.drivers.map((d) => d.driver_id)).toEqual(expected(['PICKING_UP', 'AVAILABLE'], 5, 70));
    expect(picking.drivers[0]).toMatchObject({ driver_id: 'busy_1', delivery_id: 'delivery_1' });
  });

  it('never lists an OFFLINE driver, nor one removed by a tombstone', async () => {
    await sinkWrite(redis.client, { driver_id: 'gone_1', latitude: HERE.lat, longitude: HERE.lon, timestamp: NOW, status: 'AVAILABLE' });
    const before = (await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&limit=1`)).body as NearestAnswer;
    expect(before.drivers.map((d) => d.driver_id)).toEqual(['gone_1']);
    await sinkDelete(redis.client, 'gone_1');
    const after = (await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&status=any&limit=1000`)).body as NearestAnswer;
    expect(after.drivers.map((d) => d.driver_id)).not.toContain('gone_1');
    expect(after.drivers.map((d) => d.driver_id)).not.toContain('off_1');
  });

  it('a GEO member whose hash is gone is skipped; one whose hash has no status is a 500 naming it', async () => {
    // Written behind the sink's back: a GEO member with no hash, then one with a hash the sink cannot have written.
    await redis.client.geoadd(KEYS.geoKey, HERE.lon, HERE.lat, 'ghost_1');
    const skipped = (await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&status=any&limit=1`)).body as NearestAnswer;
    expect(skipped.drivers.map((d) => d.driver_id)).toEqual(['busy_0']);
    await redis.client.hset(`${KEYS.keyPrefix}ghost_1`, { driver_id: 'ghost_1', latitude: String(HERE.lat), longitude: String(HERE.lon), timestamp: '1' });
    try {
      const { status, body } = await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&limit=1`);
      expect(status).toBe(500);
      expect(body.error).toContain('driver:ghost_1: field status is missing');
    } finally {
      await redis.client.del(`${KEYS.keyPrefix}ghost_1`);
      await redis.client.zrem(KEYS.geoKey, 'ghost_1');
    }
  });

  it('lists each driver exactly as GET /drivers/:id answers it (plus distance_km), whatever text the hash holds', async () => {
    const everyone = (await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&radius_km=5&status=any&limit=1000`)).body as NearestAnswer;
    expect(everyone.drivers.length).toBeGreaterThan(100);
    // Behind the sink's back: numbers written in forms JSON does not allow or spells differently, text that needs escaping.
    const odd = { driver_id: 'odd_1', latitude: '+23.5e0', longitude: '-46.630', timestamp: String(NOW - 5), status: 'AVAILABLE', note: 'São "Paulo" \\ / ☂\n\u0001', '1': 'x' };
    await redis.client.hset(`${KEYS.keyPrefix}odd_1`, odd);
    await redis.client.geoadd(KEYS.geoKey, HERE.lon, HERE.lat, 'odd_1');
    try {
      const listed = (await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&radius_km=5&status=any&limit=1000`)).body as NearestAnswer;
      const oddOne = listed.drivers.find((d) => d.driver_id === 'odd_1');
      expect(oddOne).toMatchObject({ latitude: 23.5, longitude: -46.63, note: odd.note, 1: 'x' });
      for (const d of [oddOne as NearestAnswer['drivers'][number], ...listed.drivers.slice(0, 3), ...listed.drivers.slice(-3)]) {
        const { status, body } = await get(`/drivers/${encodeURIComponent(d.driver_id)}`);
        expect(status).toBe(200);
        const { distance_km, age_ms, ...rest } = d;
        const { age_ms: age, ...expected } = body;
        expect(rest).toEqual(expected);
        expect(Object.keys(rest)).toEqual(Object.keys(expected));
        expect(Math.abs(age_ms - age)).toBeLessThan(1000);
        expect(distance_km).toBeGreaterThanOrEqual(0);
      }
      await redis.client.hset(`${KEYS.keyPrefix}odd_1`, 'longitude', '1e400');
      const { status, body } = await get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&limit=1`);
      expect(status).toBe(500);
      expect(body.error).toContain('driver:odd_1: field longitude "1e400" is not a number');
    } finally {
      await redis.client.del(`${KEYS.keyPrefix}odd_1`);
      await redis.client.zrem(KEYS.geoKey, 'odd_1');
    }
  });

  it("without the app's function library (a Redis make up did not prepare), the error says what loads it", async () => {
    const bare = await startRedis();
    const client = appRedis({ url: bare.url });
    await client.connect();
    await bare.client.function('DELETE', 'rastro_app');
    const other = await startApp({ redis: client, keys: KEYS, port: 0 });
    try {
      const res = await fetch(`${other.url}/drivers/nearest?lat=0&lon=0`);
      expect(res.status).toBe(500);
      expect((await res.json()).error).toMatch(/FCALL_RO rastro_nearest drivers:geo at redis .*Function not found \(make up loads the app's function library .*app-library\.lua: run it again\)/);
    } finally {
      await other.close();
      client.disconnect();
      await bare.stop();
    }
  });

  it('answers 400 naming the parameter', async () => {
    for (const [qs, param, msg] of [
      ['lat=91&lon=0', 'lat', 'lat: 91 is out of range'],
      ['lat=0&lon=x', 'lon', 'lon: "x" is not a number'],
      ['lat=0&lon=0&radius_km=-1', 'radius_km', 'radius_km: -1 is out of range'],
      ['lat=0&lon=0&limit=5000', 'limit', 'limit: 5000 is out of range'],
      ['lat=0&lon=0&status=LOST', 'status', 'status: unknown status "LOST"'],
    ] as const) {
      const { status, body } = await get(`/drivers/nearest?${qs}`);
      expect(status).toBe(400);
      expect(body.param).toBe(param);
      expect(body.error).toContain(`GET /drivers/nearest: ${msg}`);
    }
  });
});

describe('GET /drivers/:id, /health, unknown routes', () => {
  it('one driver: the hash with numbers as numbers', async () => {
    const { status, body } = await get('/drivers/busy_3');
    expect(status).toBe(200);
    expect(body).toEqual({ driver_id: 'busy_3', latitude: HERE.lat + 3 * 0.0001, longitude: HERE.lon, timestamp: NOW - 3, status: 'PICKING_UP', delivery_id: 'delivery_3', age_ms: expect.any(Number) });
    // An OFFLINE driver still has its hash (the map and nearest leave it out, the lookup does not).
    expect((await get('/drivers/off_1')).body.status).toBe('OFFLINE');
  });

  it('404 names the driver; ids are percent-decoded', async () => {
    const { status, body } = await get('/drivers/nobody%20here');
    expect(status).toBe(404);
    expect(body.error).toBe('driver "nobody here" not found (no hash at driver:nobody here)');
  });

  it('a hash the sink cannot have written is a 500 naming the key and field', async () => {
    await redis.client.hset(`${KEYS.keyPrefix}broken`, { driver_id: 'broken', latitude: 'north', longitude: '1', timestamp: '1', status: 'AVAILABLE' });
    const { status, body } = await get('/drivers/broken');
    expect(status).toBe(500);
    expect(body.error).toBe('GET /drivers/broken: driver:broken: field latitude "north" is not a number');
    await redis.client.del(`${KEYS.keyPrefix}broken`);
  });

  it('health: Redis up, GEO members, the newest data age from a random sample of 64', async () => {
    const members = await redis.client.zcard(KEYS.geoKey);
    const { status, body } = await get('/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ redis: 'up', geo_key: KEYS.geoKey, geo_members: members, sample_size: 64 });
    // Which 64 of the members is random: the newest of any sample lies within the fixture's times.
    expect(body.newest_timestamp).toBeGreaterThanOrEqual(NOW - 119);
    expect(body.newest_timestamp).toBeLessThanOrEqual(NOW);
    expect(body.newest_age_ms).toBeGreaterThanOrEqual(0);
  });

  it('unknown path 404, other methods 405, both as JSON; HEAD /events does not listen', async () => {
    const nf = await get('/drivers');
    expect(nf.status).toBe(404);
    expect(nf.body.error).toMatch(/^no route for GET \/drivers \(routes: /);
    const head = await fetch(`${app.url}/events`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(app.feed.listenerCount).toBe(0);
    const post = await fetch(`${app.url}/drivers/nearest`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('the pages\' files and the dashboard panels', () => {
  it('serves Leaflet, its clustering and the basemap from this app (no CDN), with their types', async () => {
    for (const [path, type] of [
      ['/vendor/leaflet.js', 'text/javascript; charset=utf-8'],
      ['/vendor/leaflet.markercluster.js', 'text/javascript; charset=utf-8'],
      ['/vendor/leaflet.css', 'text/css; charset=utf-8'],
      ['/vendor/images/layers.png', 'image/png'],
      ['/geo/districts.geojson', 'application/geo+json'],
      ['/dashboard', 'text/html; charset=utf-8'],
    ] as const) {
      const res = await fetch(`${app.url}${path}`);
      expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 200, type]);
    }
    const districts = (await (await fetch(`${app.url}/geo/districts.geojson`)).json()) as { features: unknown[] };
    expect(districts.features).toHaveLength(96);
    // The dashboard page's range picker offers exactly the ranges the server draws.
    const page = await (await fetch(`${app.url}/dashboard`)).text();
    expect([...page.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])).toEqual(Object.keys(DASHBOARD_RANGES));
    // The map page loads nothing from outside the app.
    const html = await (await fetch(`${app.url}/`)).text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('/dashboard/panels answers 400 naming a bad range or row, 503 without Prometheus', async () => {
    const range = await get('/dashboard/panels?range=2d');
    expect(range).toEqual({ status: 400, body: { error: 'GET /dashboard/panels: range "2d" is not one of 5m, 15m, 1h', param: 'range' } });
    const row = await get('/dashboard/panels?row=Nope');
    expect(row.status).toBe(400);
    expect(row.body.error).toBe('GET /dashboard/panels: no row "Nope" in the dashboard (rows: Cluster health, Traffic, Connect and Redis sink, Cluster size (make scale))');
    // This app was started without a Prometheus.
    expect(await get('/dashboard/panels?range=5m')).toEqual({ status: 503, body: { error: 'GET /dashboard/panels: the app has no Prometheus to read' } });
  });
});

describe('a small fleet, then Redis unreachable', () => {
  it('health: the newest timestamp of every member (all sampled); then health 503 and nearest 503, naming the operation and the target', async () => {
    const lost = await startRedis();
    const client = appRedis({ url: lost.url });
    await client.connect();
    const down = await startApp({ redis: client, keys: KEYS, port: 0 });
    try {
      const t = Date.now();
      for (const [i, ts] of [t - 3000, t - 1000, t - 2000].entries()) await sinkWrite(lost.client, { driver_id: `d${i}`, latitude: 0, longitude: 0, timestamp: ts, status: 'AVAILABLE' });
      await sinkWrite(lost.client, { driver_id: 'd9', latitude: 0, longitude: 0, timestamp: t, status: 'OFFLINE' });
      const up = await fetch(`${down.url}/health`);
      expect(up.status).toBe(200);
      expect(await up.json()).toMatchObject({ geo_members: 3, sample_size: 3, newest_timestamp: t - 1000 });
      // A Redis that was there and stopped: the app's client must fail fast, not queue.
      await lost.stop();
      const target = `redis 127.0.0.1:${lost.port}`;
      const h = await fetch(`${down.url}/health`);
      expect(h.status).toBe(503);
      expect(await h.json()).toMatchObject({ redis: 'down', target, error: expect.stringMatching(new RegExp(`^PING at ${target}: `)) });
      const n = await fetch(`${down.url}/drivers/nearest?lat=0&lon=0`);
      expect(n.status).toBe(503);
      expect((await n.json()).error).toMatch(new RegExp(`^GET /drivers/nearest\\?lat=0&lon=0: FCALL_RO rastro_nearest drivers:geo at ${target}: `));
    } finally {
      await down.close();
      client.disconnect();
    }
  });
});

describe('the live feed (GET /events)', () => {
  it('sends the fleet once, then only the drivers that changed', async () => {
    const res = await fetch(`${app.url}/events`);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    /** The next event of the given type (others skipped). */
    const next = async (type: string): Promise<any> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          if (ev === type) return JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null');
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`events stream ended before a ${type} event`);
        buffer += decoder.decode(value, { stream: true });
      }
    };
    try {
      const snap = await next('snapshot');
      // Every driver hash, OFFLINE ones included: the map counts them (and hides them by default).
      const held = [...(await allHashes(redis.client)).values()].map((h) => h.driver_id).sort();
      expect(held).toContain('off_1');
      expect(snap.drivers.map((d: { id: string }) => d.id).sort()).toEqual(held);
      await sinkWrite(redis.client, { driver_id: 'free_1', latitude: -23.5, longitude: -46.5, timestamp: NOW + 1, status: 'AVAILABLE' });
      await sinkWrite(redis.client, { driver_id: 'free_2', latitude: -23.5, longitude: -46.5, timestamp: NOW + 1, status: 'OFFLINE' });
      await sinkDelete(redis.client, 'far_1');
      // The writes may land in one poll or several: collect until all are seen.
      const upserts: Array<{ id: string; lat: number }> = [];
      const removed: string[] = [];
      while (upserts.length < 2 || removed.length === 0) {
        const u = await next('update');
        upserts.push(...u.upsert);
        removed.push(...u.remove);
      }
      // In the order Redis's SCAN met them: compared as a set.
      expect(upserts.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: 'free_1', lat: -23.5, lon: -46.5, status: 'AVAILABLE', ts: NOW + 1 },
        { id: 'free_2', lat: -23.5, lon: -46.5, status: 'OFFLINE', ts: NOW + 1 },
      ]);
      expect(removed).toEqual(['far_1']);
    } finally {
      await reader.cancel();
    }
  });
});

describe('./scripts/nearest.mjs', () => {
  it('--json prints the API\'s answer; bad flags are named as flags', async () => {
    const run = promisify(execFile);
    const script = join(ROOT, 'scripts', 'nearest.mjs');
    const args = ['--lat', String(HERE.lat), '--lon', String(HERE.lon), '--radius-km', '10', '--limit', '3', '--redis-url', redis.url];
    const [cli, api] = await Promise.all([run(process.execPath, [script, ...args, '--json']), get(`/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}&radius_km=10&limit=3`)]);
    const strip = (a: NearestAnswer) => ({ ...a, drivers: a.drivers.map(({ age_ms: _, ...d }) => d) });
    expect(strip(JSON.parse(cli.stdout) as NearestAnswer)).toEqual(strip(api.body as NearestAnswer));
    const bad = await run(process.execPath, [script, '--lat', '0', '--lon', '0', '--radius-km', '0', '--redis-url', redis.url]).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(bad?.code).toBe(2);
    expect(bad?.stderr).toContain('nearest: --radius-km: 0 is out of range (expected > 0 and ≤ 100)');
  }, 30_000);
});

describe('with a token (SECURITY on)', () => {
  const token = 'test-token-0123456789abcdef';
  let guarded: App;
  beforeAll(async () => {
    const client = appRedis({ url: redis.url });
    await client.connect();
    guarded = await startApp({ redis: client, keys: KEYS, port: 0, token });
    return async () => {
      await guarded.close();
      client.disconnect();
    };
  });
  const raw = (path: string, headers: Record<string, string> = {}) => fetch(`${guarded.url}${path}`, { headers, redirect: 'manual' });

  it('answers 401 without it, and never names the token', async () => {
    for (const path of ['/', '/events', '/config', '/health', '/drivers/free_0', `/drivers/nearest?lat=${HERE.lat}&lon=${HERE.lon}`]) {
      const res = await raw(path);
      const text = await res.text();
      expect([path, res.status]).toEqual([path, 401]);
      expect(text).toContain('a token is required');
      expect(text).not.toContain(token);
    }
    expect((await raw('/health', { authorization: 'Bearer wrong-token-0123456789abcd' })).status).toBe(401);
  });

  it('takes it as a Bearer header, or from the page URL once, then from the HttpOnly cookie it sets', async () => {
    expect((await raw('/drivers/free_0', guarded.headers)).status).toBe(200);
    const page = await fetch(guarded.pageUrl);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^rastro_app_token=[^;]+; HttpOnly; SameSite=Strict; Path=\/$/);
    expect((await raw('/config', { cookie: cookie.split(';')[0] as string })).status).toBe(200);
  });

  it('refuses a Host that is not this app (a page of another site rebinding its name to 127.0.0.1), token or not', async () => {
    // fetch() will not send another Host: node:http does, as a browser does for the rebinding page.
    const foreign = (a: Pick<App, 'url' | 'headers'>) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(`${a.url}/health`);
      const req = httpGet({ host: u.hostname, port: u.port, path: u.pathname, headers: { ...a.headers, host: 'attacker.example:80' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
    for (const a of [guarded, app]) {
      const res = await foreign(a);
      expect(res.status).toBe(421);
      expect(res.body).toContain('is not this app');
    }
    const port = new URL(guarded.url).port;
    expect((await fetch(`http://localhost:${port}/health`, { headers: guarded.headers })).status).toBe(200);
  });
});
