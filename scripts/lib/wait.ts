import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';

/** Thrown by a probe to stop waiting at once (the condition can no longer become true). */
export class GiveUp extends Error {
  constructor(readonly reason: Error) {
    super(reason.message);
    this.name = 'GiveUp';
  }
}

export interface WaitOptions {
  /** What we are waiting for, for the error message. */
  what: string;
  timeoutMs: number;
  /** First pause between tries; doubles up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Called before every try; throwing stops the wait at once (e.g. a process being waited on has died). */
  guard?: () => void;
}

/** Where long waits report themselves (what is awaited, for how long); set by the command entry points. */
let reporter: { update(text: string): void; done(): void } | undefined;

/** Long waits (over SHOW_AFTER_MS) say what they wait for and since when, through `r`; undefined: silent. */
export function reportWaits(r: typeof reporter): void {
  reporter = r;
}

/** A wait shorter than this says nothing: only the slow ones are worth a line. */
const SHOW_AFTER_MS = 3000;

/**
 * Polls `probe` until it returns a value other than undefined/false, with bounded exponential
 * backoff. Throws naming `what`, the time waited and the last error or state seen.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
  let shown = false;
  try {
    return await poll(probe, opts, () => (shown = true));
  } finally {
    if (shown) reporter?.done();
  }
}

async function poll<T>(probe: () => Promise<T | undefined | false>, opts: WaitOptions, onShown: () => void): Promise<T> {
  const start = Date.now();
  let interval = opts.intervalMs ?? 200;
  const maxInterval = opts.maxIntervalMs ?? 2000;
  let last = 'no answer yet';
  for (;;) {
    opts.guard?.();
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = 'not ready';
    } catch (err) {
      if (err instanceof GiveUp) throw err.reason;
      last = err instanceof Error ? err.message : String(err);
    }
    const elapsed = Date.now() - start;
    if (elapsed >= SHOW_AFTER_MS) {
      reporter?.update(`waiting for ${opts.what}: ${Math.round(elapsed / 1000)} s (at most ${Math.round(opts.timeoutMs / 1000)} s)`);
      onShown();
    }
    if (elapsed >= opts.timeoutMs) {
      opts.guard?.();
      throw new Error(`timed out after ${Math.round(elapsed / 1000)} s waiting for ${opts.what} (last: ${last})`);
    }
    await sleep(Math.min(interval, opts.timeoutMs - elapsed));
    interval = Math.min(interval * 2, maxInterval);
  }
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveP) => {
    const sock = net.connect({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolveP(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
