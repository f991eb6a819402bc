import { openRuntime } from '../runtime/index.ts';
import { parseCommand, type CommandSpec } from '../../../shared/cli.ts';

export const SPEC: CommandSpec = {
  name: './scripts/down.mjs',
  summary: 'stop every service of the stack (make down); its data stays for the next make up',
  options: { wipe: { type: 'boolean', description: 'also delete the data and the secrets (make down WIPE=1)' } },
  examples: ['make down', 'make down WIPE=1'],
};

/** make down [WIPE=1]: stop every service; --wipe also deletes the data. */
export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ wipe?: boolean }>(SPEC, argv);
  if (args === undefined) return 0;
  const { values } = args;
  const rt = await openRuntime();
  await rt.down({ wipe: values.wipe === true || process.env.WIPE === '1' }, (l) => console.log(l));
  return 0;
}
