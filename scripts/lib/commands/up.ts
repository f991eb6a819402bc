import { Evidence } from '../evidence.ts';
import { bringUp } from '../steps.ts';
import { openRuntime } from '../runtime/index.ts';

/** make up: services, topics and connector, each step waiting on real readiness. */
export async function main(): Promise<number> {
  const rt = await openRuntime();
  const ev = Evidence.create('up');
  await bringUp(rt, ev);
  ev.ok(`evidence: ${ev.save()}`);
  return 0;
}
