import { consumeTopic, parseFrom, recordsTable } from '../consume.ts';
import { openRuntime } from '../runtime/index.ts';
import { CONSUME_CLIENT } from '../../../shared/security.ts';
import { parseCommand, UsageError, type CommandSpec } from '../../../shared/cli.ts';

export const SPEC: CommandSpec = {
  name: './scripts/consume.mjs',
  summary: "a topic's records as a table (make consume TOPIC=…): partition, offset, time, key, value",
  options: {
    topic: { type: 'string', value: 'NAME', description: 'the topic (default: the locations topic)' },
    from: { type: 'string', value: 'WHERE', default: 'beginning', description: 'beginning, end (new records only, waiting --wait seconds) or an offset (each partition from there)' },
    key: { type: 'string', value: 'KEY', description: 'only records with this key (e.g. a driver id)' },
    limit: { type: 'string', value: 'N', default: '20', description: 'most records shown' },
    wait: { type: 'string', value: 'S', default: '30', description: 'most seconds to read (with --from end: to wait for new records)' },
  },
  notes: ["Reads as the stack's admin principal (any topic), with a throw-away consumer group it deletes afterwards."],
  examples: ['make consume', 'make consume TOPIC=driver-locations KEY=driver_100 LIMIT=5', 'make consume TOPIC=driver-locations FROM=end LIMIT=10'],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ topic?: string; from: string; key?: string; limit: string; wait: string }>(SPEC, argv);
  if (args === undefined) return 0;
  const o = args.values;
  let from;
  try {
    from = parseFrom(o.from);
  } catch (err) {
    throw new UsageError(`--from ${o.from}: ${(err as Error).message.replace(/^FROM=\S+: /, '')}`);
  }
  const rt = await openRuntime();
  const topic = o.topic ?? rt.stack.topics.locations;
  const records = await consumeTopic(rt.access.kafka('admin'), topic, { from, key: o.key, limit: Number(o.limit), waitMs: Number(o.wait) * 1000, clientId: CONSUME_CLIENT });
  console.log(`${topic}: ${records.length} record(s) from ${o.from}${o.key === undefined ? '' : ` with key ${o.key}`}`);
  console.log(recordsTable(records));
  return 0;
}
