import { chromium, type Browser } from 'playwright-core';
import { liveDashboardUrl } from '../app/urls.ts';
import { findCommand, requireCommand } from '../native/processes.ts';

/** Debian's Chromium (apt-get install chromium; `make demo` installs it) or CHROMIUM_PATH; no browser download. */
export function chromiumPath(forWhat = 'dashboard picture'): string {
  const forced = process.env.CHROMIUM_PATH;
  if (forced !== undefined && forced !== '' && findCommand(forced) === undefined) throw new Error(`${forWhat}: CHROMIUM_PATH=${forced} is not an executable (unset it to use chromium from PATH)`);
  return requireCommand(forced || 'chromium', forWhat);
}

/** Headless Chromium as every picture and browser test of rastro runs it. */
export async function launch(forWhat?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(forWhat),
    headless: true,
    // No sandbox as root in CI; no background traffic on a machine without outside network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** PNG of an HTML page rendered at the given size. */
export async function screenshotHtml(html: string, file: string, width: number, height: number): Promise<void> {
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(html, { waitUntil: 'load' });
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await browser.close();
  }
}

/**
 * PNG of a live page (Grafana), waiting until its panels have loaded. `waitUntil: 'load'` for a page
 * that keeps a stream open (server-sent events): the network never goes idle there.
 */
export async function screenshotUrl(url: string, file: string, opts: { width: number; height: number; headers?: Record<string, string>; readySelector?: string; waitUntil?: 'load' | 'networkidle'; forWhat?: string }): Promise<void> {
  const browser = await launch(opts.forWhat);
  try {
    const page = await browser.newPage({ viewport: { width: opts.width, height: opts.height }, extraHTTPHeaders: opts.headers ?? {} });
    await page.goto(url, { waitUntil: opts.waitUntil ?? 'networkidle', timeout: 60_000 });
    if (opts.readySelector) await page.waitForSelector(opts.readySelector, { timeout: 30_000 });
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await browser.close();
  }
}

/** The live map's "first snapshot drawn" mark (scripts/lib/app/public/map.mjs). */
export const MAP_READY_SELECTOR = '#map[data-ready="true"]';
/** The live dashboard's "panels drawn" mark (scripts/lib/app/public/dashboard.mjs). */
export const DASHBOARD_READY_SELECTOR = '#panels:not([data-refreshes="0"])';

/** PNG of the live map served at `url` (./scripts/app.mjs), once its first snapshot of the fleet is drawn. */
export async function screenshotMap(url: string, file: string, size = { width: 1280, height: 820 }): Promise<void> {
  await screenshotUrl(url, file, { ...size, readySelector: MAP_READY_SELECTOR, waitUntil: 'load', forWhat: 'map picture' });
}

/** PNG of the app's live dashboard page (`pageUrl`: the app's map page URL), once its panels are drawn. */
export async function screenshotLiveDashboard(pageUrl: string, file: string, range = '15m'): Promise<void> {
  await screenshotUrl(liveDashboardUrl(pageUrl, { range }), file, { width: 1460, height: 1300, readySelector: DASHBOARD_READY_SELECTOR, waitUntil: 'load', forWhat: 'dashboard picture' });
}
