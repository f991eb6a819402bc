import { parseArgs } from 'node:util';
import { openRuntime } from '../runtime/index.ts';

/** make down [WIPE=1]: stop every service; --wipe also deletes the data. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { wipe: { type: 'boolean' } } });
  const rt = await openRuntime();
  await rt.down({ wipe: values.wipe === true || process.env.WIPE === '1' }, (l) => console.log(l));
  return 0;
}
