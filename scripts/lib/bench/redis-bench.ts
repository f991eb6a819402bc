/**
 * The sink's Redis write, replayed by redis-benchmark as a ceiling for the sink's catch-up rate.
 * Pure helpers: parsing one MONITOR line (the sink's real FCALL with its real keys and arguments),
 * and building the redis-benchmark command from it.
 */


/**
 * The arguments of one `redis-cli MONITOR` line:
 * `1700000000.123456 [0 127.0.0.1:5555] "FCALL" "rastro_sink_upsert" "1" "driver:x" …` (sdscatrepr quoting).
 * Undefined for a line that is not a command (e.g. the first "OK").
 */
export function parseMonitorLine(line: string): { db: number; args: string[] } | undefined {
  const head = /^\d+\.\d+ \[(\d+) [^\]]*\] /.exec(line);
  if (!head) return undefined;
  const args: string[] = [];
  let i = head[0].length;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    if (line[i] !== '"') return undefined;
    i++;
    let s = '';
    for (;;) {
      if (i >= line.length) return undefined;
      const c = line[i] as string;
      if (c === '"') {
        i++;
        break;
      }
      if (c === '\\') {
        const n = line[i + 1];
        if (n === 'x') {
          s += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };
        s += map[n ?? ''] ?? n ?? '';
        i += 2;
        continue;
      }
      s += c;
      i++;
    }
    args.push(s);
  }
  return { db: Number(head[1]), args };
}

export interface FcallCall {
  /** The function's name. */
  fn: string;
  keys: string[];
  argv: string[];
}

/** FCALL <function> <numkeys> <keys…> <args…> split into its parts. */
export function splitFcall(args: readonly string[]): FcallCall {
  if ((args[0] ?? '').toUpperCase() !== 'FCALL') throw new Error(`not an FCALL: ${args[0]}`);
  const n = Number(args[2]);
  if (!Number.isInteger(n) || n < 0 || args.length < 3 + n) throw new Error(`FCALL with a bad key count ${args[2]}`);
  return { fn: args[1] as string, keys: args.slice(3, 3 + n), argv: args.slice(3 + n) };
}

export interface BenchmarkPlan {
  host: string;
  port: number;
  /** A database the stack does not use, so the benchmark's keys never mix with the drivers. */
  db: number;
  requests: number;
  /** Connections: the sink's task count. */
  clients: number;
  /** Commands per round trip: the sink's pipeline chunk (redis.batch.size). */
  pipeline: number;
  /** Distinct keys (-r): __rand_int__ takes values below it. */
  keyspace: number;
  /** The sink's redis.key.prefix: the captured KEYS[1] minus it is the driver id. */
  keyPrefix: string;
}

/**
 * redis-benchmark's argv for the sink's own FCALL: the same function and key count, the same arguments
 * (so every call finds an equal timestamp and really writes: HGET, DEL, HSET, GEOADD), with what
 * belongs to one driver made random. Per-driver keys (KEYS[1], the hash, and any key ending with it,
 * its tombstone marker) become `bench:<i>:__rand_int__`; a key shared by every driver (the GEO set, the offsets hash)
 * stays one key, `bench:<i>`, as it is for the sink; ARGV entries equal to the driver id (the GEO
 * member, the id field) become random too, so the GEO set grows to the keyspace as with real
 * drivers. redis-benchmark draws each __rand_int__ on its own, which changes no cost.
 */
export function redisBenchmarkArgs(call: FcallCall, plan: BenchmarkPlan): string[] {
  const hashKey = call.keys[0] ?? '';
  const driver = hashKey.startsWith(plan.keyPrefix) ? hashKey.slice(plan.keyPrefix.length) : undefined;
  const keys = call.keys.map((k, i) => (k.endsWith(hashKey) ? `bench:${i}:__rand_int__` : `bench:${i}`));
  const argv = call.argv.map((a) => (driver !== undefined && driver !== '' && a === driver ? 'bench__rand_int__' : a));
  return [
    '-h', plan.host, '-p', String(plan.port), '--dbnum', String(plan.db),
    '-n', String(plan.requests), '-c', String(plan.clients), '-P', String(plan.pipeline), '-r', String(plan.keyspace),
    '--csv',
    'FCALL', call.fn, String(call.keys.length), ...keys, ...argv,
  ];
}

/** requests per second from `redis-benchmark --csv` output (the row after the header). */
export function parseBenchmarkCsv(out: string): number {
  const rows = out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('"') && !l.startsWith('"test"'));
  const last = rows.at(-1);
  const rps = last === undefined ? Number.NaN : Number(/^"(?:[^"]|"")*","([^"]+)"/.exec(last)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`redis-benchmark: no rate in its CSV output: ${JSON.stringify(out.slice(0, 300))}`);
  return rps;
}

/** p99 latency (ms) from `redis-benchmark --csv` output, by its header's p99_latency_ms column (Redis 7 prints it). */
export function parseBenchmarkP99(out: string): number {
  const lines = out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('"'));
  const cells = (l: string) => [...l.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1] as string);
  const header = lines.find((l) => l.startsWith('"test"'));
  const col = header === undefined ? -1 : cells(header).indexOf('p99_latency_ms');
  const last = lines.filter((l) => !l.startsWith('"test"')).at(-1);
  const p99 = col < 0 || last === undefined ? Number.NaN : Number(cells(last)[col]);
  if (!Number.isFinite(p99)) throw new Error(`redis-benchmark: no p99_latency_ms in its CSV output: ${JSON.stringify(out.slice(0, 300))}`);
  return p99;
}

/** Java's int constant `NAME = 123` (e.g. the sink's default pipeline chunk), or undefined. */
export function javaIntConstant(java: string, name: string): number | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*([0-9_]+)\\s*;`).exec(java);
  return m ? Number((m[1] as string).replaceAll('_', '')) : undefined;
}

/** Calls of one command from `INFO commandstats` (`cmdstat_fcall:calls=123,usec=…`); 0 when never called. */
export function commandCalls(info: string, command: string): number {
  const m = new RegExp(`^cmdstat_${command.toLowerCase()}:calls=(\\d+)`, 'm').exec(info);
  return m ? Number(m[1]) : 0;
}

/** One numeric field of Redis INFO (`aof_delayed_fsync:3`); NaN when absent. */
export function infoNumber(info: string, field: string): number {
  const m = new RegExp(`^${field}:(\\d+(?:\\.\\d+)?)`, 'm').exec(info);
  return m ? Number(m[1]) : Number.NaN;
}
