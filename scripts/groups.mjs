#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('groups', () => import('./lib/commands/groups.ts'));
