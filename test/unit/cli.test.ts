import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colorLevel, numberOption, parseCommand, redrawInPlace, usage, UsageError, type CommandSpec } from '../../shared/cli.ts';
import { ROOT } from '../../shared/stack.ts';

const SPEC: CommandSpec = {
  name: './scripts/x.mjs',
  summary: 'does x',
  options: { rate: { type: 'string', value: 'N', default: '5', description: 'how fast' }, wait: { type: 'string', value: 'S', description: 'how long' }, dry: { type: 'boolean', description: 'no harm' } },
  examples: ['./scripts/x.mjs --rate 3'],
};

describe('the argument layer (shared/cli.ts)', () => {
  it('prints a usage made of the same options: defaults, examples, exit statuses', () => {
    const text = usage(SPEC);
    expect(text).toContain('Usage: ./scripts/x.mjs [options]');
    expect(text).toMatch(/--rate N\s+how fast \(default 5\)/);
    expect(text).toMatch(/-h, --help\s+print this help/);
    expect(text).toContain('  ./scripts/x.mjs --rate 3');
    expect(text).toMatch(/Exit status:\n {2}0 {2}done\n {2}1 .*\n {2}2 {2}bad usage.*\n {2}3 {2}crashed/);
  });

  it('parses, applies defaults, and checks numbers before the command runs', () => {
    expect(parseCommand(SPEC, ['--wait', '1.5', '--dry'])?.values).toEqual({ rate: '5', wait: '1.5', dry: true });
    expect(() => parseCommand(SPEC, ['--rate', '1.5'])).toThrow(/--rate "1.5": expected an integer ≥ 0/);
    expect(() => parseCommand(SPEC, ['--wait', 'soon'])).toThrow(/--wait "soon": expected a number ≥ 0/);
    const unknown = (() => {
      try {
        parseCommand(SPEC, ['--bogus']);
      } catch (e) {
        return e;
      }
    })();
    expect(unknown).toBeInstanceOf(UsageError);
    expect((unknown as UsageError).message).toBe("Unknown option '--bogus' (see ./scripts/x.mjs --help)");
    expect((unknown as UsageError).exitCode).toBe(2);
    expect(() => parseCommand(SPEC, ['stray'])).toThrow(UsageError);
    expect(() => numberOption('n', '0', { min: 1 })).toThrow(/--n "0": expected a number ≥ 1/);
    expect(numberOption('n', undefined)).toBeUndefined();
  });

  it('NO_COLOR turns colour and in-place redraws off, FORCE_COLOR on; otherwise a terminal decides', () => {
    expect(colorLevel({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(0);
    expect(colorLevel({ NO_COLOR: '' }, true)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '1' }, false)).toBe(1);
    expect(colorLevel({ FORCE_COLOR: '0' }, true)).toBe(0);
    expect(colorLevel({}, false)).toBe(0);
    expect(colorLevel({ TERM: 'dumb' }, true)).toBe(0);
    expect(redrawInPlace({ NO_COLOR: '1' }, true)).toBe(false);
    expect(redrawInPlace({}, true)).toBe(true);
    expect(redrawInPlace({}, false)).toBe(false);
  });
});

/** Every entry point a user runs: scripts/*.mjs, the producer, fraud/bin/* (run.mjs is their shared module). */
const ENTRIES = [
  ...readdirSync(join(ROOT, 'scripts')).filter((f) => f.endsWith('.mjs')).map((f) => `scripts/${f}`),
  'producer/bin/produce.mjs',
  ...readdirSync(join(ROOT, 'fraud', 'bin')).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs').map((f) => `fraud/bin/${f}`),
];

const BOOT_PATHS = ['scripts/status.mjs', 'scripts/setup.mjs', 'producer/bin/produce.mjs', 'fraud/bin/decide.mjs'];

function run(entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, entry), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('every entry point', () => {
  it('has them all', () => {
    expect(ENTRIES.length).toBeGreaterThanOrEqual(20);
  });

  it.concurrent.each(ENTRIES)('%s --help prints its usage, exits 0 and touches nothing; and (one per boot path) an unknown option exits 2 naming it', async (entry) => {
    // A stack home of its own, with ports nobody uses: anything the command started or wrote would show there.
    const home = mkdtempSync(join(tmpdir(), 'rastro-help-'));
    try {
      const env = { ...process.env, RASTRO_HOME: join(home, 'stack'), RASTRO_PORT_OFFSET: '7', NO_COLOR: '1', FORCE_COLOR: '1', RUNTIME: 'native' };
      const evidence = () => (existsSync(join(ROOT, 'evidence')) ? readdirSync(join(ROOT, 'evidence')).length : 0);
      const evidenceBefore = evidence();
      const help = await run(entry, ['--help'], env);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^[^\n]+: /);
      expect(help.stdout).toContain('Usage: ');
      expect(help.stdout).toContain('Exit status:');
      expect(help.stdout + help.stderr).not.toContain('\x1b');
      expect(help.stderr).toBe('');
      expect(readdirSync(home)).toEqual([]);
      expect(evidence()).toBe(evidenceBefore);

      // One entry per boot path (scripts/lib/boot.mjs, the producer's, fraud/bin/run.mjs, setup.mjs's own): the parsing is shared.
      if (!BOOT_PATHS.includes(entry)) return;
      const bad = await run(entry, ['--no-such-option'], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--no-such-option/);
      expect(bad.stdout).toBe('');
      expect(readdirSync(home)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
