import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners, type RecordMetadata } from 'kafkajs';
import { withAdmin } from '../../scripts/lib/kafka-admin.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { waitFor } from '../../scripts/lib/wait.ts';

/** A plain kafkajs producer for hand-made records (bad ones included), keyed as given. */
export async function sendRaw(rt: Runtime, topic: string, records: Array<{ key: string | null; value: string | null }>): Promise<RecordMetadata[]> {
  const kafka = new Kafka({ clientId: 'rastro-test-raw', brokers: rt.addresses.bootstrap, logLevel: logLevel.NOTHING });
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  try {
    const out: RecordMetadata[] = [];
    // One record per request so each gets its own offset back.
    for (const r of records) out.push(...(await p.send({ topic, acks: -1, messages: [r] })));
    return out;
  } finally {
    await p.disconnect();
  }
}

/** Waits until the sink's consumer group has committed past `meta` (so the sink has processed it). */
export async function waitSinkProcessed(rt: Runtime, meta: RecordMetadata, timeoutMs = 60_000): Promise<void> {
  const groupId = `connect-${rt.stack.connect.connectorName}`;
  const target = BigInt(meta.baseOffset ?? meta.offset ?? '-1');
  await waitFor(
    async () => {
      const offs = await withAdmin(rt.addresses.bootstrap, (a) => a.fetchOffsets({ groupId, topics: [meta.topicName] }));
      const p = offs[0]?.partitions.find((x) => x.partition === meta.partition);
      return p !== undefined && BigInt(p.offset) > target;
    },
    { what: `${groupId} to commit past ${meta.topicName}-${meta.partition}@${target}`, timeoutMs },
  );
}

export async function withRedis<T>(rt: Runtime, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(rt.addresses.redisUrl, { lazyConnect: true });
  await r.connect();
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** Reads the whole topic once and returns the records whose value contains `marker`. */
export async function findInTopic(rt: Runtime, topic: string, marker: string, expected: number, timeoutMs = 60_000) {
  const kafka = new Kafka({ clientId: 'rastro-test-read', brokers: rt.addresses.bootstrap, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `rastro-test-${marker}-${Date.now()}` });
  const found: Array<{ value: string; headers: Record<string, string> }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value?.toString('utf8') ?? '';
        if (!value.includes(marker)) return;
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? '']));
        found.push({ value, headers });
      },
    });
    await waitFor(async () => found.length >= expected, { what: `${expected} records containing ${marker} in ${topic}`, timeoutMs });
    return found;
  } finally {
    await consumer.disconnect();
  }
}
