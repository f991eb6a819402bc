import chalk from 'chalk';
import { createReadStream, fstatSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { numberOption, parseCommand, type CommandSpec } from '../../shared/cli.ts';
import { cliAccess } from '../../shared/security.ts';
import { loadStack } from '../../shared/stack.ts';
import { LocationProducer } from './location-producer.ts';
import { ProducerMetrics } from './metrics.ts';
import { pipeNdjson, simulate, type StdinReport } from './run.ts';
import { Simulator } from './simulator.ts';

export const SPEC: CommandSpec = {
  name: 'producer/bin/produce.mjs',
  summary: 'courier locations into Kafka, keyed by driver_id (acks=all, idempotent): the built-in simulator (a São Paulo fleet), or NDJSON on stdin',
  options: {
    stdin: { type: 'boolean', description: 'read NDJSON events from stdin (non-JSON lines are skipped with a warning)' },
    drivers: { type: 'string', value: 'N', default: '200', description: 'simulated drivers' },
    rate: { type: 'string', value: 'N', default: '1000', description: 'events per second, 0 = as fast as possible' },
    count: { type: 'string', value: 'N', description: 'stop after N events' },
    duration: { type: 'string', value: 'S', description: 'stop after S seconds (without --count/--duration: until Ctrl-C)' },
    seed: { type: 'string', value: 'N', default: '42', description: 'simulator seed' },
    'first-id': { type: 'string', value: 'N', default: '100', description: 'first simulated driver number (driver_100, driver_101, …)' },
    delete: { type: 'string', value: 'IDS', description: 'send tombstones for these comma-separated driver ids, then exit' },
    brokers: { type: 'string', value: 'LIST', description: "bootstrap servers (default: the stack's); with SECURITY on it logs in as \"producer\" with the password in RASTRO_SECRETS_DIR (default .rastro/native/secrets)" },
    topic: { type: 'string', value: 'NAME', description: 'topic (default: TOPIC_LOCATIONS from config/stack.env)' },
    'late-topic': { type: 'string', value: 'NAME', description: "audit topic for late events (default: TOPIC_LATE; '' = count and report only)" },
    'batch-size': { type: 'string', value: 'N', default: '5000', description: 'most events in one request per partition' },
    'linger-ms': { type: 'string', value: 'N', default: '5', description: 'how long an idle partition waits for more events' },
    buffer: { type: 'string', value: 'N', default: '20000', description: 'most events held unacknowledged before the input waits' },
    'flush-timeout': { type: 'string', value: 'S', default: '10', description: 'on Ctrl-C/SIGTERM, wait at most S seconds for acknowledgements' },
    'no-seed': { type: 'boolean', description: 'do not read the topic at start for each driver\'s newest timestamp' },
    'metrics-port': { type: 'string', value: 'N', description: 'serve Prometheus metrics on 127.0.0.1:N/metrics (default PRODUCER_METRICS_PORT; 0 = off)' },
    'metrics-host': { type: 'string', value: 'ADDR', description: "address to serve them on (default 127.0.0.1; for the docker runtime's Prometheus the engine's host gateway)" },
    ledger: { type: 'string', value: 'FILE', description: 'write the last acknowledged event per driver as JSON' },
    summary: { type: 'string', value: 'FILE', description: 'write the run summary as JSON' },
    strict: { type: 'boolean', description: 'exit 1 if any input line was rejected' },
    quiet: { type: 'boolean', description: 'no progress lines' },
  },
  examples: ['producer/bin/produce.mjs --drivers 50 --rate 200 --duration 30', 'python3 generate_delivery_tracking.py | producer/bin/produce.mjs --stdin'],
  exits: {
    0: 'done',
    1: '--strict and a line was rejected',
    2: 'bad usage, or cannot connect',
    3: 'some events were not acknowledged (stopped before the flush finished, or Kafka refused them)',
  },
};

/** A non-negative number option (its default from SPEC), or a UsageError naming it. */
function intOpt(name: string, v: string | undefined, dflt?: number): number | undefined {
  return numberOption(name, v) ?? dflt;
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const args = parseCommand<Record<string, string | boolean | undefined>>(SPEC, argv);
  if (args === undefined) return 0;
  const o = args.values as { [k: string]: string | undefined } & { stdin?: boolean; 'no-seed'?: boolean; strict?: boolean; quiet?: boolean };
  const stack = loadStack({ portOffset: Number(process.env.RASTRO_PORT_OFFSET ?? '0') });
  // The producer principal's credentials from the stack's secrets (SECURITY on), for the given or the stack's brokers.
  const access = cliAccess(stack, { brokers: o.brokers?.split(',') }).producer();
  const brokers = access.kafka.brokers;
  const topic = o.topic ?? stack.topics.locations;
  const log = (s: string) => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  const metrics = new ProducerMetrics();
  const metricsPort = intOpt('metrics-port', o['metrics-port'], stack.ports.producerMetrics) as number;
  // Metrics are a convenience: a second producer on the same port still sends, without them.
  const server = metricsPort > 0 ? await metrics.serve(metricsPort, o['metrics-host'] ?? '127.0.0.1').catch((e: Error) => void log(`${chalk.yellow('warn')} ${e.message}; continuing without metrics`)) : undefined;
  const warn = (m: string) => process.stderr.write(`${chalk.yellow('warn')} ${m}\n`);
  const producer = new LocationProducer({
    ...access, topic, lateTopic: o['late-topic'] ?? stack.topics.late, metrics,
    batchSize: intOpt('batch-size', o['batch-size']), lingerMs: intOpt('linger-ms', o['linger-ms']),
    bufferEvents: intOpt('buffer', o.buffer), seedFromTopic: !o['no-seed'], keepLedger: o.ledger !== undefined,
    onError: warn, onProgress: log,
  });
  const flushMs = (intOpt('flush-timeout', o['flush-timeout']) as number) * 1000;
  const stopping = new AbortController();
  const stop = (signal: string) => {
    if (stopping.signal.aborted) {
      producer.abort(`stopped by a second ${signal}`);
      return;
    }
    stopping.abort();
    log(`${signal}: stopping; flushing what is buffered (${producer.buffered} events, at most ${flushMs / 1000} s; ${signal} again to stop at once)…`);
    setTimeout(() => producer.abort(`not acknowledged within ${flushMs / 1000} s of ${signal}`), flushMs).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const connecting = Date.now();
  let stdin: StdinReport | undefined;
  try {
    await producer.connect();
  } catch (err) {
    server?.close();
    throw err;
  }
  // The rate counts from here: connecting and reading the topic for the marks is start-up, reported apart.
  const started = Date.now();
  let unacked = 0;
  try {
    if (o.delete !== undefined) {
      for (const id of o.delete.split(',').filter(Boolean)) await producer.delete(id);
    } else if (o.stdin) {
      stdin = await pipeNdjson(producer, stdinStream(), warn, () => metrics.rejected.inc(), stopping.signal);
    } else {
      const sim = new Simulator({ drivers: intOpt('drivers', o.drivers) as number, seed: intOpt('seed', o.seed) as number, firstId: intOpt('first-id', o['first-id']) as number });
      const started = Date.now();
      const progress = setInterval(() => log(`sent ${producer.stats.sent} events, ${Math.round((producer.stats.sent * 1000) / Math.max(1, Date.now() - started))} events/s (${sim.driverIds.length} drivers, ${producer.buffered} buffered)`), 2000);
      try {
        await simulate(producer, sim, {
          rate: intOpt('rate', o.rate) as number,
          count: intOpt('count', o.count),
          durationMs: o.duration === undefined ? undefined : (intOpt('duration', o.duration) as number) * 1000,
          signal: stopping.signal,
        });
      } finally {
        clearInterval(progress);
      }
    }
  } catch (err) {
    // A send rejected because the producer gave up (or was stopped): report, then count what is lost.
    if (producer.error === undefined) throw err;
  } finally {
    unacked = await producer.close();
    server?.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const secs = (Date.now() - started) / 1000;
  const summary = {
    topic, brokers, sent: producer.stats.sent, deleted: producer.stats.deleted, late: producer.stats.late, unacknowledged: unacked,
    ...(o.ledger !== undefined ? { drivers: producer.ledger.size } : {}), seededDrivers: producer.stats.seededDrivers,
    batches: producer.stats.batches, retriedBatches: producer.stats.retriedBatches, startupSeconds: Math.round((started - connecting) / 100) / 10, seconds: Math.round(secs * 10) / 10,
    eventsPerSecond: Math.round(producer.stats.sent / Math.max(secs, 0.001)),
    // From each event's own timestamp (live for the simulator; as given for --stdin): to its request, to Kafka's ack.
    sinceEventTimestampMs: { queued: producer.stats.latency.queued.summary(), acked: producer.stats.latency.acked.summary() },
    ...(stdin ? { stdinLines: stdin.lines, skippedLines: stdin.skipped, rejected: stdin.rejected.length, lateLines: stdin.late } : {}),
  };
  if (o.ledger) producer.ledger.write(o.ledger);
  if (o.summary) writeFileSync(o.summary, `${JSON.stringify(summary, null, 2)}\n`);
  if (unacked > 0 || producer.error) {
    process.stderr.write(`${chalk.red('error')} ${unacked} events not acknowledged: ${producer.error?.message ?? 'unknown'}\n`);
    log(JSON.stringify(summary));
    return 3;
  }
  log(`${chalk.green('done')} ${JSON.stringify(summary)}`);
  return o.strict && stdin !== undefined && stdin.rejected.length > 0 ? 1 : 0;
}

/**
 * Standard input. A regular file (`< events.ndjson`) is read in 1 MiB chunks instead of 64 KiB: the
 * lanes send what queued up whenever a read yields to the event loop, so larger reads make fewer, larger
 * requests (measured on 200,000 events: 56 requests instead of about 350, the brokers' CPU for the run
 * 2.6 s instead of 3.9 s; kcat's 1.5 s). A pipe or a terminal stays process.stdin: a live source (the
 * Python simulator) hands over each line as it comes.
 */
function stdinStream(): Readable {
  return fstatSync(0).isFile() ? createReadStream('', { fd: 0, highWaterMark: 1 << 20, autoClose: false }) : process.stdin;
}
