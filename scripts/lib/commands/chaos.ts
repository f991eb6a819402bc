import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LiveDriver } from '../app/drivers.ts';
import { movedDrivers, openApp } from '../app/session.ts';
import { Evidence } from '../evidence.ts';
import { activeController, busiestLeader, waitFullyReplicated } from '../cluster.ts';
import { LiveView } from '../live-view.ts';
import { Load } from '../load.ts';
import { bringUp, partitionTable, reportMirror, waitForSink } from '../pipeline.ts';
import { QUERIES as Q } from '../metrics/catalogue.ts';
import { PrometheusClient } from '../prometheus.ts';
import { waitForBrokers } from '../readiness.ts';
import { renderTimelineHtml } from '../render/timeline.ts';
import { screenshotHtml, screenshotMap } from '../render/screenshot.ts';
import type { Marker } from '../render/svg-chart.ts';
import { waitForSinkAssignment } from '../sink-assignment.ts';
import { openRuntime } from '../runtime/index.ts';
import { annotateGrafana, snapshotDashboard } from '../snapshot.ts';
import { NODE_IDS, type NodeId } from '../../../shared/stack.ts';
import { waitFor } from '../wait.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * make chaos: with the producer running, stop a broker (the busiest leader by default, or --broker N,
 * or --controller for the active controller; --kill for a crash instead of a clean shutdown), hold,
 * restart, wait for a full ISR, then prove with the mirror check and the producer's ledger that no
 * acknowledged update was lost.
 */
