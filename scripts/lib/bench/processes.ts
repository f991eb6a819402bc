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
