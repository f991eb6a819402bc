import { readFileSync } from 'node:fs';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { describe, expect, it } from 'vitest';
import { prng, Simulator } from '../../producer/src/simulator.ts';
import { CITY_CENTRE, SAO_PAULO } from '../../shared/city.ts';
import { Area, ringsOf } from '../../shared/geo/polygons.ts';
import { BASEMAP_LAYERS, basemapFile, saoPauloLand, type BasemapLayer } from '../../shared/geo/sao-paulo.ts';

// The simulator's land test (shared/geo) against turf's point-in-polygon as the independent oracle,
// on the shipped basemap; and the simulator's positions, all of them on land.

interface Feature {
  type: 'Feature';
  properties: Record<string, string>;
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: any };
}

const layer = (l: BasemapLayer): Feature[] => (JSON.parse(readFileSync(basemapFile(l), 'utf8')) as { features: Feature[] }).features;
const boundary = layer('boundary');
const water = layer('water');
const districts = layer('districts');

/** The oracle: inside the municipality and in no water body, by turf. */
const turfLand = (lat: number, lon: number) =>
  boundary.some((f) => booleanPointInPolygon([lon, lat], f)) && !water.some((f) => booleanPointInPolygon([lon, lat], f));

/** Area of a ring in km² (equirectangular about its own latitude: good to well under 1 % at a city's size). */
function ringKm2(ring: Array<[number, number]>): number {
  const lat0 = (ring.reduce((s, p) => s + p[1], 0) / ring.length) * (Math.PI / 180);
  const kx = 111.32 * Math.cos(lat0);
  let twice = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i] as [number, number];
    const [x2, y2] = ring[(i + 1) % ring.length] as [number, number];
    twice += x1 * kx * (y2 * 110.57) - x2 * kx * (y1 * 110.57);
  }
  return Math.abs(twice) / 2;
}

describe('the shipped São Paulo basemap', () => {
  it('has the 96 districts, named, and a city limit of the municipality\'s size', () => {
    expect(districts).toHaveLength(96);
    const names = districts.map((f) => f.properties.name);
    expect(new Set(names).size).toBe(96);
    for (const n of ['Sé', 'Pinheiros', 'Marsilac', 'Jardim Ângela', 'Cidade Ademar']) expect(names).toContain(n);
    // IBGE: 1,521 km². Outer rings minus holes.
    const km2 = boundary.flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates)).reduce((s: number, poly: Array<Array<[number, number]>>) => s + ringKm2(poly[0] as Array<[number, number]>) - poly.slice(1).reduce((h, r) => h + ringKm2(r), 0), 0);
    expect(km2).toBeGreaterThan(1521 * 0.97);
    expect(km2).toBeLessThan(1521 * 1.03);
  });

  it('puts each reservoir in the districts around it, at a plausible size', () => {
    const inDistricts = districts.map((f) => ({ name: f.properties.name as string, area: new Area(ringsOf(f.geometry, f.properties.name as string)) }));
    const around = (name: string, expected: string[], km2: [number, number]) => {
      const f = water.find((w) => w.properties.name === name) as Feature;
      expect(f, name).toBeDefined();
      const body = new Area(ringsOf(f.geometry, name));
      const b = body.bounds;
      const rand = prng(5);
      const seen = new Set<string>();
      let hits = 0;
      const tries = 20_000;
      for (let i = 0; i < tries; i++) {
        const lat = b.minLat + rand() * (b.maxLat - b.minLat);
        const lon = b.minLon + rand() * (b.maxLon - b.minLon);
        if (!body.contains(lat, lon)) continue;
        hits++;
        seen.add(inDistricts.find((d) => d.area.contains(lat, lon))?.name ?? 'outside the city');
      }
      // The districts on its shores (the city's own district map), and nothing outside the municipality.
      expect([...seen].filter((d) => !expected.includes(d)), name).toEqual([]);
      expect(seen.size, name).toBeGreaterThanOrEqual(2);
      const area = (hits / tries) * (b.maxLat - b.minLat) * 110.57 * (b.maxLon - b.minLon) * 111.32 * Math.cos((((b.minLat + b.maxLat) / 2) * Math.PI) / 180);
      expect(area, `${name} km²`).toBeGreaterThan(km2[0]);
      expect(area, `${name} km²`).toBeLessThan(km2[1]);
    };
    // Guarapiranga: ~26 km² of water, nearly all of it in the city; Billings: 127 km², its western arms in the city.
    around('Represa Guarapiranga', ['Jardim Ângela', 'Jardim São Luís', 'Socorro', 'Cidade Dutra', 'Parelheiros'], [18, 30]);
    around('Represa Billings', ['Pedreira', 'Grajaú', 'Cidade Dutra', 'Cidade Ademar', 'Parelheiros'], [20, 45]);
  });

  it('every layer the map page draws is a file with features', () => {
    for (const l of BASEMAP_LAYERS) expect(layer(l).length).toBeGreaterThan(0);
  });

  it('SAO_PAULO is the city limit\'s extent and the demo\'s centre is on land', () => {
    const lats = boundary.flatMap((f) => ringsOf(f.geometry, 'boundary').flat().map((p) => p[1]));
    expect(SAO_PAULO.minLat).toBe(Math.min(...lats));
    expect(SAO_PAULO.maxLat).toBe(Math.max(...lats));
    expect(saoPauloLand().isLand(CITY_CENTRE.lat, CITY_CENTRE.lon)).toBe(true);
  });
});

