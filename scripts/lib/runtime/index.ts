import { $ } from 'zx';
import { NativeRuntime } from '../native/runtime.ts';
import { loadStack, ROOT } from '../stack.ts';
import { join } from 'node:path';
import type { Runtime } from './types.ts';
import { DockerRuntime } from '../docker/runtime.ts';

export type { Runtime } from './types.ts';

/** docker when an engine answers, else native. RUNTIME=docker|native forces the choice. */
export async function pickRuntimeName(env: NodeJS.ProcessEnv = process.env): Promise<'docker' | 'native'> {
  const forced = env.RUNTIME;
  if (forced === 'docker' || forced === 'native') return forced;
  if (forced !== undefined && forced !== '') throw new Error(`RUNTIME=${forced}: expected docker or native`);
  const r = await $({ quiet: true, nothrow: true, timeout: '10s' })`docker info --format {{.ServerVersion}}`;
  return r.exitCode === 0 && r.stdout.trim() !== '' ? 'docker' : 'native';
}

/** The runtime for this environment: RUNTIME, RASTRO_HOME and RASTRO_PORT_OFFSET (native only). */
export async function openRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const name = await pickRuntimeName(env);
  if (name === 'docker') return new DockerRuntime(loadStack());
  const offset = Number(env.RASTRO_PORT_OFFSET ?? '0');
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`RASTRO_PORT_OFFSET=${env.RASTRO_PORT_OFFSET}: expected a non-negative integer`);
  return new NativeRuntime(loadStack({ portOffset: offset }), env.RASTRO_HOME ?? join(ROOT, '.rastro', 'native'));
}
