// Shared by the app's tests (API, live map): a real redis-server on a free port, written the way the
// sink writes it (one hash per driver + the GEO index, in one MULTI), and a fake Prometheus.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { LocationEvent } from '../../shared/event.ts';
import { Simulator } from '../../producer/src/simulator.ts';
import type { IndexKeys } from '../../scripts/lib/app/drivers.ts';
import { KeySpace } from '../../shared/key-space.ts';
import { requireCommand } from '../../scripts/lib/native/processes.ts';
import { waitForRedis } from '../../scripts/lib/readiness.ts';
import { loadStack } from '../../shared/stack.ts';
import { readAppLibrary } from '../../shared/redis-libraries.ts';
import { loadRedisLibrary } from '../../scripts/lib/redis-load.ts';

const stack = loadStack();
/** The names the sink uses (config/stack.env). */
export const KEYS: IndexKeys = KeySpace.of(stack);

export interface TestRedis {
  url: string;
  port: number;
  client: Redis;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/**
 * A private redis-server (Debian's) on a free port, no persistence. The port is free when picked but
 * could be taken before redis binds it: then redis exits, which the readiness guard reports at once,
 * and a new port is tried. `config`: a config file to start from (its settings first, ours after);
 * `login`: who the readiness check and the client log in as (with an ACL file whose default user is
 * off); the app's library is then not loaded.
 */
export async function startRedis(o: { config?: string; login?: { username: string; password: string } } = {}): Promise<TestRedis> {
  const bin = requireCommand('redis-server', 'app tests');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'rastro-app-redis-'));
    const child = spawn(bin, [...(o.config === undefined ? [] : [o.config]), '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    const url = `redis://127.0.0.1:${port}`;
    const kill = async () => {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await waitForRedis({ url, ...o.login }, 20_000, {
        guard: () => {
          if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited (${child.exitCode}): ${log.trim().split('\n').slice(-3).join(' | ')}`);
        },
      });
    } catch (err) {
      await kill();
      if (attempt < 3) continue;
      throw err;
    }
    // The app's nearest-drivers function, as make up loads it.
    if (o.login === undefined) await loadRedisLibrary({ url }, readAppLibrary());
    const client = new Redis(url, { ...o.login });
    return {
      url,
      port,
      client,
      async stop() {
        client.disconnect();
        await kill();
      },
    };
  }
}

/**
 * One event written as the sink writes it: the hash replaced whole (DEL + HSET) and the GEO index
 * updated in the same MULTI (GEOADD lon lat id, or ZREM when OFFLINE).
 */
export async function sinkWrite(redis: Redis, e: LocationEvent): Promise<void> {
  const key = KEYS.keyPrefix + e.driver_id;
  const fields: Record<string, string> = { driver_id: e.driver_id, latitude: String(e.latitude), longitude: String(e.longitude), timestamp: String(e.timestamp), status: e.status };
  if (e.delivery_id !== undefined) fields.delivery_id = e.delivery_id;
  const tx = redis.multi().del(key).hset(key, fields);
  if (e.status === 'OFFLINE') tx.zrem(KEYS.geoKey, e.driver_id);
  else tx.geoadd(KEYS.geoKey, e.longitude, e.latitude, e.driver_id);
  const replies = await tx.exec();
  const failed = replies?.find(([err]) => err !== null);
  if (replies === null || failed) throw new Error(`sink write of ${key}: ${failed?.[0]?.message ?? 'transaction aborted'}`);
}

/** A tombstone as the sink applies it: hash deleted, member removed from the GEO index. */
export async function sinkDelete(redis: Redis, driverId: string): Promise<void> {
  await redis.multi().del(KEYS.keyPrefix + driverId).zrem(KEYS.geoKey, driverId).exec();
}

/** The simulator's fleet after a few rounds (a mix of statuses, some OFFLINE), written through sinkWrite. */
export async function writeFleet(redis: Redis, opts: { drivers: number; rounds: number; seed?: number; firstId?: number }): Promise<LocationEvent[]> {
  const sim = new Simulator({ drivers: opts.drivers, seed: opts.seed ?? 7, firstId: opts.firstId ?? 100 });
  const last = new Map<string, LocationEvent>();
  for (let i = 0; i < opts.drivers * opts.rounds; i++) {
    const e = sim.next();
    last.set(e.driver_id, e);
  }
  for (const e of last.values()) await sinkWrite(redis, e);
  return [...last.values()];
}

/** Every driver hash in Redis (SCAN driver:*), independent of the GEO index and of the app's code. */
export async function allHashes(redis: Redis): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for await (const keys of redis.scanStream({ match: `${KEYS.keyPrefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
    for (const k of keys) out.set(k.slice(KEYS.keyPrefix.length), await redis.hgetall(k));
  }
  return out;
}

/** A stand-in for Prometheus's instant-query API: each expression answers the samples given for it. */
export async function fakePrometheus(answers: Record<string, Array<{ metric?: Record<string, string>; value: number }>>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const expr = url.searchParams.get('query') ?? '';
    const samples = answers[expr];
    res.setHeader('content-type', 'application/json');
    if (url.pathname !== '/api/v1/query' || samples === undefined) {
      res.statusCode = 400;
      return void res.end(JSON.stringify({ status: 'error', error: `fake Prometheus: no answer for ${url.pathname} ${expr}` }));
    }
    const now = Date.now() / 1000;
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: samples.map((s) => ({ metric: s.metric ?? {}, value: [now, String(s.value)] })) } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
