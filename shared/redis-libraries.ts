import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack.ts';

/**
 * The Redis sink's function library: one Lua file, the plugin's resource (the sink checks Redis holds it byte for
 * byte) and what `make up` loads as Redis's admin. Its name and function names are read from the file, so the
 * sink's ACL grant (FCALL of exactly these functions) cannot drift from the code.
 */
export const SINK_LIBRARY_FILE = join(ROOT, 'connector', 'src', 'main', 'resources', 'dev', 'rastro', 'connect', 'redis', 'sink-library.lua');

/** The delivery app's read-only library (the nearest drivers in one call): `make up` loads it beside the sink's. */
export const APP_LIBRARY_FILE = join(ROOT, 'scripts', 'lib', 'app', 'app-library.lua');

export interface RedisLibrary {
  code: string;
  name: string;
  /** Every function the library registers, in file order (the sink's: upsert, then delete). */
  functions: string[];
  file: string;
}

/** Parses a library's name (its `#!lua name=` line) and its registered functions (either call form). */
export function parseRedisLibrary(code: string, from: string): RedisLibrary {
  const name = /^#!lua name=(\w+)\s*$/m.exec(code.split('\n', 1)[0] ?? '')?.[1];
  if (name === undefined) throw new Error(`${from}: the first line must be '#!lua name=<library>'`);
  const functions = [...code.matchAll(/^redis\.register_function(?:\('|\{ *function_name *= *')(\w+)'/gm)].map((m) => m[1] as string);
  if (functions.length === 0) throw new Error(`${from}: registers no function (redis.register_function('<name>', …) or {function_name = '<name>', …} at a line's start)`);
  return { code, name, functions, file: from };
}

export function readSinkLibrary(): RedisLibrary {
  return parseRedisLibrary(readFileSync(SINK_LIBRARY_FILE, 'utf8'), SINK_LIBRARY_FILE);
}

export function readAppLibrary(): RedisLibrary {
  return parseRedisLibrary(readFileSync(APP_LIBRARY_FILE, 'utf8'), APP_LIBRARY_FILE);
}
