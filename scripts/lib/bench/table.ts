/** The benchmark's one table: Markdown in BENCH.md, the same rows aligned in the terminal. */

export interface BenchRow {
  /** Section, e.g. "1 producer"; repeated rows in one section show it once. */
  section: string;
  metric: string;
  value: string;
  /** How it was measured, or the baseline it is compared with. */
  note?: string;
  /** Set when a sanity rule fired (see flags.ts). */
  flag?: string;
  /** What users get (security on, just started): listed first in its section. */
  headline?: boolean;
}

const HEAD = ['#', 'metric', 'value', 'note', 'check'] as const;

function cells(rows: readonly BenchRow[]): string[][] {
  let last = '';
  return rows.map((r) => {
    const section = r.section === last ? '' : r.section;
    last = r.section;
    return [section, r.metric, r.value, r.note ?? '', r.flag === undefined ? 'ok' : `⚠ ${r.flag}`];
  });
}

/** Markdown: pipes inside a cell are escaped so a note cannot break the table. */
export function renderMarkdownTable(rows: readonly BenchRow[]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [`| ${HEAD.join(' | ')} |`, `| ${HEAD.map(() => '---').join(' | ')} |`, ...cells(rows).map((c) => `| ${c.map(esc).join(' | ')} |`)].join('\n');
}

/** Plain aligned columns for the terminal (character counts; the flag column last so wide text does not misalign). */
export function renderTextTable(rows: readonly BenchRow[]): string {
  const all = [[...HEAD], ...cells(rows)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length))).join('  ').trimEnd();
  return [line(all[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function flaggedCount(rows: readonly BenchRow[]): number {
  return rows.filter((r) => r.flag !== undefined).length;
}
