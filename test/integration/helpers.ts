import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { LocationProducer } from '../../producer/src/location-producer.ts';
import { simulate } from '../../producer/src/run.ts';
import type { Simulator } from '../../producer/src/simulator.ts';
import { lostUpdates, readStoreHashes } from '../../scripts/lib/mirror-check.ts';
import { connectStore } from '../../scripts/lib/redis-store.ts';
import { mirrorCheck, waitForSink } from '../../scripts/lib/pipeline.ts';
import { Kafka, logLevel, Partitioners, type RecordMetadata } from '../../producer/src/kafka.ts';
import { classifyStatus, type ConnectClient } from '../../scripts/lib/connect.ts';
import { withAdmin } from '../../scripts/lib/kafka-admin.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { openRedis } from '../../shared/security.ts';

/** A plain kafkajs producer for hand-made records (bad ones included), keyed as given. */
export async function sendRaw(rt: Runtime, topic: string, records: Array<{ key: string | null; value: string | null }>): Promise<RecordMetadata[]> {
  const kafka = new Kafka({ ...rt.access.kafka('admin'), clientId: 'rastro-test-raw', logLevel: logLevel.NOTHING });
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
      const offs = await withAdmin(rt.access.kafka('admin'), (a) => a.fetchOffsets({ groupId, topics: [meta.topicName] }));
      const p = offs[0]?.partitions.find((x) => x.partition === meta.partition);
      return p !== undefined && BigInt(p.offset) > target;
    },
    { what: `${groupId} to commit past ${meta.topicName}-${meta.partition}@${target}`, timeoutMs },
  );
}

export async function withRedis<T>(rt: Runtime, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = openRedis(rt.access.redis('admin'), { lazyConnect: true });
  await r.connect();
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

/** Reads the whole topic once and returns the records whose value contains `marker`. */
export async function findInTopic(rt: Runtime, topic: string, marker: string, expected: number, timeoutMs = 60_000) {
  const kafka = new Kafka({ ...rt.access.kafka('admin'), clientId: 'rastro-test-read', logLevel: logLevel.NOTHING });
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

export interface RawRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

/** Every record of `topic` up to the end offsets seen at the start, bytes untouched. */
export async function readWholeTopic(rt: Runtime, topic: string, timeoutMs = 60_000): Promise<RawRecord[]> {
  const ends = await withAdmin(rt.access.kafka('admin'), (a) => a.fetchTopicOffsets(topic));
  const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  const out: RawRecord[] = [];
  if (remaining.size === 0) return out;
  const groupId = `rastro-test-read-${Date.now()}`;
  const kafka = new Kafka({ ...rt.access.kafka('admin'), clientId: 'rastro-test-read', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = remaining.get(batch.partition);
        if (end === undefined) return;
        for (const m of batch.messages) {
          if (BigInt(m.offset) >= end) break;
          out.push({ partition: batch.partition, offset: BigInt(m.offset), key: m.key, value: m.value });
        }
        const last = batch.messages.at(-1);
        if (last !== undefined && BigInt(last.offset) + 1n >= end) remaining.delete(batch.partition);
      },
    });
    await waitFor(async () => remaining.size === 0, { what: `${topic} read to its end`, timeoutMs });
    return out;
  } finally {
    await consumer.disconnect();
    await withAdmin(rt.access.kafka('admin'), (a) => a.deleteGroups([groupId])).catch(() => undefined);
  }
}

/**
 * Leaves the connector's status reading UNASSIGNED while it and its tasks run: the state
 * `make chaos` hit after a restart (KAFKA-12525 class). A connector restart makes the worker write
 * two records under status-connector-<name>: UNASSIGNED (stopping) then RUNNING (started). The
 * failure is the first write landing after the second (retried through a leader move of the status
 * topic). Here the worker's own UNASSIGNED record is appended again, byte for byte, after its
 * RUNNING one: the worker reads its status only from that topic, so it now believes exactly what it
 * believed in the failing run, and nothing in the worker will rewrite it.
 */
export async function forceStaleUnassigned(rt: Runtime, client: ConnectClient, name: string, expectedTasks: number): Promise<void> {
  await client.restartConnector(name);
  await client.waitRunning(name, expectedTasks, { staleAfterMs: Number.POSITIVE_INFINITY, timeoutMs: 60_000 });
  const key = `status-connector-${name}`;
  const records = (await readWholeTopic(rt, rt.stack.connect.statusTopic)).filter((r) => r.key?.toString() === key && r.value !== null);
  const state = (r: RawRecord) => (JSON.parse(r.value!.toString()) as { state: string }).state;
  const lastRunning = records.filter((r) => state(r) === 'RUNNING').at(-1);
  const unassigned = records.filter((r) => state(r) === 'UNASSIGNED' && lastRunning !== undefined && r.offset < lastRunning.offset).at(-1);
  if (lastRunning === undefined || unassigned === undefined) throw new Error(`${rt.stack.connect.statusTopic}: no UNASSIGNED then RUNNING pair under ${key} after a restart`);
  const kafka = new Kafka({ ...rt.access.kafka('admin'), clientId: 'rastro-test-stale', logLevel: logLevel.NOTHING });
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  try {
    await p.send({ topic: rt.stack.connect.statusTopic, acks: -1, messages: [{ partition: unassigned.partition, key: unassigned.key, value: unassigned.value }] });
  } finally {
    await p.disconnect();
  }
  await waitFor(async () => classifyStatus(await client.status(name), expectedTasks) === 'stale-unassigned', { what: `${name} status to read UNASSIGNED beside RUNNING tasks`, timeoutMs: 30_000 });
}

/**
 * Runs `sim` through the real producer at `rate` events/s while `during` acts on the stack (it gets the
 * count of acknowledged events so far, to wait on), then proves that nothing acknowledged was lost:
 * Redis ends equal to the producer's ledger and to the topic's fold.
 */
export async function nothingLostUnderLoad(rt: Runtime, sim: Simulator, rate: number, during: (sent: () => number) => Promise<void>): Promise<void> {
  const producer = new LocationProducer({ ...rt.access.producer(), topic: rt.stack.topics.locations, lateTopic: rt.stack.topics.late });
  await producer.connect();
  const abort = new AbortController();
  const load = simulate(producer, sim, { rate, signal: abort.signal });
  try {
    await during(() => producer.stats.sent);
  } finally {
    abort.abort();
    await load;
    await producer.close();
  }
  await waitForSink(rt, producer.ledger.entries(), 120_000);
  // One Redis, or every primary of a Redis Cluster.
  const store = await connectStore(rt.access.redis('admin'), rt.stack);
  const state = await readStoreHashes(store).finally(() => store.disconnect());
  expect(lostUpdates(producer.ledger.entries(), state, rt.stack.redisKeyPrefix)).toEqual([]);
  expect((await mirrorCheck(rt)).differences).toEqual([]);
}
