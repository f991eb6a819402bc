import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nearestTable } from '../app/format.ts';
import { askNearest, CITY_CENTRE, mapUrl, nearestPath, withApp } from '../app/session.ts';
import { Evidence } from '../evidence.ts';
import { withAdmin } from '../kafka-admin.ts';
import { Load } from '../load.ts';
import { waitForSink } from '../pipeline.ts';
import { bringUpDeliverables, dashboardPicture, DELIVERABLE, mapPicture } from '../report.ts';
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
  const ev = Evidence.create('demo');
  const started = Date.now();
  await bringUp(rt, ev);
  const owned = await waitForSinkAssignment(rt);
  ev.ok(`sink tasks own all ${owned.partitions} partitions (group ${owned.state}, ${owned.members} consumers): producing now measures the pipeline, not a rebalance`);

  ev.section(`Produce ${events} events from ${drivers} simulated drivers`);
  ev.step(`same as: producer/bin/produce.mjs --drivers ${drivers} --count ${events} --rate ${rate} --seed ${o.seed}`);
  const connecting = Date.now();
  const load = await Load.start(rt, { drivers, seed: Number(o.seed), rate, count: events, onError: (m) => ev.step(`producer: ${m}`) });
  // The rate counts from the first event: connecting and reading the topic for the marks is start-up.
  const t0 = Date.now();
  ev.step(`producer connected and read ${rt.stack.topics.locations} for ${load.producer.stats.seededDrivers} drivers' newest timestamps in ${((t0 - connecting) / 1000).toFixed(1)} s`);
  const producer = load.producer;
  await load.finish();
  const produceS = (Date.now() - t0) / 1000;
  const eventRate = Math.round(producer.stats.sent / produceS);
  ev.ok(`${producer.stats.sent} events acknowledged (acks=all) in ${produceS.toFixed(1)} s: ${eventRate} events/s; ${producer.ledger.size} drivers`);
  const ledgerFile = join(ev.dir, 'ledger.json');
  producer.ledger.write(ledgerFile);

  ev.section('Sink catch-up');
  const lagMs = await waitForSink(rt, producer.ledger.entries());
  ev.ok(`Redis held every driver's last acknowledged event ${(lagMs / 1000).toFixed(1)} s after the last send`);

  await snapshotRedis(rt, ev);
  const { ok, check } = await checkMirror(rt, ev, producer.ledger);

  ev.section("The delivery app's side: nearest drivers and the live map");
  const centre = { lat: Number(CITY_CENTRE.lat.toFixed(4)), lon: Number(CITY_CENTRE.lon.toFixed(4)) };
  const path = nearestPath({ ...centre, radiusKm: 5, limit: 5 });
  const mapFile = join(ev.dir, 'map.png');
  const { nearest, mapped } = await withApp(rt, async (app) => {
    const answer = await askNearest(app, path);
    ev.command(`./scripts/nearest.mjs --lat ${centre.lat} --lon ${centre.lon} --radius-km 5 --limit 5   # or, with make map running: curl -s '${mapUrl(rt).slice(0, -1)}${path}'`, nearestTable(answer));
    const drawn = await mapPicture(ev, app.url, mapFile, 'The live map after the demo');
    return { nearest: answer, mapped: drawn };
  });
  ev.ok(`live map and API: make map → ${mapUrl(rt)} (GEOSEARCH on ${rt.stack.redisGeoKey}, which the sink keeps in the same write as each driver's hash)`);

  ev.section('Compaction');
  const span = await withAdmin(rt.addresses.bootstrap, (a) => a.fetchTopicOffsets(rt.stack.topics.locations));
  const offsets = span.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  ev.step(`offsets written to ${rt.stack.topics.locations} so far: ${offsets}; records a full read returns now: ${check.records}; live keys: ${check.expected}`);
  ev.step(check.records < offsets
    ? `compaction already removed ${offsets - check.records} superseded records (only closed segments are compacted; the active one keeps its history until it rolls)`
    : 'no segment has been compacted yet (segments roll every 10 s; run validate-redis again shortly to see it)');

  ev.section('Dashboard');
  const drawn = await dashboardPicture(ev, rt, join(ev.dir, 'dashboard.png'), 'The demo on the dashboard', { from: Math.floor(started / 1000) - 30, to: Math.ceil(Date.now() / 1000), subtitle: 'make demo' });

  bringUpDeliverables(ev);
  ev.deliverable('(4) dashboard pictures', `${drawn ? 'dashboard.png' : 'skipped (see "Dashboard")'} (before/during/after a broker stop: make chaos)`);
  ev.deliverable(DELIVERABLE.mirror, `"Redis" and "Mirror check" sections: ${ok ? 'PASS' : 'FAIL'}`);
  ev.deliverable(DELIVERABLE.chaos, 'make chaos writes its own report');
  ev.deliverable(DELIVERABLE.app, `"The delivery app's side" section: ${nearest.drivers.length} nearest AVAILABLE drivers${mapped ? ', map.png' : ''}`);

  ev.section('Summary');
  ev.block('text', [
    `runtime            ${rt.name}`,
    `events produced    ${producer.stats.sent} (${eventRate} events/s)`,
    `drivers            ${producer.ledger.size}`,
    `sink caught up in  ${(lagMs / 1000).toFixed(1)} s`,
    `mirror check       ${ok ? 'PASS' : 'FAIL'} (${check.matching}/${check.expected} drivers match)`,
  ].join('\n'));
  ev.ok(`evidence: ${ev.save()}`);
  return ok ? 0 : 1;
}
