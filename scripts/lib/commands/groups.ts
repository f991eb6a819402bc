import { groupLags, groupsTable } from '../consume.ts';
import { openRuntime } from '../runtime/index.ts';
import { parseCommand, type CommandSpec } from '../../../shared/cli.ts';

export const SPEC: CommandSpec = {
  name: './scripts/groups.mjs',
  summary: "every consumer group with its lag per partition (make groups): Connect's sink, the fraud services, any other",
  notes: ["Reads as the monitor principal (describes only). lag = the partition's end offset − the group's committed offset."],
  examples: ['make groups'],
};

export async function main(argv: string[]): Promise<number> {
  if (parseCommand(SPEC, argv) === undefined) return 0;
  const rt = await openRuntime();
  console.log(groupsTable(await groupLags(rt.access.kafka('monitor'))));
  return 0;
}
