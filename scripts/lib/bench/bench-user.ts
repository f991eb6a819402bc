import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisSinkCommands } from '../../../shared/security.ts';

/** The key prefix the redis-benchmark replay writes under (redisBenchmarkArgs), and all its user may touch. */
export const BENCH_KEY_PATTERN = 'bench:*';

export interface BenchUser {
  name: string;
  password: string;
}

/**
 * Runs `run` with a one-off Redis user for redis-benchmark, deleted afterwards. redis-benchmark reads no password
 * from a file or its environment (unlike redis-cli), so its password is on its command line: a throw-away one,
 * for a user that may do what the sink does, on bench:* keys only, for the run's duration; never the admin's.
 */
export async function withBenchUser<T>(admin: Redis, run: (user: BenchUser) => Promise<T>): Promise<T> {
  const user = { name: `bench-${randomBytes(4).toString('hex')}`, password: randomBytes(24).toString('hex') };
  await admin.call('ACL', 'SETUSER', user.name, 'on', `>${user.password}`, 'resetkeys', `~${BENCH_KEY_PATTERN}`, 'resetchannels', ...redisSinkCommands().split(' '));
  try {
    return await run(user);
  } finally {
    await admin.call('ACL', 'DELUSER', user.name);
  }
}
