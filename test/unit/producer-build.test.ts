import { execFile } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BUNDLE, bundleFresh, ensureBundle } from '../../producer/build.mjs';
import { ROOT } from '../../shared/stack.ts';

const run = promisify(execFile);

describe('the producer runs precompiled (producer/build.mjs)', () => {
  it('one ES module without TypeScript: every import is a package or a Node module', async () => {
    await ensureBundle();
    const code = readFileSync(BUNDLE, 'utf8');
    const imports = [...code.matchAll(/^import\s.*?from\s+"([^"]+)";?$/gm)].map((m) => m[1] as string);
    expect(imports.length).toBeGreaterThan(3);
    expect(imports.filter((m) => m.startsWith('.') || m.endsWith('.ts'))).toEqual([]);
    expect(imports).not.toContain('tsx');
    expect(imports).not.toContain('kafkajs');
  });

  it('a bundle older than one of its sources is rebuilt before it runs, and the run is the new one', async () => {
    await ensureBundle();
    expect(bundleFresh()).toBe(true);
    // Older than every source whatever their age (an hour ago was not, in a checkout edited hours before).
    const old = new Date(0);
    utimesSync(BUNDLE, old, old);
    expect(bundleFresh()).toBe(false);
    const { stdout } = await run(process.execPath, [join(ROOT, 'producer', 'bin', 'produce.mjs'), '--help']);
    expect(stdout).toContain('producer/bin/produce.mjs');
    expect(statSync(BUNDLE).mtimeMs).toBeGreaterThan(old.getTime() + 1000);
    expect(bundleFresh()).toBe(true);
  });
});
