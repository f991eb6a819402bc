import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DIR, type Stack } from '../../shared/stack.ts';

/**
 * Where one Connect worker runs: the only settings that differ between the runtimes. Everything else
 * comes from config/connect/worker.properties (+ security.properties when SECURITY is on) and
 * config/stack.env, the same for both.
 */
export interface WorkerPlacement {
  /** Which runtime rendered the file (named in its section header). */
  runtime: 'native' | 'docker';
  bootstrapServers: string;
  /** REST listener, and the address other workers reach it at. */
  listen: { host: string; port: number };
  advertised: { host: string; port: number };
  pluginPath: string;
}

/** The settings rendered from the placement and stack.env, in the order the file lists them. */
export function workerPlacementSettings(stack: Stack, w: WorkerPlacement): Array<[string, string]> {
  const c = stack.connect;
  return [
    ['bootstrap.servers', w.bootstrapServers],
    ['group.id', c.groupId],
    ['config.storage.topic', c.configTopic],
    ['offset.storage.topic', c.offsetTopic],
    ['status.storage.topic', c.statusTopic],
    ['listeners', `http://${w.listen.host}:${w.listen.port}`],
    ['rest.advertised.host.name', w.advertised.host],
    ['rest.advertised.port', String(w.advertised.port)],
    ['plugin.path', w.pluginPath],
  ];
}

/**
 * The one Connect worker config both runtimes run with: the shared file, the security settings when
 * `secure`, then the placement. The native runtime writes it into the worker's directory; the docker
 * runtime into .rastro/docker/connect/, which compose mounts where the image's entrypoint reads it.
 * Secrets stay ${env:…} references, resolved from the worker's environment.
 */
export function renderWorkerProperties(stack: Stack, w: WorkerPlacement, secure: boolean): string {
  const read = (name: string) => readFileSync(join(CONFIG_DIR, 'connect', name), 'utf8').trimEnd();
  const security = secure ? `\n\n# --- config/connect/security.properties (SECURITY on) ---\n${read('security.properties')}` : '';
  const placement = workerPlacementSettings(stack, w).map(([k, v]) => `${k}=${v}`);
  return `${read('worker.properties')}${security}\n\n# --- ${w.runtime} worker (rendered by the ${w.runtime} runtime, scripts/lib/connect-worker.ts) ---\n${placement.join('\n')}\n`;
}
