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
