import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openApp } from '../app/session.ts';
import type { App } from '../app/server.ts';
import { DASHBOARD_WIDTH } from '../render/dashboard.ts';
import { liveDashboardUrl } from '../app/urls.ts';
import { DASHBOARD_READY_SELECTOR, launch, MAP_READY_SELECTOR } from '../render/screenshot.ts';
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
  /** the instant (ms) the dashboard's data is for: the live page's last refresh, up to one refresh before `at` */
  dataAt?: number;
}

/** The dashboard row the video shows under the terminal: brokers online, scrape state, controller, partitions. */
export const VIDEO_DASHBOARD_ROW = 'Cluster health';

export interface CaptureOptions {
  /** a dashboard picture every this many ms (0: none) */
  everyMs: number;
  /** a live map picture at most this often (0: none) */
  mapEveryMs: number;
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
 * Pictures of the app's live dashboard page (its cluster-health row; the page redraws itself from
 * Prometheus every 5 s) every few seconds, and of the live map, while make video records a script.
 * The app is served in this process once Redis answers. A tick is skipped while the previous picture
 * is still being made, so pictures never pile up on a busy two-core machine. Ticks before the stack
 * answers fail quietly and are counted.
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

  constructor(private readonly rt: Runtime, private readonly dir: string, private readonly o: CaptureOptions) {}

  async start(): Promise<void> {
    if (this.o.everyMs <= 0) return;
    this.browser = await launch('live dashboard pictures');
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

  /** The app, served here once the stack's Redis answers (before `make up` has started it there is nothing to show). */
  private async openedApp(): Promise<App | undefined> {
    if (!this.app && (await portOpen(this.rt.stack.ports.redis))) this.app = await openApp(this.rt);
    return this.app;
  }

  /** The live dashboard page, opened once (it redraws itself), photographed at its top: header and the row. */
  private async dashboard(): Promise<void> {
    const app = await this.openedApp();
    if (!this.browser || !app) return;
    if (!this.page) {
      const page = await this.browser.newPage({ viewport: { width: DASHBOARD_WIDTH, height: DASHBOARD_CAPTURE_PX } });
      await page.goto(liveDashboardUrl(app.pageUrl, { row: VIDEO_DASHBOARD_ROW, range: '5m' }), { waitUntil: 'load', timeout: 20_000 });
      await page.waitForSelector(DASHBOARD_READY_SELECTOR, { timeout: 20_000 });
      this.page = page;
    }
    const page = this.page;
    const brokersUp = () => page.getAttribute('[data-title="Brokers online"] text.value', 'data-raw', { timeout: 5000 });
    const file = this.name('dashboard');
    // The value read with the picture must be the one in it: a redraw between the two (a new data-to) is taken again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const at = Date.now();
      const drawnTo = () => page.getAttribute('#panels', 'data-to');
      const before = [await brokersUp(), await drawnTo()];
      await page.screenshot({ path: file, clip: { x: 0, y: 0, width: DASHBOARD_WIDTH, height: DASHBOARD_CAPTURE_PX } });
      if ((await drawnTo()) !== before[1]) continue;
      this.shots.push({ at, kind: 'dashboard', file, brokersUp: before[0] === null ? undefined : Number(before[0]), dataAt: Number(before[1]) * 1000 });
      this.stats.taken++;
      return;
    }
  }

  private async map(): Promise<void> {
    if (!this.browser) return;
    this.lastMap = Date.now();
    const app = await this.openedApp();
    if (!app) return;
    // An empty map (before the first driver reaches Redis) says nothing: wait for the fleet.
    if ((await app.index.liveFleet()).drivers.size === 0) return;
    const page = await this.browser.newPage({ viewport: { width: 1280, height: 680 } });
    try {
      await page.goto(app.pageUrl, { waitUntil: 'load', timeout: 20_000 });
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
