import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PhaseClock } from '../../scripts/lib/bench/phases.ts';
import { fmtBytes, fmtDuration, isProgressLine, mavenDownloaded, Progress } from '../../scripts/lib/progress.ts';
import { reportWaits, waitFor } from '../../scripts/lib/wait.ts';

/** A stream that records what is written, a terminal or not. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('progress', () => {
  it('rewrites one line on a terminal, prints a plain line at most every few seconds otherwise, nothing when quiet', () => {
    const tty = fakeStream(true);
    const p = new Progress({ stream: tty, env: {} });
    p.update('a');
    p.update('b');
    p.done();
    expect(tty.text).toBe('\r\x1b[K… a\r\x1b[K… b\r\x1b[K');
    const log = fakeStream(false);
    const q = new Progress({ stream: log, env: {}, everyMs: 60_000 });
    q.update('first');
    q.update('second');
    q.done();
    expect(log.text).toBe('… first\n');
    expect(isProgressLine('… first')).toBe(true);
    expect(isProgressLine('warning: x')).toBe(false);
    // NO_COLOR asks for plain text: no in-place redraw on a terminal either.
    const plain = fakeStream(true);
    new Progress({ stream: plain, env: { NO_COLOR: '1' } }).update('x');
    expect(plain.text).toBe('… x\n');
    const quiet = fakeStream(true);
    new Progress({ stream: quiet, quiet: true }).update('x');
    expect(quiet.text).toBe('');
  });

  it("reads Maven's download lines and formats sizes and times", () => {
    expect(mavenDownloaded('[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/x.pom (7.7 kB at 23 kB/s)')).toBe(7700);
    expect(mavenDownloaded('[INFO] Downloaded from central: https://repo/x.jar (1.2 MB at 2 MB/s)')).toBe(1_200_000);
    expect(mavenDownloaded('[INFO] Downloading from central: https://repo/x.jar')).toBeUndefined();
    expect([fmtBytes(999), fmtBytes(12_345), fmtBytes(48_200_000)]).toEqual(['999 B', '12 kB', '48.2 MB']);
    expect([fmtDuration(42_000), fmtDuration(65_000)]).toEqual(['42 s', '1 min 05 s']);
  });

  it('a readiness wait over 3 s says what it waits for and for how long, then clears its line', async () => {
    const seen: string[] = [];
    let done = 0;
    reportWaits({ update: (t) => seen.push(t), done: () => done++ });
    try {
      const ready = Date.now() + 3500;
      await waitFor(async () => Date.now() >= ready, { what: 'the test condition', timeoutMs: 10_000, maxIntervalMs: 200 });
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.at(-1)).toMatch(/^waiting for the test condition: \d+ s \(at most 10 s\)$/);
      expect(done).toBe(1);
      // A quick wait says nothing.
      seen.length = 0;
      await waitFor(async () => true, { what: 'quick', timeoutMs: 1000 });
      expect(seen).toEqual([]);
    } finally {
      reportWaits(undefined);
    }
  });
});

describe('bench phases', () => {
  it('say which phase of how many, and the time left by the last run of the same kind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rastro-phases-'));
    try {
      const file = join(dir, 'times.json');
      const order = ['a', 'b', 'c'];
      const first = new PhaseClock(file, 'quick', 3);
      expect(first.describe('a', 0, order)).toBe('phase 1 of 3 (no earlier run of this kind here to estimate the rest from)');
      for (const [s, ms] of [['a', 60_000], ['b', 30_000], ['c', 10_000]] as const) first.finish(s, ms);
      first.save();
      const next = new PhaseClock(file, 'quick', 3);
      expect(next.describe('a', 0, order)).toBe("phase 1 of 3, about 1 min 40 s left by the last run's times");
      expect(next.describe('a', 50_000, order)).toBe("phase 1 of 3, about 50 s left by the last run's times");
      next.finish('a', 61_000);
      expect(next.describe('b', 40_000, order)).toBe("phase 2 of 3, about 10 s left by the last run's times");
      expect(new PhaseClock(file, 'full', 3).describe('a', 0, order)).toMatch(/no earlier run/);
      // A machine's first run estimates from the reference times.
      expect(new PhaseClock(join(dir, 'none.json'), 'quick', 3, { a: 1000, b: 2000, c: 3000 }).describe('a', 0, order)).toBe('phase 1 of 3, about 6 s left by a reference run on a 2-core machine');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
