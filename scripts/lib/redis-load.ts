import { existsSync, readFileSync } from 'node:fs';
import { openRedis, type RedisAccess } from '../../shared/security.ts';
import { readAppLibrary, readSinkLibrary, type RedisLibrary } from '../../shared/redis-libraries.ts';

/** What Redis logs for each command its append-only file replay refused (7.0: a warning; 7.2+: then a panic). */
const REFUSED_LINE = /AOF-loading-client/;
/** The first line Redis logs at each start: the log is appended across starts. */
const START_LINE = /Redis is starting/;

/** Redis's own count, since it started, of error replies to its AOF-loading (or replication) client. */
export function unexpectedErrorReplies(info: string): number {
  const m = /^unexpected_error_replies:(\d+)/m.exec(info);
  if (m === null) throw new Error('INFO stats has no unexpected_error_replies field (Redis 7.0 or newer reports it)');
  return Number(m[1]);
}

/** The refusal lines Redis logged since its last start, from a log appended across starts. */
export function refusalsSinceStart(log: string): string[] {
  const lines = log.split('\n');
  let from = 0;
  lines.forEach((l, i) => {
    if (START_LINE.test(l)) from = i;
  });
  return lines.slice(from).filter((l) => REFUSED_LINE.test(l));
}

export interface RedisLoad {
  /** Commands the replay of the append-only file refused at this start (0: everything acknowledged is back). */
  refused: number;
  /** The first refusal as Redis logged it, when its log was readable. */
  firstLine?: string;
}

/** Asks a running Redis whether its start-up replay refused anything (Redis itself still says "DB loaded"). */
export async function readRedisLoad(access: RedisAccess, logFile?: string): Promise<RedisLoad> {
  const r = openRedis(access, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  let refused: number;
  try {
    refused = unexpectedErrorReplies(await r.info('stats'));
  } finally {
    r.disconnect();
  }
  if (refused === 0 || logFile === undefined || !existsSync(logFile)) return { refused };
  return { refused, firstLine: refusalsSinceStart(readFileSync(logFile, 'utf8'))[0] };
}

/** The error `make up` stops with when Redis came back without everything it had acknowledged. */
export function redisLoadError(url: string, load: RedisLoad, where: { logFile?: string; dataDir?: string }): Error {
  const said = load.firstLine === undefined ? '' : `; ${where.logFile ?? 'its log'} says: ${load.firstLine.trim()}`;
  const kept = where.dataDir === undefined ? '' : ` (they are still in ${where.dataDir}, until an AOF rewrite)`;
  return new Error(
    `Redis at ${url} refused ${load.refused} command(s) while loading its append-only file, so writes it had acknowledged are missing${said}. ` +
      `Redis was stopped so that no AOF rewrite discards them${kept}: fix the cause, then run make up again`,
  );
}

/**
 * Loads a library into Redis (FUNCTION LOAD REPLACE; the admin's right, not the sink's or the app's) unless Redis
 * already holds exactly this code. Functions persist with the data (AOF), so this matters on a new or wiped Redis
 * and after an upgrade. Returns what it did.
 */
export async function loadRedisLibrary(access: RedisAccess, lib: RedisLibrary): Promise<'loaded' | 'replaced' | 'unchanged'> {
  const redis = openRedis(access, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const listed = (await redis.call('FUNCTION', 'LIST', 'LIBRARYNAME', lib.name, 'WITHCODE')) as unknown[][];
    const held = libraryField(listed.find((entry) => libraryField(entry, 'library_name') === lib.name) ?? [], 'library_code');
    if (held === lib.code) return 'unchanged';
    await redis.call('FUNCTION', 'LOAD', 'REPLACE', lib.code);
    return held === undefined ? 'loaded' : 'replaced';
  } catch (err) {
    throw new Error(`load the function library ${lib.name} (${lib.file}) into Redis at ${access.url}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** make up's step, in both runtimes: the sink's library and the app's, each said as loaded, replaced or unchanged. */
export async function loadRedisLibraries(access: RedisAccess, log: (line: string) => void): Promise<void> {
  for (const [whose, lib] of [['the sink', readSinkLibrary()], ['the app', readAppLibrary()]] as const) {
    log(`Redis function library for ${whose} (${lib.name}): ${await loadRedisLibrary(access, lib)}`);
  }
}

/** A field of one FUNCTION LIST entry (a flat name, value, name, value… array under RESP2). */
function libraryField(entry: unknown[], field: string): unknown {
  const i = entry.indexOf(field);
  return i < 0 ? undefined : entry[i + 1];
}
