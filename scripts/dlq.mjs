#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('dlq', () => import('./lib/commands/dlq.ts'));
