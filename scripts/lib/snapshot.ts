import { readGrafanaLogin } from './docker/grafana-login.ts';
import { readDashboard } from './metrics/dashboard-file.ts';
import { PrometheusClient } from './prometheus.ts';
import { renderDashboardHtml, type RenderRange } from './render/dashboard.ts';
import { screenshotHtml, screenshotUrl } from './render/screenshot.ts';
import type { Runtime } from './runtime/types.ts';


async function grafanaAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

function grafanaAuth(): string {
  const login = readGrafanaLogin();
  return `Basic ${Buffer.from(`${login?.user ?? ''}:${login?.password ?? ''}`).toString('base64')}`;
}

/** Marks an event (a broker stop or start) on the Grafana dashboard, where Grafana runs. */
export async function annotateGrafana(rt: Runtime, text: string, atMs: number): Promise<void> {
  const grafana = `http://127.0.0.1:${rt.stack.ports.grafana}`;
  if (!(await grafanaAnswers(grafana))) return;
  // Grafana addresses the provisioned dashboard by the uid in its JSON.
  const res = await fetch(`${grafana}/api/annotations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: grafanaAuth() },
    body: JSON.stringify({ dashboardUID: readDashboard().uid, time: atMs, tags: ['rastro', 'chaos'], text }),
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`POST annotation "${text}" at ${grafana}: ${res.status} ${await res.text()}`);
}

/**
 * A PNG of the dashboard over `range`: a screenshot of Grafana where Grafana runs (docker),
 * otherwise the same dashboard JSON rendered from Prometheus range queries (native).
 */
export async function snapshotDashboard(rt: Runtime, file: string, range: RenderRange): Promise<'grafana' | 'prometheus'> {
  const grafana = `http://127.0.0.1:${rt.stack.ports.grafana}`;
  if (await grafanaAnswers(grafana)) {
    await screenshotUrl(`${grafana}/d/${readDashboard().uid}/?orgId=1&from=${range.from * 1000}&to=${range.to * 1000}&kiosk`, file, {
      width: 1600, height: 1400, headers: { Authorization: grafanaAuth() }, readySelector: '.react-grid-layout',
    });
    return 'grafana';
  }
  const { html, width, height } = await renderDashboardHtml(new PrometheusClient(rt.addresses.prometheusUrl), range);
  await screenshotHtml(html, file, width, height);
  return 'prometheus';
}
