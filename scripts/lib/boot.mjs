// @ts-check
// Shared by every scripts/*.mjs entry: load TypeScript through tsx, set colour as the user asked
// (NO_COLOR, FORCE_COLOR), run the command's main(), and turn a thrown error into one clear line and
// its exit status (shared/cli.ts: 2 bad usage, 1 failed with a reason, 3 crashed). The process exits
// when main() is done, so a client left open after a failure can never keep a script hanging.
import chalk from 'chalk';
import { register } from 'tsx/esm/api';

register();

/** Errors that mean a bug rather than a failure with a reason: the stack trace is what helps then. */
const CRASHES = [TypeError, ReferenceError, SyntaxError, RangeError];

/**
 * @param {string} name
 * @param {() => Promise<{ main: (argv: string[]) => Promise<number> }>} load
 */
export async function runCommand(name, load) {
  const cli = await import('../../shared/cli.ts');
  chalk.level = cli.colorLevel(process.env, process.stdout.isTTY === true);
  // Long readiness waits say what they wait for (on stderr), unless the output is for a program.
  const args = process.argv.slice(2);
  if (!args.includes('--quiet') && !args.includes('--json')) {
    const [{ reportWaits }, { Progress }] = await Promise.all([import('./wait.ts'), import('./progress.ts')]);
    reportWaits(new Progress());
  }
  try {
    const { main } = await load();
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    if (err instanceof cli.UsageError) {
      console.error(`${name}: ${err.message}`);
      process.exitCode = cli.EXIT.usage;
    } else if (!(err instanceof Error) || CRASHES.some((c) => err instanceof c)) {
      console.error(`${name}: crashed:`, err);
      process.exitCode = cli.EXIT.crashed;
    } else {
      console.error(`${name}: ${err.message}`);
      if (process.env.DEBUG) console.error(err);
      process.exitCode = cli.EXIT.failed;
    }
  }
  process.exit();
}
