import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../shared/stack.ts';

/**
 * The prerequisite check on a machine that lacks the Debian packages: a PATH with Node, Java and a
 * stand-in apt-get that prints as much as the real one, and nothing else.
 */
const bin = mkdtempSync(join(tmpdir(), 'rastro-setup-'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

describe('setup: apt-get', () => {
  it('prints one line per step and sends apt-get\'s own output to a log file it names', () => {
    for (const cmd of ['node', 'npm', 'java', 'javac', 'env']) symlinkSync(`/usr/bin/${cmd}`, join(bin, cmd));
    writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\ni=0\nwhile [ $i -lt 200 ]; do echo "Unpacking package-$i ..."; i=$((i+1)); done\n');
    chmodSync(join(bin, 'apt-get'), 0o755);
    const log = join(bin, 'apt.log');
    const r = spawnSync('/usr/bin/node', ['scripts/setup.mjs', 'up'], { cwd: ROOT, encoding: 'utf8', env: { PATH: bin, RASTRO_SETUP_LOG: log, HOME: bin } });
    expect(r.stderr).toContain(`setup: $ apt-get update -qq (output: ${log})`);
    expect(r.stderr).toMatch(/setup: \$ env DEBIAN_FRONTEND=noninteractive apt-get install .*redis-server.* \(output: /);
    expect(r.stderr).not.toContain('Unpacking');
    expect(r.stdout).not.toContain('Unpacking');
    const written = readFileSync(log, 'utf8');
    expect(written.match(/Unpacking package-199/g)).toHaveLength(2);
    expect(written).toMatch(/=== .* \$ apt-get update -qq/);
    // The stand-in installed nothing: the check says so, naming what is still missing.
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/still missing after installing: redis-server/);
  });
});
