import { readFileSync } from 'node:fs';
import { DASHBOARD_FILE, dashboardRow, dashboardRows } from '../metrics/dashboard-file.ts';
import type { PrometheusClient } from '../prometheus.ts';
import { renderDashboardPanels } from '../render/dashboard.ts';

/** The live dashboard page's time ranges (its picker), in seconds. */
export const DASHBOARD_RANGES: Record<string, number> = { '5m': 300, '15m': 900, '1h': 3600 };

/**
 * GET /dashboard/panels?range=5m|15m|1h[&row=<a row's title>]: the dashboard JSON's panels drawn from
 * Prometheus over the range ending now, as the live page places them. The JSON is read on every
 * request, so a panel added to it shows at the next refresh, as in Grafana.
 */
export async function dashboardPanels(params: URLSearchParams, prom: PrometheusClient | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
  const what = 'GET /dashboard/panels';
  const name = params.get('range') ?? '15m';
  const span = DASHBOARD_RANGES[name];
  if (span === undefined) return { status: 400, body: { error: `${what}: range ${JSON.stringify(name)} is not one of ${Object.keys(DASHBOARD_RANGES).join(', ')}`, param: 'range' } };
  const whole = readFileSync(DASHBOARD_FILE, 'utf8');
  const rowTitle = params.get('row');
  const json = rowTitle === null ? whole : dashboardRow(whole, rowTitle);
  if (json === undefined) return { status: 400, body: { error: `${what}: no row ${JSON.stringify(rowTitle)} in the dashboard (rows: ${dashboardRows(whole).join(', ')})`, param: 'row' } };
  if (prom === undefined) return { status: 503, body: { error: `${what}: the app has no Prometheus to read` } };
  const to = Math.ceil(Date.now() / 1000);
  try {
    return { status: 200, body: { range: name, from: to - span, to, ...(await renderDashboardPanels(prom, { from: to - span, to }, json)) } };
  } catch (err) {
    // Prometheus down or refusing: the page keeps its last panels and says why.
    return { status: 503, body: { error: `${what}: ${(err as Error).message}` } };
  }
}
