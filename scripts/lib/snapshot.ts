import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnvFile } from './env-file.ts';
import { PrometheusClient } from './prometheus.ts';
import { renderDashboardHtml, type RenderRange } from './render/dashboard.ts';
import { screenshotHtml, screenshotUrl } from './render/screenshot.ts';
import type { Runtime } from './runtime/types.ts';
import { ROOT } from './stack.ts';

const DASHBOARD_UID = 'rastro-pipeline';

async function grafanaAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/**
 * A PNG of the dashboard over `range`: a screenshot of Grafana where Grafana runs (docker),
 * otherwise the same dashboard JSON rendered from Prometheus range queries (native).
 */
export async function snapshotDashboard(rt: Runtime, file: string, range: RenderRange): Promise<'grafana' | 'prometheus'> {
  const grafana = `http://127.0.0.1:${rt.stack.ports.grafana}`;
  if (await grafanaAnswers(grafana)) {
    const env = existsSync(join(ROOT, '.env')) ? parseEnvFile(readFileSync(join(ROOT, '.env'), 'utf8'), '.env') : new Map<string, string>();
    const auth = Buffer.from(`${env.get('GRAFANA_ADMIN_USER') ?? ''}:${env.get('GRAFANA_ADMIN_PASSWORD') ?? ''}`).toString('base64');
    await screenshotUrl(`${grafana}/d/${DASHBOARD_UID}/?orgId=1&from=${range.from * 1000}&to=${range.to * 1000}&kiosk`, file, {
      width: 1600, height: 1400, headers: { Authorization: `Basic ${auth}` }, readySelector: '.react-grid-layout',
    });
    return 'grafana';
  }
  const { html, width, height } = await renderDashboardHtml(new PrometheusClient(rt.addresses.prometheusUrl), range);
  await screenshotHtml(html, file, width, height);
  return 'prometheus';
}
