import { randomUUID } from 'node:crypto';
import { explainKafkaError, Kafka, logLevel, type KafkaAccess } from '../../producer/src/kafka.ts';
import { aligned } from './app/format.ts';
import { withAdmin } from './kafka-admin.ts';

/**
 * The operator's views of Kafka: a topic's records (make consume), every consumer group's lag (make
 * groups), the DLQ with its reasons (make dlq). Each returns data; the *Table functions print it.
 */

export type From = 'beginning' | 'end' | bigint;

export interface ConsumedRecord {
  partition: number;
  offset: bigint;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface ConsumeOptions {
  from: From;
  /** Only records with this key (the others are read past). */
  key?: string;
  limit: number;
  /** With from=end: how long to wait for new records. Otherwise the bound for reading to the end offsets. */
  waitMs: number;
  clientId: string;
}

/** Parses FROM: beginning, end, or an offset (each partition starts there, or at its first/last offset). */
export function parseFrom(s: string): From {
  if (s === 'beginning' || s === 'end') return s;
  if (/^\d+$/.test(s)) return BigInt(s);
  throw new Error(`FROM=${s}: expected beginning, end or an offset`);
}

/**
 * Reads `topic` from `from`: up to the end offsets seen at the start (or, from end, the records that arrive
 * within waitMs), stopping at `limit` matching records. A throw-away consumer group, deleted afterwards.
 */
export async function consumeTopic(access: KafkaAccess, topic: string, o: ConsumeOptions): Promise<ConsumedRecord[]> {
  const offsets = await withAdmin(access, (a) => a.fetchTopicOffsets(topic));
  if (offsets.length === 0) throw new Error(`consume ${topic}: no such topic (or no partitions)`);
  const start = new Map(offsets.map((p) => {
    const [low, high] = [BigInt(p.low), BigInt(p.high)];
    const at = o.from === 'beginning' ? low : o.from === 'end' ? high : o.from < low ? low : o.from > high ? high : o.from;
    return [p.partition, at] as const;
  }));
  // Bounded reads stop at the end offsets seen now; from=end waits for new records instead.
  const remaining = new Map(o.from === 'end' ? [] : offsets.filter((p) => BigInt(p.high) > (start.get(p.partition) ?? 0n)).map((p) => [p.partition, BigInt(p.high)]));
  const out: ConsumedRecord[] = [];
  if (o.from !== 'end' && remaining.size === 0) return out;
  const kafka = new Kafka({ ...access, clientId: o.clientId, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 200 } });
  const groupId = `${o.clientId}-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await consumer.connect().catch((err: unknown) => {
    throw explainKafkaError(access, err);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => (o.from === 'end' ? resolve() : reject(new Error(`consume ${topic}: not at the end offsets after ${o.waitMs / 1000} s (partitions ${[...remaining.keys()].join(',')} unfinished)`))),
        o.waitMs,
      );
      void consumer
        .subscribe({ topic, fromBeginning: o.from !== 'end' })
        .then(() =>
          consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) {
                const offset = BigInt(m.offset);
                const end = remaining.get(batch.partition);
                if (o.from !== 'end' && (end === undefined || offset >= end)) break;
                if (offset < (start.get(batch.partition) ?? 0n)) continue;
                const key = m.key?.toString('utf8') ?? null;
                if (o.key === undefined || key === o.key) {
                  const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(',') : String(v ?? '')]));
                  out.push({ partition: batch.partition, offset, timestamp: Number(m.timestamp), key, value: m.value === null ? null : m.value.toString('utf8'), headers });
                  if (out.length >= o.limit) return finish();
                }
                if (end !== undefined && offset + 1n >= end) remaining.delete(batch.partition);
              }
              if (o.from !== 'end' && remaining.size === 0) finish();
            },
          }),
        )
        .then(() => {
          // Each partition starts where FROM says (kafkajs seeks only once it runs).
          for (const [partition, at] of start) consumer.seek({ topic, partition, offset: at.toString() });
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await withAdmin(access, (a) => a.deleteGroups([groupId])).catch(() => undefined);
  }
  return out.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

const cut = (s: string | null, n: number) => (s === null ? '(null)' : s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function recordsTable(records: ConsumedRecord[], valueWidth = 90): string {
  if (records.length === 0) return '(no records)';
  return aligned([['partition', 'offset', 'time (UTC)', 'key', 'value'], ...records.map((r) => [String(r.partition), String(r.offset), new Date(r.timestamp).toISOString().slice(0, 23), cut(r.key, 24), cut(r.value, valueWidth)])]);
}

/** The headers Connect writes on a DLQ record (errors.deadletterqueue.context.headers.enable=true). */
export const DLQ_HEADERS = { topic: '__connect.errors.topic', partition: '__connect.errors.partition', offset: '__connect.errors.offset', message: '__connect.errors.exception.message', exception: '__connect.errors.exception.class.name' } as const;

export function dlqTable(records: ConsumedRecord[]): string {
  if (records.length === 0) return '(the DLQ is empty)';
  return aligned([
    ['offset', 'time (UTC)', 'from', 'key', 'reason', 'value'],
    ...records.map((r) => {
      const h = r.headers;
      return [String(r.offset), new Date(r.timestamp).toISOString().slice(0, 19), `${h[DLQ_HEADERS.topic] ?? '?'}-${h[DLQ_HEADERS.partition] ?? '?'}@${h[DLQ_HEADERS.offset] ?? '?'}`, cut(r.key, 24), cut(h[DLQ_HEADERS.message] ?? h[DLQ_HEADERS.exception] ?? '(no reason header)', 70), cut(r.value, 40)];
    }),
  ]);
}

export interface GroupLagRow {
  group: string;
  state: string;
  members: number;
  topic: string;
  partition: number;
  committed: bigint | undefined;
  end: bigint;
  lag: bigint | undefined;
}

/** Every consumer group, its state and members, and per partition it committed: the committed offset, the end, the lag. */
export async function groupLags(access: KafkaAccess): Promise<GroupLagRow[]> {
  return withAdmin(access, async (admin) => {
    const { groups } = await admin.listGroups();
    const rows: GroupLagRow[] = [];
    const ids = groups.map((g) => g.groupId).sort();
    const described = ids.length === 0 ? [] : (await admin.describeGroups(ids)).groups;
    const ends = new Map<string, Map<number, bigint>>();
    for (const id of ids) {
      const d = described.find((g) => g.groupId === id);
      const committed = await admin.fetchOffsets({ groupId: id });
      const parts = committed.flatMap((t) => t.partitions.filter((p) => p.offset !== '-1').map((p) => ({ topic: t.topic, partition: p.partition, offset: BigInt(p.offset) })));
      if (parts.length === 0) {
        rows.push({ group: id, state: d?.state ?? '?', members: d?.members.length ?? 0, topic: '', partition: -1, committed: undefined, end: 0n, lag: undefined });
        continue;
      }
      // Every partition of each topic the group committed on: one it has not committed on yet shows no lag.
      for (const topic of [...new Set(parts.map((p) => p.topic))].sort()) {
        if (!ends.has(topic)) ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)])));
        for (const [partition, end] of [...(ends.get(topic) ?? new Map<number, bigint>())].sort((a, b) => a[0] - b[0])) {
          const committed = parts.find((p) => p.topic === topic && p.partition === partition)?.offset;
          rows.push({ group: id, state: d?.state ?? '?', members: d?.members.length ?? 0, topic, partition, committed, end, lag: committed === undefined ? undefined : end > committed ? end - committed : 0n });
        }
      }
    }
    return rows;
  });
}

export function groupsTable(rows: GroupLagRow[]): string {
  if (rows.length === 0) return '(no consumer groups)';
  return aligned([
    ['group', 'state', 'members', 'topic', 'partition', 'committed', 'end', 'lag'],
    ...rows.map((r) => [r.group, r.state, String(r.members), r.topic || '(nothing committed)', r.partition < 0 ? '' : String(r.partition), r.committed === undefined ? '-' : String(r.committed), r.partition < 0 ? '' : String(r.end), r.lag === undefined ? '-' : String(r.lag)]),
  ]);
}
