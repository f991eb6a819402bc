import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BANNER_QUERIES } from '../../scripts/lib/app/banner.ts';
import { appRedis, type NearestAnswer } from '../../scripts/lib/app/drivers.ts';
import { startApp, type App } from '../../scripts/lib/app/server.ts';
import { launch, MAP_READY_SELECTOR, screenshotMap } from '../../scripts/lib/render/screenshot.ts';
import { allHashes, fakePrometheus, KEYS, sinkDelete, sinkWrite, startRedis, writeFleet, type TestRedis } from './app-fixture.ts';

// The live map in a real browser (Debian's Chromium through playwright-core) against a real
// redis-server and a stand-in Prometheus; no Kafka. Kept with the unit tests: a few seconds.

let redis: TestRedis;
let app: App;
let browser: Browser;
let page: Page;
let consoleErrors: string[];

/** The drivers that should be on the map: every hash that is not OFFLINE (read without the app's code). */
async function liveInRedis(): Promise<Map<string, Record<string, string>>> {
  return new Map([...(await allHashes(redis.client))].filter(([, h]) => h.status !== 'OFFLINE'));
}

/** The dots on the page: id → lat, lon, status. */
function dots(p: Page): Promise<Array<{ id: string; lat: number; lon: number; status: string }>> {
  return p.$$eval('svg#map circle[data-driver-id]', (els) =>
    els.map((e) => ({ id: e.getAttribute('data-driver-id') ?? '', lat: Number(e.getAttribute('data-lat')), lon: Number(e.getAttribute('data-lon')), status: e.getAttribute('data-status') ?? '' })),
  );
}

beforeAll(async () => {
  redis = await startRedis();
  await writeFleet(redis.client, { drivers: 80, rounds: 6 });
  const prom = await fakePrometheus({
    [BANNER_QUERIES.brokersUp]: [{ value: 2 }],
    [BANNER_QUERIES.underReplicated]: [{ value: 4 }],
    [BANNER_QUERIES.sinkLag]: [{ metric: { topic: 'driver-locations' }, value: 40 }, { metric: { topic: 'other' }, value: 2 }],
  });
  const client = appRedis({ url: redis.url });
  await client.connect();
  app = await startApp({ redis: client, keys: KEYS, port: 0, pollMs: 250, prometheusUrl: prom.url });
  browser = await launch('map test');
  return async () => {
    await browser?.close();
    await app?.close();
    client.disconnect();
    await prom.close();
    await redis?.stop();
  };
}, 60_000);

beforeEach(async () => {
  consoleErrors = [];
  page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  await page.goto(`${app.url}/`, { waitUntil: 'load' });
  await page.waitForSelector(MAP_READY_SELECTOR, { timeout: 10_000 });
}, 20_000);

afterEach(async () => {
  await page.close();
  expect(consoleErrors).toEqual([]);
});

