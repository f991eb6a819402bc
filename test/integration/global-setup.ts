import { writeFileSync } from 'node:fs';
import { Evidence } from '../../scripts/lib/evidence.ts';
import { bringUp } from '../../scripts/lib/steps.ts';
import { sampleCmdlines, STARTUP_CMDLINES } from './cmdlines.ts';
import { testRuntime } from './stack.ts';

/** Starts one fresh native stack (3 brokers, Connect with the sink, Redis) for every integration file. */
export async function setup(): Promise<() => Promise<void>> {
  const rt = await testRuntime();
  const log = (l: string) => process.stderr.write(`[stack] ${l}\n`);
  await rt.down({ wipe: true }, log);
  const t0 = Date.now();
  // A first make up, watched as another local user would: security.test.ts looks for secrets in it.
  const sampler = sampleCmdlines();
  try {
    await bringUp(rt, Evidence.silent('integration'));
  } finally {
    writeFileSync(STARTUP_CMDLINES, JSON.stringify(sampler.stop()));
  }
  log(`native test stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return async () => {
    if (process.env.RASTRO_KEEP_TEST_STACK === '1') return;
    await rt.down({ wipe: true }, log);
  };
}
