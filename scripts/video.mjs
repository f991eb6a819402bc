#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('video', () => import('./lib/commands/video.ts'));
