import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Evidence } from '../../scripts/lib/evidence.ts';
import { screenshotHtml } from '../../scripts/lib/render/screenshot.ts';

const base = mkdtempSync(join(tmpdir(), 'rastro-evidence-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('evidence', () => {
  it('writes REPORT.md as the run goes, not only at the end', () => {
    const ev = new Evidence('run-1', true, base);
    const report = join(ev.dir, 'REPORT.md');
    ev.section('Start');
    ev.ok('brokers registered');
    expect(readFileSync(report, 'utf8')).toContain('- ✅ brokers registered');
    ev.deliverable('(1) topology', '"Start" section');
    expect(readFileSync(report, 'utf8')).toContain('| (1) topology | "Start" section |');
  });

  it('degrades a picture that cannot be made to "skipped: why" and goes on', async () => {
    const ev = new Evidence('run-2', true, base);
    const file = join(ev.dir, 'dashboard.png');
    const prev = process.env.CHROMIUM_PATH;
    // An empty PATH and no CHROMIUM_PATH: what a machine without Chromium looks like to the picture step.
    const prevPath = process.env.PATH;
    delete process.env.CHROMIUM_PATH;
    process.env.PATH = join(base, 'empty-bin');
    try {
      const drawn = await ev.picture(file, 'The demo on the dashboard', async () => {
        await screenshotHtml('<p>x</p>', file, 100, 100);
        return 'rendered';
      });
      expect(drawn).toBe(false);
    } finally {
      process.env.PATH = prevPath;
      if (prev === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = prev;
    }
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(join(ev.dir, 'REPORT.md'), 'utf8')).toMatch(/- The demo on the dashboard: skipped: dashboard picture: chromium is not installed \(Debian\/Ubuntu package chromium, .*`make demo`.* install it/);
  });
});
