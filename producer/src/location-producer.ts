import { explainKafkaError, Kafka, logLevel, Partitioners, type KafkaAccess, type PartitionMetadata, type Producer } from './kafka.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { BufferGate } from './buffer-gate.ts';
import { normaliseTimestamp, type LocationEvent } from '../../shared/event.ts';
import { HighWaterMarks } from './high-water.ts';
import { Lane, type Outgoing } from './lane.ts';
import { LatencyHistogram } from './latency.ts';
import { Ledger } from './ledger.ts';
import type { ProducerMetrics } from './metrics.ts';
import { readTopicToEnd } from './read-topic.ts';
import { MAX_BATCH_RECORD_BYTES, recordBytes } from './record-size.ts';
import { PRODUCER_SEED_CLIENT } from '../../shared/security.ts';

export interface ProducerOptions {
  /** The brokers and the writing principal's credentials. */
  kafka: KafkaAccess;
  /** Who reads the topic for the start-up seed (default: `kafka`); the writing principal may have no read right. */
  seedKafka?: KafkaAccess;
  topic: string;
  /** Audit topic for late events (older than one already sent for the driver); '' = count them only. */
  lateTopic: string;
  clientId?: string;
  /** Most events of one partition in one request. */
  batchSize?: number;
  /** How long an idle partition waits for more events before sending (busy partitions never wait). */
  lingerMs?: number;
  /** Most events held unacknowledged (queued + in flight) before send() waits. */
  bufferEvents?: number;
  /** Most record bytes (key, value and framing) held unacknowledged before send() waits. */
  bufferBytes?: number;
  /** How long one batch may keep failing (e.g. while a broker is down) before the producer gives up. */
  deliveryTimeoutMs?: number;
  /** How long connect() keeps trying (a node may have just died and still be in the metadata). */
  connectTimeoutMs?: number;
  /** Read the topic at connect() to learn each driver's newest timestamp (the never-regress marks). */
  seedFromTopic?: boolean;
  /** Keep `ledger` (the last acknowledged event per driver; default true). Off, it costs nothing per event. */
  keepLedger?: boolean;
  onError?: (message: string) => void;
  onProgress?: (message: string) => void;
  metrics?: ProducerMetrics;
  /** Called after each acknowledged batch (chaos uses it to time when writes resume). */
  onBatch?: (events: number, ackedAt: number) => void;
}

export interface ProducerStats {
  sent: number;
  deleted: number;
  /** Events older than one already sent for their driver: kept out of the topic. */
  late: number;
  batches: number;
  /** Batches that failed at least once and were sent again. */
  retriedBatches: number;
  lastSendMs: number;
  maxSendMs: number;
  /** Drivers whose marks were seeded from the topic at start. */
  seededDrivers: number;
  /**
   * Per location event, from its own timestamp: to the request that carried it (time queued in the
   * producer), and to Kafka's acknowledgement (acks=all). With live timestamps (the simulator) this
   * is the producer's share of the end-to-end freshness.
   */
  latency: { queued: LatencyHistogram; acked: LatencyHistogram };
}

/** What send() did with an event. */
export type SendOutcome = { kind: 'queued' } | { kind: 'late'; mark: number };

/** What a queued record is: the kind only, so a queued event keeps no object of its own alive. */
type Item = 'location' | 'tombstone' | 'late';

/**
 * Sends location events keyed by driver_id with acks=all on an idempotent producer.
 *
 * - One coalescing lane per partition (see Lane): one request in flight per partition, and what
 *   arrives meanwhile goes out the moment it is acknowledged. Latency stays near one round trip
 *   instead of growing with a chain of small batches.
 * - A bounded buffer (BufferGate) makes send() wait when Kafka falls behind: nothing is dropped.
 * - Never-regress at the source (HighWaterMarks): an event older than the driver's newest goes to
 *   the late-events audit topic instead of the compacted topic.
 * - A failed batch is sent again, on a fresh idempotent session, until acknowledged or
 *   deliveryTimeoutMs passes: a valid event is never silently dropped.
 */
