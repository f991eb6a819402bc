import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { livePid } from '../native/processes.ts';

export interface TimedRun {
  /** Process start to exit, wall clock. */
  ms: number;
  exitCode: number | null;
  /** The last lines of stderr, for an error message. */
  stderrTail: string;
}

/**
 * Runs a command to completion and times it from spawn to exit. stdin comes from `stdinFile` (or
 * nothing). Bounded: after `timeoutMs` the process gets SIGTERM, then SIGKILL 5 s later.
 */
export function timedRun(command: string, args: string[], o: { stdinFile?: string; timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<TimedRun> {
  const stdin = o.stdinFile === undefined ? 'ignore' : openSync(o.stdinFile, 'r');
  const t0 = performance.now();
  const child = spawn(command, args, { stdio: [stdin, 'ignore', 'pipe'], env: o.env ?? process.env, cwd: o.cwd });
  if (typeof stdin === 'number') closeSync(stdin);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  return new Promise((resolveP, reject) => {
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, o.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`run ${command}: ${err.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      const ms = performance.now() - t0;
      if (ms >= o.timeoutMs) return reject(new Error(`${command} ${args.join(' ')}: still running after ${Math.round(o.timeoutMs / 1000)} s, stopped (stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')})`));
      resolveP({ ms, exitCode: code, stderrTail: stderr.trim().split('\n').slice(-5).join('\n') });
    });
  });
}

/** VmRSS of a process in KiB, from /proc/<pid>/status; NaN when it is gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The pid of a native-runtime service from its pid file under RASTRO_HOME (only while it runs in its own directory). */
export function servicePid(home: string, service: string): number | undefined {
  const dir = join(home, service);
  const pidFile = join(dir, `${service}.pid`);
  return existsSync(pidFile) ? livePid(pidFile, dir) : undefined;
}

/** CPU time (user + system) a process has used, in clock ticks (1/100 s on Linux); NaN when it is gone. */
export function cpuTicks(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return Number.NaN;
  }
}

export interface Quiet {
  quiet: boolean;
  /** The processes' summed CPU over the last window, in % of one core. */
  percent: number;
  waitedMs: number;
}

/**
 * Waits until the processes together use at most `maxPercent` of one core over a `windowMs` window
 * (the brokers between two throughput runs: the log cleaner and the last run's replication settle),
 * or `timeoutMs` passes. Each window is a measurement, not a guess at how long settling takes.
 */
export async function waitQuiet(pids: number[], o: { maxPercent: number; windowMs: number; timeoutMs: number }): Promise<Quiet> {
  const t0 = Date.now();
  // Nothing to watch is not quiet: the caller says so instead of measuring on unknown brokers.
  if (pids.length === 0) return { quiet: false, percent: Number.NaN, waitedMs: 0 };
  const total = () => pids.reduce((s, p) => s + cpuTicks(p), 0);
  for (;;) {
    const before = total();
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, o.windowMs));
    // One tick is 10 ms of CPU: ticks × 10 ms / window ms × 100 %.
    const percent = ((total() - before) * 1000) / Math.max(1, Date.now() - w0);
    const waitedMs = Date.now() - t0;
    if (!Number.isFinite(percent)) return { quiet: false, percent, waitedMs };
    if (percent <= o.maxPercent) return { quiet: true, percent, waitedMs };
    if (waitedMs >= o.timeoutMs) return { quiet: false, percent, waitedMs };
  }
}

/** The processes' summed CPU time (user + system) in seconds, 10 ms resolution; NaN when one is gone. */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((s, p) => s + cpuTicks(p), 0) / 100;
}

/** CPU microseconds per unit of work (event, write, request): the capacity model's measured input. */
export function cpuMicrosPer(cpuSecondsUsed: number, units: number): number {
  return units > 0 && Number.isFinite(cpuSecondsUsed) ? (cpuSecondsUsed * 1e6) / units : Number.NaN;
}
