import { readdirSync, readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from '../redis-store.ts';
import { SAO_PAULO } from '../../../shared/city.ts';
import { BASEMAP_ATTRIBUTION, BASEMAP_LAYERS, basemapFile } from '../../../shared/geo/sao-paulo.ts';
import { PrometheusClient } from '../prometheus.ts';
import { STATUSES } from './driver.ts';
import { DriverIndex, RedisUnavailable, type IndexKeys } from './drivers.ts';
import { dashboardPanels } from './live-dashboard.ts';
import { LiveFeed } from './live.ts';
import { BadParam, parseNearestQuery } from './query.ts';

/** The map page's static files (HTML, CSS, browser modules): served as they are, no build step. */
export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
  '.geojson': 'application/geo+json',
};

const requireFrom = createRequire(import.meta.url);
/** The browser libraries the pages load, from node_modules (npm), never from a CDN: the map works offline. */
const VENDOR = [
  'leaflet/dist/leaflet.js',
  'leaflet/dist/leaflet.css',
  'leaflet/dist/images/layers.png',
  'leaflet/dist/images/layers-2x.png',
  'leaflet.markercluster/dist/leaflet.markercluster.js',
  'leaflet.markercluster/dist/MarkerCluster.css',
  'leaflet.markercluster/dist/MarkerCluster.Default.css',
];

/** Optional raster tiles under the basemap (MAP_TILES_URL): off by default, the page works offline without them. */
export interface TileSource {
  url: string;
  attribution: string;
}

/**
 * MAP_TILES_URL (a {z}/{x}/{y} template of an http(s) tile server) and MAP_TILES_ATTRIBUTION: raster
 * tiles under the basemap when the user is online. Unset: none, the map needs no network.
 */
export function tilesFromEnv(env: NodeJS.ProcessEnv = process.env): TileSource | undefined {
  const url = env.MAP_TILES_URL?.trim();
  if (url === undefined || url === '') return undefined;
  if (!/^https?:\/\//.test(url) || !['{z}', '{x}', '{y}'].every((p) => url.includes(p))) {
    throw new Error(`MAP_TILES_URL=${url}: expected an http(s) URL template with {z}, {x} and {y}, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png`);
  }
  const attribution = env.MAP_TILES_ATTRIBUTION?.trim() || (url.includes('openstreetmap.org') ? '© OpenStreetMap contributors' : new URL(url.replace(/[{}]/g, '')).host);
  return { url, attribution };
}

export interface AppOptions {
  redis: RedisClient;
  keys: IndexKeys;
  prometheusUrl?: string;
  /** Redis poll period of the live map (ms). */
  pollMs?: number;
  bannerMs?: number;
  /** 0 picks a free port (tests). */
  port: number;
  /**
   * With SECURITY on, the stack's app token (secrets/app.token): every request must carry it, as
   * `Authorization: Bearer <token>`, as the cookie the page URL sets, or once as `?token=` (the URL
   * `make map` prints). Undefined: open (SECURITY=off).
   */
  token?: string;
  tiles?: TileSource;
}

export interface App {
  server: http.Server;
  index: DriverIndex;
  feed: LiveFeed;
  /** http://host:port once listening. */
  url: string;
  /** The map page as a browser opens it: with `?token=` when the app has one (it then sets the cookie). */
  pageUrl: string;
  /** What an API client sends: the Authorization header when the app has a token. */
  headers: Record<string, string>;
  close(): Promise<void>;
}

/** The cookie the page URL's token becomes: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
const COOKIE = 'rastro_app_token';

function sameSecret(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * The static files, read once: the pages, the vendored libraries (/vendor/…) and the basemap
 * (/geo/…). Only these names are served, so no path can reach outside them.
 */
function loadPublic(): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  const add = (path: string, file: string) => {
    const type = TYPES[extname(file)];
    if (type === undefined) throw new Error(`app: no content type for ${file}`);
    files.set(path, { type, body: readFileSync(file) });
  };
  for (const name of readdirSync(PUBLIC_DIR)) if (TYPES[extname(name)] !== undefined) add(`/${name}`, join(PUBLIC_DIR, name));
  for (const spec of VENDOR) {
    const file = requireFrom.resolve(spec);
    add(spec.includes('/images/') ? `/vendor/images/${basename(file)}` : `/vendor/${basename(file)}`, file);
  }
  for (const layer of BASEMAP_LAYERS) add(`/geo/${layer}.geojson`, basemapFile(layer));
  for (const [page, file] of [['/', 'index.html'], ['/dashboard', 'dashboard.html']] as const) {
    const f = files.get(`/${file}`);
    if (f === undefined) throw new Error(`app: ${join(PUBLIC_DIR, file)} is missing`);
    files.set(page, f);
  }
  return files;
}

const ROUTES = 'GET /, /dashboard, /dashboard/panels?range=5m|15m|1h[&row=], /events, /config, /health, /drivers/nearest?lat=&lon=[&radius_km=&status=&limit=], /drivers/:id';

