import { redrawInPlace } from '../../shared/cli.ts';

/** What every progress line starts with: a reader (or a test) tells it from a warning or an error. */
export const PROGRESS_MARK = '… ';

/** True for a line Progress printed (without a terminal): what a check of a command's stderr may ignore. */
export function isProgressLine(line: string): boolean {
  return line.startsWith(PROGRESS_MARK);
}

/**
 * Progress of a long wait, on stderr: on a terminal one line rewritten in place, otherwise a plain line
 * every few seconds (a log file or CI stays readable). Nothing at all when quiet.
 */
export class Progress {
  private lastPrint = 0;
  private shown = false;
  private readonly inPlace: boolean;

  constructor(
    private readonly opts: { quiet?: boolean; everyMs?: number; stream?: NodeJS.WriteStream; env?: NodeJS.ProcessEnv } = {},
  ) {
    const stream = opts.stream ?? process.stderr;
    this.inPlace = redrawInPlace(opts.env ?? process.env, stream.isTTY === true);
  }

  private get stream(): NodeJS.WriteStream {
    return this.opts.stream ?? process.stderr;
  }

  /** The current state; printed now on a terminal, else at most once every `everyMs` (default 5 s). */
  update(text: string): void {
    if (this.opts.quiet) return;
    const now = Date.now();
    if (this.inPlace) {
      this.stream.write(`\r\x1b[K${PROGRESS_MARK}${text}`);
      this.shown = true;
    } else if (now - this.lastPrint >= (this.opts.everyMs ?? 5000)) {
      this.stream.write(`${PROGRESS_MARK}${text}\n`);
      this.lastPrint = now;
    }
  }

  /** Ends the line in place (the caller prints its own result after). */
  done(): void {
    if (this.inPlace && this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

/** 12.3 MB, 850 kB: decimal units, as Maven prints them. */
export function fmtBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

/** 1 min 05 s, 42 s. */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}

/** Bytes of one Maven "Downloaded from <repo>: <url> (12 kB at 340 kB/s)" line, undefined for any other line. */
export function mavenDownloaded(line: string): number | undefined {
  const m = /Downloaded from [^:]+: \S+ \((\d+(?:\.\d+)?) (B|kB|MB|GB)/.exec(line);
  if (m === null) return undefined;
  const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B' | 'kB' | 'MB' | 'GB'];
  return Math.round(Number(m[1]) * unit);
}
