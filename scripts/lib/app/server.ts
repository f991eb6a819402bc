import { readdirSync, readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { SAO_PAULO } from '../../../shared/city.ts';
import { GEO_STATUSES } from './driver.ts';
import { DriverIndex, RedisUnavailable, type IndexKeys } from './drivers.ts';
import { LiveFeed } from './live.ts';
import { BadParam, parseNearestQuery } from './query.ts';

/** The map page's static files (HTML, CSS, browser modules): served as they are, no build step. */
export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
};

export interface AppOptions {
  redis: Redis;
  keys: IndexKeys;
  prometheusUrl?: string;
  /** Redis poll period of the live map (ms). */
  pollMs?: number;
  bannerMs?: number;
  /** 0 picks a free port (tests). */
  port: number;
}

export interface App {
  server: http.Server;
  index: DriverIndex;
  feed: LiveFeed;
  /** http://host:port once listening. */
  url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** The static files, read once: only these names are served, so no path can reach outside the folder. */
function loadPublic(): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(PUBLIC_DIR)) {
    const type = TYPES[extname(name)];
    if (type !== undefined) files.set(`/${name}`, { type, body: readFileSync(join(PUBLIC_DIR, name)) });
  }
  const index = files.get('/index.html');
  if (index === undefined) throw new Error(`map page: ${join(PUBLIC_DIR, 'index.html')} is missing`);
  files.set('/', index);
  return files;
}

const ROUTES = 'GET /, /events, /config, /health, /drivers/nearest?lat=&lon=[&radius_km=&status=&limit=], /drivers/:id';

/**
 * The delivery app's side: the read API (nearest drivers, one driver, health) and the live map
 * (static page + server-sent events), in one node:http server. Read-only on Redis.
 */
export async function startApp(opts: AppOptions): Promise<App> {
  const index = new DriverIndex(opts.redis, opts.keys);
  const feed = new LiveFeed(index, { pollMs: opts.pollMs ?? 300, bannerMs: opts.bannerMs ?? 5000, prometheusUrl: opts.prometheusUrl });
  const files = loadPublic();
  const config = { bounds: SAO_PAULO, statuses: GEO_STATUSES, poll_ms: opts.pollMs ?? 300, geo_key: opts.keys.geoKey };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://app');
    const path = url.pathname;
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

  // Loopback only: the API has no authentication.
  const host = '127.0.0.1';
  await new Promise<void>((resolveP, rejectP) => {
    server.once('error', (err) => rejectP(new Error(`app: listen on ${host}:${opts.port}: ${err.message}`)));
    server.listen(opts.port, host, () => resolveP());
  });
  const a = server.address() as AddressInfo;
  return {
    server,
    index,
    feed,
    url: `http://${a.address}:${a.port}`,
    async close(): Promise<void> {
      feed.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
