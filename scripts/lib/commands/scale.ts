import { join } from 'node:path';
import { Evidence } from '../evidence.ts';
import { Load } from '../load.ts';
import { sinkAgeQuantile } from '../metrics/catalogue.ts';
import { PrometheusClient } from '../prometheus.ts';
import { waitForSink } from '../pipeline.ts';
import * as report from '../report.ts';
import { openRuntime } from '../runtime/index.ts';
import { addBrokers, clearThrottles, clusterPlacement, condenseReassignOutput, electPreferredLeaders, loadPerBroker, loadTable, misplaced, ongoingReassignments, outside, planMove, removeBroker, scaleWork, startMove, throttlesLeft, waitMoveDone, waitNoReassignment, type MovePlan } from '../scale.ts';
import { waitForSinkAssignment } from '../sink-assignment.ts';
import { checkMirror, ensureRunning } from '../steps.ts';
import type { CliResult, Runtime } from '../runtime/types.ts';
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../../../shared/cli.ts';
import { loadStack, type NodeId } from '../../../shared/stack.ts';

const STACK = loadStack();
/** How the final check reads the throttles, for the evidence. */
const THROTTLE_NOTE = 'DescribeConfigs of leader/follower.replication.throttled.* on every node and topic';

export const SPEC: CommandSpec = {
  name: './scripts/scale.mjs',
  summary:
    `grow or shrink the running Kafka cluster (make scale NODES=N): broker-only nodes ${STACK.nodeIds.length + 1}..N are added (the ${STACK.nodeIds.length} KRaft voters stay), ` +
    'partitions moved with kafka-reassign-partitions (generate, execute with a throttle, verify), leaders rebalanced; shrinking drains the extra brokers the same way, ' +
    'then stops and unregisters them. A producer runs through it, and the mirror check and its ledger prove nothing was lost',
  options: {
    nodes: { type: 'string', value: 'N', description: `Kafka nodes wanted: ${STACK.nodeIds.length} (the voters alone) up to ${STACK.maxNodes} (MAX_NODES)` },
    throttle: { type: 'string', value: 'MB/S', default: '10', description: 'replication throttle while partitions move, per broker (kafka-reassign-partitions --throttle)' },
    drivers: { type: 'string', value: 'N', default: '200', description: 'simulated drivers of the load' },
    rate: { type: 'string', value: 'N', default: '500', description: 'events per second of the load' },
    'no-load': { type: 'boolean', description: 'move without a producer running (and without the lost-update check)' },
    'no-pictures': { type: 'boolean', description: 'no dashboard picture (faster)' },
  },
  examples: ['make scale NODES=5', 'make scale NODES=3', './scripts/scale.mjs --nodes 4 --throttle 50'],
  exits: { 0: 'every partition on the intended brokers, throttles removed, nothing lost', 1: 'a step or a check failed (the report says which)', 2: 'bad usage', 3: 'crashed' },
};

interface ScaleOptions {
  nodes: number;
  throttleBytes: number;
  drivers: number;
  rate: number;
  load: boolean;
  pictures: boolean;
}

function parseScaleArgs(argv: string[]): ScaleOptions | undefined {
  const args = parseCommand<{ nodes?: string; throttle: string; drivers: string; rate: string; 'no-load'?: boolean; 'no-pictures'?: boolean }>(SPEC, argv);
  if (args === undefined) return undefined;
  const o = args.values;
  if (o.nodes === undefined) throw new UsageError('--nodes N is required (make scale NODES=N)');
  const nodes = numberOption('nodes', o.nodes, { integer: true, min: 1 }) as number;
  const voters = STACK.nodeIds.length;
  if (nodes < voters) throw new UsageError(`--nodes ${nodes}: the ${voters} KRaft voters (NODE_COUNT) always stay; make scale adds and removes broker-only nodes above them`);
  if (nodes > STACK.maxNodes) throw new UsageError(`--nodes ${nodes}: at most MAX_NODES=${STACK.maxNodes} (config/stack.env), the nodes whose ports are reserved`);
  return {
    nodes,
    throttleBytes: Math.round((numberOption('throttle', o.throttle, { min: 0.1 }) as number) * 1_000_000),
    drivers: numberOption('drivers', o.drivers, { integer: true, min: 1 }) as number,
    rate: numberOption('rate', o.rate, { integer: true, min: 1 }) as number,
    load: !o['no-load'],
    pictures: !o['no-pictures'],
  };
}

