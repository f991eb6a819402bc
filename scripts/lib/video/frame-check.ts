import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireCommand } from '../native/processes.ts';
import { DASHBOARD_FILE } from '../metrics/dashboard-file.ts';
import { DASHBOARD_WIDTH, panelRect } from '../render/dashboard.ts';
import { dashboardStrip } from './terminal-html.ts';
import type { Shot } from './capture.ts';
import { shotTag } from './storyboard.ts';
import { shotWindow, type TimedChapter } from './timeline.ts';
import { NODE_IDS } from '../../../shared/stack.ts';

const run = promisify(execFile);

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where the value of the dashboard's "Brokers online" stat sits in a video frame of a terminal slide with
 * the live dashboard: the middle band of the stat's cell (statSvg draws the cell from y 28 to h-8 and
 * the value at its middle), without the panel's title and the "brokers up" label.
 */
export function brokersStatBox(width: number, height: number, dashboardJson = readFileSync(DASHBOARD_FILE, 'utf8')): Box {
  const panel = (JSON.parse(dashboardJson) as { panels: Array<{ title: string; gridPos: { x: number; y: number; w: number; h: number } }> }).panels.find((p) => p.title === 'Brokers online');
  if (!panel) throw new Error(`${DASHBOARD_FILE}: no "Brokers online" panel, which the video's frame check reads`);
  const r = panelRect(panel.gridPos);
  const s = dashboardStrip(width, height, DASHBOARD_WIDTH);
  const cell = r.height - 36;
  const band = { left: r.left + 10, top: r.top + 28 + cell * 0.2, width: r.width - 20, height: cell * 0.6 };
  return { x: Math.floor(band.left * s.scale), y: Math.floor(s.top + band.top * s.scale), w: Math.ceil(band.width * s.scale), h: Math.ceil(band.height * s.scale) };
}

/** The number tesseract read in the stat's value band: one whole number, or nothing. */
export function parseBrokersOnline(text: string): number | undefined {
  const m = /^\s*(\d+)\s*$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Reads the "Brokers online" stat in the frame of `video` at `atS` seconds: ffmpeg takes the frame and
 * crops the stat (enlarged, grey), tesseract reads it. `text` is what tesseract read, for error messages.
 */
export async function readBrokersOnline(video: string, atS: number, workDir: string, size = { width: 1280, height: 720 }): Promise<{ value?: number; text: string; png: string }> {
  const b = brokersStatBox(size.width, size.height);
  const png = join(workDir, `brokers-at-${atS.toFixed(2)}s.png`);
  const what = `read "Brokers online" in ${video} at ${atS.toFixed(2)} s`;
  try {
    await run(requireCommand('ffmpeg', what), ['-hide_banner', '-loglevel', 'error', '-y', '-ss', atS.toFixed(3), '-i', video, '-frames:v', '1', '-vf', `crop=${b.w}:${b.h}:${b.x}:${b.y},scale=iw*3:ih*3:flags=lanczos,format=gray,lutyuv=y='if(gt(val,180),0,255)'`, png], { timeout: 60_000 });
    const { stdout } = await run(requireCommand('tesseract', what), [png, 'stdout', '--psm', '7', '-c', 'tessedit_char_whitelist=0123456789'], { timeout: 60_000 });
    return { value: parseBrokersOnline(stdout), text: stdout.trim(), png };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${what}: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

export interface FrameReading {
  file: string;
  atS: number;
  /** what Prometheus answered when the picture was taken */
  expected: number;
  read?: number;
  text: string;
}

/**
 * The frame check of the stop: the frames showing dashboard pictures taken while Prometheus counted one
 * broker fewer than NODE_COUNT (up to `max`), and the last one before them and the first one after them
 * showing all of them, each
 * read back from the encoded video. A frame passes when the stat reads what Prometheus said.
 */
export async function readStopFrames(video: string, timeline: readonly TimedChapter[], shots: readonly Shot[], workDir: string, max = 3): Promise<FrameReading[]> {
  const shown = shots
    .map((s) => ({ s, w: shotWindow(timeline, shotTag(s)) }))
    .filter((x): x is { s: Shot & { brokersUp: number }; w: { startS: number; endS: number } } => x.w !== undefined && x.s.brokersUp !== undefined);
  const all = NODE_IDS.length;
  const isDown = (x: { s: Shot }) => x.s.brokersUp === all - 1;
  const firstDown = shown.findIndex(isDown);
  if (firstDown < 0) return [];
  const down = shown.filter(isDown).slice(0, max);
  const lastDown = shown.length - 1 - [...shown].reverse().findIndex(isDown);
  const before = shown.slice(0, firstDown).reverse().find((x) => x.s.brokersUp === all);
  const after = shown.slice(lastDown + 1).find((x) => x.s.brokersUp === all);
  const out: FrameReading[] = [];
  for (const x of [before, ...down, after]) {
    if (!x) continue;
    const atS = (x.w.startS + x.w.endS) / 2;
    const r = await readBrokersOnline(video, atS, workDir);
    out.push({ file: x.s.file, atS, expected: x.s.brokersUp, read: r.value, text: r.text });
  }
  return out;
}
