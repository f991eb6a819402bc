import type { Evidence } from './evidence.ts';
import { applyConnectorConfig, backfillGeo, planConnector, redisSnapshot, resumeIfHalted, startStack, verifyMirror, waitConnectorRunning, type MirrorCheck } from './pipeline.ts';
import * as report from './report.ts';
import type { Runtime } from './runtime/types.ts';
import { ensureTopics, loadTopics } from './topics.ts';
import { withAdmin } from './kafka-admin.ts';
import type { Ledger } from '../../producer/src/index.ts';

/*
 * Lifecycle steps the commands share: each runs an action (pipeline.ts, topics.ts) and hands what it
 * returned to report.ts. A new step is an action returning data, its report, and a few lines here.
 */

/** Services up, topics created, connector RUNNING: everything `make up` promises. */
export async function bringUp(rt: Runtime, ev: Evidence): Promise<void> {
  report.stackStarting(ev, rt);
  report.stackStarted(ev, await startStack(rt, (line) => ev.step(line)));
  report.kafkaTools(ev, rt.toolsDir);
  await createTopics(rt, ev);
  await deployConnector(rt, ev);
}

/**
 * The stack `make up` made, running, for a command that acts on it (make scale): services started
 * (idempotent), the topics created with make up's evidence only when one is missing (each kafka-topics
 * run is a JVM: seconds apiece on 2 cores), the connector RUNNING.
 */
export async function ensureRunning(rt: Runtime, ev: Evidence): Promise<void> {
  report.stackStarting(ev, rt);
  report.stackStarted(ev, await startStack(rt, (line) => ev.step(line)));
  const have = await withAdmin(rt.access.kafka('admin'), (a) => a.listTopics());
  const missing = loadTopics(rt.stack).filter((t) => !have.includes(t.name));
  if (missing.length > 0) await createTopics(rt, ev);
  else ev.step(`topics: all ${loadTopics(rt.stack).length} of config/topics.yaml exist`);
  await deployConnector(rt, ev);
}

export async function createTopics(rt: Runtime, ev: Evidence): Promise<void> {
  report.topicsCreated(ev, await ensureTopics(rt));
}

export async function deployConnector(rt: Runtime, ev: Evidence, opts: { timeoutMs?: number } = {}): Promise<void> {
  const plan = planConnector(rt);
  report.connectorPlanned(ev, plan);
  report.connectorApplied(ev, plan, await applyConnectorConfig(plan));
  const resumed = await resumeIfHalted(plan);
  if (resumed !== undefined) report.connectorResumed(ev, plan, resumed);
  report.connectorRunning(ev, plan, await waitConnectorRunning(plan, { timeoutMs: opts.timeoutMs, progress: (line) => ev.step(line) }));
  const geo = await backfillGeo(rt, plan);
  if (geo !== undefined) report.geoBackfilled(ev, geo);
}

/** The redis-cli evidence; returns the driver count. */
export async function snapshotRedis(rt: Runtime, ev: Evidence, samples = 3): Promise<number> {
  const snap = await redisSnapshot(rt, samples);
  report.redisSnapshotShown(ev, snap);
  return snap.keys.length;
}

/** The mirror check (and, with the producer's ledger, the lost-update check) in the evidence; ok when Redis mirrors the topic. */
export async function checkMirror(rt: Runtime, ev: Evidence, ledger?: Ledger): Promise<{ ok: boolean; check: MirrorCheck; lost: number }> {
  const verdict = await verifyMirror(rt, ledger);
  report.mirrorReported(ev, rt.stack, verdict);
  return { ok: verdict.ok, check: verdict.check, lost: verdict.ledger?.lost.length ?? 0 };
}
