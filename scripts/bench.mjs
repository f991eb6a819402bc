#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('bench', () => import('./lib/commands/bench.ts'));
