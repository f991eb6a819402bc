#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('chaos', () => import('./lib/commands/chaos.ts'));
