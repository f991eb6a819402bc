import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer, type KafkaAccess } from '../../producer/src/kafka.ts';
import { redisAuth, type RedisAccess } from '../../shared/security.ts';
import { parseBlockEntry } from './transaction.ts';

export interface UpdaterOptions {
  kafka: KafkaAccess;
  /** The compacted blocklist topic (key = card, value = reason JSON, tombstone = lifted). */
  topic: string;
  redis: RedisAccess;
  /** Redis key of a listed card: <prefix><card>. */
  prefix: string;
  clientId?: string;
  log?: (message: string) => void;
}

export interface UpdaterStats {
  /** Records applied: SETs and DELs. */
  set: number;
  deleted: number;
  /** Records skipped: no key, or a value that is not a JSON object with a reason. */
  invalid: number;
  /** Keys under the prefix that the topic no longer has, deleted when the updater caught up. */
  reconciled: number;
}

/**
 * Mirrors the compacted blocklist topic into Redis, one string key per listed card:
 * `SET <prefix><card> <reason JSON>` for an entry, `DEL` for a tombstone (a lifted block).
 *
 * It is a mirror, not a consumer of new work, so it has no committed position: every start reads the
 * topic from offset 0 (compacted: about one record per card), with a throw-away consumer group (kafkajs
 * has no manual assignment) that reads every partition. Once it has reached the end offsets it saw
 * at start it reconciles: any `<prefix>*` key in Redis whose card the topic does not list is deleted
 * (a lift whose tombstone compaction already removed while the updater was down, or a key written by
 * hand), and `ready` resolves. Then it follows the topic. Records are applied in offset order per
 * partition, and a card always lives on one partition, so the last record of a card wins, as in the
 * topic; batches and the reconcile run one after the other, never interleaved.
 *
 * Run one updater per Redis: two would both converge to the topic, but a lagging one could briefly
 * write back an older entry.
 */
export class BlocklistUpdater {
  readonly stats: UpdaterStats = { set: 0, deleted: 0, invalid: 0, reconciled: 0 };
  /** Resolves once the topic as it was at start is in Redis and Redis holds nothing else; rejects if that failed. */
  readonly ready: Promise<void>;
  private markReady: () => void = () => {};
  private failReady: (err: Error) => void = () => {};
  /** Cards listed so far, until ready (the reconcile needs them); then dropped. */
  private live: Set<string> | undefined = new Set();
  private remaining = new Map<number, bigint>();
  /** Every Redis write runs on this chain: batches and the reconcile never interleave. */
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly o: UpdaterOptions,
    private readonly kafka: Kafka,
    private readonly consumer: Consumer,
    private readonly redis: Redis,
    private readonly groupId: string,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  static async start(o: UpdaterOptions): Promise<BlocklistUpdater> {
    const clientId = o.clientId ?? 'rastro-fraud-blocklist';
    const kafka = new Kafka({ ...o.kafka, clientId, logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 200 } });
    const groupId = `${clientId}-${randomUUID()}`;
    const redis = new Redis(o.redis.url, { ...redisAuth(o.redis), lazyConnect: true, maxRetriesPerRequest: 3 });
    redis.on('error', () => {}); // each failed command reports itself
    await redis.connect().catch((err: Error) => {
      throw new Error(`blocklist updater: connect to Redis at ${o.redis.url}: ${err.message}`);
    });
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const u = new BlocklistUpdater(o, kafka, consumer, redis, groupId);
    try {
      await u.run();
    } catch (err) {
      await u.stop();
      throw new Error(`blocklist updater: follow ${o.topic} at ${o.kafka.brokers.join(',')}: ${(err as Error).message}`);
    }
    return u;
  }

  private async run(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(this.o.topic);
      this.remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
    } finally {
      await admin.disconnect();
    }
    if (this.remaining.size === 0) this.scheduleReconcile();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.o.topic, fromBeginning: true });
    // Compaction leaves gaps and empty batches: "caught up" is reaching the end offset, which kafkajs
    // reports for every batch it moved past, empty ones included.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => this.reached(payload.partition, payload.lastOffset));
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        await this.serial(() => this.apply(batch.partition, batch.messages));
        const last = batch.messages.at(-1);
        if (last !== undefined) this.reached(batch.partition, last.offset);
      },
    });
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    // The chain goes on after a failure (the failing batch is retried by kafkajs).
    this.chain = next.catch(() => undefined);
    return next;
  }

  private reached(partition: number, lastOffset: string): void {
    if (this.live === undefined) return;
    const end = this.remaining.get(partition);
    if (end !== undefined && BigInt(lastOffset) + 1n >= end) this.remaining.delete(partition);
    if (this.remaining.size === 0) this.scheduleReconcile();
  }

  private scheduleReconcile(): void {
    this.serial(() => this.reconcile()).catch((err: Error) => this.failReady(new Error(`blocklist updater: reconcile Redis at ${this.o.redis.url} with ${this.o.topic}: ${err.message}`)));
  }

  private async apply(partition: number, messages: ReadonlyArray<{ key: Buffer | null; value: Buffer | null; offset: string }>): Promise<void> {
    const pipe = this.redis.pipeline();
    let n = 0;
    for (const m of messages) {
      const where = `${this.o.topic}-${partition}@${m.offset}`;
      if (m.key === null || m.key.length === 0) {
        this.invalid(`${where}: no key (the key is the card): skipped`);
        continue;
      }
      const card = m.key.toString('utf8');
      if (m.value === null) {
        pipe.del(`${this.o.prefix}${card}`);
        this.live?.delete(card);
        this.stats.deleted++;
      } else {
        const value = m.value.toString('utf8');
        const entry = parseBlockEntry(value);
        if (typeof entry === 'string') {
          this.invalid(`${where}: card ${card}: ${entry}: skipped (the card's previous entry, if any, stays)`);
          continue;
        }
        pipe.set(`${this.o.prefix}${card}`, value);
        this.live?.add(card);
        this.stats.set++;
      }
      n++;
    }
    if (n === 0) return;
    const replies = (await pipe.exec()) ?? [];
    const failed = replies.find(([err]) => err !== null);
    if (failed) throw new Error(`write ${n} blocklist changes of ${this.o.topic}-${partition} to Redis at ${this.o.redis.url}: ${(failed[0] as Error).message}`);
  }

  private invalid(message: string): void {
    this.stats.invalid++;
    this.o.log?.(message);
  }

  /** Deletes every <prefix>* key whose card the topic does not list; then ready. */
  private async reconcile(): Promise<void> {
    const live = this.live;
    if (live === undefined) return;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.o.prefix}*`, 'COUNT', 1000);
      cursor = next;
      const stale = keys.filter((k) => !live.has(k.slice(this.o.prefix.length)));
      if (stale.length > 0) {
        await this.redis.unlink(...stale);
        this.stats.reconciled += stale.length;
      }
    } while (cursor !== '0');
    this.live = undefined;
    this.o.log?.(`blocklist mirrored: ${this.stats.set} entries set, ${this.stats.deleted} lifted, ${this.stats.reconciled} stale keys deleted, ${this.stats.invalid} invalid records skipped`);
    this.markReady();
  }

  /** Resolves once ready, or throws naming what it waited for after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`blocklist updater: ${this.o.topic} not mirrored into Redis at ${this.o.redis.url} after ${timeoutMs / 1000} s (partitions ${[...this.remaining.keys()].join(',') || 'none'} not read to their end)`)), timeoutMs);
    });
    try {
      await Promise.race([this.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    this.redis.disconnect();
    const admin = this.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([this.groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
}
