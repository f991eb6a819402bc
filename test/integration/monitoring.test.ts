import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../scripts/lib/app/session.ts';
import type { App } from '../../scripts/lib/app/server.ts';
import { renderDashboardHtml } from '../../scripts/lib/render/dashboard.ts';
import { liveDashboardUrl } from '../../scripts/lib/app/urls.ts';
import { DASHBOARD_READY_SELECTOR, launch, screenshotHtml } from '../../scripts/lib/render/screenshot.ts';
import { runScript, stderrProblems } from './exec.ts';
import { waitFullyReplicated } from '../../scripts/lib/cluster.ts';
import { Load } from '../../scripts/lib/load.ts';
import { QUERIES } from '../../scripts/lib/metrics/catalogue.ts';
import { dashboardPanels } from '../../scripts/lib/metrics/dashboard-file.ts';
import { PrometheusClient } from '../../scripts/lib/prometheus.ts';
import { waitForBrokers } from '../../scripts/lib/readiness.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { NODE_IDS } from '../../shared/stack.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { TEST_ENV, testRuntime } from './stack.ts';

let rt: Runtime;
let prom: PrometheusClient;
let app: App;
let browser: Browser;

beforeAll(async () => {
  rt = await testRuntime();
  prom = new PrometheusClient(rt.addresses.prometheusUrl);
  app = await openApp(rt);
  browser = await launch('live dashboard test');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** The app's live dashboard page (last 5 minutes) in Chromium, its panels drawn once; console errors collected. */
async function liveDashboard(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1460, height: 1300 } });
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => void errors.push(e.message));
  await page.goto(liveDashboardUrl(app.pageUrl, { range: '5m' }), { waitUntil: 'load' });
  await page.waitForSelector(DASHBOARD_READY_SELECTOR, { timeout: 30_000 });
  // Survives only if the page is never reloaded: the redraws must happen in place.
  await page.evaluate(() => ((window as any).sameDocument = true));
  return { page, errors };
}

/** "Brokers online" as the live page draws it now (the stat's raw value). */
const brokersOnPage = async (page: Page) => Number(await page.getAttribute('[data-title="Brokers online"] text.value', 'data-raw'));

const firing = async (alertname: string) => (await prom.alerts()).filter((a) => a.labels.alertname === alertname && a.state === 'firing');

