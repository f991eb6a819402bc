import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); no browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`screenshot: ${CHROMIUM} not found (apt-get install chromium, or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
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

/** PNG of a live page (Grafana), waiting until its panels have loaded. */
export async function screenshotUrl(url: string, file: string, opts: { width: number; height: number; headers?: Record<string, string>; readySelector?: string }): Promise<void> {
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: opts.width, height: opts.height }, extraHTTPHeaders: opts.headers ?? {} });
    await page.goto(url, { waitUntil: 'networkidle', timeout: 60_000 });
    if (opts.readySelector) await page.waitForSelector(opts.readySelector, { timeout: 30_000 });
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await browser.close();
  }
}
