import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path/posix';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../shared/stack.ts';

/**
 * The arrows between the top-level parts point one way: shared/ ← producer/ ← fraud/ ← scripts/.
 * shared/ (stack config, the event, the city, statistics) imports none of them; producer/ never imports
 * scripts/ or fraud/; fraud/ imports only itself, shared/ and the producer's entries; scripts/ uses the
 * producer only through its entries.
 */
const PRODUCER_ENTRIES = ['producer/src/index.ts', 'producer/src/kafka.ts'];

/** Repository-relative targets of a file's relative imports (static, re-exports and dynamic). */
function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1] as string);
  return specs.map((s) => normalize(join(dirname(file), s)));
}

/** Every import that breaks the direction, as "file → target: rule". */
function violations(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    for (const target of importsOf(file, text)) {
      const top = (p: string) => p.split('/')[0];
      if (top(file) === 'shared' && top(target) !== 'shared') out.push(`${file} → ${target}: shared/ imports nothing outside shared/`);
      if (top(file) === 'producer' && !['producer', 'shared'].includes(top(target) as string)) out.push(`${file} → ${target}: producer/ imports only producer/ and shared/`);
      if (['scripts', 'fraud'].includes(top(file) as string) && top(target) === 'producer' && !PRODUCER_ENTRIES.includes(target)) out.push(`${file} → ${target}: ${top(file)}/ uses the producer through ${PRODUCER_ENTRIES.join(' or ')}`);
      if (top(file) === 'fraud' && !['fraud', 'shared', 'producer'].includes(top(target) as string)) out.push(`${file} → ${target}: fraud/ imports only fraud/, shared/ and the producer's entries`);
    }
  }
  return out;
}

function trackedSources(): Map<string, string> {
  const list = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'shared', 'producer', 'fraud', 'scripts'], { cwd: ROOT, encoding: 'utf8' });
  const files = list.split('\n').filter((f) => /\.(ts|mjs)$/.test(f));
  return new Map(files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
}

describe('import graph', () => {
  it('shared/ ← producer/ ← fraud/ ← scripts/, and scripts/ and fraud/ reach the producer only through its entries', () => {
    const files = trackedSources();
    expect([...files.keys()].some((f) => f.startsWith('shared/'))).toBe(true);
    expect([...files.keys()].filter((f) => f.startsWith('fraud/src/')).length).toBeGreaterThan(5);
    expect([...files.keys()].filter((f) => f.startsWith('scripts/lib/')).length).toBeGreaterThan(50);
    expect(violations(files)).toEqual([]);
  });

  it('catches each kind of wrong arrow', () => {
    const bad = new Map([
      ['producer/src/cli.ts', "import { loadStack } from '../../scripts/lib/stack.ts';"],
      ['scripts/lib/load.ts', "import { Simulator } from '../../producer/src/simulator.ts';\nimport { Kafka } from '../../producer/src/kafka.ts';"],
      ['shared/event.ts', "export { x } from '../producer/src/ledger.ts';"],
      ['scripts/lib/late.ts', "const m = await import('../../producer/src/run.ts');"],
      ['fraud/src/verdict.ts', "import { summarize } from '../../scripts/lib/bench/stats.ts';"],
      ['fraud/src/sender.ts', "import { Lane } from '../../producer/src/lane.ts';"],
    ]);
    expect(violations(bad)).toEqual([
      'producer/src/cli.ts → scripts/lib/stack.ts: producer/ imports only producer/ and shared/',
      'scripts/lib/load.ts → producer/src/simulator.ts: scripts/ uses the producer through producer/src/index.ts or producer/src/kafka.ts',
      'shared/event.ts → producer/src/ledger.ts: shared/ imports nothing outside shared/',
      'scripts/lib/late.ts → producer/src/run.ts: scripts/ uses the producer through producer/src/index.ts or producer/src/kafka.ts',
      "fraud/src/verdict.ts → scripts/lib/bench/stats.ts: fraud/ imports only fraud/, shared/ and the producer's entries",
      'fraud/src/sender.ts → producer/src/lane.ts: fraud/ uses the producer through producer/src/index.ts or producer/src/kafka.ts',
    ]);
  });
});
