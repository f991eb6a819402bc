import { AssignerProtocol } from '../../producer/src/kafka.ts';
import { withAdmin } from './kafka-admin.ts';
import type { Runtime } from './runtime/types.ts';
import { waitFor } from './wait.ts';

/** The sink's consumer group as Kafka sees it: which partitions each task's consumer holds. */
export interface SinkAssignment {
  state: string;
  members: number;
  assigned: number;
  partitions: number;
}

/** Partitions of `topic` held by the members of `groupId` (decoded from the group's assignment). */
export async function sinkAssignment(bootstrap: string[], groupId: string, topic: string): Promise<SinkAssignment> {
  return withAdmin(bootstrap, async (admin) => {
    const [{ groups }, meta] = await Promise.all([admin.describeGroups([groupId]), admin.fetchTopicMetadata({ topics: [topic] })]);
    const g = groups[0];
    let assigned = 0;
    for (const m of g?.members ?? []) {
      const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
      assigned += a?.assignment[topic]?.length ?? 0;
    }
    return { state: g?.state ?? 'Dead', members: g?.members.length ?? 0, assigned, partitions: meta.topics[0]?.partitions.length ?? 0 };
  });
}

/**
 * Waits until every partition of the locations topic is assigned to a sink task and the group is
 * stable. Producing before that measures the rebalance, not the pipeline: the first events wait
 * for an owner and the freshness of a short demo is dominated by start-up.
 */
export async function waitForSinkAssignment(rt: Runtime, timeoutMs = 60_000): Promise<SinkAssignment> {
  const groupId = `connect-${rt.stack.connect.connectorName}`;
  const topic = rt.stack.topics.locations;
  return waitFor(
    async () => {
      const a = await sinkAssignment(rt.addresses.bootstrap, groupId, topic);
      if (a.state === 'Stable' && a.partitions > 0 && a.assigned === a.partitions) return a;
      // Thrown, so a timeout says where the group was stuck.
      throw new Error(`group ${a.state}, ${a.assigned}/${a.partitions} partitions assigned to ${a.members} tasks`);
    },
    { what: `sink group ${groupId} to own all partitions of ${topic}`, timeoutMs, maxIntervalMs: 500 },
  );
}
