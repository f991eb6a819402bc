import { legendFor, readDashboard, type Panel, type ThresholdStep } from '../metrics/dashboard-file.ts';
import type { PrometheusClient } from '../prometheus.ts';
import { escapeXml, statSvg, timeseriesSvg, type ChartSeries, type Marker } from './svg-chart.ts';

const GRAFANA_COLORS: Record<string, string> = { green: '#37872d', red: '#c4162a', orange: '#fa6400', yellow: '#e0b400', blue: '#1f60c4' };
const GRID_COL = 60;
const GRID_ROW = 30;
/** The title and subtitle above the first panel. */
const HEADER_PX = 60;
/** The rendered page's width: Grafana's 24 grid columns. */
export const DASHBOARD_WIDTH = 24 * GRID_COL;

/** Where a panel sits on the rendered page, in pixels (Grafana's gridPos on a 60×30 px grid). */
export function panelRect(g: Panel['gridPos']): { left: number; top: number; width: number; height: number } {
  return { left: g.x * GRID_COL, top: HEADER_PX + g.y * GRID_ROW, width: g.w * GRID_COL - 6, height: g.h * GRID_ROW - 6 };
}

/** The threshold colour Grafana would give `v` (steps ascending; the first has value null). */
export function thresholdColor(steps: ThresholdStep[] | undefined, v: number): string {
  let color = steps?.[0]?.color ?? 'green';
  for (const s of steps ?? []) if (s.value !== null && v >= s.value) color = s.color;
  return GRAFANA_COLORS[color] ?? color;
}

export interface RenderRange {
  from: number;
  /** Unix seconds; round up from now, or the newest scrape may fall outside the range. */
  to: number;
  markers?: Marker[];
  subtitle?: string;
}

/** One drawn panel of the dashboard, placed as Grafana's grid places it. */
export interface DrawnPanel {
  title: string;
  type: string;
  left: number;
  top: number;
  width: number;
  height: number;
  /** The panel as SVG; a row header has none. */
  svg?: string;
}

export interface DrawnDashboard {
  title: string;
  /** Room above the first panel, for a title (the PNGs have one; the live page has its own header). */
  header: number;
  width: number;
  height: number;
  panels: DrawnPanel[];
}

/** One panel's queries answered by Prometheus over the range, drawn as SVG. */
async function drawPanel(prom: PrometheusClient, p: Panel, range: RenderRange, step: number, size: { width: number; height: number }): Promise<string> {
  if (p.type === 'stat') {
    // A stat shows the value at the end of the range, like Grafana's "last".
    const answers = await Promise.all(p.queries.map(async (q) => (await prom.query(q.expr, range.to)).map((s) => ({ name: legendFor(q.legend, s.metric), value: s.value }))));
    return statSvg(answers.flat(), { title: p.title, unit: p.unit, ...size, colorFor: (_n, v) => thresholdColor(p.thresholds, v) });
  }
  const answers = await Promise.all(p.queries.map(async (q) => (await prom.queryRange(q.expr, range.from, range.to, step)).map((s): ChartSeries => ({ name: legendFor(q.legend, s.metric), points: s.values }))));
  return timeseriesSvg(answers.flat(), { title: p.title, unit: p.unit, ...size, from: range.from, to: range.to, markers: range.markers, gapS: step * 1.5 });
}

/**
 * The dashboard JSON's panels, each with its queries answered by Prometheus over [from, to] and drawn
 * as SVG where Grafana's grid puts it: what the PNGs and the app's live /dashboard page show.
 */
export async function renderDashboardPanels(prom: PrometheusClient, range: RenderRange, json?: string): Promise<DrawnDashboard> {
  const d = readDashboard(json);
  const step = Math.max(5, Math.round((range.to - range.from) / 240));
  const panels = await Promise.all(
    d.panels.map(async (p): Promise<DrawnPanel> => {
      const rect = panelRect(p.gridPos);
      const base = { title: p.title, type: p.type, ...rect };
      return p.type === 'row' ? base : { ...base, svg: await drawPanel(prom, p, range, step, rect) };
    }),
  );
  const bottom = Math.max(0, ...panels.map((p) => p.top + p.height));
  return { title: d.title, header: HEADER_PX, width: DASHBOARD_WIDTH, height: bottom + 12, panels };
}

/** The time range as the page's subtitle says it. */
export function rangeText(range: RenderRange): string {
  return `${new Date(range.from * 1000).toISOString().slice(0, 19)}Z → ${new Date(range.to * 1000).toISOString().slice(11, 19)}Z`;
}

/**
 * The dashboard JSON rendered as an HTML page of SVG panels, each panel's queries answered by
 * Prometheus over [from, to]: the native runtime's stand-in for a Grafana screenshot.
 */
export async function renderDashboardHtml(prom: PrometheusClient, range: RenderRange, json?: string): Promise<{ html: string; width: number; height: number }> {
  const d = await renderDashboardPanels(prom, range, json);
  const blocks = d.panels.map((p) =>
    p.svg === undefined
      ? `<div style="position:absolute;left:${p.left}px;top:${p.top}px;color:#ccccdc;font:600 15px sans-serif">${escapeXml(p.title)}</div>`
      : `<div style="position:absolute;left:${p.left}px;top:${p.top}px">${p.svg}</div>`,
  );
  const { width, height } = d;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeXml(d.title)}</title></head>
<body style="margin:0;background:#111217;width:${width}px;height:${height}px;position:relative">
<div style="position:absolute;left:8px;top:10px;color:#ccccdc;font:600 20px sans-serif">${escapeXml(d.title)}</div>
<div style="position:absolute;left:8px;top:36px;color:#8e8e8e;font:12px sans-serif">${escapeXml(`${rangeText(range)}${range.subtitle ? ` · ${range.subtitle}` : ''} · rendered from Prometheus by scripts/snapshot-dashboard.mjs`)}</div>
${blocks.join('\n')}
</body></html>`;
  return { html, width, height };
}
