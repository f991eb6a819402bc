import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { saoPauloLand } from '../../../shared/geo/sao-paulo.ts';

/** Deterministic points on the simulator's land (xorshift), so two runs ask the same questions where drivers can be. */
export function cityPoints(n: number, seed = 7): Array<{ lat: number; lon: number }> {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const land = saoPauloLand();
  return Array.from({ length: n }, () => {
    const p = land.randomPoint(next);
    return { lat: Number(p.lat.toFixed(5)), lon: Number(p.lon.toFixed(5)) };
  });
}

export interface NearestAsk {
  radiusKm: number;
  limit: number;
  headers?: Record<string, string>;
}

/** The API path of one question (AVAILABLE drivers, as the delivery app asks). */
export function nearestPath(p: { lat: number; lon: number }, o: NearestAsk): string {
  return `/drivers/nearest?lat=${p.lat}&lon=${p.lon}&radius_km=${o.radiusKm}&status=AVAILABLE&limit=${o.limit}`;
}

/** A sample of the questions asked one at a time and read in full: every answer a 200, and how many drivers each lists. */
export async function sampleAnswers(appUrl: string, points: ReadonlyArray<{ lat: number; lon: number }>, o: NearestAsk): Promise<{ listed: number[]; errors: string[] }> {
  const out = { listed: [] as number[], errors: [] as string[] };
  for (const p of points) {
    const url = `${appUrl}${nearestPath(p, o)}`;
    const res = await fetch(url, { headers: o.headers, signal: AbortSignal.timeout(10_000) }).catch((e: Error) => e);
    if (res instanceof Error) {
      out.errors.push(`GET ${url}: ${res.message}`);
      continue;
    }
    const body = (await res.json()) as { drivers?: unknown[]; error?: string };
    if (!res.ok) out.errors.push(`GET ${url}: ${res.status} ${body.error ?? ''}`);
    else out.listed.push(body.drivers?.length ?? 0);
  }
  return out;
}

export interface NearestLoad {
  requests: number;
  /** Latency percentiles (ms, autocannon's histogram: whole milliseconds). */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requestsPerSecond: number;
  /** Answers that were not 2xx, connection errors and timeouts. */
  failed: number;
}

/**
 * GET /drivers/nearest from `connections` keep-alive clients at once until `requests` are answered, as the
 * delivery app's servers would ask it: each connection sends its next question when its last answer arrived
 * (closed loop), cycling through the points. autocannon drives the load: a well-kept HTTP load generator with
 * its own parser, so the client's CPU (shared with the app here) stays a fraction of the app's.
 */
export async function loadNearest(appUrl: string, points: ReadonlyArray<{ lat: number; lon: number }>, o: NearestAsk & { requests: number; connections: number }): Promise<NearestLoad> {
  let i = 0;
  // The rate runs from the first request sent to the last answer: autocannon ends its run (and its own
  // duration) only at its next one-second tick after that, which understated a 4-second run's rate by up to a
  // quarter; and opening the connections before the first request is not serving time either (on a loaded
  // machine it took a tenth of a short run).
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  // Without a callback autocannon returns its tracker, an EventEmitter that is also thenable (lib/init.js);
  // @types/autocannon types it as a plain Promise.
  const run = autocannon({
    url: appUrl,
    connections: o.connections,
    amount: o.requests,
    timeout: 30,
    headers: o.headers,
    requests: [{ setupRequest: (req) => ({ ...req, path: nearestPath(points[i++ % points.length] as { lat: number; lon: number }, o) }) }],
  }) as unknown as Promise<autocannon.Result> & EventEmitter;
  run.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
    last = performance.now();
    first = Math.min(first, last - responseTimeMs);
  });
  const result = await run;
  const answered = result.requests.total;
  return {
    requests: answered,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    requestsPerSecond: last > first ? (answered * 1000) / (last - first) : Number.NaN,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/** The script of the HTTP ceiling: node:http answering every request at once with the same small JSON body. */
const EMPTY_SERVER = `const s = require('node:http').createServer((q, r) => { r.setHeader('content-type', 'application/json'); r.end('[]'); });
s.listen(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));`;

/**
 * An empty Node HTTP server in its own process: no Redis, no work, just node:http. Under the same client
 * and connections as the app, its latency is the floor under any Node app's on this machine.
 */
export async function startEmptyHttpServer(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['-e', EMPTY_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the empty HTTP server exited (${code}) before it listened`)));
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

