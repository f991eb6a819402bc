import chalk from 'chalk';
import { parseArgs } from 'node:util';
import { Evidence } from '../evidence.ts';
import { rebuildRedis } from '../rebuild-redis.ts';
import { openRuntime } from '../runtime/index.ts';

/** ./scripts/rebuild-redis.mjs: Redis lost its data; rebuild the sink's keys from the topic. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { timeout: { type: 'string', default: '600' } } });
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new Error(`--timeout ${values.timeout}: expected seconds > 0`);
  const rt = await openRuntime();
  const ev = Evidence.create('rebuild-redis');
  const r = await rebuildRedis(rt, ev, { catchUpTimeoutMs: timeout * 1000 });
  ev.deliverable('(5) redis-cli snapshot + mirror check', `"Mirror check" section after the rebuild: ${r.ok ? 'PASS' : 'FAIL'}`);
  console.log(chalk.dim(`evidence: ${ev.save()}`));
  return r.ok ? 0 : 1;
}
