import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer, type KafkaAccess, type KafkaMessage } from '../../producer/src/kafka.ts';
import { redisAuth, type RedisAccess } from '../../shared/security.ts';
import { decide } from './decide.ts';
import { RecordSender } from './sender.ts';
import { parseBlockEntry, parseTransaction, type BlockEntry, type Transaction } from './transaction.ts';
import { DEFAULT_VELOCITY, VelocityWindow, type VelocityLimit } from './velocity.ts';

export const DECIDER_GROUP = 'rastro-fraud-decider';

export interface DecisionServiceOptions {
  kafka: KafkaAccess;
  topics: { transactions: string; decisions: string; dlq: string };
  redis: RedisAccess;
  /** Redis key of a listed card: <prefix><card> (what the blocklist updater writes). */
  blocklistPrefix: string;
  groupId?: string;
  clientId?: string;
  limit?: VelocityLimit;
  log?: (message: string) => void;
}

export interface DecisionStats {
  approved: number;
  declinedBlocklist: number;
  declinedVelocity: number;
  /** Records sent to the DLQ instead of being decided. */
  rejected: number;
  batches: number;
}

/** A record of the transactions topic that cannot be decided, as the DLQ keeps it. */
export interface Rejected {
  error: string;
  source: { topic: string; partition: number; offset: string };
  key: string | null;
  /** The record's value as UTF-8 text (null for a tombstone). */
  value: string | null;
}

/** Most decisions written but not yet acknowledged before the next fetch waits for them. */
const MAX_UNACKED = 20_000;

/** The first bad records are logged one by one; after that one line per this many. */
const LOG_EACH_REJECT = 100;
const LOG_REJECT_EVERY = 1000;

/**
 * The immediate-block decision service. A consumer group on the transactions topic (keyed by card,
 * so each card's transactions reach one instance, in order); for every batch of a partition:
 *
 * 1. each record is read and checked; one that cannot be decided (bad JSON, a missing or invalid
 *    field, a key that is not its card) goes to the DLQ topic as a JSON envelope naming the error and
 *    its topic-partition@offset, is logged, and is counted — it gets no decision;
 * 2. one Redis MGET looks up every card of the batch on the blocklist (`<prefix><card>`);
 * 3. each transaction, in offset order, is counted by the per-card velocity window (in memory: see
 *    fraud/README.md for what a rebalance does to it) and decided (decide.ts);
 * 4. the decisions (key = card) and rejects are queued for writing with acks=all, and the next
 *    batch is fetched without waiting for their acknowledgement (up to MAX_UNACKED decisions; the
 *    sender's lane keeps them in order); a batch's next offset is recorded for the commit only once
 *    its decisions and every earlier batch's are acknowledged, so offsets are committed for decided
 *    records only (at-least-once: after a crash a transaction may be decided twice, same txn_id).
 *
 * Offsets are committed once a second by a timer (and at stop), not by kafkajs: its auto-commit
 * commits after every batch, whatever autoCommitInterval says, which is one more round trip in each
 * partition's fetch–decide cycle.
 *
 * A Redis or Kafka error fails the batch; kafkajs retries it (nothing is approved without a blocklist
 * answer: fail-stop, neither open nor closed).
 */
