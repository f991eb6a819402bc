import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRuntime } from '../../scripts/lib/runtime/index.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { ROOT } from '../../shared/stack.ts';

/**
 * The integration tests' private native stack: its own state directory and every port shifted by
 * 10000 (RASTRO_TEST_PORT_OFFSET overrides it, so two checkouts can test side by side), so it runs
 * beside a demo stack without touching it. `make test-docker` sets RASTRO_TEST_RUNTIME=docker: the
 * checkout's compose stack instead (compose publishes the ports of config/stack.env, unshifted).
 */
export const TEST_RUNTIME: 'native' | 'docker' = process.env.RASTRO_TEST_RUNTIME === 'docker' ? 'docker' : 'native';

export const TEST_ENV = {
  RUNTIME: TEST_RUNTIME,
  RASTRO_HOME: join(ROOT, '.rastro', 'test'),
  RASTRO_PORT_OFFSET: process.env.RASTRO_TEST_PORT_OFFSET ?? '10000',
  // Scripts run by the tests keep their evidence out of the repo's evidence/.
  RASTRO_EVIDENCE_DIR: join(tmpdir(), 'rastro-test-evidence'),
} as const;

export function testRuntime(): Promise<Runtime> {
  return openRuntime({ ...process.env, ...TEST_ENV }, { quiet: true });
}
