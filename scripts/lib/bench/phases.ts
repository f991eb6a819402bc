import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fmtDuration } from '../progress.ts';

/**
 * How long each bench phase took in the last run of the same kind (quick or full) on this machine, kept
 * beside the bench's state, so a run can say how much is left: there is no better estimate of a phase
 * than the same phase on the same machine.
 */
export class PhaseClock {
  private readonly last: Record<string, number>;
  private readonly now: Record<string, number> = {};
  private finished = 0;

  /** Where the estimate comes from, as the run says it. */
  private readonly source: string;

  /** @param reference phase times of a reference run, used until this machine has its own */
  constructor(
    private readonly file: string,
    private readonly kind: 'quick' | 'full',
    private readonly total: number,
    reference: Record<string, number> = {},
  ) {
    const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, number>>) : {};
    this.last = all[kind] ?? reference;
    this.source = all[kind] !== undefined ? "the last run's times" : 'a reference run on a 2-core machine';
  }

  /** "phase 3 of 7", and the time left by the last run's timings (or that there is none yet). */
  describe(section: string, inPhaseMs = 0, order: string[] = []): string {
    const k = this.finished + 1;
    const rest = order.filter((s) => !(s in this.now) && s !== section);
    const known = [section, ...rest].every((s) => s in this.last);
    const left = known ? Math.max(0, (this.last[section] ?? 0) - inPhaseMs) + rest.reduce((n, s) => n + (this.last[s] ?? 0), 0) : undefined;
    return `phase ${k} of ${this.total}${left === undefined ? ' (no earlier run of this kind here to estimate the rest from)' : `, about ${fmtDuration(left)} left by ${this.source}`}`;
  }

  /** Records a phase's time; written when the run ends (save). */
  finish(section: string, ms: number): void {
    this.now[section] = ms;
    this.finished++;
  }

  save(): void {
    const all = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, Record<string, number>>) : {};
    all[this.kind] = { ...this.last, ...this.now };
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, `${JSON.stringify(all, null, 2)}\n`);
  }
}
