import { AssignerProtocol, type KafkaAccess } from '../../producer/src/kafka.ts';
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
export async function sinkAssignment(kafka: KafkaAccess, groupId: string, topic: string): Promise<SinkAssignment> {
  return withAdmin(kafka, async (admin) => {
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
  return waitForGroupAssignment(rt.access.kafka('admin'), `connect-${rt.stack.connect.connectorName}`, rt.stack.topics.locations, { timeoutMs });
}

/**
 * Waits until consumer group `groupId` is stable with every partition of `topic` assigned to its
 * members (exactly `members` of them when given: a member left behind by a killed process holds its
 * partitions until its session times out). `guard` is called before every try (throw to stop at
 * once: the consumer's process died).
 */
export async function waitForGroupAssignment(kafka: KafkaAccess, groupId: string, topic: string, opts: { timeoutMs: number; members?: number; guard?: () => void }): Promise<SinkAssignment> {
  return waitFor(
    async () => {
      const a = await sinkAssignment(kafka, groupId, topic);
      if (a.state === 'Stable' && a.partitions > 0 && a.assigned === a.partitions && (opts.members === undefined || a.members === opts.members)) return a;
      // Thrown, so a timeout says where the group was stuck.
      throw new Error(`group ${a.state}, ${a.assigned}/${a.partitions} partitions assigned to ${a.members} members`);
    },
    { what: `group ${groupId} to own all partitions of ${topic}`, timeoutMs: opts.timeoutMs, maxIntervalMs: 500, guard: opts.guard },
  );
}
