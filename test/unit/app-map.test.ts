import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BANNER_QUERIES } from '../../scripts/lib/app/banner.ts';
import { QUERIES } from '../../scripts/lib/metrics/catalogue.ts';
import { appRedis, type NearestAnswer } from '../../scripts/lib/app/drivers.ts';
import { startApp, type App } from '../../scripts/lib/app/server.ts';
import { launch, MAP_READY_SELECTOR, screenshotMap } from '../../scripts/lib/render/screenshot.ts';
import { clickBeside, pageDriver } from '../map-page.ts';
import { allHashes, fakePrometheus, KEYS, sinkDelete, sinkWrite, startRedis, writeFleet, type TestRedis } from './app-fixture.ts';

// The live map in a real browser (Debian's Chromium through playwright-core) against a real
// redis-server and a stand-in Prometheus; no Kafka. Kept with the unit tests: a few seconds.

let redis: TestRedis;
let app: App;
let browser: Browser;
let page: Page;
let consoleErrors: string[];

/** The drivers the sink holds, by status (read without the app's code). */
async function byStatus(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const h of (await allHashes(redis.client)).values()) out.set(h.status as string, (out.get(h.status as string) ?? 0) + 1);
  return out;
}

/** Drivers the map draws, summed over what is on screen: cluster counts plus single markers. */
function drawnCount(p: Page): Promise<number> {
  return p.evaluate(() => {
    const clustered = [...document.querySelectorAll('.marker-cluster span')].reduce((s, e) => s + Number(e.textContent), 0);
    return clustered + document.querySelectorAll('.leaflet-marker-icon[data-driver-id]').length;
  });
}

