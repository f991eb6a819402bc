#!/usr/bin/env node
// @ts-check
// Thin entry: load the TypeScript sources through tsx, then run the CLI.
import { register } from 'tsx/esm/api';

register();
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