/** Moves every topic's partitions onto `brokers` and reports each step; returns the plan moved. */
async function move(rt: Runtime, ev: Evidence, brokers: NodeId[], throttleBytes: number): Promise<MovePlan> {
  const plan = await planMove(rt, ev.dir, brokers);
  const shown = (c: CliResult) => ev.command(c.display, condenseReassignOutput(c.stdout));
  plan.commands.forEach(shown);
  ev.step(`${plan.move.partitions.length} of ${plan.current.partitions.length} partitions change replicas (the rest stay as they are): ${plan.files.move}; to undo, --execute the rollback file ${plan.files.current}`);
  if (plan.move.partitions.length > 0) {
    shown(await startMove(rt, plan, throttleBytes));
    let last = -1;
    const moved = await waitMoveDone(rt, plan, (moving, of) => {
      if (moving > 0 && moving !== last) ev.step(`${moving} of ${of} partitions still copying`);
      last = moving;
    });
    shown(moved.verified);
    ev.ok(`every move complete ${(moved.ms / 1000).toFixed(1)} s after --execute (${moved.verifyPasses} verify pass(es); throttle ${(throttleBytes / 1e6).toFixed(1)} MB/s per broker, now cleared)`);
  }
  const election = await electPreferredLeaders(rt).catch((err: Error) => ({ display: 'kafka-leader-election', stdout: err.message }));
  ev.command(election.display, condenseReassignOutput(election.stdout) || '(nothing printed: every partition is already led by its preferred replica)');
  return plan;
}

/**
 * What an interrupted run (Ctrl-C, a crash) left: moves still running inside Kafka are waited for, and
 * throttles its --verify never cleared are deleted, so this run starts from a settled cluster.
 */
async function finishInterrupted(rt: Runtime, ev: Evidence): Promise<void> {
  const ongoing = await ongoingReassignments(rt);
  if (ongoing.length > 0) {
    ev.step(`${ongoing.length} partition(s) still being reassigned (an earlier run was interrupted?): waiting until Kafka has finished them`);
    const done = await waitNoReassignment(rt);
    ev.command(done.display, done.stdout.trim());
  }
  // Nodes first, then topics, each by name: the same evidence whatever order Kafka answers in.
  const left = (await throttlesLeft(rt)).sort((a, b) => a.type.localeCompare(b.type) || a.entity.localeCompare(b.entity) || a.setting.localeCompare(b.setting));
  if (left.length === 0) return;
  ev.step(`replication throttles left by an earlier run: ${left.map((t) => `${t.type.slice(0, -1)} ${t.entity} ${t.setting}`).join(', ')}; deleting them`);
  for (const c of await clearThrottles(rt, left)) ev.command(c.display, c.stdout.trim());
}

