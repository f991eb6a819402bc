import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../shared/stack.ts';
import { TEST_ENV } from './stack.ts';

/** A command on a terminal (util-linux `script` gives it a pseudo-terminal), as a user runs it. */
function onTerminal(command: string, env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('colour', () => {
  it('make status on a terminal is coloured, and with NO_COLOR=1 holds no escape sequence at all', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...TEST_ENV, TERM: 'xterm-256color' };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const coloured = onTerminal('./scripts/status.mjs', env);
    expect(coloured.status, coloured.output).toBe(0);
    expect(coloured.output).toContain('\x1b[');
    const plain = onTerminal('./scripts/status.mjs', { ...env, NO_COLOR: '1' });
    expect(plain.status, plain.output).toBe(0);
    expect(plain.output).toContain('== Services');
    expect(plain.output).not.toContain('\x1b');
  });
});
