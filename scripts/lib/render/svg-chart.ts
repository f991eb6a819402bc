/** Small, dependency-free SVG charts for the dashboard and chaos pictures (rendered to PNG by Chromium). */

export interface ChartSeries {
  name: string;
  /** [unix seconds, value]; NaN values leave a gap. */
  points: Array<[number, number]>;
}

export interface Marker {
  /** unix seconds */
  t: number;
  label: string;
  color: string;
}

export interface ChartOptions {
  title: string;
  unit?: string;
  width: number;
  height: number;
  from: number;
  to: number;
  markers?: Marker[];
  /** Points further apart than this (seconds) are not joined: the series had no data between them. */
  gapS?: number;
}

export const PALETTE = ['#73bf69', '#f2cc0c', '#5794f2', '#ff780a', '#b877d9', '#f2495c', '#8ab8ff', '#fade2a', '#37872d', '#e0b400'];

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A value with its unit, compact: 1.2k ops/s, 350 ms, 2.1 MiB. */
export function formatValue(v: number, unit?: string): string {
  if (!Number.isFinite(v)) return '–';
  const compact = (n: number, base: number, suffixes: string[]) => {
    let i = 0;
    while (Math.abs(n) >= base && i < suffixes.length - 1) {
      n /= base;
      i++;
    }
    const digits = Math.abs(n) >= 100 || Number.isInteger(n) ? 0 : Math.abs(n) >= 10 ? 1 : 2;
    return `${n.toFixed(digits)}${suffixes[i]}`;
  };
  switch (unit) {
    case 'bytes':
      return `${compact(v, 1024, [' B', ' KiB', ' MiB', ' GiB'])}`;
    case 'ms':
      return v >= 1000 ? `${compact(v / 1000, 1000, [' s'])}` : `${compact(v, 1000, [' ms'])}`;
    case 's':
      return v < 1 ? `${compact(v * 1000, 1000, [' ms'])}` : `${compact(v, 1000, [' s'])}`;
    case 'ops':
      return `${compact(v, 1000, ['', 'k', 'M'])}/s`;
    default:
      return compact(v, 1000, ['', 'k', 'M', 'G']);
  }
}

/** Round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** A Grafana-like dark time-series panel. */
/** A panel's opening: the svg element, background, title and the horizontal grid with its labels. */
export function panelFrame(o: { width: number; height: number; title: string; unit?: string }, plot: { left: number; width: number }, ticks: number[], y: (v: number) => number): string[] {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" font-family="Inter, Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" rx="4" fill="#181b1f" stroke="#2c3235"/>`,
    `<text x="10" y="18" fill="#ccccdc" font-size="13" font-weight="600">${escapeXml(o.title)}</text>`,
  ];
  for (const tv of ticks) {
    parts.push(`<line x1="${plot.left}" x2="${plot.left + plot.width}" y1="${y(tv)}" y2="${y(tv)}" stroke="#2c3235"/>`);
    parts.push(`<text x="${plot.left - 6}" y="${y(tv) + 4}" fill="#8e8e8e" font-size="10" text-anchor="end">${escapeXml(formatValue(tv, o.unit))}</text>`);
  }
  return parts;
}

