import type { Server } from 'node:http';
import { LocationProducer, ProducerMetrics, simulate, Simulator } from '../../producer/src/index.ts';
import type { Runtime } from './runtime/types.ts';

export interface LoadOptions {
  drivers: number;
  seed: number;
  rate: number;
  /** Stop by itself after this many events; otherwise run until stop(). */
  count?: number;
  firstId?: number;
  onError?: (message: string) => void;
  onBatch?: (events: number, ackedAt: number) => void;
}

/** The simulator feeding an in-process producer, with its /metrics served for Prometheus. */
export class Load {
  private constructor(
    readonly producer: LocationProducer,
    readonly done: Promise<number>,
    private readonly abort: AbortController,
    private readonly server: Server | undefined,
  ) {}

  static async start(rt: Runtime, o: LoadOptions): Promise<Load> {
    const metrics = new ProducerMetrics();
    const server = await metrics
      .serve(rt.stack.ports.producerMetrics, await rt.metricsBindHost())
      .catch((e: Error) => void o.onError?.(`${e.message}; producing without metrics`));
    const producer = new LocationProducer({ ...rt.access.producer(), topic: rt.stack.topics.locations, lateTopic: rt.stack.topics.late, metrics, onError: o.onError, onBatch: o.onBatch });
    try {
      await producer.connect();
    } catch (err) {
      server?.close();
      throw err;
    }
    const abort = new AbortController();
    const sim = new Simulator({ drivers: o.drivers, seed: o.seed, firstId: o.firstId });
    const done = simulate(producer, sim, { rate: o.rate, count: o.count, signal: abort.signal });
    return new Load(producer, done, abort, server ?? undefined);
  }

  /** Stops generating now, flushes everything and closes. */
  stop(): Promise<void> {
    this.abort.abort();
    return this.finish();
  }

  /** Waits until the load ends by itself (count reached), flushes everything and closes. */
  async finish(): Promise<void> {
    try {
      await this.done;
    } finally {
      try {
        await this.producer.close();
      } finally {
        this.server?.close();
      }
    }
  }
}