describe('Area (the indexed point-in-polygon)', () => {
  it('agrees with turf on 20,000 random points over the city, water included', () => {
    const land = saoPauloLand();
    const rand = prng(3);
    let inside = 0;
    for (let i = 0; i < 20_000; i++) {
      const lat = SAO_PAULO.minLat - 0.02 + rand() * (SAO_PAULO.maxLat - SAO_PAULO.minLat + 0.04);
      const lon = SAO_PAULO.minLon - 0.02 + rand() * (SAO_PAULO.maxLon - SAO_PAULO.minLon + 0.04);
      const mine = land.isLand(lat, lon);
      expect(mine, `${lat}, ${lon}`).toBe(turfLand(lat, lon));
      if (mine) inside++;
    }
    // The test means something only if both answers occur often.
    expect(inside).toBeGreaterThan(5000);
    expect(inside).toBeLessThan(15_000);
  });

  it('counts a hole as outside and a point on the far side of a vertex once', () => {
    const square = new Area([
      [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
      [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
    ]);
    expect(square.contains(2, 2)).toBe(true);
    expect(square.contains(5, 5)).toBe(false);
    expect(square.contains(11, 5)).toBe(false);
    const diamond = new Area([[[0, 5], [5, 0], [10, 5], [5, 10]]]);
    // The ray from (5, 1) eastward passes nowhere near a vertex; from (5, 5) it passes through (10, 5).
    expect(diamond.contains(5, 1)).toBe(true);
    expect(diamond.contains(5, 5)).toBe(true);
    expect(diamond.contains(5, -0.1)).toBe(false);
  });
});

describe('the simulator stays on land', () => {
  it('100,000 positions: every one inside the city and off water, at plausible speeds', () => {
    let now = 1_700_000_000_000;
    // 40 ms an event over 500 drivers: each moves every 20 s, up to 280 m a step (long steps test the crossing check).
    const sim = new Simulator({ drivers: 500, seed: 11, now: () => (now += 40) });
    const last = new Map<string, { lat: number; lon: number; ts: number }>();
    const seenDistricts = new Set<string>();
    const districtAreas = districts.map((f) => ({ name: f.properties.name as string, area: new Area(ringsOf(f.geometry, f.properties.name as string)) }));
    let fastest = 0;
    for (let i = 0; i < 100_000; i++) {
      const e = sim.next();
      expect(turfLand(e.latitude, e.longitude), `${e.driver_id} at ${e.latitude}, ${e.longitude}`).toBe(true);
      const prev = last.get(e.driver_id);
      if (prev !== undefined) {
        const dy = (e.latitude - prev.lat) * 111_320;
        const dx = (e.longitude - prev.lon) * 111_320 * Math.cos((e.latitude * Math.PI) / 180);
        fastest = Math.max(fastest, Math.hypot(dx, dy) / ((e.timestamp - prev.ts) / 1000));
      } else {
        seenDistricts.add(districtAreas.find((d) => d.area.contains(e.latitude, e.longitude))?.name ?? '?');
      }
      last.set(e.driver_id, { lat: e.latitude, lon: e.longitude, ts: e.timestamp });
    }
    // 14 m/s (50 km/h) is the simulator's top speed; rounding to 6 decimals adds centimetres.
    expect(fastest).toBeLessThan(14.1);
    expect(fastest).toBeGreaterThan(10);
    // Spread over the city, not bunched: 500 drivers start in most of its 96 districts.
    expect(seenDistricts.size).toBeGreaterThan(70);
  });
});
