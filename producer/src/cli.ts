import chalk from 'chalk';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { hostAddresses, loadStack } from '../../scripts/lib/stack.ts';
import { LocationProducer } from './location-producer.ts';
import { ProducerMetrics } from './metrics.ts';
import { pipeNdjson, simulate, type StdinReport } from './run.ts';
import { Simulator } from './simulator.ts';

const HELP = `rastro producer: courier locations into Kafka, keyed by driver_id (acks=all, idempotent).

Usage:
  producer/bin/produce.mjs [options]                 built-in simulator (São Paulo fleet)
  python3 generate_delivery_tracking.py … | producer/bin/produce.mjs --stdin

Options:
  --stdin              read NDJSON events from stdin (non-JSON lines are skipped with a warning)
  --drivers N          simulated drivers (default 200)
  --rate N             events per second, 0 = as fast as possible (default 1000)
  --count N            stop after N events
  --duration S         stop after S seconds (without --count/--duration: until Ctrl-C)
  --seed N             simulator seed (default 42)
  --delete IDS         send tombstones for these comma-separated driver ids, then exit
  --brokers LIST       bootstrap servers (default: the stack's brokers from config/stack.env)
  --topic NAME         topic (default: TOPIC_LOCATIONS from config/stack.env)
  --batch-size N       events per Kafka request (default 500)
  --metrics-port N     serve Prometheus metrics on 127.0.0.1:N/metrics (default PRODUCER_METRICS_PORT; 0 = off)
  --metrics-host ADDR  address to serve them on (default 127.0.0.1; 0.0.0.0 for the docker runtime's Prometheus)
  --ledger FILE        write the last acknowledged event per driver as JSON
  --summary FILE       write the run summary as JSON
  --strict             exit 1 if any input line was rejected
  --quiet              no progress lines
  -h, --help`;

function intOpt(name: string, v: string | undefined, dflt?: number): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} ${v}: expected a non-negative number`);
  return n;
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      stdin: { type: 'boolean' }, drivers: { type: 'string' }, rate: { type: 'string' }, count: { type: 'string' },
      duration: { type: 'string' }, seed: { type: 'string' }, delete: { type: 'string' }, brokers: { type: 'string' },
      topic: { type: 'string' }, 'batch-size': { type: 'string' }, 'metrics-port': { type: 'string' }, 'metrics-host': { type: 'string' }, ledger: { type: 'string' }, summary: { type: 'string' },
      strict: { type: 'boolean' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  const stack = loadStack({ portOffset: Number(process.env.RASTRO_PORT_OFFSET ?? '0') });
  const brokers = o.brokers?.split(',') ?? hostAddresses(stack).bootstrap;
  const topic = o.topic ?? stack.topics.locations;
  const log = (s: string) => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  const metrics = new ProducerMetrics();
  const metricsPort = intOpt('metrics-port', o['metrics-port'], stack.ports.producerMetrics) as number;
  // Metrics are a convenience: a second producer on the same port still sends, without them.
  const server = metricsPort > 0 ? await metrics.serve(metricsPort, o['metrics-host'] ?? '127.0.0.1').catch((e: Error) => void log(`${chalk.yellow('warn')} ${e.message}; continuing without metrics`)) : undefined;
  const producer = new LocationProducer({
    brokers, topic, batchSize: intOpt('batch-size', o['batch-size'], 500), metrics,
    onError: (m) => process.stderr.write(`${chalk.yellow('warn')} ${m}\n`),
  });
  const abort = new AbortController();
  const stop = () => {
    log('stopping: flushing what is buffered…');
    abort.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const started = Date.now();
  let stdin: StdinReport | undefined;
  await producer.connect();
  try {
    if (o.delete !== undefined) {
      for (const id of o.delete.split(',').filter(Boolean)) await producer.delete(id);
    } else if (o.stdin) {
      stdin = await pipeNdjson(producer, process.stdin, (m) => process.stderr.write(`${chalk.yellow('warn')} ${m}\n`), () => metrics.rejected.inc());
    } else {
      const sim = new Simulator({ drivers: intOpt('drivers', o.drivers, 200) as number, seed: intOpt('seed', o.seed, 42) as number });
      const progress = setInterval(() => log(`sent ${producer.stats.sent} events (${sim.driverIds.length} drivers)`), 2000);
      try {
        await simulate(producer, sim, {
          rate: intOpt('rate', o.rate, 1000) as number,
          count: intOpt('count', o.count),
          durationMs: o.duration === undefined ? undefined : (intOpt('duration', o.duration) as number) * 1000,
          signal: abort.signal,
        });
      } finally {
        clearInterval(progress);
      }
    }
  } finally {
    await producer.close();
    server?.close();
  }
  const secs = (Date.now() - started) / 1000;
  const summary = {
    topic, brokers, sent: producer.stats.sent, deleted: producer.stats.deleted, drivers: producer.ledger.size,
    retriedBatches: producer.stats.retriedBatches, seconds: Math.round(secs * 10) / 10,
    eventsPerSecond: Math.round(producer.stats.sent / Math.max(secs, 0.001)),
    ...(stdin ? { stdinLines: stdin.lines, skippedLines: stdin.skipped, rejected: stdin.rejected.length } : {}),
  };
  if (o.ledger) producer.ledger.write(o.ledger);
  if (o.summary) writeFileSync(o.summary, `${JSON.stringify(summary, null, 2)}\n`);
  log(`${chalk.green('done')} ${JSON.stringify(summary)}`);
  return o.strict && stdin !== undefined && stdin.rejected.length > 0 ? 1 : 0;
}