export class LocationProducer {
  readonly ledger = new Ledger();
  readonly marks = new HighWaterMarks();
  readonly stats: ProducerStats = { sent: 0, deleted: 0, late: 0, batches: 0, retriedBatches: 0, lastSendMs: 0, maxSendMs: 0, seededDrivers: 0, latency: { queued: new LatencyHistogram(), acked: new LatencyHistogram() } };
  private readonly kafka: Kafka;
  private readonly gate: BufferGate;
  /** One lane per broker: the partitions it led at connect() (see partitionRoute). */
  private readonly lanes = new Map<number, Lane<Item>>();
  /** Per topic, each partition's leader at connect(). */
  private readonly leaders = new Map<string, number[]>();
  /** Every topic-partition written so far ("topic/partition"); its number is its group in a lane's batch. */
  private readonly routes = new Map<string, Route>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  /** driver → its partition's route, per topic: murmur2 over a fresh Buffer per event was a measurable cost. */
  private readonly routeByKey = new Map<string, Map<string, Route>>();
  private producer: Producer | undefined;
  /** Each new idempotent session gets a new generation; a failure marks its generation stale. */
  private generation = 0;
  private staleGeneration = -1;
  private renewing: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Rejects when the producer gives up, so flush() does not wait for acknowledgements that will never come. */
  private readonly gaveUp: Promise<never>;
  private rejectGaveUp: (err: Error) => void = () => {};
  private closed = false;
  private readonly o: Required<Omit<ProducerOptions, 'clientId' | 'onError' | 'onProgress' | 'metrics' | 'onBatch' | 'seedKafka'>> & ProducerOptions;

