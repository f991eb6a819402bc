import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from '../../producer/src/kafka.ts';
import { describeTopic, withAdmin } from '../../scripts/lib/kafka-admin.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { sendRaw } from './helpers.ts';
import { testRuntime } from './stack.ts';

let rt: Runtime;
const topic = `leader-moved-${Date.now()}`;

beforeAll(async () => {
  rt = await testRuntime();
  await withAdmin(rt.access.kafka('admin'), (a) => a.createTopics({ waitForLeaders: true, topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] }] }));
});

afterAll(async () => {
  await withAdmin(rt.access.kafka('admin'), (a) => a.deleteTopics({ topics: [topic] }));
});

/** kafkajs's Cluster (src/cluster/index.js): what admins and consumers look offsets up through. */
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  fetchTopicsOffset(topics: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>): Promise<Array<{ partitions: Array<{ partition: number; offset: string }> }>>;
}

/** A kafkajs Cluster as its clients create one; its metadata is refreshed only when asked. */
function kafkajsCluster(): Cluster {
  const kafka = new Kafka({ ...rt.access.kafka('admin'), clientId: 'leader-moved-test', logLevel: logLevel.NOTHING });
  const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (create === undefined) throw new Error('kafkajs: no private:Kafka:createCluster (not kafkajs 2.2.4?)');
  return (kafka as unknown as Record<symbol, (o: object) => Cluster>)[create]!({});
}

describe('kafkajs patched (producer/src/kafkajs-leader-moved.ts)', () => {
  it('finds offsets after the partition leader moved away from where its metadata says', async () => {
    await sendRaw(rt, topic, [1, 2, 3].map((i) => ({ key: `k${i}`, value: `v${i}` })));
    const end = { topic, fromBeginning: false, partitions: [{ partition: 0 }] };
    const cluster = kafkajsCluster();
    await cluster.connect();
    try {
      await cluster.addTargetTopic(topic);
      expect((await cluster.fetchTopicsOffset([end]))[0]?.partitions).toEqual([{ partition: 0, offset: '3' }]);
      // Make node 2 the preferred leader and elect it, as the controller does after a stopped broker
      // returns: node 1 keeps the partition, as a follower. The metadata now lags, as any client's
      // can by the time its request arrives.
      await withAdmin(rt.access.kafka('admin'), (a) => a.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [2, 1, 3] }] }] }));
      await waitFor(async () => ((await describeTopic(rt.access.kafka('admin'), topic))[0]?.replicas.join() === '2,1,3' ? true : false), { what: `${topic}-0 on replicas 2,1,3`, timeoutMs: 60_000 });
      await rt.kafkaCli('kafka-leader-election', ['--bootstrap-server', rt.cliBootstrap, '--election-type', 'PREFERRED', '--topic', topic, '--partition', '0']);
      expect((await describeTopic(rt.access.kafka('admin'), topic))[0]?.leader).toBe(2);
      // Unpatched, kafkajs asks node 1 and fails: "This server is not the leader for that topic-partition".
      expect((await cluster.fetchTopicsOffset([end]))[0]?.partitions).toEqual([{ partition: 0, offset: '3' }]);
    } finally {
      await cluster.disconnect();
    }
  });
});
