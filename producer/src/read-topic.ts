import { explainKafkaError, Kafka, logLevel, type KafkaAccess } from './kafka.ts';
import { randomUUID } from 'node:crypto';

export interface TopicRecord {
  key: string | null;
  value: string | null;
  /** The record's Kafka timestamp (epoch ms). */
  timestamp: number;
  partition: number;
  offset: bigint;
}

export interface ReadOptions {
  clientId: string;
  timeoutMs?: number;
  /** Called about once a second with records read so far and the total span to read. */
  onProgress?: (read: number, span: number) => void;
}

/**
 * Reads `topic` from the beginning up to the end offsets seen at the start, calling `onRecord` in
 * offset order per partition. kafkajs has no manual assignment, so this uses a throw-away consumer
 * group, deleted afterwards. Returns the number of records read.
 */
export async function readTopicToEnd(access: KafkaAccess, topic: string, onRecord: (r: TopicRecord) => void, opts: ReadOptions): Promise<number> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const kafka = new Kafka({ ...access, clientId: opts.clientId, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 200 } });
  const admin = kafka.admin();
  await admin.connect().catch((err: unknown) => {
    throw explainKafkaError(access, err);
  });
  const groupId = `${opts.clientId}-${randomUUID()}`;
  let read = 0;
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
    const span = ends.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
    if (remaining.size === 0) return 0;
    const consumer = kafka.consumer({ groupId, maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 16 * 1024 * 1024, maxWaitTimeInMs: 200 });
    await consumer.connect();
    const progress = opts.onProgress ? setInterval(() => opts.onProgress?.(read, span), 1000) : undefined;
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`read ${topic} at ${access.brokers.join(',')}: timed out after ${timeoutMs / 1000} s with partitions ${[...remaining.keys()].join(',')} unfinished (${read} of ~${span} records read)`)),
          timeoutMs,
        );
        // Compaction leaves gaps (and batches with no records), so "done" is reaching the end offset,
        // not counting records; kafkajs reports every batch it moved past, empty ones included.
        const reached = (partition: number, lastOffset: string) => {
          const end = remaining.get(partition);
          if (end !== undefined && BigInt(lastOffset) + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        };
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reached(payload.partition, payload.lastOffset));
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const end = remaining.get(batch.partition);
              if (end === undefined) return;
              for (const m of batch.messages) {
                const offset = BigInt(m.offset);
                if (offset >= end) break;
                read++;
                onRecord({ key: m.key?.toString('utf8') ?? null, value: m.value === null ? null : m.value.toString('utf8'), timestamp: Number(m.timestamp), partition: batch.partition, offset });
              }
              const last = batch.messages.at(-1);
              if (last !== undefined) reached(batch.partition, last.offset);
            },
          })
          .catch(reject);
      });
    } finally {
      if (progress) clearInterval(progress);
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return read;
  } finally {
    await admin.disconnect();
  }
}
