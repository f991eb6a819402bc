#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('consume', () => import('./lib/commands/consume.ts'));
