import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openApp } from '../app/session.ts';
import type { App } from '../app/server.ts';
import { DASHBOARD_FILE } from '../metrics/dashboard-file.ts';
import { PrometheusClient } from '../prometheus.ts';
import { DASHBOARD_WIDTH, renderDashboardHtml } from '../render/dashboard.ts';
import { launch, MAP_READY_SELECTOR } from '../render/screenshot.ts';
import type { Runtime } from '../runtime/types.ts';
import { portOpen } from '../wait.ts';
import { DASHBOARD_CAPTURE_PX } from './terminal-html.ts';

/** One picture taken while a script ran: `at` is its wall-clock time (ms), on the terminal's time line. */
export interface Shot {
  at: number;
  kind: 'dashboard' | 'map';
  file: string;
  /** what Prometheus answered for "Brokers online" at the instant the dashboard shows (dashboard shots) */
  brokersUp?: number;
}

/** The dashboard's first row (cluster health: brokers online, scrape state, controller, partitions). */
export const HEALTH_ROW_MAX_Y = 8;

/** The dashboard JSON reduced to its cluster-health row: a handful of instant queries per picture. */
export function healthRowDashboard(json: string): string {
  const d = JSON.parse(json) as { panels: Array<{ gridPos: { y: number } }> };
  return JSON.stringify({ ...d, panels: d.panels.filter((p) => p.gridPos.y < HEALTH_ROW_MAX_Y) });
}

export interface CaptureOptions {
  /** a dashboard picture every this many ms (0: none) */
  everyMs: number;
  /** a live map picture at most this often (0: none) */
  mapEveryMs: number;
  /** how far back the dashboard's range reaches (its stats show the range's end: now) */
  rangeS?: number;
}

export interface CaptureStats {
  taken: number;
  /** ticks skipped because the previous picture was still being made */
  skipped: number;
  /** ticks that failed (the stack not up yet, …): the last reason */
  failed: number;
  lastError?: string;
}

/**
 * Pictures of the live dashboard (rendered from Prometheus, as snapshot-dashboard does natively) every
 * few seconds, and of the live map, while make video records a script. One Chromium page for all of
 * them; a tick is skipped while the previous picture is still being made, so pictures never pile up
 * on a busy two-core machine. Ticks before the stack answers fail quietly and are counted.
 */
export class LiveCapture {
  readonly shots: Shot[] = [];
  readonly stats: CaptureStats = { taken: 0, skipped: 0, failed: 0 };
  private browser?: Browser;
  private page?: Page;
  private app?: App;
  private timer?: NodeJS.Timeout;
  private busy?: Promise<void>;
  private lastMap = 0;
  private seq = 0;
  private readonly prom: PrometheusClient;
  private readonly dashboardJson = healthRowDashboard(readFileSync(DASHBOARD_FILE, 'utf8'));

  constructor(private readonly rt: Runtime, private readonly dir: string, private readonly o: CaptureOptions) {
    this.prom = new PrometheusClient(rt.addresses.prometheusUrl);
  }

  async start(): Promise<void> {
    if (this.o.everyMs <= 0) return;
    this.browser = await launch('live dashboard pictures');
    this.page = await this.browser.newPage({ viewport: { width: DASHBOARD_WIDTH, height: DASHBOARD_CAPTURE_PX } });
    this.timer = setInterval(() => this.tick(), this.o.everyMs);
    this.tick();
  }

  /** Stops the ticker, waits for the picture in progress, closes Chromium and the map's app. */
  async stop(): Promise<Shot[]> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
    await this.browser?.close();
    this.browser = undefined;
    await this.app?.close();
    this.app = undefined;
    return this.shots;
  }

  private tick(): void {
    if (this.busy) {
      this.stats.skipped++;
      return;
    }
    this.busy = this.takeAll().finally(() => {
      this.busy = undefined;
    });
  }

  private async takeAll(): Promise<void> {
    try {
      await this.dashboard();
      if (this.o.mapEveryMs > 0 && Date.now() - this.lastMap >= this.o.mapEveryMs) await this.map();
    } catch (err) {
      this.stats.failed++;
      this.stats.lastError = (err as Error).message;
    }
  }

  private name(kind: string): string {
    return join(this.dir, `${kind}-${String(++this.seq).padStart(4, '0')}.png`);
  }

  private async dashboard(): Promise<void> {
    const page = this.page;
    if (!page) return;
    const at = Date.now();
    const to = Math.ceil(at / 1000);
    const up = await this.prom.query('count(up{job="kafka"} == 1) or vector(0)', to);
    const { html, width } = await renderDashboardHtml(this.prom, { from: to - (this.o.rangeS ?? 300), to, subtitle: 'live' }, this.dashboardJson);
    const file = this.name('dashboard');
    await page.setContent(html, { waitUntil: 'load' });
    await page.screenshot({ path: file, clip: { x: 0, y: 0, width, height: DASHBOARD_CAPTURE_PX } });
    this.shots.push({ at, kind: 'dashboard', file, brokersUp: up[0]?.value });
    this.stats.taken++;
  }

  private async map(): Promise<void> {
    if (!this.browser) return;
    this.lastMap = Date.now();
    // The app needs Redis: before the demo has started it, there is no map to show yet.
    if (!this.app) {
      if (!(await portOpen(this.rt.stack.ports.redis))) return;
      this.app = await openApp(this.rt);
    }
    // An empty map (before the first driver reaches Redis) says nothing: wait for the fleet.
    if ((await this.app.index.liveFleet()).drivers.size === 0) return;
    const page = await this.browser.newPage({ viewport: { width: 1280, height: 680 } });
    try {
      await page.goto(this.app.pageUrl, { waitUntil: 'load', timeout: 20_000 });
      await page.waitForSelector(MAP_READY_SELECTOR, { timeout: 20_000 });
      const file = this.name('map');
      const at = Date.now();
      await page.screenshot({ path: file });
      this.shots.push({ at, kind: 'map', file });
      this.stats.taken++;
    } finally {
      await page.close();
    }
  }
}
