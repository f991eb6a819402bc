#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('validate-redis', () => import('./lib/commands/validate-redis.ts'));
