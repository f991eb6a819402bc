import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A stack's state (Kafka logs, the Redis AOF, Connect's log with record contents, the secrets) is for
 * its owner only. Everything the runtime and the services it starts create gets mode 0700/0600: the
 * umask is inherited by every child. State an older version left readable by others is closed here.
 */
export const OWNER_ONLY_UMASK = 0o077;

/** Sets this process's umask (children inherit it), creates `home` 0700 and takes group/other bits off everything under it. Returns how many paths it changed. */
export function keepPrivate(home: string): number {
  process.umask(OWNER_ONLY_UMASK);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const open = openPaths(home);
  for (const { path, mode } of open) {
    try {
      chmodSync(path, mode & 0o7700);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return open.length;
}

/** Paths under `home` (itself included) that a group or other user may read, write or enter. Symlinks are skipped: their own mode means nothing. */
export function openPaths(home: string): Array<{ path: string; mode: number }> {
  const out: Array<{ path: string; mode: number }> = [];
  const walk = (path: string) => {
    // A running service may delete a file between the listing and here (a Kafka segment, say).
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st === undefined || st.isSymbolicLink()) return;
    if ((st.mode & 0o077) !== 0) out.push({ path, mode: st.mode });
    if (st.isDirectory()) for (const name of readdirIfThere(path)) walk(join(path, name));
  };
  walk(home);
  return out;
}

function readdirIfThere(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
