import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The producer's own Prometheus metrics (prom-client), served on /metrics. */
export class ProducerMetrics {
  readonly registry = new Registry();
  readonly sent = new Counter({ name: 'rastro_producer_events_sent_total', help: 'Events acknowledged by Kafka (acks=all)', registers: [this.registry] });
  readonly tombstones = new Counter({ name: 'rastro_producer_tombstones_sent_total', help: 'Tombstones (driver removed) acknowledged by Kafka', registers: [this.registry] });
  readonly failed = new Counter({ name: 'rastro_producer_send_failures_total', help: 'Send attempts that failed (the batch is retried)', registers: [this.registry] });
  readonly failedEvents = new Counter({ name: 'rastro_producer_events_failed_total', help: 'Events in failed send attempts (each is retried until acknowledged)', registers: [this.registry] });
  readonly late = new Counter({
    name: 'rastro_producer_late_events_total',
    help: 'Events older than one already sent for their driver: kept out of the compacted topic, written to the late-events topic',
    registers: [this.registry],
  });
  readonly buffered = new Gauge({ name: 'rastro_producer_buffered_events', help: 'Events held unacknowledged (queued + in flight)', registers: [this.registry] });
  readonly rejected = new Counter({ name: 'rastro_producer_events_rejected_total', help: 'Input records rejected as invalid', registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'rastro_producer_send_latency_seconds',
    help: 'Time from sending a batch to its acknowledgement, retries included',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'rastro_producer_batch_size_events',
    help: 'Events per Kafka produce request',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'rastro_producer_' });
  }

  /** Serves /metrics on host:port; resolves once listening. */
  serve(port: number, host = '127.0.0.1'): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found: try /metrics\n');
        return;
      }
      this.registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body))
        .catch((err: Error) => res.writeHead(500).end(err.message));
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`serve producer metrics on ${host}:${port}: ${err.message}`)));
      server.listen(port, host, () => resolve(server));
    });
  }
}
