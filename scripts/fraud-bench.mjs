#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('fraud-bench', () => import('./lib/commands/fraud-bench.ts'));
