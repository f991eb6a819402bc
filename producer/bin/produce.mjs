#!/usr/bin/env node
// @ts-check
// Thin entry: load the TypeScript sources through tsx, then run the CLI.
import chalk from 'chalk';
import { register } from 'tsx/esm/api';

register();
// Colour as the user asked (NO_COLOR, FORCE_COLOR; shared/cli.ts), before anything prints.
const { colorLevel } = await import('../../shared/cli.ts');
chalk.level = colorLevel(process.env, process.stdout.isTTY === true);
const { main } = await import('../src/cli.ts');
try {
  process.exitCode = await main();
} catch (err) {
  console.error(`produce: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
// Everything is flushed or counted by now: a socket or retry timer kafkajs still holds must not keep
// the process alive after the verdict. unref: a clean exit is not delayed by it.
setTimeout(() => process.exit(), 3000).unref();
