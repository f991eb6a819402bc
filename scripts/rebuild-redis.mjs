#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('rebuild-redis', () => import('./lib/commands/rebuild-redis.ts'));
