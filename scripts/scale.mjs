#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('scale', () => import('./lib/commands/scale.ts'));
