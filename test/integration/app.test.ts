import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocationEvent } from '../../shared/event.ts';
import { LocationProducer } from '../../producer/src/location-producer.ts';
import type { NearestAnswer } from '../../scripts/lib/app/drivers.ts';
import { CITY_CENTRE, openApp } from '../../scripts/lib/app/session.ts';
import type { App } from '../../scripts/lib/app/server.ts';
import { waitForSink } from '../../scripts/lib/pipeline.ts';
import { launch, MAP_READY_SELECTOR } from '../../scripts/lib/render/screenshot.ts';
import { clickBeside } from '../map-page.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { withRedis } from './helpers.ts';
import { testRuntime } from './stack.ts';

// The delivery app's side on the real pipeline: producer → Kafka → Connect (the sink keeps the GEO
// index in the same write as the hash) → Redis → API and live map. Drivers driver_40xx sit near
// 10° N 10° E, far from every other test's São Paulo fleet, so the answers are theirs alone.

let rt: Runtime;
let app: App;
let producer: LocationProducer;
const AT = { lat: 10, lon: 10 };
const id = (n: number) => `driver_${4000 + n}`;
let clock = Date.now();
const ev = (n: number, dLat: number, status: string): LocationEvent => ({ driver_id: id(n), latitude: AT.lat + dLat, longitude: AT.lon, timestamp: ++clock, status });

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${app.url}${path}`, { headers: app.headers });
  return { status: res.status, body: (await res.json()) as T };
}
const ids = (a: NearestAnswer) => a.drivers.map((d) => d.driver_id);

beforeAll(async () => {
  rt = await testRuntime();
  app = await openApp(rt);
  producer = new LocationProducer({ ...rt.access.producer(), topic: rt.stack.topics.locations, lateTopic: rt.stack.topics.late });
  await producer.connect();
});

afterAll(async () => {
  await producer?.close(10_000);
  await app?.close();
});

describe('nearest drivers from the sink-kept GEO index', () => {
  it('answers AVAILABLE drivers by distance; OFFLINE and deleted drivers leave the index', async () => {
    // ~111 m apart northwards; 4 is OFFLINE, 5 is deleted after its location.
    const events = [ev(0, 0.001, 'AVAILABLE'), ev(1, 0.002, 'AVAILABLE'), ev(2, 0.003, 'PICKING_UP'), ev(3, 0.004, 'AVAILABLE'), ev(4, 0.0005, 'OFFLINE'), ev(5, 0.0001, 'AVAILABLE')];
    for (const e of events) await producer.send(e);
    await producer.flush();
    await waitForSink(rt, events, 60_000);
    await producer.delete(id(5));
    await producer.flush();
    await waitFor(async () => (await get(`/drivers/${id(5)}`)).status === 404, { what: `${id(5)} deleted by its tombstone`, timeoutMs: 60_000 });

    const near = (await get<NearestAnswer>(`/drivers/nearest?lat=${AT.lat}&lon=${AT.lon}&radius_km=5&limit=10`)).body;
    expect(ids(near)).toEqual([id(0), id(1), id(3)]);
    expect(near.drivers[0]?.distance_km).toBeCloseTo(0.111, 2);
    expect(ids((await get<NearestAnswer>(`/drivers/nearest?lat=${AT.lat}&lon=${AT.lon}&radius_km=5&status=any&limit=10`)).body)).toEqual([id(0), id(1), id(2), id(3)]);
    // The OFFLINE driver keeps its hash (the app can still look it up) but is not in the index.
    expect((await get<{ status: string }>(`/drivers/${id(4)}`)).body.status).toBe('OFFLINE');
    const members = await withRedis(rt, async (r) => (await r.zrange(rt.stack.redisGeoKey, '0', '-1')).filter((m) => m.startsWith('driver_40')));
    expect(members.sort()).toEqual([id(0), id(1), id(2), id(3)]);
  });
});

describe('the live map in Chromium, fed by the pipeline', () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    browser = await launch('map integration test');
    page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(e.message));
    await page.goto(app.pageUrl, { waitUntil: 'load' });
    await page.waitForSelector(MAP_READY_SELECTOR, { timeout: 15_000 });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('holds every driver hash in Redis (the legend\'s total) and shows the ones not OFFLINE, with no console error', async () => {
    const statuses = await withRedis(rt, async (r) => {
      const keys = await r.keys(`${rt.stack.redisKeyPrefix}*`);
      return (await Promise.all(keys.map((k) => r.hget(k, 'status')))).filter((s) => s !== null);
    });
    const live = statuses.filter((s) => s !== 'OFFLINE').length;
    expect(live).toBeGreaterThan(0);
    await waitFor(async () => Number(await page.getAttribute('#map', 'data-total')) === statuses.length && Number(await page.getAttribute('#map', 'data-drivers')) === live, {
      what: `${statuses.length} drivers held, ${live} shown on the map`, timeoutMs: 10_000,
    });
    const legendTotal = await page.$$eval('#legend .count', (els) => els.reduce((sum, e) => sum + Number(e.textContent), 0));
    expect(legendTotal).toBe(statuses.length);
    expect(errors).toEqual([]);
  });

  it('moves a dot within 1 s of the producer acknowledging the new position', async () => {
    const took: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const e = ev(1, 0.002 + i * 0.01, 'AVAILABLE');
      await producer.send(e);
      await producer.flush();
      const acked = Date.now();
      await page.waitForFunction(([id, lat]) => (window as any).rastroMap.driver(id)?.marker[0] === lat, [e.driver_id, e.latitude] as const, { timeout: 10_000, polling: 20 });
      took.push(Date.now() - acked);
    }
    // The median, not each move: one move can meet a JIT or GC pause of a loaded 2-core machine.
    expect([...took].sort((a, b) => a - b)[1]).toBeLessThanOrEqual(1000);
    expect(errors).toEqual([]);
  });

  it('lists on a click the drivers the API answers for that point', async () => {
    // Five AVAILABLE drivers of its own in São Paulo (whatever ran before), and a click on one of them.
    const fleet = Array.from({ length: 5 }, (_, i): LocationEvent => ({ driver_id: `driver_41${i}`, latitude: CITY_CENTRE.lat + i * 0.003, longitude: CITY_CENTRE.lon - i * 0.002, timestamp: ++clock, status: 'AVAILABLE' }));
    for (const e of fleet) await producer.send(e);
    await producer.flush();
    await waitForSink(rt, fleet, 60_000);
    const target = fleet[2] as LocationEvent;
    await page.waitForFunction((id) => (window as any).rastroMap.driver(id) !== undefined, target.driver_id, { timeout: 10_000 });
    await clickBeside(page, target.latitude, target.longitude);
    await page.waitForSelector('#nearest[data-count]', { timeout: 10_000 });
    const listed = await page.$$eval('#nearest li', (lis) => lis.map((li) => li.getAttribute('data-driver-id')));
    const [lat, lon] = await page.$eval('#nearest', (ol) => [ol.getAttribute('data-lat'), ol.getAttribute('data-lon')]);
    const api = (await get<NearestAnswer>(`/drivers/nearest?lat=${lat}&lon=${lon}&radius_km=5&status=AVAILABLE&limit=10`)).body;
    expect(ids(api)[0]).toBe(target.driver_id);
    expect(listed).toEqual(ids(api));
    expect(errors).toEqual([]);
  });
});
