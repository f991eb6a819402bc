import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisSinkCommands } from '../../../shared/security.ts';

/** The key prefix the redis-benchmark replay writes under (redisBenchmarkArgs), and all its user may touch. */
export const BENCH_KEY_PATTERN = 'bench:*';

export interface BenchUser {
  name: string;
  password: string;
}

/** What the sink's replay user may do: the sink's commands, on bench:* keys only. */
export const SINK_REPLAY_RULES = () => `resetkeys ~${BENCH_KEY_PATTERN} resetchannels ${redisSinkCommands()}`;

/**
 * Runs `run` with a one-off Redis user for redis-benchmark, deleted afterwards. redis-benchmark reads no password
 * from a file or its environment (unlike redis-cli), so its password is on its command line: a throw-away one,
 * for the run's duration, never the admin's. `rules` are its ACL rules: by default the sink's commands on bench:*
 * keys; the app's ceiling passes the app's own grant (read-only).
 */
export async function withBenchUser<T>(admin: Redis, run: (user: BenchUser) => Promise<T>, rules = SINK_REPLAY_RULES()): Promise<T> {
  const user = { name: `bench-${randomBytes(4).toString('hex')}`, password: randomBytes(24).toString('hex') };
  await admin.call('ACL', 'SETUSER', user.name, 'on', `>${user.password}`, ...rules.split(' '));
  try {
    return await run(user);
  } finally {
    await admin.call('ACL', 'DELUSER', user.name);
  }
}