export async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      broker: { type: 'string' }, controller: { type: 'boolean' }, kill: { type: 'boolean' }, hold: { type: 'string', default: '20' },
      drivers: { type: 'string', default: '200' }, rate: { type: 'string', default: '500' }, warmup: { type: 'string', default: '20' },
      'no-pictures': { type: 'boolean' },
    },
  });
  const pictures = !o['no-pictures'];
  if (o.broker !== undefined && !NODE_IDS.includes(Number(o.broker) as NodeId)) throw new Error(`--broker ${o.broker}: expected one of ${NODE_IDS.join(', ')}`);
  const rt = await openRuntime();
  const topic = rt.stack.topics.locations;
  const prom = new PrometheusClient(rt.addresses.prometheusUrl);
  const ev = Evidence.create('chaos');
  await bringUp(rt, ev);
  await waitForSinkAssignment(rt);
  ev.deliverable('(1) topology', '"Start the … stack" section');
  ev.deliverable('(2) topic creation command + describe', '"Topics" section');
  ev.deliverable('(3) connector JSON + curl + status', '"Connector" section');

  ev.section('Load');
  const markers: Marker[] = [];
  const t = { start: Date.now(), stopped: 0, resumed: 0, restarted: 0, replicated: 0 };
  const load = await Load.start(rt, {
    drivers: Number(o.drivers), seed: Date.now() % 100_000, rate: Number(o.rate),
    onError: (m) => ev.step(`producer: ${m}`),
    onBatch: (_n, ackedAt) => {
      if (t.stopped > 0 && t.resumed === 0 && ackedAt > t.stopped) t.resumed = ackedAt;
    },
  });
  const view = new LiveView(rt, () => load.producer.stats);
  ev.beforePrint = () => view.detach();
  // The delivery app's live map, served for the run: its pictures show the dots moving on while a node is down.
  const app = await openApp(rt);
  const mapPicture = async (name: string, caption: string) => {
    if (!pictures) return;
    const file = join(ev.dir, `map-${name}.png`);
    await ev.picture(file, `Live map: ${caption}`, () => screenshotMap(`${app.url}/`, file));
  };
  /** The load's drivers on the map (Redis may hold others: earlier runs, other fleets). */
  const fleet = async (): Promise<ReadonlyMap<string, LiveDriver>> => {
    const ours = new Set(load.producer.ledger.entries().map((e) => e.driver_id));
    return new Map([...(await app.index.liveFleet()).drivers].filter(([id]) => ours.has(id)));
  };
  let movedWhileDown = { moved: 0, of: 0 };
  const picture = async (name: string, caption: string, fromMs: number) => {
    if (!pictures) return;
    const file = join(ev.dir, `dashboard-${name}.png`);
    const to = Math.ceil(Date.now() / 1000);
    await ev.picture(file, caption, async () => {
      const source = await snapshotDashboard(rt, file, { from: Math.floor(fromMs / 1000) - 30, to, markers, subtitle: caption });
      return source === 'grafana' ? 'Grafana' : 'dashboard JSON rendered from Prometheus';
    });
  };
  let victim: NodeId | undefined;
  try {
    ev.step(`producing ~${o.rate} events/s from ${o.drivers} drivers; live view every 2 s`);
    view.start();
    // Let Prometheus see steady load before the stop, so the pictures show a before.
    await waitFor(async () => ((await prom.query(Q.producing)).length > 0 && Date.now() - t.start >= Number(o.warmup) * 1000 ? true : false), {
      what: 'steady load visible in Prometheus', timeoutMs: 120_000,
    });
    await picture('1-before', 'Before the stop', t.start);
    await mapPicture('1-before', 'before the stop');

    victim = o.controller ? await activeController(rt) : o.broker !== undefined ? (Number(o.broker) as NodeId) : await busiestLeader(rt, topic);
    const how = o.kill ? 'Kill (SIGKILL, no controlled shutdown)' : 'Stop';
    ev.section(`${how} broker ${victim}${o.controller ? ' (the active controller)' : o.broker === undefined ? ' (leads the most partitions)' : ''}`);
    ev.block('text', await partitionTable(rt, topic), 'Before');
    view.phase = `kafka-${victim} stopped`;
    const atStop = await fleet();
    t.stopped = Date.now();
    await rt.stopNode(victim, { kill: o.kill === true });
    markers.push({ t: t.stopped / 1000, label: `${o.kill ? 'kill' : 'stop'} kafka-${victim}`, color: '#f2495c' });
    await annotateGrafana(rt, `${o.kill ? 'kill' : 'stop'} kafka-${victim}`, t.stopped);
    ev.ok(`kafka-${victim} stopped at ${new Date(t.stopped).toISOString()}`);
    await waitFor(async () => (t.resumed > 0 ? true : false), { what: 'the first acknowledged write after the stop', timeoutMs: 120_000 });
    ev.ok(`writes resumed ${seconds(t.resumed - t.stopped)} after the stop`);
    ev.block('text', await partitionTable(rt, topic), `During: leaders moved off kafka-${victim}, ISR without it`);
    // The outage window is the experiment itself: keep producing with one node down for --hold seconds.
    await new Promise((r) => setTimeout(r, Number(o.hold) * 1000));
    await picture('2-during', `During: kafka-${victim} down for ${o.hold} s`, t.start);
    await mapPicture('2-during', `kafka-${victim} down for ${o.hold} s`);
    movedWhileDown = { moved: movedDrivers(atStop, await fleet()), of: atStop.size };
    const moving = `${movedWhileDown.moved} of the load's ${movedWhileDown.of} drivers on the map moved while kafka-${victim} was down (positions in Redis at the stop vs now)`;
    if (movedWhileDown.moved > 0) ev.ok(moving);
    else ev.fail(moving);

    ev.section(`Restart broker ${victim}`);
    view.phase = `kafka-${victim} restarting`;
    t.restarted = Date.now();
    await rt.startNode(victim);
    markers.push({ t: t.restarted / 1000, label: `start kafka-${victim}`, color: '#73bf69' });
    await annotateGrafana(rt, `start kafka-${victim}`, t.restarted);
    await waitForBrokers(rt.addresses.bootstrap);
    await waitFullyReplicated(rt, topic);
    t.replicated = Date.now();
    markers.push({ t: t.replicated / 1000, label: 'ISR full', color: '#5794f2' });
    view.phase = 'recovered';
    ev.ok(`kafka-${victim} back; every partition fully replicated ${seconds(t.replicated - t.restarted)} after the restart`);
    ev.block('text', await partitionTable(rt, topic), 'After');
    // The picture should show the recovery: wait until Prometheus itself has seen it and its alerts cleared.
    await waitFor(
      async () =>
        (await prom.query(Q.clusterWhole)).length > 0 &&
        (await prom.alerts()).every((a) => a.state !== 'firing'),
      { what: 'Prometheus to see 3 brokers, no under-replicated partitions and no firing alert', timeoutMs: 120_000 },
    );
    await picture('3-after', 'After: broker back, ISR full', t.start);
    await mapPicture('3-after', 'broker back, ISR full');
  } finally {
    view.stop();
    await app.close();
    await load.stop();
    // Never leave the cluster a node short, whatever failed above.
    if (victim !== undefined && !(await rt.isNodeRunning(victim))) await rt.startNode(victim);
  }

  ev.section('Verdict');
  const ledgerFile = join(ev.dir, 'ledger.json');
  load.producer.ledger.write(ledgerFile);
  await waitForSink(rt, load.producer.ledger.entries());
  const mirror = await reportMirror(rt, ev, load.producer.ledger);
  const { lost } = mirror;
  const ok = mirror.ok && movedWhileDown.moved > 0;
  if (pictures) {
    const end = Date.now();
    const file = join(ev.dir, 'timeline.png');
    await ev.picture(file, 'Timeline of the key metrics around the stop', async () => {
      const { html, width, height } = await renderTimelineHtml(prom, Math.floor(t.start / 1000) - 15, Math.ceil(end / 1000), markers, `make chaos — kafka-${victim} stopped for ${o.hold} s under load`);
      await screenshotHtml(html, file, width, height);
    });
  }
  ev.block('text', [
    `broker ${o.kill ? 'killed ' : 'stopped'}          kafka-${victim}${o.controller ? ' (active controller)' : ''}`,
    `events acknowledged     ${load.producer.stats.sent} (${load.producer.stats.retriedBatches} batches retried)`,
    `records lost            ${lost} (acknowledged by Kafka, not current in Redis)`,
    `writes resumed after    ${seconds(t.resumed - t.stopped)}`,
    `fully replicated after  ${seconds(t.replicated - t.restarted)} from the restart`,
    `moved on the map, down  ${movedWhileDown.moved} of ${movedWhileDown.of} drivers`,
    `verdict                 ${ok ? 'PASS: no acknowledged update was lost, Redis mirrors the topic, the map kept moving' : 'FAIL'}`,
  ].join('\n'));
  ev.deliverable('(4) dashboard before / during / after a broker stop', pictures ? 'dashboard-1-before.png, dashboard-2-during.png, dashboard-3-after.png (and the live map: map-1-before.png, map-2-during.png, map-3-after.png)' : 'skipped (--no-pictures)');
  ev.deliverable('(5) redis-cli snapshot + mirror check', '"Mirror check" section (run ./scripts/validate-redis.mjs for the redis-cli snapshot)');
  ev.deliverable('(6) chaos timeline and verdict', `${pictures ? 'timeline.png and ' : ''}"Verdict" section: ${ok ? 'PASS' : 'FAIL'}, ${lost} records lost`);
  ev.ok(`evidence: ${ev.save()}`);
  return ok ? 0 : 1;
}
