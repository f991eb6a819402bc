import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { askNearest, CITY_CENTRE, nearestPath, withApp } from '../app/session.ts';
import { Evidence } from '../evidence.ts';
import { Load } from '../load.ts';
import { topicOffsets, waitForSink } from '../pipeline.ts';
import * as report from '../report.ts';
import { openRuntime } from '../runtime/index.ts';
import { waitForSinkAssignment } from '../sink-assignment.ts';
import { bringUp, checkMirror, snapshotRedis } from '../steps.ts';

/** ./scripts/demo.mjs: up → topics → connector → produce → sink caught up → redis-cli → mirror check. */
export async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: { drivers: { type: 'string', default: '200' }, events: { type: 'string', default: '20000' }, rate: { type: 'string', default: '1000' }, seed: { type: 'string', default: '42' } },
  });
  const drivers = Number(o.drivers);
  const events = Number(o.events);
  const rate = Number(o.rate);
  for (const [k, v] of Object.entries({ drivers, events, rate })) if (!Number.isInteger(v) || v < 0) throw new Error(`--${k} ${String(v)}: expected a non-negative integer`);

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
  await load.finish();
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
  const { nearest, mapped } = await withApp(rt, async (app) => {
    const answer = await askNearest(app, path);
    report.nearestAnswered(ev, rt, { ...centre, path }, answer);
    return { nearest: answer, mapped: await report.mapPicture(ev, app.pageUrl, join(ev.dir, 'map.png'), 'The live map after the demo') };
  });
  report.appSideShown(ev, rt);

  report.compactionShown(ev, topic, await topicOffsets(rt, topic), check);

  ev.section('Dashboard');
  const drawn = await report.dashboardPicture(ev, rt, join(ev.dir, 'dashboard.png'), 'The demo on the dashboard', { from: Math.floor(started / 1000) - 30, to: Math.ceil(Date.now() / 1000), subtitle: 'make demo' });

  report.demoSummary(ev, {
    runtime: rt.name, sent: producer.stats.sent, rate: eventRate, drivers: producer.ledger.size, lagMs,
    mirror: { ok, matching: check.matching, expected: check.expected }, nearest: nearest.drivers.length, pictures: { dashboard: drawn, map: mapped },
  });
  ev.ok(`evidence: ${ev.save()}`);
  return ok ? 0 : 1;
}
