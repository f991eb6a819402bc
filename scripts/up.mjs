#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('up', () => import('./lib/commands/up.ts'));
