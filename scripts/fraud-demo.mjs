#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('fraud-demo', () => import('./lib/commands/fraud-demo.ts'));
