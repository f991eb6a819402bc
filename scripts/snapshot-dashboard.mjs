#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('snapshot-dashboard', () => import('./lib/commands/snapshot-dashboard.ts'));
