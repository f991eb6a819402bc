import { consumeTopic, dlqTable } from '../consume.ts';
import { openRuntime } from '../runtime/index.ts';
import { CONSUME_CLIENT } from '../../../shared/security.ts';
import { parseCommand, type CommandSpec } from '../../../shared/cli.ts';

export const SPEC: CommandSpec = {
  name: './scripts/dlq.mjs',
  summary: "the sink's dead-letter queue (make dlq): each record with the reason Connect's headers give and where it came from (topic-partition@offset)",
  options: { limit: { type: 'string', value: 'N', default: '50', description: 'most records shown' } },
  notes: ['Reads as the reader principal.'],
  examples: ['make dlq'],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ limit: string }>(SPEC, argv);
  if (args === undefined) return 0;
  const rt = await openRuntime();
  const topic = rt.stack.topics.dlq;
  const records = await consumeTopic(rt.access.kafka('reader'), topic, { from: 'beginning', limit: Number(args.values.limit), waitMs: 60_000, clientId: CONSUME_CLIENT });
  console.log(`${topic}: ${records.length} record(s)`);
  console.log(dlqTable(records));
  return 0;
}
