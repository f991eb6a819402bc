#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('status', () => import('./lib/commands/status.ts'));
