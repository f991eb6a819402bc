/**
 * A script's terminal output as it happened (lines with the time they were printed), split into the
 * course video's chapters by the scripts' own "== Section" headers (Evidence.section).
 */

export interface Line {
  /** ms since the run started */
  t: number;
  /** the line as printed, ANSI colours included */
  text: string;
}

export type ChapterId = 'topology' | 'topic' | 'connector' | 'producer' | 'redis' | 'chaos' | 'verdict';

/** The course deliverables, in the order the video shows them. */
export const CHAPTERS: ReadonlyArray<{ id: ChapterId; title: string }> = [
  { id: 'topology', title: '1. Topology: three KRaft nodes' },
  { id: 'topic', title: '2. The compacted topic' },
  { id: 'connector', title: '3. The Redis sink connector' },
  { id: 'producer', title: '4. The producer' },
  { id: 'redis', title: '5. Redis check: one record per driver' },
  { id: 'chaos', title: '6. Broker stop and recovery' },
  { id: 'verdict', title: '7. Verdict' },
];

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/**
 * Which chapter a section header opens. `run` is which script printed it: the chaos run's own
 * start-up sections repeat the demo's and are left out (undefined).
 */
export function chapterOf(section: string, run: 'demo' | 'chaos'): ChapterId | undefined {
  const s = section.trim();
  if (run === 'chaos') {
    if (/^Verdict/i.test(s)) return 'verdict';
    if (/^(Load|Stop|Kill|Restart)\b/i.test(s)) return 'chaos';
    return undefined;
  }
  if (/^Start the\b/i.test(s)) return 'topology';
  if (/^Topics?\b/i.test(s)) return 'topic';
  if (/^Connector\b/i.test(s)) return 'connector';
  if (/^Produce\b/i.test(s)) return 'producer';
  return 'redis';
}

/** The section a line opens ("== Title" as Evidence.section prints it), or undefined. */
export function sectionHeader(line: string): string | undefined {
  const m = /^== (.+)$/.exec(stripAnsi(line).trim());
  return m?.[1];
}

/** Lines grouped per chapter; lines before the first header of a chapter stay with the previous one. */
export function splitChapters(lines: readonly Line[], run: 'demo' | 'chaos'): Map<ChapterId, Line[]> {
  const out = new Map<ChapterId, Line[]>();
  let current: ChapterId | undefined = run === 'demo' ? 'topology' : undefined;
  let skipping = run === 'chaos';
  for (const line of lines) {
    const header = sectionHeader(line.text);
    if (header !== undefined) {
      const id = chapterOf(header, run);
      skipping = id === undefined;
      if (id !== undefined) current = id;
    }
    if (skipping || current === undefined) continue;
    const list = out.get(current) ?? [];
    list.push(line);
    out.set(current, list);
  }
  return out;
}

/** Splits a stream's chunks into lines; a carriage return (a redrawn status line) keeps the last redraw only. */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string): void {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.onLine(lastRedraw(p));
  }
  end(): void {
    if (this.rest !== '') this.onLine(lastRedraw(this.rest));
    this.rest = '';
  }
}

function lastRedraw(s: string): string {
  const parts = s.replace(/\r$/, '').split('\r');
  return parts[parts.length - 1] ?? '';
}
