import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../stack.ts';
import { Area, ringsOf, type Bounds } from './polygons.ts';

/**
 * The shipped basemap (municipality, districts, water; sources and licences in its README). From ROOT, not
 * import.meta.url: the producer runs bundled (producer/build.mjs) from another directory.
 */
export const BASEMAP_DIR = join(ROOT, 'shared', 'geo', 'sao-paulo');
/** The basemap's layers, as files in BASEMAP_DIR: what the map page draws and the simulator reads. */
export const BASEMAP_LAYERS = ['boundary', 'districts', 'water'] as const;
/** What the map must credit for the basemap (its README says why, per file). */
export const BASEMAP_ATTRIBUTION = 'Districts: Prefeitura de São Paulo – GeoSampa · Reservoirs: “Reservatórios da RMSP” (licence unverified)';
export type BasemapLayer = (typeof BASEMAP_LAYERS)[number];

interface Feature {
  properties: Record<string, unknown>;
  geometry: { type: string; coordinates: unknown };
}

export function basemapFile(layer: BasemapLayer): string {
  return join(BASEMAP_DIR, `${layer}.geojson`);
}

function features(layer: BasemapLayer): Feature[] {
  const file = basemapFile(layer);
  let json: { features?: Feature[] };
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as { features?: Feature[] };
  } catch (err) {
    throw new Error(`basemap: read ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(json.features) || json.features.length === 0) throw new Error(`basemap: ${file} has no features`);
  return json.features;
}

/** Where a driver may be: inside the municipality and on no water body. */
export interface Land {
  /** The municipality's extent. */
  bounds: Bounds;
  isLand(lat: number, lon: number): boolean;
  /** A uniformly random point on land (rejection sampling over the bounds). */
  randomPoint(rand: () => number): { lat: number; lon: number };
}

let cached: Land | undefined;

/**
 * The municipality of São Paulo minus the water bodies of the shipped basemap (read once): today the
 * Billings and Guarapiranga reservoirs; the Tietê and Pinheiros rivers are not in it (no source could be
 * reached, see its README).
 */
export function saoPauloLand(): Land {
  if (cached !== undefined) return cached;
  const city = new Area(features('boundary').flatMap((f, i) => ringsOf(f.geometry, `boundary.geojson feature ${i}`)));
  // One area per water body: two that touch or overlap must not cancel out under the even-odd rule.
  const water = features('water').map((f, i) => new Area(ringsOf(f.geometry, `water.geojson feature ${i} (${String(f.properties.name)})`)));
  const isLand = (lat: number, lon: number) => city.contains(lat, lon) && !water.some((w) => w.contains(lat, lon));
  const b = city.bounds;
  cached = {
    bounds: b,
    isLand,
    randomPoint(rand) {
      for (let i = 0; i < 10_000; i++) {
        const lat = b.minLat + rand() * (b.maxLat - b.minLat);
        const lon = b.minLon + rand() * (b.maxLon - b.minLon);
        if (isLand(lat, lon)) return { lat, lon };
      }
      throw new Error('basemap: found no land point in 10,000 tries (is boundary.geojson empty?)');
    },
  };
  return cached;
}
