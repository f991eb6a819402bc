import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocationEvent } from './event.ts';
import { Ledger } from './ledger.ts';
import type { ProducerMetrics } from './metrics.ts';

export interface ProducerOptions {
  brokers: string[];
  topic: string;
  clientId?: string;
  /** Events per Kafka request. */
  batchSize?: number;
  /** Longest an event waits in the buffer before it is sent anyway. */
  lingerMs?: number;
  /** How long one batch may keep failing (e.g. while a broker is down) before the producer gives up. */
  deliveryTimeoutMs?: number;
  onError?: (message: string) => void;
  metrics?: ProducerMetrics;
  /** Called after each acknowledged batch (chaos uses it to time when writes resume). */
  onBatch?: (events: number, ackedAt: number) => void;
}

export interface ProducerStats {
  sent: number;
  deleted: number;
  batches: number;
  /** Batches that failed at least once and were sent again. */
  retriedBatches: number;
  lastSendMs: number;
  maxSendMs: number;
}

type Pending = { key: string; event: LocationEvent | null };

/**
 * Sends location events keyed by driver_id with acks=all on an idempotent producer. Batches are
 * sent one at a time (in order per driver) and a failed batch is sent again until it is
 * acknowledged or deliveryTimeoutMs passes: a valid event is never silently dropped.
 */
export class LocationProducer {
  readonly ledger = new Ledger();
  readonly stats: ProducerStats = { sent: 0, deleted: 0, batches: 0, retriedBatches: 0, lastSendMs: 0, maxSendMs: 0 };
  private readonly kafka: Kafka;
  private producer: Producer;
  /** Set after a failed send: the next attempt starts a new producer session first. */
  private stale = false;
  private buffer: Pending[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private readonly batchSize: number;
  private readonly lingerMs: number;
  private readonly deliveryTimeoutMs: number;

  constructor(private readonly opts: ProducerOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.lingerMs = opts.lingerMs ?? 20;
    this.deliveryTimeoutMs = opts.deliveryTimeoutMs ?? 120_000;
    this.kafka = new Kafka({
      clientId: opts.clientId ?? 'rastro-producer',
      brokers: opts.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5000 },
    });
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    // Java-compatible murmur2 partitioning: the same driver lands on the same partition as with Kafka's own clients.
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  }

  /**
   * A fresh idempotent session (new producer id, sequences from 0). kafkajs cannot bump its epoch
   * after a failed send the way the Java client does, so the old session would answer every retry
   * with OUT_OF_ORDER_SEQUENCE_NUMBER (seen when a broker is killed). Re-sending a batch that was
   * partly written only repeats identical records, which compaction and the sink's timestamp rule absorb.
   */
  private async renewSession(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    this.producer = this.newProducer();
    await this.producer.connect();
    this.stale = false;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Queues one event; resolves once it is buffered (waits while a full batch is being sent). */
  async send(event: LocationEvent): Promise<void> {
    await this.enqueue({ key: event.driver_id, event });
  }

  /** Queues a tombstone: the driver leaves the fleet and its Redis record is deleted. */
  async delete(driverId: string): Promise<void> {
    await this.enqueue({ key: driverId, event: null });
  }

  private async enqueue(p: Pending): Promise<void> {
    if (this.failure) throw this.failure;
    this.buffer.push(p);
    if (this.buffer.length >= this.batchSize) await this.flush();
    else if (this.timer === undefined) this.timer = setTimeout(() => void this.flush().catch(() => {}), this.lingerMs);
  }

  /** Sends everything buffered so far; resolves when Kafka acknowledged it. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) this.chain = this.chain.then(() => this.sendBatch(batch));
    return this.chain;
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    if (this.failure) throw this.failure;
    const started = Date.now();
    let attempt = 0;
    for (;;) {
      try {
        if (this.stale) await this.renewSession();
        await this.producer.send({
          topic: this.opts.topic,
          acks: -1,
          messages: batch.map((p) => ({ key: p.key, value: p.event === null ? null : JSON.stringify(p.event) })),
        });
        break;
      } catch (err) {
        attempt++;
        const waited = Date.now() - started;
        const msg = `send ${batch.length} events to ${this.opts.topic} at ${this.opts.brokers.join(',')}: ${(err as Error).message}`;
        if (waited > this.deliveryTimeoutMs) {
          this.failure = new Error(`${msg} (gave up after ${Math.round(waited / 1000)} s, ${attempt} attempts)`);
          throw this.failure;
        }
        this.stale = true;
        if (attempt === 1) this.stats.retriedBatches++;
        this.opts.metrics?.failed.inc();
        this.opts.metrics?.failedEvents.inc(batch.length);
        this.opts.onError?.(`${msg}; retrying (attempt ${attempt})`);
        await sleep(Math.min(200 * 2 ** attempt, 5000));
      }
    }
    const took = Date.now() - started;
    this.opts.onBatch?.(batch.length, started + took);
    this.opts.metrics?.latency.observe(took / 1000);
    this.opts.metrics?.batchSize.observe(batch.length);
    this.stats.batches++;
    this.stats.lastSendMs = took;
    this.stats.maxSendMs = Math.max(this.stats.maxSendMs, took);
    for (const p of batch) {
      if (p.event === null) {
        this.stats.deleted++;
        this.opts.metrics?.tombstones.inc();
        this.ledger.forget(p.key);
      } else {
        this.stats.sent++;
        this.opts.metrics?.sent.inc();
        this.ledger.record(p.event);
      }
    }
  }

  /** Flushes everything and disconnects. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.producer.disconnect();
    }
  }
}