/**
 * The delivery app's side: the read API (nearest drivers, one driver, health) and the live map
 * (static page + server-sent events), in one node:http server. Read-only on Redis.
 */
export async function startApp(opts: AppOptions): Promise<App> {
  const index = new DriverIndex(opts.redis, opts.keys);
  const feed = new LiveFeed(index, { pollMs: opts.pollMs ?? 300, bannerMs: opts.bannerMs ?? 5000, prometheusUrl: opts.prometheusUrl });
  const files = loadPublic();
  const config = { bounds: SAO_PAULO, statuses: STATUSES, poll_ms: opts.pollMs ?? 300, geo_key: opts.keys.geoKey, tiles: opts.tiles ?? null, basemap_attribution: BASEMAP_ATTRIBUTION };
  const prom = opts.prometheusUrl === undefined ? undefined : new PrometheusClient(opts.prometheusUrl);

  /** Host names this server answers to: a page of another site that rebinds its name to 127.0.0.1 sends its own. */
  let hosts = new Set<string>();

  /** Refuses a foreign Host and, with a token, a request without it; true when `res` was answered. */
  function refused(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    if (!hosts.has(req.headers.host ?? '')) {
      sendJson(res, 421, { error: `${req.method} ${url.pathname}: Host ${JSON.stringify(req.headers.host ?? '')} is not this app (${[...hosts].join(', ')})` });
      return true;
    }
    const token = opts.token;
    if (token === undefined) return false;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (sameSecret(bearer, token) || sameSecret(cookieValue(req.headers.cookie, COOKIE), token)) return false;
    if (sameSecret(url.searchParams.get('token') ?? undefined, token)) {
      res.setHeader('set-cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      return false;
    }
    res.setHeader('www-authenticate', 'Bearer realm="rastro app"');
    sendJson(res, 401, { error: `${req.method} ${url.pathname}: a token is required (open the URL make map printed, or send Authorization: Bearer <the stack's secrets/app.token>)` });
    return true;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://app');
    const path = url.pathname;
    if (refused(req, res, url)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `${req.method} ${path}: method not allowed (the API is read-only: GET)` });
    }
    const file = files.get(path);
    if (file !== undefined) {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
      return void res.end(file.body);
    }
    if (path === '/events') {
      // A HEAD has no body to stream: it must not become a listener that keeps the poll running.
      if (req.method === 'HEAD') return void res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' }).end();
      return feed.add(res);
    }
    if (path === '/config') return sendJson(res, 200, config);
    if (path === '/dashboard/panels') {
      const answer = await dashboardPanels(url.searchParams, prom);
      return sendJson(res, answer.status, answer.body);
    }
    if (path === '/health') {
      const h = await index.health();
      return sendJson(res, h.redis === 'up' ? 200 : 503, h);
    }
    if (path === '/drivers/nearest') {
      let q;
      try {
        q = parseNearestQuery(url.searchParams);
      } catch (err) {
        if (err instanceof BadParam) return sendJson(res, 400, { error: `GET /drivers/nearest: ${err.message}`, param: err.param });
        throw err;
      }
      return sendJson(res, 200, await index.nearest(q));
    }
    const m = /^\/drivers\/([^/]+)$/.exec(path);
    if (m !== null) {
      let id: string;
      try {
        id = decodeURIComponent(m[1] as string);
      } catch {
        return sendJson(res, 400, { error: `GET ${path}: the driver id is not valid percent-encoding`, param: 'id' });
      }
      const d = await index.driver(id);
      if (d === undefined) return sendJson(res, 404, { error: `driver ${JSON.stringify(id)} not found (no hash at ${opts.keys.keyPrefix}${id})` });
      return sendJson(res, 200, d);
    }
    sendJson(res, 404, { error: `no route for GET ${path} (routes: ${ROUTES})` });
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: Error) => {
      // Redis failures name the command and the target (DriverIndex): unreachable is 503, the rest 500.
      if (res.headersSent) return void res.end();
      sendJson(res, err instanceof RedisUnavailable ? 503 : 500, { error: `GET ${req.url}: ${err.message}` });
    });
  });

  // Loopback only; with SECURITY on, a token too (see AppOptions.token).
  const host = '127.0.0.1';
  await new Promise<void>((resolveP, rejectP) => {
    server.once('error', (err) => rejectP(new Error(`app: listen on ${host}:${opts.port}: ${err.message}`)));
    server.listen(opts.port, host, () => resolveP());
  });
  const a = server.address() as AddressInfo;
  hosts = new Set([`${a.address}:${a.port}`, `localhost:${a.port}`]);
  const url = `http://${a.address}:${a.port}`;
  return {
    server,
    index,
    feed,
    url,
    pageUrl: opts.token === undefined ? `${url}/` : `${url}/?token=${encodeURIComponent(opts.token)}`,
    headers: opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` },
    async close(): Promise<void> {
      feed.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
