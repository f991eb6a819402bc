#!/usr/bin/env node
// @ts-check
import { run } from './run.mjs';

await run('blocklist-updater');