beforeAll(async () => {
  redis = await startRedis();
  await writeFleet(redis.client, { drivers: 80, rounds: 6 });
  const prom = await fakePrometheus({
    [BANNER_QUERIES.brokersUp]: [{ value: 2 }],
    [BANNER_QUERIES.underReplicated]: [{ value: 4 }],
    [BANNER_QUERIES.sinkLag]: [{ metric: { topic: 'driver-locations' }, value: 40 }, { metric: { topic: 'other' }, value: 2 }],
    // Five scraped brokers: make scale added two broker-only nodes to the three voters.
    [QUERIES.brokersConfigured]: [{ value: 5 }],
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
  it('draws the basemap: district polygons, water, the city limit, and district names at the default zoom', async () => {
    const paths = await page.$$eval('.leaflet-overlay-pane path', (els) => els.length);
    // 96 districts + water bodies + the city limit.
    expect(paths).toBeGreaterThanOrEqual(96 + 2 + 1);
    const se = page.locator('.district-label', { hasText: /^Sé$/ });
    await expect(se.isVisible()).resolves.toBe(true);
    const box = await se.boundingBox();
    const mapBox = await page.locator('#map').boundingBox();
    if (box === null || mapBox === null) throw new Error('no box for the Sé label or the map');
    expect(box.x).toBeGreaterThan(mapBox.x);
    expect(box.x + box.width).toBeLessThan(mapBox.x + mapBox.width);
    // No tiles unless MAP_TILES_URL is set: the page made no request outside the app.
    expect(await page.$$eval('.leaflet-tile', (els) => els.length)).toBe(0);
  });

  it('the legend counts every status, OFFLINE included, and its total is Redis\'s hash count; the banner reads Prometheus', async () => {
    const counts = await byStatus();
    const total = (await allHashes(redis.client)).size;
    // The fixture must hold OFFLINE drivers for the count to mean anything.
    expect(counts.get('OFFLINE') ?? 0).toBeGreaterThan(0);
    const legend = await page.$$eval('#legend li', (lis) => lis.map((li) => [li.getAttribute('data-status'), Number(li.querySelector('.count')?.textContent)]));
    expect(legend).toEqual(['AVAILABLE', 'PICKING_UP', 'DELIVERING', 'OFFLINE'].map((s) => [s, counts.get(s) ?? 0]));
    expect(Number(await page.getAttribute('#map', 'data-total'))).toBe(total);
    const shown = total - (counts.get('OFFLINE') ?? 0);
    expect(Number(await page.getAttribute('#map', 'data-drivers'))).toBe(shown);
    expect(await page.textContent('#shown')).toBe(`showing ${shown} of ${total} drivers (OFFLINE hidden)`);
    // Banner from the stand-in Prometheus: 2 of the 5 brokers it scrapes, 4 under-replicated, lag summed over topics.
    await page.waitForFunction(() => document.querySelector('#b-lag b')?.textContent === '42', undefined, { timeout: 10_000 });
    expect(await page.textContent('#b-brokers b')).toBe('2/5');
    expect(await page.getAttribute('#b-brokers', 'class')).toBe('item warn');
    expect(await page.textContent('#b-urp b')).toBe('4');
    expect(await page.textContent('#b-redis b')).toBe('ok');
    expect(await page.textContent('#b-drivers b')).toBe(String(total));
  });

  it('clusters at low zoom, every shown driver counted once; the filters add and remove a status', async () => {
    await page.evaluate(() => (window as any).rastroMap.map.setZoom(10, { animate: false }));
    await page.waitForFunction(() => document.querySelectorAll('.marker-cluster').length > 0, undefined, { timeout: 5000 });
    const counts = await byStatus();
    const shown = [...counts].filter(([s]) => s !== 'OFFLINE').reduce((a, [, n]) => a + n, 0);
    // Zoomed out so the whole city is on screen: clusters and single markers add up to the drivers shown.
    await page.evaluate(() => (window as any).rastroMap.map.setZoom(9, { animate: false }));
    await page.waitForFunction((n) => {
      const clustered = [...document.querySelectorAll('.marker-cluster span')].reduce((s, e) => s + Number(e.textContent), 0);
      return clustered + document.querySelectorAll('.leaflet-marker-icon[data-driver-id]').length === n;
    }, shown, { timeout: 5000 });
    expect(await drawnCount(page)).toBe(shown);
    expect(await page.$$eval('.marker-cluster', (els) => els.length)).toBeGreaterThan(1);

    await page.click('#legend li[data-status="AVAILABLE"] input');
    const withoutAvailable = shown - (counts.get('AVAILABLE') ?? 0);
    expect(Number(await page.getAttribute('#map', 'data-drivers'))).toBe(withoutAvailable);
    await page.waitForFunction((n) => {
      const clustered = [...document.querySelectorAll('.marker-cluster span')].reduce((s, e) => s + Number(e.textContent), 0);
      return clustered + document.querySelectorAll('.leaflet-marker-icon[data-driver-id]').length === n;
    }, withoutAvailable, { timeout: 5000 });
    await page.click('#legend li[data-status="OFFLINE"] input');
    expect(Number(await page.getAttribute('#map', 'data-drivers'))).toBe(withoutAvailable + (counts.get('OFFLINE') ?? 0));
  });

  it('search by id zooms to the driver and opens its popup; an unknown id is said so', async () => {
    const [id, h] = [...(await allHashes(redis.client))].find(([, x]) => x.status === 'DELIVERING') as [string, Record<string, string>];
    await page.fill('#search-id', id);
    await page.press('#search-id', 'Enter');
    await page.waitForSelector(`.leaflet-marker-icon[data-driver-id="${id}"]`, { state: 'visible', timeout: 5000 });
    await page.waitForSelector('.leaflet-popup-content', { timeout: 5000 });
    expect(await page.textContent('.leaflet-popup-content')).toContain(id);
    expect(await page.textContent('#search-hint')).toBe(`${id}: DELIVERING at ${Number(h.latitude).toFixed(5)}, ${Number(h.longitude).toFixed(5)}`);
    // An id is data, never markup (it comes from a Kafka record).
    const evil = '<img src=x onerror="window.hacked=1">';
    await sinkWrite(redis.client, { driver_id: evil, latitude: -23.55, longitude: -46.63, timestamp: Date.now(), status: 'AVAILABLE' });
    await page.waitForFunction((i) => (window as any).rastroMap.driver(i) !== undefined, evil, { timeout: 2000 });
    await page.fill('#search-id', evil);
    await page.press('#search-id', 'Enter');
    await page.waitForFunction((i) => document.querySelector('.leaflet-popup-content')?.textContent?.includes(i), evil, { timeout: 5000 });
    expect(await page.$$eval('.leaflet-popup-content img', (els) => els.length)).toBe(0);
    expect(await page.evaluate(() => (window as any).hacked)).toBeUndefined();
    await sinkDelete(redis.client, evil);
    await page.fill('#search-id', 'driver_nobody');
    await page.press('#search-id', 'Enter');
    expect(await page.textContent('#search-hint')).toMatch(/^driver_nobody is not on the map \(\d+ drivers held\)$/);
  });

  it('a driver moved in Redis moves on the page within 1 s; OFFLINE, deleted and new drivers follow', async () => {
    const [id, h] = [...(await allHashes(redis.client))].find(([, x]) => x.status !== 'OFFLINE') as [string, Record<string, string>];
    const at = (i: string, lat: number, lon: number, status: string) =>
      page.waitForFunction(([i2, la, lo, st]) => {
        const d = (window as any).rastroMap.driver(i2);
        return d !== undefined && d.marker[0] === la && d.marker[1] === lo && d.status === st;
      }, [i, lat, lon, status] as const, { timeout: 1000, polling: 20 });
    const t0 = Date.now();
    await sinkWrite(redis.client, { driver_id: id, latitude: -23.6, longitude: -46.5, timestamp: Number(h.timestamp) + 1, status: h.status as string });
    await at(id, -23.6, -46.5, h.status as string);
    expect(Date.now() - t0).toBeLessThan(1000);

    const total = () => page.getAttribute('#map', 'data-total').then(Number);
    const before = await total();
    await sinkWrite(redis.client, { driver_id: id, latitude: -23.6, longitude: -46.5, timestamp: Number(h.timestamp) + 2, status: 'OFFLINE' });
    await at(id, -23.6, -46.5, 'OFFLINE');
    expect((await pageDriver(page, id))?.shown).toBe(false);
    const [other] = [...(await allHashes(redis.client)).keys()].filter((k) => k !== id);
    await sinkDelete(redis.client, other as string);
    await page.waitForFunction((i) => (window as any).rastroMap.driver(i) === undefined, other, { timeout: 1000, polling: 20 });
    await sinkWrite(redis.client, { driver_id: 'driver_new', latitude: -23.5, longitude: -46.6, timestamp: Date.now(), status: 'DELIVERING' });
    await at('driver_new', -23.5, -46.6, 'DELIVERING');
    expect(await total()).toBe(before);
    expect(await total()).toBe((await allHashes(redis.client)).size);
  });

  it('a driver moving alone keeps its open popup, which follows it', async () => {
    const [id, h] = [...(await allHashes(redis.client))].find(([, x]) => x.status === 'AVAILABLE') as [string, Record<string, string>];
    await page.fill('#search-id', id);
    await page.press('#search-id', 'Enter');
    await page.waitForSelector('.leaflet-popup-content', { timeout: 5000 });
    const lat = Number((Number(h.latitude) + 0.0005).toFixed(6));
    await sinkWrite(redis.client, { driver_id: id, latitude: lat, longitude: Number(h.longitude), timestamp: Number(h.timestamp) + 20, status: 'AVAILABLE' });
    await page.waitForFunction(([i, la]) => (window as any).rastroMap.driver(i)?.marker[0] === la, [id, lat] as const, { timeout: 2000, polling: 20 });
    expect(await page.$$eval('.leaflet-popup-content', (els) => els.length)).toBe(1);
    expect(await page.textContent('.leaflet-popup-content')).toContain(id);
  });

  it('a poll that moves most of the fleet (a busy one moves every poll) leaves every marker where Redis has it, an open popup open', async () => {
    const hashes = [...(await allHashes(redis.client))].filter(([, h]) => h.status !== 'OFFLINE');
    const [first] = hashes[0] as [string, Record<string, string>];
    await page.fill('#search-id', first);
    await page.press('#search-id', 'Enter');
    await page.waitForSelector('.leaflet-popup-content', { timeout: 5000 });
    const moved = new Map(hashes.map(([id, h]) => [id, [Number((Number(h.latitude) + 0.001).toFixed(6)), Number(h.longitude)] as [number, number]]));
    const rebuilds = await page.evaluate(() => (window as any).rastroMap.rebuilds);
    // All at once (sent together), so one poll sees most of the fleet moved.
    await Promise.all(hashes.map(([id, h]) => {
      const [lat, lon] = moved.get(id) as [number, number];
      return sinkWrite(redis.client, { driver_id: id, latitude: lat, longitude: lon, timestamp: Number(h.timestamp) + 10, status: h.status as string });
    }));
    await page.waitForFunction((want) => want.every(([id, [lat, lon]]) => {
      const d = (window as any).rastroMap.driver(id);
      return d !== undefined && d.marker[0] === lat && d.marker[1] === lon && d.shown;
    }), [...moved], { timeout: 5000, polling: 50 });
    expect(await page.evaluate(() => (window as any).rastroMap.rebuilds)).toBeGreaterThan(rebuilds);
    expect(await page.$$eval('.leaflet-popup-content', (els) => els.length)).toBe(1);
    expect(await page.textContent('.leaflet-popup-content')).toContain(first);
  });

  it('a click lists the same drivers as the API, ranked on the map inside the searched circle', async () => {
    // Zoomed in on an AVAILABLE driver, a click just beside it must list it first.
    const [id, h] = [...(await allHashes(redis.client))].find(([, x]) => x.status === 'AVAILABLE') as [string, Record<string, string>];
    await clickBeside(page, Number(h.latitude), Number(h.longitude));
    await page.waitForSelector('#nearest[data-count]', { timeout: 5000 });
    const listed = await page.$$eval('#nearest li', (lis) => lis.map((li) => li.getAttribute('data-driver-id')));
    const [lat, lon] = await page.$eval('#nearest', (ol) => [ol.getAttribute('data-lat'), ol.getAttribute('data-lon')]);
    const api = (await (await fetch(`${app.url}/drivers/nearest?lat=${lat}&lon=${lon}&radius_km=5&status=AVAILABLE&limit=10`)).json()) as NearestAnswer;
    expect(api.drivers.length).toBeGreaterThan(0);
    expect(listed).toEqual(api.drivers.map((d) => d.driver_id));
    expect(listed[0]).toBe(id);
    // One rank label per listed driver, and the searched circle (a path) drawn.
    const ranks = await page.$$eval('.leaflet-tooltip.rank', (els) => els.map((e) => e.textContent));
    expect(ranks).toEqual(listed.map((_, i) => String(i + 1)));
  });

  it('with MAP_TILES_URL, raster tiles under the basemap, credited', async () => {
    // A tile server of our own on loopback: every tile the same PNG; the requests are counted.
    const tile = readFileSync(createRequire(import.meta.url).resolve('leaflet/dist/images/layers.png'));
    const asked: string[] = [];
    const tiles = http.createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'image/png' }).end(tile);
    });
    await new Promise<void>((r) => tiles.listen(0, '127.0.0.1', r));
    const port = (tiles.address() as AddressInfo).port;
    const client = appRedis({ url: redis.url });
    await client.connect();
    const tiled = await startApp({ redis: client, keys: KEYS, port: 0, tiles: { url: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`, attribution: 'test tiles ©' } });
    const p = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    try {
      await p.goto(`${tiled.url}/`, { waitUntil: 'load' });
      await p.waitForSelector(MAP_READY_SELECTOR, { timeout: 10_000 });
      await p.waitForSelector('.leaflet-tile-loaded', { timeout: 10_000 });
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.every((u) => /^\/11\/\d+\/\d+\.png$/.test(u)), asked.join(' ')).toBe(true);
      expect(await p.textContent('.leaflet-control-attribution')).toContain('test tiles ©');
      // The basemap stays on top of the tiles.
      expect(await p.$$eval('.leaflet-overlay-pane path', (els) => els.length)).toBeGreaterThanOrEqual(99);
    } finally {
      await p.close();
      await tiled.close();
      client.disconnect();
      tiles.closeAllConnections();
      await new Promise((r) => tiles.close(r));
    }
  });

  it('the live dashboard page places each panel where the pictures do: its header is the height /dashboard/panels gives', async () => {
    // A Prometheus with no data: every query answers, empty (the panels say so; their places are what is tested).
    const prom = http.createServer((req, res) => {
      const range = (req.url ?? '').startsWith('/api/v1/query_range');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: range ? 'matrix' : 'vector', result: [] } }));
    });
    await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
    const client = appRedis({ url: redis.url });
    await client.connect();
    const other = await startApp({ redis: client, keys: KEYS, port: 0, prometheusUrl: `http://127.0.0.1:${(prom.address() as AddressInfo).port}` });
    const p = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      const drawn = (await (await fetch(`${other.url}/dashboard/panels?range=5m`)).json()) as { header: number; panels: Array<{ title: string; top: number; left: number }> };
      await p.goto(`${other.url}/dashboard?range=5m`);
      await p.waitForFunction(() => Number(document.querySelector('#panels')?.getAttribute('data-refreshes')) > 0, undefined, { timeout: 15_000 });
      const header = await p.$eval('header', (e) => (e as HTMLElement).getBoundingClientRect().height);
      expect(header).toBe(drawn.header);
      const placed = await p.$$eval('#panels .panel', (els) => els.map((e) => ({ title: (e as HTMLElement).dataset.title, top: e.getBoundingClientRect().top + window.scrollY, left: e.getBoundingClientRect().left })));
      expect(placed.length).toBe(drawn.panels.length);
      for (const [i, panel] of drawn.panels.entries()) expect(placed[i]).toEqual({ title: panel.title, top: panel.top, left: panel.left });
      // The height is the server's, not a number of the page's own: answered 80 px, the header is 80 px.
      await p.route('**/dashboard/panels*', async (route) => {
        const res = await route.fetch();
        const body = (await res.json()) as { header: number; panels: Array<{ top: number }> };
        await route.fulfill({ response: res, json: { ...body, header: 80, panels: body.panels.map((x) => ({ ...x, top: x.top + 20 })) } });
      });
      await p.reload();
      await p.waitForFunction(() => Number(document.querySelector('#panels')?.getAttribute('data-refreshes')) > 0, undefined, { timeout: 15_000 });
      expect(await p.$eval('header', (e) => (e as HTMLElement).getBoundingClientRect().height)).toBe(80);
    } finally {
      await p.close();
      await other.close();
      client.disconnect();
      prom.closeAllConnections();
      await new Promise((r) => prom.close(r));
    }
  }, 30_000);

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
