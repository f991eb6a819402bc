import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../shared/stack.ts';

/** Where global-setup keeps what it saw: every distinct command line on this machine during the test stack's first `make up`. */
export const STARTUP_CMDLINES = join(ROOT, '.rastro', 'test-startup-cmdlines.json');

export interface CmdlineSample {
  /** How many times /proc was read. */
  rounds: number;
  cmdlines: string[];
}

/**
 * Reads /proc/<pid>/cmdline of every process every `intervalMs`, as any local user can: what a
 * password on a command line would show to them. Short-lived tools (a storage format, a set-up JVM)
 * live for seconds, many rounds.
 */
export function sampleCmdlines(intervalMs = 100): { stop(): CmdlineSample } {
  const seen = new Set<string>();
  let rounds = 0;
  const read = () => {
    rounds++;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const text = readFileSync(join('/proc', pid, 'cmdline'), 'latin1').replaceAll('\0', ' ').trim();
        if (text !== '') seen.add(text);
      } catch {
        // Gone between the listing and the read.
      }
    }
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      read();
      return { rounds, cmdlines: [...seen] };
    },
  };
}
