import { readFileSync, writeFileSync } from 'node:fs';

/**
 * A Markdown document with a block generated from code (the capacity models in docs/): the block sits
 * between `<!-- name:begin -->` and `<!-- name:end -->`, a test fails when it differs from what the code
 * renders, and the model's CLI rewrites or checks it.
 */
export interface BlockMarkers {
  begin: string;
  end: string;
}

export function blockMarkers(name: string): BlockMarkers {
  return { begin: `<!-- ${name}:begin -->`, end: `<!-- ${name}:end -->` };
}

/** Text strictly between the markers; throws when they are missing, duplicated or out of order. */
export function extractBlock(markdown: string, m: BlockMarkers): string {
  const begin = markdown.indexOf(m.begin);
  const end = markdown.indexOf(m.end);
  if (begin < 0 || end < 0 || end < begin) throw new Error(`${m.begin} … ${m.end}: markers missing or out of order`);
  if (markdown.indexOf(m.begin, begin + 1) >= 0 || markdown.indexOf(m.end, end + 1) >= 0) throw new Error(`${m.begin} … ${m.end}: markers appear more than once`);
  return markdown.slice(begin + m.begin.length, end);
}

/** The exact text the block must hold for a rendered text. */
export function blockText(rendered: string): string {
  return `\n${rendered}\n`;
}

export function replaceBlock(markdown: string, m: BlockMarkers, rendered: string): string {
  extractBlock(markdown, m); // validates the markers
  const begin = markdown.indexOf(m.begin) + m.begin.length;
  return markdown.slice(0, begin) + blockText(rendered) + markdown.slice(markdown.indexOf(m.end));
}

/** A model's CLI: print the rendered block; --write rewrites it in `file`; --check exits 1 when `file` is stale. */
export function generatedBlockCli(argv: readonly string[], file: string, m: BlockMarkers, rendered: string): number {
  const name = file.split('/').pop();
  if (argv.includes('--write')) {
    const md = readFileSync(file, 'utf8');
    const next = replaceBlock(md, m, rendered);
    if (next !== md) writeFileSync(file, next);
    console.log(next === md ? `${name} already up to date` : `${name} rewritten`);
    return 0;
  }
  if (argv.includes('--check')) {
    const ok = extractBlock(readFileSync(file, 'utf8'), m) === blockText(rendered);
    console.log(ok ? `${name} is up to date` : `${name} is stale: run with --write`);
    return ok ? 0 : 1;
  }
  console.log(rendered);
  return 0;
}
