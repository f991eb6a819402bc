import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type KafkaAccess } from '../../producer/src/kafka.ts';
import type { Decision } from './transaction.ts';

/** One decision as the checker saw it. */
export interface Seen {
  decision: Decision;
  /** The decision record's Kafka timestamp: the broker's append time (the decisions topic uses LogAppendTime). */
  writtenAt: number;
  /** When this consumer received it. */
  receivedAt: number;
}

/**
 * Reads the decisions topic from the end offsets it finds at start (nothing older), keeping the
 * decisions whose txn_id starts with one of `prefixes` (a run's id): what make fraud-demo and
 * make fraud-bench check and time. A transaction decided twice (a redelivery) is kept once and
 * counted in `duplicates`.
 */
export class DecisionChecker {
  readonly seen = new Map<string, Seen>();
  duplicates = 0;
  /** Decision records that were not JSON or had no txn_id. */
  unreadable = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly prefixes: string[],
  ) {}

  static async start(access: KafkaAccess, topic: string, prefixes: string[]): Promise<DecisionChecker> {
    const kafka = new Kafka({ ...access, clientId: 'rastro-fraud-checker', logLevel: logLevel.NOTHING });
    const groupId = `rastro-fraud-checker-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const c = new DecisionChecker(consumer, admin, groupId, prefixes);
    try {
      // Start exactly at the ends seen now, committed for the new group before it joins: "latest"
      // would be whatever the end is when the consumer first fetches, or after a rebalance (a slow
      // heartbeat on a busy machine), after decisions of the run may already have been written.
      // Later commits (after each batch) keep a rebalance from skipping ahead.
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: false });
      await consumer.run({
        partitionsConsumedConcurrently: 16,
        eachBatch: async ({ batch }) => {
          const now = Date.now();
          for (const m of batch.messages) c.take(m.value, Number(m.timestamp), now);
          c.wake();
        },
      });
    } catch (err) {
      await c.stop();
      throw new Error(`decision checker: read ${topic} at ${access.brokers.join(',')}: ${(err as Error).message}`);
    }
    return c;
  }

  private take(value: Buffer | null, writtenAt: number, receivedAt: number): void {
    let d: Decision;
    try {
      d = JSON.parse(value?.toString('utf8') ?? 'null') as Decision;
      if (typeof d?.txn_id !== 'string') throw new Error('no txn_id');
    } catch {
      this.unreadable++;
      return;
    }
    if (!this.prefixes.some((p) => d.txn_id.startsWith(p))) return;
    if (this.seen.has(d.txn_id)) {
      this.duplicates++;
      return;
    }
    this.seen.set(d.txn_id, { decision: d, writtenAt, receivedAt });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /**
   * Waits until a decision was seen for every id in `txnIds`; returns the ids still missing after
   * `timeoutMs` (empty when all arrived).
   */
  async waitFor(txnIds: Iterable<string>, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const missing = () => [...txnIds].filter((id) => !this.seen.has(id));
    let left = missing();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(500, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      left = left.filter((id) => !this.seen.has(id));
    }
    return left;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
