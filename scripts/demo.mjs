#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('demo', () => import('./lib/commands/demo.ts'));
