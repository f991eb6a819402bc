import { parseArgs } from 'node:util';

/**
 * The one argument layer of every entry point (scripts/*.mjs, the producer, fraud/bin/*): node:util's
 * parseArgs plus what it lacks, a usage text made from the same option list, so help and parsing cannot
 * drift. `--help` prints the usage and the command returns 0 before it does anything else.
 */

/** Exit statuses shared by every command (a command may document more, e.g. the producer's 3). */
export const EXIT = { ok: 0, failed: 1, usage: 2, crashed: 3 } as const;

export const DEFAULT_EXITS: Record<number, string> = {
  [EXIT.ok]: 'done',
  [EXIT.failed]: 'a check failed, or a step failed and said why',
  [EXIT.usage]: 'bad usage (an unknown option or a bad value)',
  [EXIT.crashed]: 'crashed (an unexpected error; its stack trace is printed)',
};

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /**
   * The value's placeholder in the usage (N, FILE, …); string options only. N is checked to be an integer ≥ 0,
   * S, MS and KM a number ≥ 0, at parse time, before the command does anything.
   */
  value?: string;
  default?: string;
  description: string;
  /** May be given more than once (string options). */
  multiple?: boolean;
}

export interface CommandSpec {
  /** How it is invoked, e.g. `./scripts/status.mjs` (also `make status`). */
  name: string;
  summary: string;
  options?: Record<string, OptionSpec>;
  /** Positional arguments, as shown in the usage line (e.g. `<command>`); none when absent. */
  positionals?: string;
  examples?: string[];
  /** Extra lines after the options: environment variables that matter, notes. */
  notes?: string[];
  /** Exit statuses; defaults to DEFAULT_EXITS. */
  exits?: Record<number, string>;
}

/** A bad option or value: the command exits 2 with this message. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
}

/** Placeholders of non-negative numbers (N: integers). */
const NUMERIC = ['S', 'MS', 'KM'];

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'print this help and exit' };

/** The usage text: summary, usage line, options with their defaults, examples, exit statuses. */
export function usage(spec: CommandSpec): string {
  const options = { ...(spec.options ?? {}), help: HELP };
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    const dflt = o.default !== undefined && o.default !== '' ? ` (default ${o.default})` : '';
    return [flag, `${o.description}${dflt}`] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  const exits = spec.exits ?? DEFAULT_EXITS;
  return [
    `${spec.name}: ${spec.summary}`,
    '',
    `Usage: ${spec.name}${Object.keys(spec.options ?? {}).length > 0 ? ' [options]' : ''}${spec.positionals ? ` ${spec.positionals}` : ''}`,
    '',
    'Options:',
    ...rows.map(([f, d]) => `  ${f.padEnd(width)}${d}`),
    ...(spec.notes?.length ? ['', ...spec.notes] : []),
    ...(spec.examples?.length ? ['', 'Examples:', ...spec.examples.map((e) => `  ${e}`)] : []),
    '',
    'Exit status:',
    ...Object.entries(exits).map(([code, what]) => `  ${code}  ${what}`),
    '',
  ].join('\n');
}

type Values = Record<string, string | boolean | string[] | undefined>;

/**
 * Parses `argv` by `spec`. Returns undefined after printing the usage when --help/-h is given (the caller
 * returns EXIT.ok at once); throws UsageError naming the option for an unknown option or a missing value.
 */
export function parseCommand<V extends Values = Values>(spec: CommandSpec, argv: string[]): { values: V; positionals: string[] } | undefined {
  const options = Object.fromEntries(
    Object.entries({ ...(spec.options ?? {}), help: HELP }).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined && o.type === 'string' ? { default: o.default } : {}) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: spec.positionals !== undefined, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')} (see ${spec.name} --help)`);
  }
  if (parsed.values.help === true) {
    process.stdout.write(usage(spec));
    return undefined;
  }
  for (const [name, o] of Object.entries(spec.options ?? {})) {
    const v = parsed.values[name];
    if (typeof v !== 'string') continue;
    if (o.value === 'N') numberOption(name, v, { integer: true });
    else if (o.value !== undefined && NUMERIC.includes(o.value)) numberOption(name, v);
  }
  return { values: parsed.values as V, positionals: parsed.positionals };
}

/** A non-negative number option, or a UsageError naming it. */
export function numberOption(name: string, value: string | undefined, opts: { integer?: boolean; min?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const min = opts.min ?? 0;
  if (value.trim() === '' || !Number.isFinite(n) || n < min || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} ${JSON.stringify(value)}: expected ${opts.integer ? 'an integer' : 'a number'} ≥ ${min}`);
  }
  return n;
}

/**
 * Colour as the user asked: NO_COLOR (any non-empty value, no-color.org) turns it off, FORCE_COLOR on;
 * otherwise on a terminal only. Returns the level for chalk (0 = none).
 */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    return force === '2' ? 2 : force === '3' ? 3 : 1;
  }
  return isTTY && env.TERM !== 'dumb' ? 1 : 0;
}

/** Whether output may redraw in place (cursor movement): a terminal, and no NO_COLOR (which asks for plain text). */
export function redrawInPlace(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  return isTTY && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}
