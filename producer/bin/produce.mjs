#!/usr/bin/env node
// @ts-check
// Thin entry: run the precompiled producer (producer/build.mjs builds it when the sources are newer), then exit.
import chalk from 'chalk';
import { BUNDLE, ensureBundle } from '../build.mjs';

let code;
try {
  await ensureBundle();
  /** @type {{ main: (argv?: string[]) => Promise<number>, colorLevel: (env: NodeJS.ProcessEnv, tty: boolean) => 0 | 1 | 2 | 3 }} */
  const { main, colorLevel } = await import(BUNDLE);
  // Colour as the user asked (NO_COLOR, FORCE_COLOR; shared/cli.ts), before anything prints.
  chalk.level = colorLevel(process.env, process.stdout.isTTY === true);
  code = await main();
} catch (err) {
  console.error(`produce: ${err instanceof Error ? err.message : String(err)}`);
  code = 2;
}
process.exitCode = code;
// Everything is flushed or counted by now: a socket or retry timer kafkajs still holds must not keep
// the process alive after the verdict. unref: a clean exit is not delayed by it.
setTimeout(() => process.exit(), 3000).unref();
