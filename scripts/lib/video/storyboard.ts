/**
 * A chapter's slides on the run's own time line: the terminal at evenly spaced moments and at every
 * live picture, each terminal slide with the newest dashboard picture taken by then, and the live map
 * pictures where they were taken.
 */
import type { Shot } from './capture.ts';
import type { Slide } from './render.ts';
import type { Line } from './transcript.ts';

/** A picture's time on the terminal's time line: ms since the script started, like Line.t. */
export type TimedShot = Shot & { t: number };

export function onTimeline(shots: readonly Shot[], startedAt: number): TimedShot[] {
  return shots.map((s) => ({ ...s, t: s.at - startedAt })).sort((a, b) => a.t - b.t);
}

/** +m:ss since the script started. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `+${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * At most `max` of the shots, evenly spaced, always keeping those where the brokers online count changes
 * (the moments the video is about).
 */
export function thinShots<T extends { brokersUp?: number }>(shots: readonly T[], max: number): T[] {
  if (shots.length <= max) return [...shots];
  const keep = new Set<number>();
  shots.forEach((s, i) => {
    if (i > 0 && s.brokersUp !== shots[i - 1]?.brokersUp) {
      keep.add(i - 1);
      keep.add(i);
    }
  });
  const room = Math.max(0, max - keep.size);
  for (let k = 0; k < room; k++) keep.add(Math.round((k * (shots.length - 1)) / Math.max(1, room - 1)));
  return [...keep].sort((a, b) => a - b).map((i) => shots[i] as T);
}

export interface StoryOptions {
  title: string;
  /** the chapter's window on the script's time line [fromT, toT) */
  fromT: number;
  toT: number;
  /** the run's dashboard and map pictures (all of them: the newest before the chapter opens it) */
  shots: readonly TimedShot[];
  rows: number;
  maxTerminal: number;
  maxDashboard: number;
  mapS?: number;
}

/** A live picture's slide tag, so a test or the frame check can find its frame: its path (unique across runs). */
export const shotTag = (s: Shot) => s.file;

export function chapterSlides(lines: readonly Line[], o: StoryOptions): Slide[] {
  if (lines.length === 0) return [];
  const inChapter = (s: TimedShot) => s.t >= o.fromT && s.t < o.toT;
  const dashboards = o.shots.filter((s) => s.kind === 'dashboard');
  type Moment = { t: number; show?: TimedShot };
  const moments: Moment[] = [];
  const n = Math.min(o.maxTerminal, lines.length);
  for (let i = 1; i <= n; i++) moments.push({ t: lines[Math.round((i * lines.length) / n) - 1]?.t ?? 0 });
  for (const s of thinShots(dashboards.filter(inChapter), o.maxDashboard)) moments.push({ t: s.t, show: s });
  for (const s of o.shots.filter((x) => x.kind === 'map' && inChapter(x))) moments.push({ t: s.t, show: s });
  moments.sort((a, b) => a.t - b.t);
  return moments.map((m): Slide => {
    if (m.show?.kind === 'map') return { kind: 'picture', file: m.show.file, caption: `${o.title} — live map at ${clock(m.t)}`, minS: o.mapS ?? 2 };
    const upTo = lines.filter((l) => l.t <= m.t);
    const screen = (upTo.length > 0 ? upTo : lines.slice(0, 1)).slice(-o.rows).map((l) => l.text);
    const dash = m.show ?? [...dashboards].reverse().find((d) => d.t <= m.t);
    return {
      kind: 'terminal',
      lines: screen,
      caption: `${o.title} — terminal at ${clock(m.t)}`,
      dashboard: dash ? { file: dash.file, caption: `live dashboard at ${clock(dash.t)} (rendered from Prometheus)` } : undefined,
      tag: m.show ? shotTag(m.show) : undefined,
    };
  });
}

/** Each chapter's window on its script's time line: from its first line to the next chapter's first line. */
export function chapterWindows<K>(byChapter: ReadonlyMap<K, readonly Line[]>): Map<K, { fromT: number; toT: number }> {
  const entries = [...byChapter.entries()].filter(([, l]) => l.length > 0);
  return new Map(entries.map(([id, l], i) => [id, { fromT: l[0]?.t ?? 0, toT: entries[i + 1]?.[1][0]?.t ?? Number.POSITIVE_INFINITY }]));
}