/** p50 and p99 of the sink's written age since `sinceMs`, from Prometheus (after a scrape has seen the end). */
async function freshness(rt: Runtime, sinceMs: number): Promise<string> {
  const prom = new PrometheusClient(rt.addresses.prometheusUrl);
  const seconds = Math.ceil((Date.now() - sinceMs) / 1000);
  const q = async (quantile: number) => (await prom.query(sinkAgeQuantile('written', quantile, seconds)))[0]?.value;
  const [p50, p99] = [await q(0.5), await q(0.99)];
  const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${Math.round(v)} ms`);
  return `p50 ${ms(p50)}, p99 ${ms(p99)}`;
}

/**
 * make scale NODES=N: the running cluster grown with broker-only nodes, or drained back, under load.
 * Checks at the end: every partition where the plan put it, no throttle left, no replica on a removed
 * broker, and (with the load) Redis mirrors the topic and no acknowledged update was lost.
 */
export async function main(argv: string[]): Promise<number> {
  const o = parseScaleArgs(argv);
  if (o === undefined) return 0;
  const rt = await openRuntime();
  const refusal = rt.scaleRefusal();
  if (refusal !== undefined) throw new Error(refusal);
  const ev = Evidence.create('scale');
  await ensureRunning(rt, ev);
  await waitForSinkAssignment(rt);

  const from = rt.nodes();
  const want: NodeId[] = Array.from({ length: o.nodes }, (_, i) => i + 1);
  const adding = want.filter((id) => !from.includes(id));
  const removing = from.filter((id) => !want.includes(id));
  ev.section(`Scale: ${from.length} → ${o.nodes} Kafka nodes`);
  await finishInterrupted(rt, ev);
  const before = await clusterPlacement(rt);
  const work = scaleWork(before, from, want);
  if (work.length === 0) {
    ev.ok(`the cluster already has ${o.nodes} nodes (${from.map((id) => `kafka-${id}`).join(', ')}), each holding replicas, none elsewhere: nothing to move`);
    console.log(`evidence: ${ev.save()}`);
    return 0;
  }
  ev.step(`to do: ${work.join('; ')}`);
  const startedAt = Date.now();
  const load = o.load ? await Load.start(rt, { drivers: o.drivers, seed: Date.now() % 100_000, rate: o.rate, onError: (m) => ev.step(`producer: ${m}`) }) : undefined;
  if (load) ev.step(`load: ${o.rate} events/s from ${o.drivers} simulated drivers, acks=all, running through every step below`);
  let plan: MovePlan;
  try {
    if (adding.length > 0) {
      ev.step(`adding broker-only node(s) ${adding.map((id) => `kafka-${id}`).join(', ')} (process.roles=broker; the voters ${rt.stack.nodeIds.join(',')} stay the KRaft quorum)`);
      await addBrokers(rt, adding, want);
      ev.ok(`brokers ${want.join(',')} registered`);
    }
    plan = await move(rt, ev, want, o.throttleBytes);
    for (const id of removing) {
      const r = await removeBroker(rt, id);
      ev.command(r.display, r.stdout.trim());
      ev.ok(`kafka-${id} drained, stopped and unregistered; its state is deleted`);
    }
  } finally {
    await load?.stop();
  }

  ev.section('Where the partitions are now');
  const after = await clusterPlacement(rt);
  ev.block('text', loadTable(loadPerBroker(before, from), loadPerBroker(after, want)), `leaders and replicas per broker, over all ${after.length} partitions of ${new Set(after.map((p) => p.topic)).size} topics`);
  const wrong = misplaced(after, plan.move);
  const off = outside(after, want);
  const unsynced = after.filter((p) => p.isr.length < p.replicas.length).map((p) => `${p.topic}-${p.partition}`);
  const throttles = await throttlesLeft(rt);
  const checks: Array<[string, string[]]> = [
    ['every moved partition on the replicas the plan gave it', wrong],
    [`no replica outside ${want.map((id) => `kafka-${id}`).join(', ')}`, off],
    ['every ISR full', unsynced],
    [`no replication throttle left on a node or topic (${THROTTLE_NOTE})`, throttles.map((t) => `${t.type.slice(0, -1)} ${t.entity}: ${t.setting}`)],
  ];
  for (const [what, bad] of checks) {
    if (bad.length === 0) ev.ok(what);
    else ev.fail(`${what}: not so for ${bad.length}: ${bad.slice(0, 5).join('; ')}`);
  }
  let lost = 0;
  let mirrorOk = true;
  if (load) {
    ev.section('Nothing lost');
    load.producer.ledger.write(join(ev.dir, 'ledger.json'));
    await waitForSink(rt, load.producer.ledger.entries());
    ev.step(`freshness through the move (event → written to Redis, the sink's own buckets over these ${Math.round((Date.now() - startedAt) / 1000)} s): ${await freshness(rt, startedAt)}`);
    const m = await checkMirror(rt, ev, load.producer.ledger);
    lost = m.lost;
    mirrorOk = m.ok;
  }
  if (o.pictures) {
    await report.dashboardPicture(ev, rt, join(ev.dir, 'dashboard-scale.png'), `Dashboard over the move (${from.length} → ${o.nodes} nodes): leaders, replicas and replication bytes in per broker`, {
      from: Math.floor(startedAt / 1000) - 60, to: Math.ceil(Date.now() / 1000), subtitle: `make scale NODES=${o.nodes}`,
    });
  }
  const ok = checks.every(([, bad]) => bad.length === 0) && mirrorOk && lost === 0;
  const acked = load?.producer.stats.sent ?? 0;
  if (ok) ev.ok(`scaled to ${o.nodes} nodes${load ? `; ${acked} acknowledged events, none lost, Redis mirrors the topic` : ''}`);
  else ev.fail(`make scale NODES=${o.nodes}: a check failed (above)`);
  ev.deliverable('scale-out: partitions moved with kafka-reassign-partitions under load', `"Where the partitions are now"${load ? ' and "Nothing lost"' : ''}: ${ok ? 'PASS' : 'FAIL'}`);
  console.log(`evidence: ${ev.save()}`);
  return ok ? 0 : 1;
}
