// @ts-check
// Shared by the fraud/bin entries: load the TypeScript sources through tsx, then run one command of
// fraud/src/cli.ts (each entry takes --help).
import chalk from 'chalk';
import { register } from 'tsx/esm/api';

register();

/** @param {string} command */
export async function run(command) {
  // Colour as the user asked (NO_COLOR, FORCE_COLOR; shared/cli.ts), before anything prints.
  const { colorLevel } = await import('../../shared/cli.ts');
  chalk.level = colorLevel(process.env, process.stdout.isTTY === true);
  const { main } = await import('../src/cli.ts');
  try {
    process.exitCode = await main(command, process.argv.slice(2));
  } catch (err) {
    console.error(`${command}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  }
  // A socket or retry timer kafkajs still holds must not keep the process alive after the verdict.
  setTimeout(() => process.exit(), 3000).unref();
}
