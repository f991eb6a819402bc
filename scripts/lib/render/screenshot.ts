import { chromium, type Browser } from 'playwright-core';
import { findCommand, requireCommand } from '../native/processes.ts';

/** Debian's Chromium (apt-get install chromium; `make demo` installs it) or CHROMIUM_PATH; no browser download. */
function chromiumPath(): string {
  const forced = process.env.CHROMIUM_PATH;
  if (forced !== undefined && forced !== '' && findCommand(forced) === undefined) throw new Error(`dashboard picture: CHROMIUM_PATH=${forced} is not an executable (unset it to use chromium from PATH)`);
  return requireCommand(forced || 'chromium', 'dashboard picture');
}

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
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
