import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keepPrivate, openPaths } from '../../scripts/lib/native/private-state.ts';

describe('a stack home for its owner only', () => {
  const umask = process.umask();
  afterEach(() => {
    process.umask(umask);
  });

  it('closes what an older version left open, keeps the owner bits, and sets the umask the services inherit', () => {
    const home = mkdtempSync(join(tmpdir(), 'rastro-home-'));
    try {
      process.umask(0o022);
      mkdirSync(join(home, 'kafka-1', 'data'), { recursive: true, mode: 0o755 });
      writeFileSync(join(home, 'kafka-1', 'data', '00000000000000000000.log'), 'x', { mode: 0o644 });
      writeFileSync(join(home, 'kafka-1', 'run.sh'), '#!/bin/sh\n', { mode: 0o775 });
      symlinkSync('/etc/hostname', join(home, 'link'));
      expect(openPaths(home).length).toBeGreaterThanOrEqual(4);
      expect(keepPrivate(home)).toBeGreaterThanOrEqual(4);
      expect(openPaths(home)).toEqual([]);
      expect(statSync(join(home, 'kafka-1', 'run.sh')).mode & 0o777).toBe(0o700);
      expect(statSync(join(home, 'kafka-1', 'data', '00000000000000000000.log')).mode & 0o777).toBe(0o600);
      expect(process.umask()).toBe(0o077);
      // What is created from now on is owner-only too.
      writeFileSync(join(home, 'new.aof'), 'x');
      expect(statSync(join(home, 'new.aof')).mode & 0o777).toBe(0o600);
      expect(keepPrivate(home)).toBe(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
