import { escapeXml, formatValue, niceTicks, PALETTE, panelFrame, timeseriesSvg, type ChartSeries, type Marker } from '../render/svg-chart.ts';

export interface BarGroup {
  label: string;
  bars: Array<{ name: string; value: number }>;
}

/** Grouped vertical bars in the dashboard's dark style; NaN bars are left out, with "n/a" under the group. */
export function barChartSvg(groups: readonly BarGroup[], o: { title: string; unit?: string; width: number; height: number }): string {
  const pad = { l: 64, r: 12, t: 30, b: 44 };
  const w = o.width - pad.l - pad.r;
  const h = o.height - pad.t - pad.b;
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter(Number.isFinite);
  const ticks = niceTicks(0, Math.max(...values, 1));
  const hi = Math.max(ticks.at(-1) ?? 1, ...values, 1);
  const y = (v: number) => pad.t + h - (v / hi) * h;
  const parts = panelFrame(o, { left: pad.l, width: w }, ticks, y);
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const gw = w / Math.max(groups.length, 1);
  groups.forEach((g, gi) => {
    const bw = Math.min(48, (gw * 0.8) / Math.max(g.bars.length, 1));
    const x0 = pad.l + gi * gw + (gw - bw * g.bars.length) / 2;
    g.bars.forEach((b, bi) => {
      const color = PALETTE[names.indexOf(b.name) % PALETTE.length] as string;
      const x = x0 + bi * bw;
      if (!Number.isFinite(b.value)) return;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y(b.value).toFixed(1)}" width="${(bw - 3).toFixed(1)}" height="${(pad.t + h - y(b.value)).toFixed(1)}" fill="${color}"/>`);
      parts.push(`<text x="${(x + (bw - 3) / 2).toFixed(1)}" y="${(y(b.value) - 3).toFixed(1)}" fill="#ccccdc" font-size="9" text-anchor="middle">${escapeXml(formatValue(b.value, o.unit))}</text>`);
    });
    const missing = g.bars.some((b) => !Number.isFinite(b.value));
    parts.push(`<text x="${(pad.l + gi * gw + gw / 2).toFixed(1)}" y="${pad.t + h + 14}" fill="#ccccdc" font-size="11" text-anchor="middle">${escapeXml(g.label + (missing ? ' (n/a)' : ''))}</text>`);
  });
  if (names.length > 1) {
    names.forEach((n, i) => {
      const lx = pad.l + i * 120;
      parts.push(`<rect x="${lx}" y="${pad.t + h + 26}" width="10" height="8" fill="${PALETTE[i % PALETTE.length]}"/>`);
      parts.push(`<text x="${lx + 14}" y="${pad.t + h + 34}" fill="#ccccdc" font-size="10">${escapeXml(n)}</text>`);
    });
  }
  if (values.length === 0) parts.push(`<text x="${o.width / 2}" y="${o.height / 2}" fill="#8e8e8e" font-size="12" text-anchor="middle">No data</text>`);
  parts.push('</svg>');
  return parts.join('');
}

export interface BenchPlotData {
  title: string;
  throughput: BarGroup[];
  freshness: BarGroup[];
  freshnessSeries: ChartSeries[];
  failoverSeries: ChartSeries[];
  failoverMarkers: Marker[];
}

const span = (series: ChartSeries[]): [number, number] => {
  const ts = series.flatMap((s) => s.points.map(([t]) => t));
  return ts.length === 0 ? [0, 1] : [Math.min(...ts), Math.max(...ts)];
};

/** One HTML page with the bench's panels, for screenshotHtml. */
export function benchPlotHtml(d: BenchPlotData): { html: string; width: number; height: number } {
  const width = 1100;
  const panels = [
    barChartSvg(d.throughput, { title: 'Throughput (events/s, wall clock; higher is better)', unit: 'ops', width, height: 260 }),
    barChartSvg(d.freshness, { title: 'End-to-end freshness, event timestamp → visible in Redis (ms; lower is better)', unit: 'ms', width, height: 260 }),
  ];
  if (d.freshnessSeries.length > 0) {
    const [from, to] = span(d.freshnessSeries);
    panels.push(timeseriesSvg(d.freshnessSeries, { title: 'Freshness p99 per second during each rate (ms)', unit: 'ms', width, height: 220, from, to, gapS: 3 }));
  }
  if (d.failoverSeries.length > 0) {
    const [from, to] = span(d.failoverSeries);
    panels.push(timeseriesSvg(d.failoverSeries, { title: 'Failover: events acknowledged per 250 ms around the SIGKILL', width, height: 220, from, to, markers: d.failoverMarkers }));
  }
  const height = 50 + panels.length * 268;
  const html = `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#111217;width:${width + 16}px">
<div style="color:#ccccdc;font:600 18px sans-serif;padding:12px 8px 4px">${escapeXml(d.title)}</div>
${panels.map((s) => `<div style="padding:4px 8px">${s}</div>`).join('\n')}
</body></html>`;
  return { html, width: width + 16, height };
}