describe('live map', () => {
  it('draws one dot per live, not-OFFLINE driver, where Redis has it; the legend and banner say the same', async () => {
    const live = await liveInRedis();
    // The fixture must hold OFFLINE drivers for the count to mean anything.
    expect((await allHashes(redis.client)).size).toBeGreaterThan(live.size);
    expect(Number(await page.getAttribute('svg#map', 'data-drivers'))).toBe(live.size);
    const shown = await dots(page);
    expect(shown.map((d) => d.id).sort()).toEqual([...live.keys()].sort());
    for (const d of shown) {
      const h = live.get(d.id) as Record<string, string>;
      expect([d.lat, d.lon, d.status]).toEqual([Number(h.latitude), Number(h.longitude), h.status]);
    }
    const legend = await page.$$eval('#legend li', (lis) => lis.map((li) => li.textContent));
    const count = (s: string) => [...live.values()].filter((h) => h.status === s).length;
    expect(legend).toEqual(['AVAILABLE', 'PICKING_UP', 'DELIVERING'].map((s) => `${s}${count(s)}`));
    // Banner from the stand-in Prometheus: 2 of 3 brokers, 4 under-replicated, lag summed over topics.
    await page.waitForFunction(() => document.querySelector('#b-lag b')?.textContent === '42', undefined, { timeout: 10_000 });
    expect(await page.textContent('#b-brokers b')).toBe('2/3');
    expect(await page.getAttribute('#b-brokers', 'class')).toBe('item warn');
    expect(await page.textContent('#b-urp b')).toBe('4');
    expect(await page.textContent('#b-redis b')).toBe('ok');
  });

  it('a driver moved in Redis moves on the page within 1 s; OFFLINE, deleted and new drivers follow', async () => {
    const [id, h] = [...(await liveInRedis())][0] as [string, Record<string, string>];
    const at = (lat: number, lon: number) =>
      page.waitForFunction(([i, la, lo]) => {
        const dot = document.querySelector(`circle[data-driver-id="${i}"]`);
        return dot !== null && dot.getAttribute('data-lat') === String(la) && dot.getAttribute('data-lon') === String(lo);
      }, [id, lat, lon] as const, { timeout: 1000, polling: 20 });
    const t0 = Date.now();
    await sinkWrite(redis.client, { driver_id: id, latitude: -23.6, longitude: -46.5, timestamp: Number(h.timestamp) + 1, status: h.status as string });
    await at(-23.6, -46.5);
    expect(Date.now() - t0).toBeLessThan(1000);

    const count = () => page.getAttribute('svg#map', 'data-drivers').then(Number);
    const before = await count();
    const gone = (i: string) => page.waitForSelector(`circle[data-driver-id="${i}"]`, { state: 'detached', timeout: 1000 });
    await sinkWrite(redis.client, { driver_id: id, latitude: -23.6, longitude: -46.5, timestamp: Number(h.timestamp) + 2, status: 'OFFLINE' });
    await gone(id);
    const [other] = [...(await liveInRedis()).keys()];
    await sinkDelete(redis.client, other as string);
    await gone(other as string);
    await sinkWrite(redis.client, { driver_id: 'driver_new', latitude: -23.5, longitude: -46.6, timestamp: Date.now(), status: 'DELIVERING' });
    await page.waitForSelector('circle[data-driver-id="driver_new"][data-status="DELIVERING"]', { timeout: 1000 });
    expect(await count()).toBe(before - 1);
    expect(await count()).toBe((await liveInRedis()).size);
  });

  it('a click lists the same drivers as the API, and rings their dots', async () => {
    // Click where an AVAILABLE driver is, so the answer cannot be empty.
    const target = (await dots(page)).find((d) => d.status === 'AVAILABLE');
    expect(target).toBeDefined();
    const box = await page.locator(`circle[data-driver-id="${target?.id}"]`).boundingBox();
    if (box === null) throw new Error(`dot of ${target?.id} is not visible`);
    await page.mouse.click(box.x + box.width / 2 + 1, box.y + box.height / 2 + 1);
    await page.waitForSelector('#nearest[data-count]', { timeout: 5000 });
    const listed = await page.$$eval('#nearest li', (lis) => lis.map((li) => li.getAttribute('data-driver-id')));
    const [lat, lon] = await page.$eval('#nearest', (ol) => [ol.getAttribute('data-lat'), ol.getAttribute('data-lon')]);
    const api = (await (await fetch(`${app.url}/drivers/nearest?lat=${lat}&lon=${lon}&radius_km=5&status=AVAILABLE&limit=10`)).json()) as NearestAnswer;
    expect(api.drivers.length).toBeGreaterThan(0);
    expect(listed).toEqual(api.drivers.map((d) => d.driver_id));
    expect(listed[0]).toBe(target?.id);
    const ringed = await page.$$eval('circle.dot.near', (els) => els.map((e) => e.getAttribute('data-driver-id')));
    expect(ringed.sort()).toEqual([...listed].sort());
  });

  it('screenshotMap writes a PNG of the drawn map', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rastro-map-'));
    try {
      const file = join(dir, 'map.png');
      await screenshotMap(app.url, file);
      const png = readFileSync(file);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      // Width and height from the IHDR chunk: the viewport (1280 wide), at least the map's height.
      expect(png.readUInt32BE(16)).toBe(1280);
      expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(820);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
