#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('down', () => import('./lib/commands/down.ts'));
