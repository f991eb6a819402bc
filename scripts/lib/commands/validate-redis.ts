import chalk from 'chalk';
import { parseArgs } from 'node:util';
import { Ledger } from '../../../producer/src/index.ts';
import { Evidence } from '../evidence.ts';
import { checkMirror, snapshotRedis } from '../steps.ts';
import { DELIVERABLE } from '../report.ts';
import { openRuntime } from '../runtime/index.ts';

/** ./scripts/validate-redis.mjs: the redis-cli snapshot and the full mirror check. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ledger: { type: 'string' }, samples: { type: 'string' } } });
  const rt = await openRuntime();
  const ev = Evidence.create('validate-redis');
  await snapshotRedis(rt, ev, Number(values.samples ?? '3'));
  const { ok } = await checkMirror(rt, ev, values.ledger === undefined ? undefined : Ledger.read(values.ledger));
  ev.deliverable(DELIVERABLE.mirror, `"Redis" and "Mirror check" sections: ${ok ? 'PASS' : 'FAIL'}`);
  console.log(chalk.dim(`evidence: ${ev.save()}`));
  return ok ? 0 : 1;
}