export function timeseriesSvg(series: ChartSeries[], o: ChartOptions): string {
  const pad = { l: 58, r: 12, t: 28, b: 20 + 14 * Math.min(Math.ceil(series.length / 2), 3) };
  const w = o.width - pad.l - pad.r;
  const h = o.height - pad.t - pad.b;
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const lo = Math.min(0, ...values);
  let hi = Math.max(...values, lo + 1);
  if (hi === lo) hi = lo + 1;
  const ticks = niceTicks(lo, hi);
  hi = Math.max(hi, ticks.at(-1) ?? hi);
  const x = (t: number) => pad.l + ((t - o.from) / Math.max(o.to - o.from, 1)) * w;
  const y = (v: number) => pad.t + h - ((v - lo) / (hi - lo)) * h;
  const parts = panelFrame(o, { left: pad.l, width: w }, ticks, y);
  // At least ~70 px between time labels.
  const span = Math.max(o.to - o.from, 1);
  const timeStep = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].find((st) => (st / span) * w >= 70) ?? 14_400;
  for (let t = Math.ceil(o.from / timeStep) * timeStep; t <= o.to; t += timeStep) {
    // A label centred too near the right edge would be cut in half.
    if (x(t) > o.width - 26) continue;
    const label = new Date(t * 1000).toISOString().slice(11, 19);
    parts.push(`<text x="${x(t)}" y="${pad.t + h + 13}" fill="#8e8e8e" font-size="10" text-anchor="middle">${label}</text>`);
  }
  (o.markers ?? []).forEach((m, i) => {
    if (m.t < o.from || m.t > o.to) return;
    parts.push(`<line x1="${x(m.t)}" x2="${x(m.t)}" y1="${pad.t}" y2="${pad.t + h}" stroke="${m.color}" stroke-dasharray="4 3" stroke-width="1.5"/>`);
    // Staggered, and drawn to the left near the right edge, so close markers stay readable.
    const right = x(m.t) > pad.l + w * 0.8;
    parts.push(`<text x="${x(m.t) + (right ? -3 : 3)}" y="${pad.t + 10 + (i % 3) * 11}" fill="${m.color}" font-size="10" text-anchor="${right ? 'end' : 'start'}">${escapeXml(m.label)}</text>`);
  });
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length] as string;
    let d = '';
    let pen = false;
    let prevT = Number.NEGATIVE_INFINITY;
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      if (o.gapS !== undefined && t - prevT > o.gapS) pen = false;
      prevT = t;
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`);
    const col = i % 2;
    const row = Math.floor(i / 2);
    if (row < 3) {
      const lx = pad.l + col * (w / 2);
      const ly = pad.t + h + 28 + row * 14;
      const last = [...s.points].reverse().find(([, v]) => Number.isFinite(v))?.[1] ?? Number.NaN;
      parts.push(`<rect x="${lx}" y="${ly - 8}" width="10" height="3" fill="${color}"/>`);
      parts.push(`<text x="${lx + 14}" y="${ly - 3}" fill="#ccccdc" font-size="10">${escapeXml(`${s.name}  ${formatValue(last, o.unit)}`)}</text>`);
    }
  });
  if (values.length === 0) parts.push(`<text x="${o.width / 2}" y="${o.height / 2}" fill="#8e8e8e" font-size="12" text-anchor="middle">No data</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** A Grafana-like stat panel: the last value of each series, coloured by a simple rule. */
export function statSvg(values: Array<{ name: string; value: number }>, o: Omit<ChartOptions, 'from' | 'to'> & { colorFor?: (name: string, v: number) => string }): string {
  const n = Math.max(values.length, 1);
  const cellW = (o.width - 16) / n;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" font-family="Inter, Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" rx="4" fill="#181b1f" stroke="#2c3235"/>`,
    `<text x="10" y="18" fill="#ccccdc" font-size="13" font-weight="600">${escapeXml(o.title)}</text>`,
  ];
  values.forEach((s, i) => {
    const x0 = 8 + i * cellW;
    const color = o.colorFor?.(s.name, s.value) ?? '#37872d';
    parts.push(`<rect x="${x0 + 2}" y="28" width="${cellW - 4}" height="${o.height - 36}" rx="3" fill="${color}"/>`);
    // class and data-raw: a page or a test reads the value without parsing its formatting.
    parts.push(`<text class="value" data-raw="${s.value}" x="${x0 + cellW / 2}" y="${28 + (o.height - 36) / 2 + 4}" fill="#fff" font-size="${Math.min(30, cellW / 3)}" font-weight="600" text-anchor="middle">${escapeXml(formatValue(s.value, o.unit))}</text>`);
    parts.push(`<text x="${x0 + cellW / 2}" y="${o.height - 14}" fill="#fff" font-size="10" text-anchor="middle">${escapeXml(s.name)}</text>`);
  });
  if (values.length === 0) parts.push(`<text x="${o.width / 2}" y="${o.height / 2}" fill="#8e8e8e" font-size="12" text-anchor="middle">No data</text>`);
  parts.push('</svg>');
  return parts.join('');
}
