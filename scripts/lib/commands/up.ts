import { parseCommand, type CommandSpec } from '../../../shared/cli.ts';
import { Evidence } from '../evidence.ts';
import { bringUp } from '../steps.ts';
import { openRuntime } from '../runtime/index.ts';

export const SPEC: CommandSpec = {
  name: './scripts/up.mjs',
  summary: 'start the stack (make up): the 3 Kafka nodes, Redis, Connect with the sink, Prometheus; topics and connector; each step waits on real readiness',
  notes: [
    'Environment: RUNTIME (native, the default; docker for compose.yml), SECURITY (on, the default; off), RASTRO_HOME (the stack',
    "state, default .rastro/native), RASTRO_PORT_OFFSET (added to every port), CHROMIUM_PATH (a browser for the pictures).",
  ],
  examples: ['make up', 'RUNTIME=docker make up', 'SECURITY=off ./scripts/up.mjs'],
};

/** make up: services, topics and connector, each step waiting on real readiness. */
export async function main(argv: string[]): Promise<number> {
  if (parseCommand(SPEC, argv) === undefined) return 0;
  const rt = await openRuntime();
  const ev = Evidence.create('up');
  await bringUp(rt, ev);
  ev.ok(`evidence: ${ev.save()}`);
  return 0;
}
