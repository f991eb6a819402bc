#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('nearest', () => import('./lib/commands/nearest.ts'));
