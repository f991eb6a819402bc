/** A terminal screen (lines with ANSI SGR colours) and title cards as HTML pages, for Chromium to photograph. */

const COLORS: Record<number, string> = {
  30: '#3b3b3b', 31: '#f2495c', 32: '#73bf69', 33: '#fade2a', 34: '#5794f2', 35: '#b877d9', 36: '#4fc3d9', 37: '#d8d9da',
  90: '#8e8e8e', 91: '#ff7383', 92: '#96d98d', 93: '#ffee52', 94: '#8ab8ff', 95: '#ca95e5', 96: '#8ae0f0', 97: '#ffffff',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** One line with SGR codes (bold, dim, 16 colours, reset) as HTML spans; other escapes are dropped. */
export function ansiToHtml(line: string): string {
  let bold = false;
  let dim = false;
  let color: string | undefined;
  let out = '';
  // eslint-disable-next-line no-control-regex
  const re = /\u001b\[([0-9;]*)([A-Za-z])/g;
  let last = 0;
  const emit = (text: string) => {
    if (text === '') return;
    const style = [color ? `color:${color}` : '', bold ? 'font-weight:bold' : '', dim ? 'opacity:.6' : ''].filter(Boolean).join(';');
    out += style ? `<span style="${style}">${escapeHtml(text)}</span>` : escapeHtml(text);
  };
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    emit(line.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] !== 'm') continue;
    for (const code of (m[1] === '' ? '0' : m[1] ?? '0').split(';').map(Number)) {
      if (code === 0) { bold = false; dim = false; color = undefined; }
      else if (code === 1) bold = true;
      else if (code === 2) dim = true;
      else if (code === 22) { bold = false; dim = false; }
      else if (code === 39) color = undefined;
      else if (COLORS[code] !== undefined) color = COLORS[code];
    }
  }
  emit(line.slice(last));
  return out;
}

const PAGE = (body: string, width: number, height: number) => `<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;width:${width}px;height:${height}px;overflow:hidden;background:#111217;color:#d8d9da;font-family:'DejaVu Sans Mono',monospace}
</style></head><body>${body}</body></html>`;

/** The terminal at one moment: a caption bar and the last lines printed. */
export function terminalHtml(lines: readonly string[], caption: string, width: number, height: number): string {
  const rows = lines.map((l) => `<div class="l">${ansiToHtml(l) || '&nbsp;'}</div>`).join('');
  return PAGE(`<div style="padding:8px 16px;background:#22252b;font:bold 18px 'DejaVu Sans',sans-serif">${escapeHtml(caption)}</div>
<div style="padding:10px 16px;font-size:15px;line-height:19px;white-space:pre">${rows}</div>`, width, height);
}

/** A chapter's title card. */
export function titleCardHtml(title: string, subtitle: string, width: number, height: number): string {
  return PAGE(`<div style="display:flex;flex-direction:column;justify-content:center;align-items:center;height:100%;font-family:'DejaVu Sans',sans-serif">
<div style="font-size:52px;font-weight:bold;color:#fff">${escapeHtml(title)}</div>
<div style="font-size:24px;margin-top:24px;color:#8ab8ff">${escapeHtml(subtitle)}</div></div>`, width, height);
}

/**
 * A picture from the run (dashboard, live map) with a caption: fitted whole into the frame, or ('top')
 * at the frame's full width from its top edge, which keeps a tall dashboard's cluster-health row readable.
 */
export function pictureHtml(pngBase64: string, caption: string, width: number, height: number, fit: 'contain' | 'top' = 'contain'): string {
  const img = fit === 'top'
    ? `<div style="height:${height - 40}px;overflow:hidden"><img style="width:100%;display:block" src="data:image/png;base64,${pngBase64}"></div>`
    : `<div style="height:${height - 40}px;display:flex;justify-content:center;align-items:center"><img style="max-width:100%;max-height:100%" src="data:image/png;base64,${pngBase64}"></div>`;
  return PAGE(`<div style="padding:8px 16px;background:#22252b;font:bold 18px 'DejaVu Sans',sans-serif">${escapeHtml(caption)}</div>
${img}`, width, height);
}

/** The live dashboard pictures' height on the rendered page (the cluster-health row, see capture.ts). */
export const DASHBOARD_CAPTURE_PX = 300;

/** Where a terminal slide shows the live dashboard: a strip along the bottom at the frame's full width. */
export function dashboardStrip(width: number, height: number, dashboardWidth: number): { top: number; height: number; scale: number } {
  const scale = width / dashboardWidth;
  const h = Math.round(DASHBOARD_CAPTURE_PX * scale);
  return { top: height - h, height: h, scale };
}

/**
 * The terminal at one moment above the live dashboard as it was at that moment (a strip at the bottom),
 * so the terminal and the cluster's health are seen on one time line.
 */
export function terminalDashboardHtml(lines: readonly string[], caption: string, dashboard: { pngBase64: string; caption: string; dashboardWidth: number }, width: number, height: number): string {
  const strip = dashboardStrip(width, height, dashboard.dashboardWidth);
  const rows = lines.map((l) => `<div class="l">${ansiToHtml(l) || '&nbsp;'}</div>`).join('');
  return PAGE(`<div style="padding:8px 16px;background:#22252b;font:bold 18px 'DejaVu Sans',sans-serif">${escapeHtml(caption)}</div>
<div style="padding:6px 16px;font-size:15px;line-height:19px;white-space:pre;height:${strip.top - 60}px;overflow:hidden">${rows}</div>
<div style="position:absolute;left:16px;top:${strip.top - 22}px;font:13px 'DejaVu Sans',sans-serif;color:#8ab8ff">${escapeHtml(dashboard.caption)}</div>
<img style="position:absolute;left:0;top:${strip.top}px;width:${width}px;height:${strip.height}px;display:block" src="data:image/png;base64,${dashboard.pngBase64}">`, width, height);
}