export class DecisionService {
  readonly stats: DecisionStats = { approved: 0, declinedBlocklist: 0, declinedVelocity: 0, rejected: 0, batches: 0 };
  readonly velocity: VelocityWindow;
  /** Resolves with the error once the service cannot go on (decisions cannot be written, or the consumer crashed for good). */
  readonly fatal: Promise<Error>;
  private onFatal: (err: Error) => void = () => {};
  private lastSweep = Date.now();
  /** Next offset to commit per partition of the transactions topic (decided and acknowledged up to it). */
  private readonly decidedUpTo = new Map<number, string>();
  /** Per partition, the promise that its latest batch is settled: batches settle in order. */
  private readonly settled = new Map<number, Promise<void>>();
  /** Partitions this member owns since the last rebalance. */
  private owned: Set<number> | undefined;
  /** Decisions queued but not yet acknowledged. */
  private unacked = 0;
  private dead = false;
  private committer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly o: DecisionServiceOptions,
    private readonly consumer: Consumer,
    private readonly sender: RecordSender,
    private readonly redis: Redis,
  ) {
    this.velocity = new VelocityWindow(o.limit ?? DEFAULT_VELOCITY);
    this.fatal = new Promise<Error>((resolve) => {
      this.onFatal = resolve;
    });
  }

  static async start(o: DecisionServiceOptions): Promise<DecisionService> {
    const kafka = new Kafka({ ...o.kafka, clientId: o.clientId ?? 'rastro-fraud-decider', logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 } });
    const redis = new Redis(o.redis.url, { ...redisAuth(o.redis), lazyConnect: true, maxRetriesPerRequest: 3 });
    redis.on('error', () => {}); // each failed command reports itself
    const sender = new RecordSender(kafka, { lingerMs: 0 });
    const consumer = kafka.consumer({ groupId: o.groupId ?? DECIDER_GROUP, maxWaitTimeInMs: 100 });
    const s = new DecisionService(o, consumer, sender, redis);
    try {
      await redis.connect().catch((err: Error) => {
        throw new Error(`connect to Redis at ${o.redis.url}: ${err.message}`);
      });
      await sender.connect();
      await consumer.connect();
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) s.fail(new Error(`decision service: consumer of ${o.topics.transactions} crashed: ${payload.error.message}`));
      });
      // After a rebalance, commit only what this member still owns: a partition that moved is
      // committed by its new owner (ours would move its position back).
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const owned = new Set(payload.memberAssignment[o.topics.transactions] ?? []);
        s.owned = owned;
        for (const p of s.decidedUpTo.keys()) if (!owned.has(p)) s.decidedUpTo.delete(p);
      });
      // From the beginning when the group is new: a transaction produced while the group was
      // forming is decided, not skipped (the topic keeps an hour).
      await consumer.subscribe({ topic: o.topics.transactions, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 16,
        eachBatch: async ({ batch }) => {
          const written = batch.messages.length > 0 ? (await s.handle(batch.partition, batch.messages)).written : Promise.resolve();
          // Empty batches (compaction, control records) move the position too.
          await s.settle(batch.partition, (BigInt(batch.lastOffset()) + 1n).toString(), written, batch.messages.length);
        },
      });
      s.committer = setInterval(() => void s.commit(), 1000);
    } catch (err) {
      await s.stop();
      throw new Error(`decision service: consume ${o.topics.transactions} at ${o.kafka.brokers.join(',')}: ${(err as Error).message}`);
    }
    return s;
  }

  /**
   * Marks a batch done once its decisions are acknowledged: then (and after every earlier batch of
   * the partition) its next offset may be committed. Returns at once while fewer than MAX_UNACKED
   * decisions wait for their acknowledgement, so the next fetch does not wait for this batch's
   * acks=all round trip (the sender's lane keeps the order); beyond that it waits (backpressure).
   */
  private async settle(partition: number, next: string, written: Promise<void>, records: number): Promise<void> {
    this.unacked += records;
    // A failed batch leaves the chain rejected: no later batch of the partition is marked done.
    const done = Promise.all([this.settled.get(partition), written]).then(() => {
      this.unacked -= records;
      if (this.owned === undefined || this.owned.has(partition)) this.decidedUpTo.set(partition, next);
    });
    done.catch((err: Error) => this.fail(new Error(`decision service: ${err.message}`)));
    this.settled.set(partition, done);
    if (this.unacked > MAX_UNACKED) await done;
  }

  /** Fail-stop: nothing more is committed, and `fatal` resolves. */
  private fail(err: Error): void {
    this.dead = true;
    this.onFatal(err);
  }

  /**
   * Decides one partition's batch and queues the decisions and rejects; returns once they are
   * queued, with `written`, a promise that resolves when all are acknowledged (it rejects if the
   * sender failed: fail-stop, no later batch can be written either). Wrapped, so awaiting this does
   * not wait for the acknowledgement.
   */
  private async handle(partition: number, messages: readonly KafkaMessage[]): Promise<{ written: Promise<void> }> {
    const t = this.o.topics;
    const valid: Array<{ txn: Transaction; offset: number }> = [];
    const rejects: Array<{ key: string; value: string }> = [];
    for (const m of messages) {
      const txn = parseTransaction(m.value);
      const key = m.key === null ? null : m.key.toString('utf8');
      const error = typeof txn === 'string' ? txn : key !== txn.card ? `key ${JSON.stringify(key)} is not the card ${JSON.stringify(txn.card)} (transactions must be keyed by card)` : undefined;
      if (error === undefined) {
        valid.push({ txn: txn as Transaction, offset: Number(m.offset) });
        continue;
      }
      const r: Rejected = { error, source: { topic: t.transactions, partition, offset: m.offset }, key, value: m.value === null ? null : m.value.toString('utf8') };
      rejects.push({ key: key ?? '', value: JSON.stringify(r) });
      this.reject(r);
    }
    const blocked = await this.lookup(valid.map((v) => v.txn.card), partition);
    const now = Date.now();
    const decisions = valid.map(({ txn, offset }) => {
      const velocityCount = this.velocity.observe(txn.card, txn.ts, offset);
      const d = decide(txn, { blocked: blocked.get(txn.card) ?? null, velocityCount, limit: this.velocity.limit }, now);
      if (d.decision === 'approve') this.stats.approved++;
      else if (d.reason === 'blocklist') this.stats.declinedBlocklist++;
      else this.stats.declinedVelocity++;
      return { key: d.card, value: JSON.stringify(d) };
    });
    const written = Promise.all([this.sender.sendAll(t.decisions, decisions), this.sender.sendAll(t.dlq, rejects)]).then(() => undefined);
    this.stats.batches++;
    if (now - this.lastSweep > 1000) {
      this.lastSweep = now;
      this.velocity.sweep();
    }
    return { written };
  }

  /** The blocklist entries of `cards`, in one MGET. An unreadable entry still blocks (it is on the list). */
  private async lookup(cards: string[], partition: number): Promise<Map<string, BlockEntry>> {
    const out = new Map<string, BlockEntry>();
    const unique = [...new Set(cards)];
    if (unique.length === 0) return out;
    let values: Array<string | null>;
    try {
      values = await this.redis.mget(unique.map((c) => `${this.o.blocklistPrefix}${c}`));
    } catch (err) {
      throw new Error(`look up ${unique.length} cards of ${this.o.topics.transactions}-${partition} on the blocklist at ${this.o.redis.url}: ${(err as Error).message}`);
    }
    values.forEach((v, i) => {
      if (v === null) return;
      const entry = parseBlockEntry(v);
      out.set(unique[i] as string, typeof entry === 'string' ? { reason: `unreadable blocklist entry (${entry})` } : entry);
    });
    return out;
  }

  private reject(r: Rejected): void {
    const n = ++this.stats.rejected;
    if (n <= LOG_EACH_REJECT) this.o.log?.(`${r.source.topic}-${r.source.partition}@${r.source.offset}: not decided, sent to ${this.o.topics.dlq}: ${r.error}`);
    else if (n % LOG_REJECT_EVERY === 0) this.o.log?.(`${n} records sent to ${this.o.topics.dlq} so far (the last at ${r.source.topic}-${r.source.partition}@${r.source.offset}: ${r.error})`);
  }

  /** Commits the offsets decided so far (one commit at a time; a failure is retried by the next). */
  commit(): Promise<void> {
    this.committing = this.committing.then(async () => {
      if (this.decidedUpTo.size === 0 || this.dead) return;
      const offsets = [...this.decidedUpTo].map(([partition, offset]) => ({ topic: this.o.topics.transactions, partition, offset }));
      this.decidedUpTo.clear();
      try {
        await this.consumer.commitOffsets(offsets);
      } catch (err) {
        // Put them back unless newer ones arrived meanwhile; the next tick tries again.
        for (const c of offsets) if (!this.decidedUpTo.has(c.partition)) this.decidedUpTo.set(c.partition, c.offset);
        this.o.log?.(`commit offsets of ${this.o.topics.transactions}: ${(err as Error).message}; retrying`);
      }
    });
    return this.committing;
  }

  get decided(): number {
    return this.stats.approved + this.stats.declinedBlocklist + this.stats.declinedVelocity;
  }

  async stop(): Promise<void> {
    clearInterval(this.committer);
    // Commit what was decided (kafkajs commits only while running), then leave the group; batches
    // finishing in between are decided again by the next owner (at-least-once).
    await this.commit();
    await this.consumer.disconnect().catch(() => undefined);
    await this.sender.close().catch(() => undefined);
    this.redis.disconnect();
  }
}
