import { join } from 'node:path';
import { BrokerOutage, parseChaosArgs } from '../chaos.ts';
import { Evidence } from '../evidence.ts';
import { partitions, waitForSink } from '../pipeline.ts';
import * as report from '../report.ts';
import { openRuntime } from '../runtime/index.ts';
import { waitForSinkAssignment } from '../sink-assignment.ts';
import { bringUp, checkMirror } from '../steps.ts';

/**
 * make chaos: with the producer running, stop a broker (the busiest leader by default, or --broker N,
 * or --controller for the active controller; --kill for a crash instead of a clean shutdown), hold,
 * restart, wait for a full ISR, then prove with the mirror check and the producer's ledger that no
 * acknowledged update was lost.
 */
export async function main(argv: string[]): Promise<number> {
  const o = parseChaosArgs(argv);
  if (o === undefined) return 0;
  const rt = await openRuntime();
  const topic = rt.stack.topics.locations;
  const ev = Evidence.create('chaos');
  await bringUp(rt, ev);
  await waitForSinkAssignment(rt);
  report.bringUpDeliverables(ev);

  ev.section('Load');
  const run = await BrokerOutage.start(rt, o, (m) => ev.step(`producer: ${m}`));
  ev.beforePrint = () => run.view.detach();
  const pictures = async (phase: report.ChaosPhase) => {
    if (o.pictures) await report.chaosPictures(ev, rt, phase, { victim: run.victim === undefined ? undefined : run.name, holdS: o.holdS, sinceMs: run.times.start, markers: run.markers, appUrl: run.appUrl });
  };
  let moved = { moved: 0, of: 0 };
  let resumedAfterMs = 0;
  let replicatedAfterMs = 0;
  try {
    report.chaosLoadStarted(ev, rt, o);
    await run.warmUp();
    await pictures('1-before');

    const victim = await run.chooseVictim();
    report.brokerStopping(ev, { ...o, chosen: o.broker !== undefined }, victim, await partitions(rt, topic));
    const atStop = await run.stopVictim();
    report.brokerStopped(ev, run.name, run.times.stopped);
    resumedAfterMs = await run.waitWritesResumed();
    report.writesResumed(ev, run.name, resumedAfterMs, await partitions(rt, topic));
    await run.hold();
    await pictures('2-during');
    moved = await run.movedSince(atStop);
    report.chaosMoved(ev, run.name, moved);

    report.brokerRestarting(ev, victim);
    replicatedAfterMs = await run.restartVictim();
    report.brokerBack(ev, run.name, replicatedAfterMs, await partitions(rt, topic));
    await run.waitPrometheusRecovered();
    await pictures('3-after');
  } finally {
    await run.close();
  }

  ev.section('Verdict');
  run.load.producer.ledger.write(join(ev.dir, 'ledger.json'));
  await waitForSink(rt, run.load.producer.ledger.entries());
  const mirror = await checkMirror(rt, ev, run.load.producer.ledger);
  const ok = mirror.ok && moved.moved > 0;
  if (o.pictures) await report.chaosTimelinePicture(ev, run.prom, { fromMs: run.times.start, toMs: Date.now(), markers: run.markers, title: `make chaos — ${run.name} stopped for ${o.holdS} s under load` });
  const stats = run.load.producer.stats;
  report.chaosVerdict(ev, {
    victim: run.name, kill: o.kill, controller: o.controller, acknowledged: stats.sent, retriedBatches: stats.retriedBatches,
    lost: mirror.lost, resumedAfterMs, replicatedAfterMs, moved, ok,
  }, o.pictures);
  ev.ok(`evidence: ${ev.save()}`);
  return ok ? 0 : 1;
}