describe('native proof of the dashboard', () => {
  it('every panel query of the Grafana dashboard returns data from the live Prometheus', async () => {
    const load = await Load.start(rt, { drivers: 50, seed: 3, rate: 300, firstId: 7000 });
    try {
      await waitFor(async () => (await prom.query(QUERIES.producerScraped)).length === 1, { what: 'Prometheus scraping the producer', timeoutMs: 60_000 });
      const panels = dashboardPanels();
      expect(panels.length).toBeGreaterThanOrEqual(19);
      const empty: string[] = [];
      for (const panel of panels) {
        for (const q of panel.queries) {
          // Rates need two scrapes of a fresh series: wait (bounded) rather than sleep.
          const ok = await waitFor(async () => (await prom.query(q.expr)).length > 0, { what: `data for ${panel.title}: ${q.expr}`, timeoutMs: 45_000 }).catch(() => false);
          if (!ok) empty.push(`${panel.title}: ${q.expr}`);
        }
      }
      expect(empty).toEqual([]);

      // The native dashboard picture draws every panel with data, and Chromium turns it into a PNG.
      // Rounded up: a range ending before the instant checks above could miss the sample they saw.
      const to = Math.ceil(Date.now() / 1000);
      const { html, width, height } = await renderDashboardHtml(prom, { from: to - 120, to });
      expect(html).not.toContain('No data');
      const file = join(mkdtempSync(join(tmpdir(), 'rastro-png-')), 'dashboard.png');
      await screenshotHtml(html, file, width, height);
      const png = readFileSync(file);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.length).toBeGreaterThan(50_000);

      // The app's live page draws the same panels, every one with data.
      const { page, errors } = await liveDashboard();
      try {
        const drawn = await page.$$eval('#panels .panel:not(.row)', (els) => els.map((e) => e.getAttribute('data-title')));
        expect(drawn).toEqual(panels.map((p) => p.title));
        await waitFor(async () => (await page.$$eval('#panels .panel:not(.row)', (els) => els.filter((e) => e.textContent?.includes('No data')).length)) === 0, {
          what: 'every live panel drawing data', timeoutMs: 30_000,
        });
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    } finally {
      await load.stop();
    }
  });

  it('fires UnderReplicatedPartitions and TargetDown when a broker stops, and clears both when it returns; the live page follows within 15 s', async () => {
    const victim = 3 as const;
    const { page, errors } = await liveDashboard();
    await waitFor(async () => (await brokersOnPage(page)) === 3, { what: 'the live page showing 3 brokers online', timeoutMs: 30_000 });
    await rt.stopNode(victim);
    const stoppedAt = Date.now();
    try {
      await page.waitForFunction(() => document.querySelector('[data-title="Brokers online"] text.value')?.getAttribute('data-raw') === '2', undefined, { timeout: 15_000, polling: 200 });
      const shownAfterMs = Date.now() - stoppedAt;
      expect(shownAfterMs).toBeLessThanOrEqual(15_000);
      await waitFor(async () => ((await firing('KafkaUnderReplicatedPartitions')).length > 0 ? true : false), { what: 'KafkaUnderReplicatedPartitions firing', timeoutMs: 90_000 });
      const down = await waitFor(async () => {
        const a = await firing('KafkaTargetDown');
        return a.length > 0 ? a : false;
      }, { what: 'KafkaTargetDown firing', timeoutMs: 60_000 });
      expect(down.map((a) => a.labels.service)).toEqual([`kafka-${victim}`]);
      expect((await prom.query(QUERIES.brokersUp))[0]?.value).toBe(2);
      // The configured total does not shrink with the stopped node: what "2 of 3" needs.
      expect((await prom.query(QUERIES.brokersConfigured))[0]?.value).toBe(NODE_IDS.length);
    } finally {
      await rt.startNode(victim);
    }
    await waitForBrokers(rt.access.kafka('admin'), 120_000);
    await page.waitForFunction(() => document.querySelector('[data-title="Brokers online"] text.value')?.getAttribute('data-raw') === '3', undefined, { timeout: 15_000, polling: 200 });
    expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
    await waitFullyReplicated(rt, rt.stack.topics.locations, 120_000);
    await waitFor(async () => (await firing('KafkaUnderReplicatedPartitions')).length === 0 && (await firing('KafkaTargetDown')).length === 0, {
      what: 'both alerts to clear',
      timeoutMs: 120_000,
    });
  });
});

describe('make chaos', () => {
  it('stops the busiest broker under load, restarts it, and reports zero lost updates with pictures', async () => {
    const r = await runScript('scripts/chaos.mjs', ['--hold', '5', '--warmup', '5', '--rate', '200', '--drivers', '50'], { env: { ...process.env, ...TEST_ENV }, timeoutMs: 300_000 });
    expect(stderrProblems(r.stderr)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/records lost\s+0 /);
    expect(r.stdout).toMatch(/verdict\s+PASS/);
    const report = /evidence: (\S+REPORT\.md)/.exec(r.stdout)?.[1];
    expect(report).toBeDefined();
    const dir = join(report as string, '..');
    expect(readdirSync(dir).filter((f) => f.endsWith('.png')).sort()).toEqual(['dashboard-1-before.png', 'dashboard-2-during.png', 'dashboard-3-after.png', 'live-dashboard-2-during.png', 'map-1-before.png', 'map-2-during.png', 'map-3-after.png', 'timeline.png']);
    // The live map kept moving with a node down: every driver of the load on the map moved within the hold.
    const moved = /moved on the map, down\s+(\d+) of (\d+) drivers/.exec(r.stdout);
    expect(Number(moved?.[2])).toBeGreaterThan(0);
    expect(moved?.[1]).toBe(moved?.[2]);
    expect(readFileSync(report as string, 'utf8')).toContain('| (6) chaos timeline and verdict |');
  });
});
