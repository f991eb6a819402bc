import { describeTopic } from './kafka-admin.ts';
import type { Runtime } from './runtime/types.ts';
import { NODE_IDS, type NodeId } from '../../shared/stack.ts';
import { waitFor } from './wait.ts';

/** The broker leading most partitions of `topic` (losing it moves the most leadership). */
export async function busiestLeader(rt: Runtime, topic: string): Promise<NodeId> {
  const parts = await describeTopic(rt.access.kafka('monitor'), topic);
  const count = (id: NodeId) => parts.filter((p) => p.leader === id).length;
  return [...NODE_IDS].sort((a, b) => count(b) - count(a))[0] as NodeId;
}

/** The KRaft quorum leader (active controller), from kafka-metadata-quorum. */
export async function activeController(rt: Runtime): Promise<NodeId> {
  const out = (await rt.kafkaCli('kafka-metadata-quorum', ['--bootstrap-server', rt.cliBootstrap, 'describe', '--status'], 'monitor')).stdout;
  const id = Number(/LeaderId:\s*(\d+)/.exec(out)?.[1]);
  if (!NODE_IDS.includes(id as NodeId)) throw new Error(`kafka-metadata-quorum: no LeaderId in ${JSON.stringify(out)}`);
  return id as NodeId;
}

/** Every partition of `topic` has all its replicas in sync again. */
export async function waitFullyReplicated(rt: Runtime, topic: string, timeoutMs = 180_000): Promise<void> {
  await waitFor(async () => (await describeTopic(rt.access.kafka('monitor'), topic)).every((p) => p.isr.length === p.replicas.length), {
    what: `every partition of ${topic} back to a full ISR`,
    timeoutMs,
  });
}
