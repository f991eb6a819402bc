import { describe, expect, it } from 'vitest';
import { CITY_CENTRE } from '../../shared/city.ts';
import { saoPauloLand } from '../../shared/geo/sao-paulo.ts';
import { cityPoints, loadNearest, startEmptyHttpServer } from '../../scripts/lib/bench/nearest.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

describe('cityPoints (the nearest-query bench asks the same questions every run)', () => {
  it('is deterministic, on the simulated city\'s land, and spread over it', () => {
    const a = cityPoints(1000);
    expect(cityPoints(1000)).toEqual(a);
    expect(cityPoints(1000, 8)).not.toEqual(a);
    // Rounded to 5 decimals (~1 m): a point drawn right at the shore may round just off it.
    const land = saoPauloLand();
    expect(a.filter((p) => land.isLand(p.lat, p.lon)).length).toBeGreaterThanOrEqual(995);
    // Every quarter around the city centre gets questions.
    const north = a.filter((p) => p.lat > CITY_CENTRE.lat).length;
    const east = a.filter((p) => p.lon > CITY_CENTRE.lon).length;
    for (const n of [north, 1000 - north, east, 1000 - east]) expect(n).toBeGreaterThan(200);
  });
});

describe('loadNearest (autocannon against a real HTTP server)', () => {
  it('counts the rate from the first request sent to the last answer, not to autocannon\'s next one-second tick', async () => {
    // 10 connections, each answer after 5 ms or a little more: 1,000 requests in well under a second.
    // The server's own clock: first request in, last answer out.
    let first = 0;
    let last = 0;
    const server = createServer((_req, res) => {
      first ||= performance.now();
      setTimeout(() => {
        res.end('{"drivers":[]}');
        last = performance.now();
      }, 5);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const load = await loadNearest(`http://127.0.0.1:${port}`, cityPoints(10), { radiusKm: 2, limit: 10, requests: 1_000, connections: 10 });
      expect(load.requests).toBe(1_000);
      expect(load.failed).toBe(0);
      // The answers take well under a second; autocannon reports at its next one-second tick. Counted to that
      // tick the rate read about 1,000/s; counted to the last answer it is the rate the server saw.
      const served = (1_000 * 1000) / (last - first);
      expect(load.requestsPerSecond).toBeGreaterThan(served * 0.9);
      expect(load.requestsPerSecond).toBeLessThan(served * 1.1);
    } finally {
      server.close();
    }
  });
});

describe('startEmptyHttpServer (the HTTP ceiling beside the app)', () => {
  it('serves every request from its own process until stopped, so loadNearest can measure it like the app', async () => {
    const empty = await startEmptyHttpServer();
    try {
      expect(empty.pid).not.toBe(process.pid);
      const res = await fetch(`${empty.url}/drivers/nearest?lat=-23.5&lon=-46.6`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('[]');
      const load = await loadNearest(empty.url, cityPoints(10), { radiusKm: 2, limit: 10, requests: 500, connections: 10 });
      expect(load.requests).toBe(500);
      expect(load.failed).toBe(0);
    } finally {
      await empty.stop();
    }
    await expect(fetch(empty.url)).rejects.toThrow();
  });
});
