import { $ } from 'zx';
import { NativeRuntime } from '../native/runtime.ts';
import { loadStack, ROOT } from '../../../shared/stack.ts';
import { join } from 'node:path';
import type { Runtime } from './types.ts';
import { DockerRuntime } from '../docker/runtime.ts';
import { decideRuntime, RUNTIME_LINE } from './pick.mjs';
import { securityMode } from '../../../shared/security.ts';

export type { Runtime } from './types.ts';

/**
 * native unless RUNTIME=docker (then an engine 25+ with Compose 2.24.1+ must answer). Only a forced docker
 * probes Docker at all.
 */
export async function pickRuntimeName(env: NodeJS.ProcessEnv = process.env): Promise<'docker' | 'native'> {
  if (env.RUNTIME !== 'docker') return decideRuntime({ forced: env.RUNTIME, engine: undefined, compose: undefined }).name;
  const q = $({ quiet: true, nothrow: true, timeout: '10s' });
  const info = await q`docker info --format {{.ServerVersion}}`;
  const engine = info.exitCode === 0 && info.stdout.trim() !== '' ? info.stdout.trim() : undefined;
  const compose = engine !== undefined ? await q`docker compose version --short` : undefined;
  return decideRuntime({ forced: env.RUNTIME, engine, compose: compose?.exitCode === 0 ? compose.stdout : undefined }).name;
}

/** The runtime for this environment: RUNTIME, SECURITY, RASTRO_HOME and RASTRO_PORT_OFFSET (native only). */
/** `quiet`: no runtime line (a caller whose stdout is data, e.g. --json). */
export async function openRuntime(env: NodeJS.ProcessEnv = process.env, opts: { quiet?: boolean } = {}): Promise<Runtime> {
  const name = await pickRuntimeName(env);
  // On stdout, as the first line of what the command reports (stderr is for problems).
  if (!opts.quiet) process.stdout.write(`${RUNTIME_LINE[name]}\n`);
  const security = securityMode(env);
  if (name === 'docker') return new DockerRuntime(loadStack({ env }), security);
  const offset = Number(env.RASTRO_PORT_OFFSET ?? '0');
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`RASTRO_PORT_OFFSET=${env.RASTRO_PORT_OFFSET}: expected a non-negative integer`);
  return new NativeRuntime(loadStack({ portOffset: offset, env }), env.RASTRO_HOME ?? join(ROOT, '.rastro', 'native'), security);
}
