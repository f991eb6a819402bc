import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join } from 'node:path';
import { TOOLS } from '../prereqs.mjs';
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

/** Whether the pid in `pidFile` is a process that has not exited (a zombie has). */
function processRunning(pidFile: string): boolean {
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S …": the state follows the command name, which may itself hold spaces or parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
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

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `cmd` as an absolute path (searched on PATH), or undefined when it is not installed. */
export function findCommand(cmd: string, path = process.env.PATH ?? ''): string | undefined {
  if (isAbsolute(cmd)) return executable(cmd) ? cmd : undefined;
  return path.split(delimiter).filter(Boolean).map((d) => join(d, cmd)).find(executable);
}

/** The command's absolute path; a missing one is named with the package that provides it. */
export function requireCommand(cmd: string, forWhat: string): string {
  const found = findCommand(cmd);
  if (found !== undefined) return found;
  const tool = TOOLS.find((t) => t.cmd === basename(cmd));
  const how = cmd.endsWith('java') ? 'a JDK 17+; Debian/Ubuntu: sudo apt-get install -y openjdk-17-jdk-headless' : tool ? `Debian/Ubuntu package ${tool.pkg.apt}, Homebrew ${tool.pkg.brew}; on Debian \`make up\`, \`make demo\` and \`make test\` install it` : 'install it and put it on PATH';
  throw new Error(`${forWhat}: ${cmd} is not installed (${how})`);
}

/** The last lines of a log, for an error that says why a service stopped. */
export function logTail(file: string, lines = 12): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const all = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const tail = all.slice(-lines);
  // A JVM's last lines are often shutdown chatter: keep the first error of the tail's wider window too.
  const firstError = all.slice(-200).find((l) => /\b(ERROR|FATAL)\b|Exception|[Ee]rror:/.test(l));
  const quoted = firstError !== undefined && !tail.includes(firstError) ? [firstError, '…', ...tail] : tail;
  return quoted.map((l) => `  | ${l}`).join('\n');
}

/**
 * A guard for waits during start-up: throws as soon as one of `specs` is no longer running, naming it
 * and quoting its log, instead of letting the wait run into its timeout.
 */
export function exitWatch(specs: ProcessSpec[]): () => void {
  return () => {
    for (const s of specs) {
      // Not livePid: right after the spawn the child may not have changed to its directory yet (fork,
      // then chdir, then exec), which livePid would take for "not ours". Here only a gone pid counts.
      if (!processRunning(s.pidFile)) throw new Error(`${s.name} exited while starting; last lines of ${s.logFile}:\n${logTail(s.logFile)}`);
    }
  };
}

export async function startDetached(spec: ProcessSpec): Promise<number> {
  const running = livePid(spec.pidFile, spec.marker);
  if (running !== undefined) return running;
  const command = requireCommand(spec.command, `start ${spec.name}`);
  for (const port of spec.ports ?? []) {
    if (await portOpen(port)) throw new Error(`start ${spec.name}: 127.0.0.1:${port} is already in use by another process (not this instance's ${spec.name}; see ${spec.pidFile}; a docker compose stack of this project? \`RUNTIME=docker make down\`)`);
  }
  mkdirSync(dirname(spec.logFile), { recursive: true });
  if (spec.cwd) mkdirSync(spec.cwd, { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const out = openSync(spec.logFile, 'a');
  try {
    const child = spawn(command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`start ${spec.name}: ${command} could not be started (see ${spec.logFile})`);
    // Spawn errors arrive as an event; the pid check below reports them.
    child.on('error', () => {});
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