  constructor(opts: ProducerOptions) {
    this.o = {
      batchSize: 5000,
      lingerMs: 5,
      bufferEvents: 20_000,
      bufferBytes: 32 * 1024 * 1024,
      deliveryTimeoutMs: 120_000,
      connectTimeoutMs: 60_000,
      seedFromTopic: true,
      keepLedger: true,
      ...opts,
    };
    this.gate = new BufferGate(this.o.bufferEvents, this.o.bufferBytes);
    this.gaveUp = new Promise<never>((_, reject) => {
      this.rejectGaveUp = reject;
    });
    this.gaveUp.catch(() => undefined);
    this.kafka = new Kafka({
      clientId: opts.clientId ?? 'rastro-producer',
      ...opts.kafka,
      logLevel: logLevel.NOTHING,
      // Few, short retries inside kafkajs: the lanes retry on a fresh session, which also drops
      // whatever kafkajs cached about a dead node (metadata, the broker that gave the producer id).
      retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 500 },
      connectionTimeout: 1000,
    });
  }

  private newProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  }

  /** Events held unacknowledged right now. */
  get buffered(): number {
    return this.gate.held;
  }

  /**
   * Connects, retrying on a fresh client until connectTimeoutMs: right after a node died, the
   * metadata may still name it (as a leader, or as the broker to ask for a producer id).
   * Meanwhile, on its own client, seeds the never-regress marks from the topic: the two are
   * independent, so a start pays the longer of them, not their sum.
   */
  async connect(): Promise<void> {
    const started = Date.now();
    const [producer, marks] = await Promise.allSettled([this.connectProducer(started), this.o.seedFromTopic ? this.seedWithRetry(started) : Promise.resolve()]);
    if (producer.status === 'rejected') throw producer.reason;
    if (marks.status === 'rejected') {
      await this.producer?.disconnect().catch(() => undefined);
      this.producer = undefined;
      throw marks.reason;
    }
  }

  private async connectProducer(started: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const producer = this.newProducer();
      const admin = this.kafka.admin();
      try {
        await producer.connect();
        await admin.connect();
        const topics = [this.o.topic, ...(this.o.lateTopic ? [this.o.lateTopic] : [])];
        const meta = await admin.fetchTopicMetadata({ topics });
        for (const t of meta.topics) {
          const leaders: number[] = [];
          for (const p of t.partitions) leaders[p.partitionId] = p.leader;
          this.leaders.set(t.name, leaders);
        }
        await admin.disconnect();
        this.producer = producer;
        return;
      } catch (err) {
        await admin.disconnect().catch(() => undefined);
        await producer.disconnect().catch(() => undefined);
        const msg = `connect to ${this.o.kafka.brokers.join(',')} (topics ${this.o.topic}${this.o.lateTopic ? `, ${this.o.lateTopic}` : ''}): ${explainKafkaError(this.o.kafka, err).message}`;
        if (/does not host this topic-partition|UNKNOWN_TOPIC/i.test((err as Error).message)) throw new Error(`${msg} (the topics are created by make up, from config/topics.yaml)`);
        if (Date.now() - started > this.o.connectTimeoutMs) throw new Error(`${msg} (gave up after ${attempt} attempts in ${Math.round((Date.now() - started) / 1000)} s)`);
        this.o.onError?.(`${msg}; retrying (attempt ${attempt})`);
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  }

  /** The read needs a group coordinator and every partition's leader: right after a node died it can fail until the cluster has moved them, so it is retried within the same connect deadline. */
  private async seedWithRetry(started: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.seedMarks(Math.max(5000, this.o.connectTimeoutMs - (Date.now() - started)));
        return;
      } catch (err) {
        if (Date.now() - started > this.o.connectTimeoutMs) throw new Error(`read ${this.o.topic} for the newest timestamp per driver: ${(err as Error).message} (gave up after ${attempt} attempts)`);
        this.o.onError?.(`read ${this.o.topic} for the newest timestamp per driver: ${(err as Error).message}; retrying (attempt ${attempt})`);
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  }

  /** Reads the compacted topic to its end: each driver's newest timestamp becomes its mark. */
  private async seedMarks(timeoutMs: number): Promise<void> {
    const t0 = Date.now();
    const read = await readTopicToEnd(
      this.o.seedKafka ?? this.o.kafka,
      this.o.topic,
      (r) => {
        if (r.key === null) return;
        if (r.value === null) {
          this.marks.raise(r.key, r.timestamp);
          return;
        }
        try {
          const ts = normaliseTimestamp((JSON.parse(r.value) as { timestamp?: unknown }).timestamp);
          if (ts !== undefined) this.marks.raise(r.key, ts);
        } catch {
          // Not ours to judge: the sink sends unreadable records to its DLQ.
        }
      },
      { clientId: PRODUCER_SEED_CLIENT, timeoutMs, onProgress: (n, span) => this.o.onProgress?.(`reading ${this.o.topic} for the newest timestamp per driver: ${n}/~${span} records`) },
    );
    this.stats.seededDrivers = this.marks.size;
    if (read > 0) this.o.onProgress?.(`seeded ${this.marks.size} drivers' newest timestamps from ${read} records of ${this.o.topic} in ${Date.now() - t0} ms`);
  }

  /**
   * Queues one event: the outcome at once while the buffer has room, else a promise of it that
   * resolves once the event is buffered (the caller waits: backpressure). An event older than one
   * already sent for its driver is not published to the topic: it goes to the late-events topic and
   * the outcome says so. Rejects (or throws) once the producer gave up or is closed.
   */
  send(event: LocationEvent): SendOutcome | Promise<SendOutcome> {
    if (!this.marks.admit(event.driver_id, event.timestamp)) {
      const mark = this.marks.get(event.driver_id) as number;
      this.stats.late++;
      this.o.metrics?.late.inc();
      const outcome: SendOutcome = { kind: 'late', mark };
      if (!this.o.lateTopic) return outcome;
      const waiting = this.enqueue(this.o.lateTopic, event.driver_id, JSON.stringify(event), 'late', event.timestamp, undefined);
      return waiting === undefined ? outcome : waiting.then(() => outcome);
    }
    // Once per event: no promise at all while the buffer has room.
    // The event object itself is kept only for the ledger: otherwise it dies young, and the garbage
    // collector copies only the record (key, value, timestamp) while it waits for its acknowledgement.
    const waiting = this.enqueue(this.o.topic, event.driver_id, JSON.stringify(event), 'location', event.timestamp, this.o.keepLedger ? event : undefined);
    return waiting === undefined ? QUEUED : waiting.then(() => QUEUED);
  }

  /** Queues a tombstone: the driver leaves the fleet and its Redis record is deleted. Its time becomes the mark. */
  async delete(driverId: string, now = Date.now()): Promise<void> {
    this.marks.raise(driverId, now);
    await this.enqueue(this.o.topic, driverId, null, 'tombstone', now, undefined);
  }

  /** Queues one record; undefined when it was queued at once, else a promise that resolves once it is. */
  private enqueue(topic: string, key: string, value: string | null, item: Item, ts: number, event: LocationEvent | undefined): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`send to ${topic}: the producer is closed`));
    const bytes = recordBytes(key, value);
    const route = this.route(topic, key);
    // Also kafkajs's message: the batch goes to sendBatch without a copy per event.
    const o: QueuedRecord = { key, value, bytes, item, group: route.group, topic, partition: route.partition, ts, event };
    if (this.gate.tryAcquire(bytes)) {
      route.lane.push(o);
      return undefined;
    }
    return this.gate.acquire(bytes).then(() => route.lane.push(o));
  }

  /** Where the key's records go; one lookup per event once the driver was seen. */
  private route(topic: string, key: string): Route {
    let byKey = this.routeByKey.get(topic);
    if (byKey === undefined || byKey.size > 1_000_000) this.routeByKey.set(topic, (byKey = new Map()));
    let route = byKey.get(key);
    if (route === undefined) {
      route = this.partitionRoute(topic, key);
      byKey.set(key, route);
    }
    return route;
  }

  /**
   * The key's partition, and the lane of the broker that led it at connect(): one request per broker
   * carries all its partitions (two partitions of one broker in separate requests would wait for
   * each other on kafkajs's single in-flight request per connection). After a leader moves, kafkajs
   * sends the lane's batch to the new leader; a partition still belongs to one lane only, so it never
   * has two requests in flight.
   */
  private partitionRoute(topic: string, key: string): Route {
    const leaders = this.leaders.get(topic);
    if (leaders === undefined) throw new Error(`send to ${topic}: not connected (call connect() first)`);
    // kafkajs's default partitioner is Java's murmur2: a driver lands where Kafka's own clients put it.
    const partition = this.partitioner({ topic, partitionMetadata: PARTITIONS(leaders.length), message: { key, value: null } });
    const id = `${topic}/${partition}`;
    let route = this.routes.get(id);
    if (route !== undefined) return route;
    const leader = leaders[partition] ?? -1;
    let lane = this.lanes.get(leader);
    if (lane === undefined) {
      lane = new Lane<Item>({ maxEvents: this.o.batchSize, maxBytes: MAX_BATCH_RECORD_BYTES, lingerMs: this.o.lingerMs }, (batch) => this.sendBatch(batch as QueuedRecord[]), (err) => this.giveUp(err));
      this.lanes.set(leader, lane);
    }
    route = { lane, group: this.routes.size, partition };
    this.routes.set(id, route);
    return route;
  }

  /** The current session; renews it first when a failed send marked it stale. */
  private async session(): Promise<{ producer: Producer; generation: number }> {
    if (this.staleGeneration === this.generation) {
      this.renewing ??= this.renew().finally(() => {
        this.renewing = undefined;
      });
      await this.renewing;
    }
    if (this.producer === undefined) throw new Error('not connected (call connect() first)');
    return { producer: this.producer, generation: this.generation };
  }

  /**
   * A fresh idempotent session (new producer id, sequences from 0, fresh metadata). kafkajs cannot
   * bump its epoch after a failed send the way the Java client does, so the old session would answer
   * every retry with OUT_OF_ORDER_SEQUENCE_NUMBER (seen when a broker is killed). Re-sending a batch
   * that was partly written only repeats identical records in the same order, before any later batch
   * of that partition, which compaction and the sink's timestamp rule absorb.
   */
  private async renew(): Promise<void> {
    const next = this.newProducer();
    try {
      await next.connect();
    } catch (err) {
      await next.disconnect().catch(() => undefined);
      throw err;
    }
    const old = this.producer;
    this.producer = next;
    this.generation++;
    void old?.disconnect().catch(() => undefined);
  }

  private async sendBatch(batch: QueuedRecord[]): Promise<void> {
    const started = Date.now();
    const bytes = batch.reduce((n, o) => n + o.bytes, 0);
    const topicMessages = this.topicMessages(batch);
    let attempt = 0;
    for (;;) {
      if (this.failure) throw this.failure;
      let generation = this.generation;
      try {
        const s = await this.session();
        generation = s.generation;
        await s.producer.sendBatch({ acks: -1, topicMessages });
        break;
      } catch (err) {
        if (this.failure) throw this.failure;
        attempt++;
        const waited = Date.now() - started;
        const partitions = [...new Set(batch.map((o) => `${o.topic}-${o.partition}`))].join(',');
        const msg = `send ${batch.length} events to ${partitions} at ${this.o.kafka.brokers.join(',')}: ${(err as Error).message}`;
        const refused = refusedForGood(err);
        // The same bytes would be refused again: say why now instead of retrying until the delivery timeout.
        if (refused !== undefined) {
          const why = refused === 'INVALID_RECORD' ? 'the topic refuses a record of it (a compacted topic needs a key)' : `the batch, ${bytes} bytes by the producer's bound, is over the topic's max.message.bytes; lower --batch-size or raise max.message.bytes in config/topics.yaml`;
          throw new Error(`${msg} (${refused}: ${why})`);
        }
        if (waited > this.o.deliveryTimeoutMs) throw new Error(`${msg} (gave up after ${Math.round(waited / 1000)} s, ${attempt} attempts)`);
        if (generation === this.generation) this.staleGeneration = generation;
        if (attempt === 1) this.stats.retriedBatches++;
        this.o.metrics?.failed.inc();
        this.o.metrics?.failedEvents.inc(batch.length);
        this.o.onError?.(`${msg}; retrying (attempt ${attempt})`);
        await sleep(Math.min(50 * 2 ** attempt, 1000));
      }
    }
    const ackedAt = Date.now();
    const took = ackedAt - started;
    this.o.metrics?.latency.observe(took / 1000);
    this.o.metrics?.batchSize.observe(batch.length);
    this.stats.batches++;
    this.stats.lastSendMs = took;
    this.stats.maxSendMs = Math.max(this.stats.maxSendMs, took);
    let located = 0;
    const { queued, acked } = this.stats.latency;
    const ledger = this.o.keepLedger ? this.ledger : undefined;
    for (const { item, key, ts, event } of batch) {
      if (item === 'tombstone') {
        this.stats.deleted++;
        this.o.metrics?.tombstones.inc();
        ledger?.forget(key);
      } else if (item === 'location') {
        located++;
        if (ledger !== undefined && event !== undefined) ledger.record(event);
        queued.record(started - ts);
        acked.record(ackedAt - ts);
      }
    }
    this.stats.sent += located;
    this.o.metrics?.sent.inc(located);
    this.gate.release(batch.length, bytes);
    this.o.metrics?.buffered.set(this.gate.held);
    this.o.onBatch?.(batch.length, ackedAt);
  }

  /** The lane's batch as kafkajs's per-topic messages: the records themselves, no copy per event. */
  private topicMessages(batch: QueuedRecord[]): Array<{ topic: string; messages: QueuedRecord[] }> {
    const first = batch[0]?.topic ?? '';
    if (batch.every((o) => o.topic === first)) return [{ topic: first, messages: batch }];
    const byTopic = new Map<string, QueuedRecord[]>();
    for (const o of batch) {
      const list = byTopic.get(o.topic);
      if (list === undefined) byTopic.set(o.topic, [o]);
      else list.push(o);
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  private giveUp(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.gate.fail(err);
    this.rejectGaveUp(err);
  }

  /** Resolves when everything queued so far is acknowledged; rejects if the producer gave up. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    await Promise.race([this.gate.whenEmpty(), this.gaveUp]);
  }

  /**
   * Stops waiting for acknowledgements: what is still queued or in flight counts as unacknowledged
   * and every waiting send() rejects with `reason`.
   */
  abort(reason: string): void {
    for (const lane of this.lanes.values()) lane.discard();
    this.giveUp(new Error(reason));
  }

  /**
   * Flushes (for at most `deadlineMs`) and disconnects. Returns how many events were not
   * acknowledged: 0 unless the deadline passed, abort() was called or the producer gave up.
   */
  async close(deadlineMs = Number.POSITIVE_INFINITY): Promise<number> {
    this.closed = true;
    const timer = Number.isFinite(deadlineMs) ? setTimeout(() => this.abort(`closed with events unacknowledged after ${deadlineMs} ms`), deadlineMs) : undefined;
    try {
      await this.flush().catch(() => undefined);
      return this.gate.held;
    } finally {
      clearTimeout(timer);
      await this.producer?.disconnect().catch(() => undefined);
    }
  }

  /** Why the producer gave up, if it did. */
  get error(): Error | undefined {
    return this.failure;
  }
}

/** Kafka errors that no retry of the same batch can cure. */
const REFUSED_FOR_GOOD = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD']);

/** The refusal's type when Kafka refused the batch itself (kafkajs may wrap it as a retry error's cause). */
export function refusedForGood(err: unknown): string | undefined {
  let e = err as { type?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (typeof e.type === 'string' && REFUSED_FOR_GOOD.has(e.type)) return e.type;
    e = e.cause as typeof e;
  }
  return undefined;
}

const QUEUED: SendOutcome = { kind: 'queued' };
/** A key's partition: the lane that sends it and its group in that lane's batches. */
interface Route {
  lane: Lane<Item>;
  group: number;
  partition: number;
}
/** A queued record, which is also the kafkajs message sent for it (key, value, partition). */
interface QueuedRecord extends Outgoing<Item> {
  topic: string;
  partition: number;
  /** The event's timestamp (a tombstone's: when it was sent). */
  ts: number;
  /** The event, only while the ledger is kept. */
  event: LocationEvent | undefined;
}
const partitionCache = new Map<number, PartitionMetadata[]>();
/** The partitioner only needs the partition count for keyed records. */
function PARTITIONS(n: number): PartitionMetadata[] {
  let p = partitionCache.get(n);
  if (p === undefined) {
    p = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
    partitionCache.set(n, p);
  }
  return p;
}
