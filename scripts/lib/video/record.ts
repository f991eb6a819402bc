import { spawn } from 'node:child_process';
import { LineSplitter, type Line } from './transcript.ts';

/**
 * Runs one of rastro's scripts (node scripts/<name>.mjs) as the user would, showing its output live and
 * keeping every line with the time it was printed (ms since `startedAt`): the terminal the video shows.
 */
export async function recordScript(root: string, script: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; lines: Line[]; text: string; startedAt: number }> {
  const started = Date.now();
  const lines: Line[] = [];
  const splitter = new LineSplitter((text) => lines.push({ t: Date.now() - started, text }));
  const child = spawn(process.execPath, [`scripts/${script}.mjs`, ...args], { cwd: root, env: { ...env, FORCE_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const take = (chunk: Buffer, to: NodeJS.WriteStream) => {
    to.write(chunk);
    splitter.push(chunk.toString('utf8'));
  };
  child.stdout.on('data', (c: Buffer) => take(c, process.stdout));
  child.stderr.on('data', (c: Buffer) => take(c, process.stderr));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (err) => reject(new Error(`record scripts/${script}.mjs: ${err.message}`)));
    child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  splitter.end();
  return { code, lines, text: lines.map((l) => l.text).join('\n'), startedAt: started };
}

/** The evidence directory a script reported on its last line ("evidence: …/REPORT.md"). */
export function evidenceDirOf(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const m = /evidence: (\S+)\/REPORT\.md/.exec(text.replace(/\u001b\[[0-9;]*m/g, ''));
  return m?.[1];
}
