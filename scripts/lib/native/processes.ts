import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { portOpen, waitFor } from '../wait.ts';

/**
 * Long-lived local processes that outlive the script that started them (make up, then make demo).
 * Each one has a pid file; a pid only counts as ours while it still runs in `marker` (its own
 * state directory, the cwd it was started in), so a recycled pid is never mistaken for a service.
 */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  pidFile: string;
  marker: string;
  /** Ports the process will listen on: a stranger already holding one is an error, not a silent success. */
  ports?: number[];
}

/** The process's command line; undefined once it is gone (a zombie's is empty, which counts as gone). */
function cmdline(pid: number): string | undefined {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmd === '' ? undefined : cmd;
  } catch {
    return undefined;
  }
}

/** The pid of the live process described by the pid file, if any. */
export function livePid(pidFile: string, marker: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (cmdline(pid) === undefined) return undefined;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === marker ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function startDetached(spec: ProcessSpec): Promise<number> {
  const running = livePid(spec.pidFile, spec.marker);
  if (running !== undefined) return running;
  for (const port of spec.ports ?? []) {
    if (await portOpen(port)) throw new Error(`start ${spec.name}: 127.0.0.1:${port} is already in use by another process (not this instance's ${spec.name}; see ${spec.pidFile})`);
  }
  mkdirSync(dirname(spec.logFile), { recursive: true });
  if (spec.cwd) mkdirSync(spec.cwd, { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const out = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`start ${spec.name}: spawn ${spec.command} failed`);
    child.unref();
    writeFileSync(spec.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/**
 * SIGTERM, wait (bounded) for a clean exit, SIGKILL as the last resort. `kill` sends SIGKILL at once:
 * a crash, with no controlled shutdown.
 */
export async function stopProcess(spec: Pick<ProcessSpec, 'name' | 'pidFile' | 'marker'>, timeoutMs = 30_000, kill = false): Promise<boolean> {
  const pid = livePid(spec.pidFile, spec.marker);
  if (pid === undefined) {
    rmSync(spec.pidFile, { force: true });
    return false;
  }
  process.kill(pid, kill ? 'SIGKILL' : 'SIGTERM');
  try {
    await waitFor(async () => cmdline(pid) === undefined, { what: `${spec.name} (pid ${pid}) to exit`, timeoutMs });
  } catch {
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => cmdline(pid) === undefined, { what: `${spec.name} (pid ${pid}) to die after SIGKILL`, timeoutMs: 10_000 });
  }
  rmSync(spec.pidFile, { force: true });
  return true;
}
