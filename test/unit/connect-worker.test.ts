import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderWorkerProperties, workerPlacementSettings } from '../../scripts/lib/connect-worker.ts';
import { dockerWorkerPlacement, WORKER_DIR_REL, WORKER_MOUNT } from '../../scripts/lib/docker/runtime.ts';
import { nativeWorkerPlacement } from '../../scripts/lib/native/services.ts';
import { CONFIG_DIR, loadStack, ROOT } from '../../shared/stack.ts';

const stack = loadStack();
/** key=value lines of a .properties file; a key set twice would be a conflict between the sources. */
function props(text: string): Map<string, string> {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const m = new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  expect(m.size, 'no key set twice').toBe(lines.length);
  return m;
}
const file = (name: string) => props(readFileSync(join(CONFIG_DIR, 'connect', name), 'utf8'));
const placementKeys = workerPlacementSettings(stack, dockerWorkerPlacement(stack)).map(([k]) => k);
const without = (m: Map<string, string>, keys: string[]) => new Map([...m].filter(([k]) => !keys.includes(k)));

describe('the Connect worker config (one rendering for both runtimes)', () => {
  for (const secure of [true, false]) {
    it(`native and docker agree on every setting but where the worker runs (SECURITY ${secure ? 'on' : 'off'})`, () => {
      const native = props(renderWorkerProperties(stack, nativeWorkerPlacement(stack, '/x/plugin'), secure));
      const docker = props(renderWorkerProperties(stack, dockerWorkerPlacement(stack), secure));
      expect(without(native, placementKeys)).toEqual(without(docker, placementKeys));
      const expected = new Map([...file('worker.properties'), ...(secure ? file('security.properties') : [])]);
      expect(without(docker, placementKeys)).toEqual(expected);
      expect(docker.has('sasl.jaas.config')).toBe(secure);
      for (const m of [native, docker]) {
        expect(m.get('group.id')).toBe(stack.connect.groupId);
        expect(m.get('status.storage.topic')).toBe(stack.connect.statusTopic);
      }
      expect(native.get('bootstrap.servers')).toBe(stack.ports.kafka.all.map((p) => `127.0.0.1:${p}`).join(','));
      expect(native.get('listeners')).toBe(`http://127.0.0.1:${stack.ports.connect}`);
      expect(docker.get('bootstrap.servers')).toBe('kafka-1:29093,kafka-2:29093,kafka-3:29093');
      expect(docker.get('listeners')).toBe('http://0.0.0.0:8083');
    });
  }

  it('reaches the docker worker: compose mounts the rendered directory where the image entrypoint reads it', () => {
    const compose = parse(readFileSync(join(ROOT, 'compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, any> };
    expect(compose.services.connect.volumes).toContain(`./${WORKER_DIR_REL}:${WORKER_MOUNT}:ro,z`);
    const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ENTRYPOINT ["/opt/kafka/bin/connect-distributed.sh", "${WORKER_MOUNT}/worker.properties"]`);
    expect(dockerfile).toMatch(new RegExp(`^COPY --from=maven /src/connector/target/plugin/ ${dockerWorkerPlacement(stack).pluginPath}/$`, 'm'));
    // No second copy of the worker's settings in compose's environment.
    expect(Object.keys(compose.services.connect.environment).filter((k) => k.startsWith('CONNECT_'))).toEqual([]);
  });
});
