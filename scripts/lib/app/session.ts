import { CITY_CENTRE } from '../../../shared/city.ts';
import type { Runtime } from '../runtime/types.ts';
import type { NearestAnswer, LiveDriver } from './drivers.ts';
import { appKeys, appRedis } from './drivers.ts';
import { startApp, tilesFromEnv, type App } from './server.ts';

export { CITY_CENTRE };

/** The URL `make map` serves on for this stack. */
export function mapUrl(rt: Runtime): string {
  return `http://127.0.0.1:${rt.stack.ports.app}/`;
}

/** The live dashboard page `make map` serves for this stack. */
export function dashboardUrl(rt: Runtime): string {
  return `${mapUrl(rt)}dashboard`;
}

/**
 * The app (API + live map) served in this process on an ephemeral loopback port, so a demo or chaos
 * run can show it whether or not `make map` is running. `close` stops it and its Redis client.
 */
export async function openApp(rt: Runtime): Promise<App> {
  const redis = appRedis(rt.access.redis('app'), rt.stack);
  await redis.connect();
  const app = await startApp({ redis, keys: appKeys(rt.stack), prometheusUrl: rt.addresses.prometheusUrl, port: 0, token: rt.access.appToken(), tiles: tilesFromEnv() });
  return {
    ...app,
    async close(): Promise<void> {
      await app.close();
      redis.disconnect();
    },
  };
}

/** Runs `fn` with the app open (see openApp), closing it afterwards. */
export async function withApp<T>(rt: Runtime, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(rt);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** The path of the nearest-drivers request the evidence shows (and its curl). */
export function nearestPath(q: { lat: number; lon: number; radiusKm: number; limit: number }): string {
  return `/drivers/nearest?lat=${q.lat}&lon=${q.lon}&radius_km=${q.radiusKm}&status=AVAILABLE&limit=${q.limit}`;
}

/** GET `path` from the app over HTTP, as the delivery app would; an error names the request and its answer. */
export async function askNearest(app: App, path: string): Promise<NearestAnswer> {
  const res = await fetch(`${app.url}${path}`, { headers: app.headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${app.url}${path}: ${res.status} ${text}`);
  return JSON.parse(text) as NearestAnswer;
}

/** How many of the drivers in `before` are somewhere else (or gone) in `after`. */
export function movedDrivers(before: ReadonlyMap<string, LiveDriver>, after: ReadonlyMap<string, LiveDriver>): number {
  let moved = 0;
  for (const [id, b] of before) {
    const a = after.get(id);
    if (a === undefined || a.lat !== b.lat || a.lon !== b.lon) moved++;
  }
  return moved;
}
