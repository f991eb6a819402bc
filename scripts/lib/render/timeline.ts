import { QUERIES as Q } from '../metrics/catalogue.ts';
import type { PanelQuery } from '../metrics/dashboard-file.ts';
import type { PrometheusClient } from '../prometheus.ts';
import { escapeXml, timeseriesSvg, type Marker } from './svg-chart.ts';

/** The chaos timeline: the metrics that tell the story of a broker stop, one panel each. */
export const TIMELINE_PANELS: Array<{ title: string; unit?: string; queries: PanelQuery[] }> = [
  { title: 'Brokers answering scrapes', queries: [{ expr: Q.brokersUp, legend: 'brokers up' }] },
  { title: 'Under-replicated partitions (sum over brokers)', queries: [{ expr: Q.underReplicated, legend: 'under-replicated' }, { expr: Q.underMinIsr, legend: 'under min ISR' }] },
  { title: 'Producer', unit: 'ops', queries: [{ expr: Q.producerAckedFast, legend: 'acknowledged/s' }, { expr: Q.producerFailedFast, legend: 'in failed attempts/s' }] },
  { title: 'Sink consumer lag (records)', queries: [{ expr: Q.sinkLag, legend: 'lag' }] },
  { title: 'End-to-end freshness (event → Redis, last 30 s)', unit: 'ms', queries: [{ expr: Q.freshnessP99, legend: 'p99' }, { expr: Q.freshnessP50, legend: 'p50' }] },
];

export async function renderTimelineHtml(prom: PrometheusClient, from: number, to: number, markers: Marker[], title: string): Promise<{ html: string; width: number; height: number }> {
  const width = 1200;
  const panelH = 210;
  const step = Math.max(2, Math.round((to - from) / 300));
  const svgs: string[] = [];
  for (const p of TIMELINE_PANELS) {
    const series = [];
    for (const q of p.queries) for (const s of await prom.queryRange(q.expr, from, to, step)) series.push({ name: q.legend, points: s.values });
    svgs.push(timeseriesSvg(series, { title: p.title, unit: p.unit, width, height: panelH, from, to, markers, gapS: step * 1.5 }));
  }
  const height = 50 + svgs.length * (panelH + 8);
  const html = `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#111217;width:${width + 16}px">
<div style="color:#ccccdc;font:600 18px sans-serif;padding:12px 8px 4px">${escapeXml(title)}</div>
${svgs.map((s) => `<div style="padding:4px 8px">${s}</div>`).join('\n')}
</body></html>`;
  return { html, width: width + 16, height };
}
