#!/usr/bin/env node
// @ts-check
import { runCommand } from './lib/boot.mjs';

await runCommand('k8s', () => import('./lib/commands/k8s.ts'));
