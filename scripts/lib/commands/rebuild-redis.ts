import chalk from 'chalk';
import { Evidence } from '../evidence.ts';
import { rebuildRedis } from '../rebuild-redis.ts';
import { openRuntime } from '../runtime/index.ts';
import { numberOption, parseCommand, type CommandSpec } from '../../../shared/cli.ts';

/** ./scripts/rebuild-redis.mjs: Redis lost its data; rebuild the sink's keys from the topic. */
export const SPEC: CommandSpec = {
  name: './scripts/rebuild-redis.mjs',
  summary: "rebuild the sink's keys in Redis from the topic: stop the connector, delete only its keys, reset its offsets, resume, wait, mirror check",
  options: { timeout: { type: 'string', value: 'S', default: '600', description: "most seconds to wait for the sink's group to reach the topic's end" } },
  examples: ['make rebuild-redis'],
  exits: { 0: 'rebuilt: Redis mirrors the topic', 1: 'a step or the mirror check failed', 2: 'bad usage', 3: 'crashed' },
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ timeout: string }>(SPEC, argv);
  if (args === undefined) return 0;
  const timeout = numberOption('timeout', args.values.timeout, { min: 1 }) as number;
  const rt = await openRuntime();
  const ev = Evidence.create('rebuild-redis');
  const r = await rebuildRedis(rt, ev, { catchUpTimeoutMs: timeout * 1000 });
  ev.deliverable('(5) redis-cli snapshot + mirror check', `"Mirror check" section after the rebuild: ${r.ok ? 'PASS' : 'FAIL'}`);
  console.log(chalk.dim(`evidence: ${ev.save()}`));
  return r.ok ? 0 : 1;
}
