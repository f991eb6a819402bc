import chalk from 'chalk';
import { Ledger } from '../../../producer/src/index.ts';
import { Evidence } from '../evidence.ts';
import { checkMirror, snapshotRedis } from '../steps.ts';
import { DELIVERABLE } from '../report.ts';
import { openRuntime } from '../runtime/index.ts';
import { numberOption, parseCommand, type CommandSpec } from '../../../shared/cli.ts';

/** ./scripts/validate-redis.mjs: the redis-cli snapshot and the full mirror check. */
export const SPEC: CommandSpec = {
  name: './scripts/validate-redis.mjs',
  summary: 'the redis-cli evidence and the mirror check: the topic folded to its last record per driver vs every driver hash (and the GEO index) in Redis',
  options: {
    ledger: { type: 'string', value: 'FILE', description: "also check a producer's ledger (--ledger of produce.mjs): no acknowledged event missing" },
    samples: { type: 'string', value: 'N', default: '3', description: 'driver hashes shown with HGETALL' },
  },
  examples: ['make validate', './scripts/validate-redis.mjs --samples 5'],
  exits: { 0: 'Redis mirrors the topic', 1: 'it does not (the differences are listed)', 2: 'bad usage', 3: 'crashed' },
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ ledger?: string; samples: string }>(SPEC, argv);
  if (args === undefined) return 0;
  const { values } = args;
  const samples = numberOption('samples', values.samples, { integer: true }) as number;
  const rt = await openRuntime();
  const ev = Evidence.create('validate-redis');
  await snapshotRedis(rt, ev, samples);
  const { ok } = await checkMirror(rt, ev, values.ledger === undefined ? undefined : Ledger.read(values.ledger));
  ev.deliverable(DELIVERABLE.mirror, `"Redis" and "Mirror check" sections: ${ok ? 'PASS' : 'FAIL'}`);
  console.log(chalk.dim(`evidence: ${ev.save()}`));
  return ok ? 0 : 1;
}
