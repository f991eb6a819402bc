import { appKeys, appRedis, DriverIndex } from '../app/drivers.ts';
import { nearestTable } from '../app/format.ts';
import { BadParam, parseNearestQuery } from '../app/query.ts';
import { openRuntime } from '../runtime/index.ts';
import { loadStack } from '../../../shared/stack.ts';
import { parseCommand, UsageError, type CommandSpec } from '../../../shared/cli.ts';

const NUMERIC_FLAGS = ['--lat', '--lon', '--radius-km', '--limit'];

/** parseArgs takes `--lat -23.55` for two flags (a value starting with a dash): join a negative number to its flag. */
export function joinNegativeNumbers(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const v = argv[i + 1];
    if (NUMERIC_FLAGS.includes(a) && v !== undefined && /^-\d|^-\.\d/.test(v)) {
      out.push(`${a}=${v}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * ./scripts/nearest.mjs --lat … --lon … [--radius-km --status --limit --json] [--redis-url]: the API's
 * GET /drivers/nearest without the server: the same parsing and the same DriverIndex, straight on Redis.
 */
export const SPEC: CommandSpec = {
  name: './scripts/nearest.mjs',
  summary: "the app's GET /drivers/nearest without the server (make nearest): the drivers nearest a point, from the GEO index and their hashes in Redis",
  options: {
    lat: { type: 'string', value: 'DEG', description: 'latitude of the point (required)' },
    lon: { type: 'string', value: 'DEG', description: 'longitude of the point (required)' },
    'radius-km': { type: 'string', value: 'KM', description: 'search radius (the API\'s default when absent)' },
    status: { type: 'string', value: 'STATUS', description: 'only drivers with this status (e.g. AVAILABLE)' },
    limit: { type: 'string', value: 'N', description: 'most drivers listed' },
    json: { type: 'boolean', description: "print the API's JSON answer" },
    'redis-url': { type: 'string', value: 'URL', description: "Redis to read (default: the stack's, as its read-only app user)" },
  },
  examples: ['./scripts/nearest.mjs --lat -23.55 --lon -46.63 --radius-km 2 --status AVAILABLE'],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ lat?: string; lon?: string; 'radius-km'?: string; status?: string; limit?: string; json?: boolean; 'redis-url'?: string }>(SPEC, joinNegativeNumbers(argv));
  if (args === undefined) return 0;
  const { values } = args;
  const params = new URLSearchParams();
  for (const [flag, param] of [['lat', 'lat'], ['lon', 'lon'], ['radius-km', 'radius_km'], ['status', 'status'], ['limit', 'limit']] as const) {
    const v = values[flag];
    if (v !== undefined) params.set(param, v);
  }
  let query;
  try {
    query = parseNearestQuery(params);
  } catch (err) {
    if (err instanceof BadParam) throw new UsageError(`--${err.param.replace('_', '-')}: ${err.message.slice(err.param.length + 2)}`);
    throw err;
  }
  // A given --redis-url is used as it is (credentials, if any, in it); else the stack's read-only app user.
  const given = values['redis-url'];
  const access = given !== undefined ? { url: given } : (await openRuntime(process.env, { quiet: values.json === true })).access.redis('app');
  const redisUrl = access.url;
  const stack = loadStack();
  const redis = appRedis(access, stack);
  try {
    await redis.connect().catch((err: Error) => {
      throw new Error(`connect to Redis at ${redisUrl}: ${err.message} (is the stack up? make up)`);
    });
    const answer = await new DriverIndex(redis, appKeys(stack)).nearest(query);
    console.log(values.json ? JSON.stringify(answer, null, 2) : nearestTable(answer));
    return 0;
  } finally {
    redis.disconnect();
  }
}
