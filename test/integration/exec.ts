import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { ROOT } from '../../shared/stack.ts';
import { isProgressLine } from '../../scripts/lib/progress.ts';

/**
 * Runs a repo script to completion (bounded); never throws on exit codes. stdin is `input` through a
 * pipe, or the regular file `inputFile` itself.
 */
export function runScript(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; input?: string; inputFile?: string; timeoutMs?: number }): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const file = opts.inputFile === undefined ? undefined : openSync(opts.inputFile, 'r');
    const child = spawn(cmd, args, { cwd: ROOT, env: opts.env, stdio: [file ?? 'pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 180_000 });
    if (file !== undefined) closeSync(file);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code, stdout, stderr }));
    child.stdin?.end(opts.input ?? '');
  });
}

/** A repo script left running (for signal tests): its output so far and a promise of its exit. */
export interface RunningScript {
  stop(signal: NodeJS.Signals): void;
  output(): string;
  exited: Promise<number | null>;
}

export function startScript(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; timeoutMs?: number }): RunningScript {
  const child = spawn(cmd, args, { cwd: ROOT, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 180_000 });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  return { stop: (signal) => void child.kill(signal), output: () => out, exited };
}

/** A command's stderr without its progress lines (scripts/lib/progress.ts): what should be empty when nothing went wrong. */
export function stderrProblems(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !isProgressLine(l));
}

