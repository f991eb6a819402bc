import { join } from 'node:path';
import { askNearest, CITY_CENTRE, nearestPath, withApp } from '../app/session.ts';
import { Evidence } from '../evidence.ts';
import { Load } from '../load.ts';
import { topicOffsets, waitForSink } from '../pipeline.ts';
import * as report from '../report.ts';
import { openRuntime } from '../runtime/index.ts';
import { waitForSinkAssignment } from '../sink-assignment.ts';
import { bringUp, checkMirror, snapshotRedis } from '../steps.ts';
import { numberOption, parseCommand, type CommandSpec } from '../../../shared/cli.ts';
import { Progress } from '../progress.ts';
import { fmtNumber } from '../../../shared/stats.ts';

/** ./scripts/demo.mjs: up → topics → connector → produce → sink caught up → redis-cli → mirror check. */
export const SPEC: CommandSpec = {
  name: './scripts/demo.mjs',
  summary: "make up, then a simulated fleet through Kafka and the sink into Redis, the redis-cli evidence and the mirror check; the course's evidence in evidence/<run>/REPORT.md",
  options: {
    drivers: { type: 'string', value: 'N', default: '200', description: 'simulated drivers' },
    events: { type: 'string', value: 'N', default: '20000', description: 'events to produce' },
    rate: { type: 'string', value: 'N', default: '1000', description: 'events per second (0 = as fast as possible)' },
    seed: { type: 'string', value: 'N', default: '42', description: 'simulator seed' },
  },
  examples: ['make demo', './scripts/demo.mjs --drivers 500 --events 50000'],
  exits: { 0: 'done: Redis mirrors the topic', 1: 'a step or the mirror check failed (the report says which)', 2: 'bad usage', 3: 'crashed' },
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ drivers: string; events: string; rate: string; seed: string }>(SPEC, argv);
  if (args === undefined) return 0;
  const o = args.values;
  const drivers = numberOption('drivers', o.drivers, { integer: true }) as number;
  const events = numberOption('events', o.events, { integer: true }) as number;
  const rate = numberOption('rate', o.rate, { integer: true }) as number;
  numberOption('seed', o.seed, { integer: true });

  const rt = await openRuntime();
  const topic = rt.stack.topics.locations;
  const ev = Evidence.create('demo');
  const started = Date.now();
  await bringUp(rt, ev);
  report.sinkOwnsPartitions(ev, await waitForSinkAssignment(rt));

  report.demoProducing(ev, { events, drivers, rate, seed: o.seed });
  const connecting = Date.now();
  const load = await Load.start(rt, { drivers, seed: Number(o.seed), rate, count: events, onError: (m) => ev.step(`producer: ${m}`) });
  // The rate counts from the first event: connecting and reading the topic for the marks is start-up.
  const t0 = Date.now();
  report.producerConnected(ev, topic, load.producer.stats.seededDrivers, t0 - connecting);
  const producer = load.producer;
  // The acknowledged count and rate while it runs (in place on a terminal, a line every 5 s otherwise).
  const progress = new Progress();
  const ticker = setInterval(() => progress.update(`producing: ${fmtNumber(producer.stats.sent)} of ${fmtNumber(events)} events acknowledged, ${fmtNumber(Math.round((producer.stats.sent * 1000) / Math.max(1, Date.now() - t0)))} events/s`), 1000);
  try {
    await load.finish();
  } finally {
    clearInterval(ticker);
    progress.done();
  }
  const produceMs = Date.now() - t0;
  const eventRate = Math.round((producer.stats.sent * 1000) / produceMs);
  report.demoProduced(ev, { sent: producer.stats.sent, ms: produceMs, rate: eventRate, drivers: producer.ledger.size });
  producer.ledger.write(join(ev.dir, 'ledger.json'));

  const lagMs = await waitForSink(rt, producer.ledger.entries());
  report.sinkCaughtUp(ev, lagMs);

  await snapshotRedis(rt, ev);
  const { ok, check } = await checkMirror(rt, ev, producer.ledger);

  report.appSideStarting(ev);
  const centre = { lat: Number(CITY_CENTRE.lat.toFixed(4)), lon: Number(CITY_CENTRE.lon.toFixed(4)) };
  const path = nearestPath({ ...centre, radiusKm: 5, limit: 5 });
  const { nearest, mapped, live } = await withApp(rt, async (app) => {
    const answer = await askNearest(app, path);
    report.nearestAnswered(ev, rt, { ...centre, path }, answer);
    const map = await report.mapPicture(ev, app.pageUrl, join(ev.dir, 'map.png'), 'The live map after the demo');
    return { nearest: answer, mapped: map, live: await report.liveDashboardPicture(ev, app.pageUrl, join(ev.dir, 'live-dashboard.png'), 'The live dashboard page (/dashboard) after the demo') };
  });
  report.appSideShown(ev, rt);

  report.compactionShown(ev, topic, await topicOffsets(rt, topic), check);

  ev.section('Dashboard');
  const drawn = await report.dashboardPicture(ev, rt, join(ev.dir, 'dashboard.png'), 'The demo on the dashboard', { from: Math.floor(started / 1000) - 30, to: Math.ceil(Date.now() / 1000), subtitle: 'make demo' });

  report.demoSummary(ev, {
    runtime: rt.name, sent: producer.stats.sent, rate: eventRate, drivers: producer.ledger.size, lagMs,
    mirror: { ok, matching: check.matching, expected: check.expected }, nearest: nearest.drivers.length, pictures: { dashboard: drawn, map: mapped, live },
  });
  ev.ok(`evidence: ${ev.save()}`);
  return ok ? 0 : 1;
}
