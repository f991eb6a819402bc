import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../../shared/stack.ts';

/** The Grafana dashboard both runtimes use: provisioned into Grafana (docker), rendered from Prometheus (native). */
export const DASHBOARD_FILE = join(ROOT, 'grafana-provisioning', 'dashboards', 'json', 'rastro.json');

export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface ThresholdStep {
  color: string;
  value: number | null;
}

export interface Panel {
  title: string;
  /** 'row' for a section header, otherwise a data panel ('stat', 'timeseries'). */
  type: string;
  gridPos: { h: number; w: number; x: number; y: number };
  unit?: string;
  thresholds?: ThresholdStep[];
  queries: PanelQuery[];
}

export interface Dashboard {
  uid: string;
  title: string;
  /** Every panel in file order, rows included. */
  panels: Panel[];
  /** The annotation queries (Grafana's built-in one has none). */
  annotations: Array<{ name: string; expr: string }>;
}

/** Reads the dashboard JSON: the one parser of that file. */
export function readDashboard(json: string = readFileSync(DASHBOARD_FILE, 'utf8')): Dashboard {
  const d = JSON.parse(json) as { uid?: string; title?: string; panels?: Array<Record<string, any>>; annotations?: { list?: Array<Record<string, any>> } };
  const panels = (d.panels ?? []).map((p): Panel => ({
    title: String(p.title),
    type: String(p.type),
    gridPos: p.gridPos as Panel['gridPos'],
    unit: p.fieldConfig?.defaults?.unit as string | undefined,
    thresholds: p.fieldConfig?.defaults?.thresholds?.steps as ThresholdStep[] | undefined,
    queries: ((p.targets ?? []) as Array<{ expr?: string; legendFormat?: string }>).map((t) => ({ expr: String(t.expr ?? ''), legend: String(t.legendFormat ?? '') })),
  }));
  const annotations = (d.annotations?.list ?? []).filter((a) => typeof a.expr === 'string').map((a) => ({ name: String(a.name), expr: String(a.expr) }));
  return { uid: String(d.uid), title: String(d.title), panels, annotations };
}

/**
 * The dashboard JSON reduced to one row: the row header titled `title` and the panels after it up to
 * the next row, moved up so the row starts at the top. Undefined when no row has that title.
 */
export function dashboardRow(json: string, title: string): string | undefined {
  const d = JSON.parse(json) as { panels?: Array<{ type?: string; title?: string; gridPos: { y: number } }> };
  const panels = d.panels ?? [];
  const start = panels.findIndex((p) => p.type === 'row' && p.title === title);
  if (start < 0) return undefined;
  const next = panels.findIndex((p, i) => i > start && p.type === 'row');
  const row = panels.slice(start, next < 0 ? undefined : next);
  const top = row[0]?.gridPos.y ?? 0;
  return JSON.stringify({ ...d, panels: row.map((p) => ({ ...p, gridPos: { ...p.gridPos, y: p.gridPos.y - top } })) });
}

/** The titles of the dashboard's rows, in order. */
export function dashboardRows(json?: string): string[] {
  return readDashboard(json).panels.filter((p) => p.type === 'row').map((p) => p.title);
}

/** The data panels of the dashboard (rows skipped), with their Prometheus queries. */
export function dashboardPanels(json?: string): Panel[] {
  return readDashboard(json).panels.filter((p) => p.type !== 'row');
}

/** Grafana's legend format: {{label}} replaced by the series' label value. */
export function legendFor(format: string, metric: Record<string, string>): string {
  const s = format.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, k: string) => metric[k] ?? '');
  return s !== '' ? s : JSON.stringify(metric);
}
