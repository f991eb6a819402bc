import type { PrometheusClient } from '../prometheus.ts';
import { escapeXml, timeseriesSvg, type Marker } from './svg-chart.ts';

/** The chaos timeline: the metrics that tell the story of a broker stop, one panel each. */
export const TIMELINE_PANELS: Array<{ title: string; unit?: string; queries: Array<{ expr: string; legend: string }> }> = [
  { title: 'Brokers answering scrapes', queries: [{ expr: 'count(up{job="kafka"} == 1) or vector(0)', legend: 'brokers up' }] },
  { title: 'Under-replicated partitions (sum over brokers)', queries: [{ expr: 'sum(kafka_server_replicamanager_underreplicatedpartitions)', legend: 'under-replicated' }, { expr: 'sum(kafka_server_replicamanager_underminisrpartitioncount)', legend: 'under min ISR' }] },
  { title: 'Producer', unit: 'ops', queries: [{ expr: 'sum(rate(rastro_producer_events_sent_total[15s]))', legend: 'acknowledged/s' }, { expr: 'sum(rate(rastro_producer_events_failed_total[15s]))', legend: 'in failed attempts/s' }] },
  { title: 'Sink consumer lag (records)', queries: [{ expr: 'sum(kafka_consumer_records_lag{client_id=~"connector-consumer-.*"})', legend: 'lag' }] },
  { title: 'End-to-end freshness (event → Redis, last 30 s)', unit: 'ms', queries: [{ expr: 'max(rastro_sink_freshness_p99_ms)', legend: 'p99' }, { expr: 'max(rastro_sink_freshness_p50_ms)', legend: 'p50' }] },
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
