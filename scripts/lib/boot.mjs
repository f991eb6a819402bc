// @ts-check
// Shared by every scripts/*.mjs entry: load TypeScript through tsx, run the command's main(),
// and turn a thrown error into one clear line and a non-zero exit. The process exits when main()
// is done, so a client left open after a failure can never keep a script hanging.
import { register } from 'tsx/esm/api';

register();

/**
 * @param {string} name
 * @param {() => Promise<{ main: (argv: string[]) => Promise<number> }>} load
 */
export async function runCommand(name, load) {
  try {
    const { main } = await load();
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.DEBUG) console.error(err);
    process.exitCode = 1;
  }
  process.exit();
}
