#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('app', () => import('./lib/commands/app.ts'));
