import { join } from 'node:path';
import type { NearestAnswer } from './app/drivers.ts';
import { nearestTable } from './app/format.ts';
import { dashboardUrl, mapUrl } from './app/session.ts';
import { describeChange, type ApplyOutcome, type ConfigChange, type RunningResult } from './connect.ts';
import type { Evidence } from './evidence.ts';
import type { PartitionState } from './kafka-admin.ts';
import { DIFFERENCE_KINDS } from './mirror-check.ts';
import type { ConnectorPlan, GeoBackfill, MirrorCheck, MirrorVerdict, RedisSnapshot, StackStarted } from './pipeline.ts';
import type { PrometheusClient } from './prometheus.ts';
import type { Marker } from './render/svg-chart.ts';
import type { Runtime } from './runtime/types.ts';
import type { SinkAssignment } from './sink-assignment.ts';
import type { TopicEvidence } from './topics.ts';
import type { Stack } from '../../shared/stack.ts';
import { KAFKA_TOOLS, pathLine, type KafkaToolSpec } from './kafka-tools.ts';

/*
 * The one place that turns what the actions (pipeline.ts, chaos.ts, topics.ts) returned into evidence:
 * REPORT.md sections, printed lines, picture captions and the course deliverables table.
 */

const seconds = (ms: number, digits = 2) => `${(ms / 1000).toFixed(digits)} s`;

// ---- the course deliverables, named once ----

export const DELIVERABLE = {
  topology: '(1) topology',
  topics: '(2) topic creation command + describe',
  connector: '(3) connector JSON + curl + status',
  mirror: '(5) redis-cli snapshot + mirror check',
  chaos: '(6) chaos timeline and verdict',
  app: '(extra) delivery app: nearest drivers + live map',
} as const;

/** Deliverables (1) to (3): what bringUp's sections prove. */
export function bringUpDeliverables(ev: Evidence): void {
  ev.deliverable(DELIVERABLE.topology, '"Start the … stack" section');
  ev.deliverable(DELIVERABLE.topics, '"Topics" section');
  ev.deliverable(DELIVERABLE.connector, '"Connector" section');
}

// ---- bring-up ----

export function stackStarting(ev: Evidence, rt: Runtime): void {
  ev.section(`Start the ${rt.name} stack`);
}

export function stackStarted(ev: Evidence, s: StackStarted): void {
  ev.ok(`all services ready in ${seconds(s.ms, 1)}`);
  ev.block('text', s.topology, 'Topology');
}

/** Where Kafka's own tools are, as this stack runs them (logged in, bootstrap given): the one line to paste. */
export function kafkaTools(ev: Evidence, toolsDir: string): void {
  const listed = Object.entries(KAFKA_TOOLS as Record<string, KafkaToolSpec>).filter(([, t]) => t.listed).map(([n]) => n);
  ev.block('bash', pathLine(toolsDir), `Kafka's tools for this stack (${listed.join(', ')}), each logged in as a principal that may do what it does; put them on PATH with`);
}

export function topicsCreated(ev: Evidence, topics: TopicEvidence[]): void {
  ev.section('Topics (config/topics.yaml)');
  for (const t of topics) {
    ev.step(`${t.topic.name}: ${t.topic.purpose}`);
    ev.command(t.command, t.output);
    ev.command(t.describeCommand, t.describe);
  }
}

export function connectorPlanned(ev: Evidence, plan: ConnectorPlan): void {
  ev.section(`Connector ${plan.name} (config/connectors/${plan.name}.json)`);
  ev.block('json', JSON.stringify(plan.config, null, 2), 'Connector configuration');
  ev.step(`the worker resolves \${env:…} from its environment: ${Object.entries(plan.env).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  ev.block('bash', plan.curl, 'Equivalent curl (PUT creates or updates; sent only when the config changed)');
}

export function connectorApplied(ev: Evidence, plan: ConnectorPlan, r: { outcome: ApplyOutcome; changes: ConfigChange[] }): void {
  const url = plan.connectUrl;
  if (r.outcome === 'unchanged') ev.ok(`connector config unchanged (GET ${url}/connectors/${plan.name}/config equals the file): not sent, connector not restarted`);
  else if (r.outcome === 'created') ev.ok(`connector config created (PUT ${url}/connectors/${plan.name}/config)`);
  else ev.ok(`connector config updated (PUT; Connect restarts the connector): ${r.changes.map(describeChange).join('; ')}`);
}

export function connectorResumed(ev: Evidence, plan: ConnectorPlan, from: 'STOPPED' | 'PAUSED'): void {
  ev.step(`connector ${plan.name} was ${from}: PUT ${plan.connectUrl}/connectors/${plan.name}/resume`);
}

export function connectorRunning(ev: Evidence, plan: ConnectorPlan, { status, recoveries }: RunningResult): void {
  ev.block('json', JSON.stringify(status, null, 2), `curl -s ${plan.curlAuth}${plan.connectUrl}/connectors/${plan.name}/status`);
  ev.ok(`connector ${plan.name} RUNNING with ${status.tasks.length} tasks${recoveries.length > 0 ? ` after ${recoveries.length} restart(s) to clear a stale UNASSIGNED status` : ''}`);
}

export function geoBackfilled(ev: Evidence, r: GeoBackfill): void {
  const what = `GEO index ${r.key} checked against ${r.checked} driver hashes and members`;
  if (r.set + r.removed === 0) ev.step(`${what}: in line`);
  else ev.ok(`${what}: ${r.set} members added or moved to their hash's position, ${r.removed} removed (no hash, ${r.rules.excludeStatus} or no valid position)`);
}

// ---- Redis and the mirror check ----

/** The redis-cli evidence: driver count by SCAN (DBSIZE also counts non-driver keys), samples. */
export function redisSnapshotShown(ev: Evidence, snap: RedisSnapshot): void {
  ev.section('Redis: one current record per driver (redis-cli)');
  for (const scan of snap.scans) ev.command(`${scan.display} | wc -l`, String(scan.stdout.split('\n').filter(Boolean).length));
  if (snap.scans.length > 1) ev.step(`${snap.keys.length} driver keys over the ${snap.scans.length} primaries of the Redis Cluster (SCAN sees one node; each key is on the primary of its bucket's slot)`);
  for (const dbsize of snap.dbsizes) ev.command(dbsize.display, dbsize.stdout.trim());
  ev.step('DBSIZE counts every key in the database; the driver count is the SCAN above, which matches only driver:* keys.');
  for (const h of snap.samples) ev.command(h.display, h.stdout.trimEnd());
}

/** The mirror check's verdict, difference by difference (the first 20 of each list). */
export function mirrorReported(ev: Evidence, stack: Stack, v: MirrorVerdict): void {
  const { check } = v;
  ev.section(`Mirror check: ${stack.topics.locations} folded to its last value per key vs Redis`);
  ev.step(`read ${check.records} records: ${check.tombstones} tombstones, ${check.unreadable} the sink rejects (DLQ), ${check.superseded} older than an event already seen → ${check.expected} live drivers`);
  ev.step(`Redis holds ${check.inRedis} driver keys; ${check.matching} match field by field`);
  if (check.geo !== undefined) ev.step(`GEO index ${check.geo.key}: ${check.geo.members} members, checked against the hashes (every driver not excluded by its status, at its latitude/longitude)`);
  ev.step(DIFFERENCE_KINDS.map((k) => `${k}: ${check.differences.filter((d) => d.kind === k).length}`).join(', '));
  for (const d of check.differences.slice(0, 20)) ev.fail(`${d.kind} ${d.driver}: ${d.detail}`);
  const lost = v.ledger?.lost.length ?? 0;
  if (v.ledger !== undefined) {
    ev.step(`producer ledger: ${v.ledger.drivers} drivers whose last event Kafka acknowledged; ${lost} of them not current in Redis`);
    for (const d of v.ledger.lost.slice(0, 20)) ev.fail(`lost update ${d.driver}: ${d.detail}`);
  }
  if (v.ok) ev.ok(`Redis mirrors the topic: ${check.matching}/${check.expected} drivers, one current record each`);
  else ev.fail(`Redis differs from the topic in ${check.differences.length} places${lost > 0 ? `; ${lost} acknowledged updates lost` : ''}`);
}

/** Leaders and ISR per partition, as a small table. */
export function partitionTable(parts: PartitionState[]): string {
  return parts.map((p) => `partition ${p.partition}  leader ${p.leader}  replicas [${p.replicas.join(',')}]  isr [${p.isr.join(',')}]`).join('\n');
}

// ---- pictures ----
// The renderers load Chromium's driver (playwright-core): imported when a picture is drawn, so the
// text-only users of this module (status, validate-redis) start without it.

/** The dashboard over [from, to] as a PNG in the evidence: Grafana's own where it runs, else rendered from Prometheus. */
export function dashboardPicture(ev: Evidence, rt: Runtime, file: string, caption: string, range: { from: number; to: number; markers?: Marker[]; subtitle: string }): Promise<boolean> {
  return ev.picture(file, caption, async () => {
    const { snapshotDashboard } = await import('./snapshot.ts');
    const source = await snapshotDashboard(rt, file, range);
    return source === 'grafana' ? 'Grafana' : 'dashboard JSON rendered from Prometheus';
  });
}

export function mapPicture(ev: Evidence, pageUrl: string, file: string, caption: string): Promise<boolean> {
  return ev.picture(file, caption, async () => {
    const { screenshotMap } = await import('./render/screenshot.ts');
    await screenshotMap(pageUrl, file);
  });
}

// ---- make chaos ----

export const CHAOS_PHASES = ['1-before', '2-during', '3-after'] as const;
export type ChaosPhase = (typeof CHAOS_PHASES)[number];

/** The captions of a phase's dashboard and map pictures. */
export function chaosCaptions(phase: ChaosPhase, victim: string | undefined, holdS: number): { dashboard: string; map: string } {
  if (phase === '1-before') return { dashboard: 'Before the stop', map: 'before the stop' };
  if (phase === '2-during') return { dashboard: `During: ${victim} down for ${holdS} s`, map: `${victim} down for ${holdS} s` };
  return { dashboard: 'After: broker back, ISR full', map: 'broker back, ISR full' };
}

/** The app's live dashboard page (/dashboard) as a PNG in the evidence: what a browser shows at that moment. */
export function liveDashboardPicture(ev: Evidence, pageUrl: string, file: string, caption: string): Promise<boolean> {
  return ev.picture(file, caption, async () => {
    const { screenshotLiveDashboard } = await import('./render/screenshot.ts');
    await screenshotLiveDashboard(pageUrl, file, '5m');
  });
}

/**
 * A chaos phase's pictures: the dashboard since the start of the load, the live map now, and during
 * the stop the live dashboard page as a browser shows it then.
 */
export async function chaosPictures(ev: Evidence, rt: Runtime, phase: ChaosPhase, c: { victim?: string; holdS: number; sinceMs: number; markers: Marker[]; appUrl: string }): Promise<void> {
  const caption = chaosCaptions(phase, c.victim, c.holdS);
  const to = Math.ceil(Date.now() / 1000);
  await dashboardPicture(ev, rt, join(ev.dir, `dashboard-${phase}.png`), caption.dashboard, { from: Math.floor(c.sinceMs / 1000) - 30, to, markers: c.markers, subtitle: caption.dashboard });
  await mapPicture(ev, c.appUrl, join(ev.dir, `map-${phase}.png`), `Live map: ${caption.map}`);
  if (phase === '2-during') await liveDashboardPicture(ev, c.appUrl, join(ev.dir, `live-dashboard-${phase}.png`), `Live dashboard page (/dashboard): ${caption.map}`);
}

export function chaosTimelinePicture(ev: Evidence, prom: PrometheusClient, c: { fromMs: number; toMs: number; markers: Marker[]; title: string }): Promise<boolean> {
  const file = join(ev.dir, 'timeline.png');
  return ev.picture(file, 'Timeline of the key metrics around the stop', async () => {
    const [{ renderTimelineHtml }, { screenshotHtml }] = await Promise.all([import('./render/timeline.ts'), import('./render/screenshot.ts')]);
    const { html, width, height } = await renderTimelineHtml(prom, Math.floor(c.fromMs / 1000) - 15, Math.ceil(c.toMs / 1000), c.markers, c.title);
    await screenshotHtml(html, file, width, height);
  });
}

export function chaosLoadStarted(ev: Evidence, rt: Runtime, o: { rate: number; drivers: number }): void {
  ev.step(`producing ~${o.rate} events/s from ${o.drivers} drivers; live view every 2 s`);
  ev.step(watchLive(rt));
}

/** Where to watch a run in a browser: the pages `make map` serves. */
function watchLive(rt: Runtime): string {
  return `watch it live (make map in another terminal): map ${mapUrl(rt)} · dashboard ${dashboardUrl(rt)}`;
}

/** The section of the stop, with the partitions before it. */
export function brokerStopping(ev: Evidence, o: { kill: boolean; controller: boolean; chosen: boolean }, victim: number, before: PartitionState[]): void {
  const why = o.controller ? ' (the active controller)' : o.chosen ? '' : ' (leads the most partitions)';
  ev.section(`${o.kill ? 'Kill (SIGKILL, no controlled shutdown)' : 'Stop'} broker ${victim}${why}`);
  ev.block('text', partitionTable(before), 'Before');
}

export function brokerStopped(ev: Evidence, name: string, atMs: number): void {
  ev.ok(`${name} stopped at ${new Date(atMs).toISOString()}`);
}

export function writesResumed(ev: Evidence, name: string, afterMs: number, during: PartitionState[]): void {
  ev.ok(`writes resumed ${seconds(afterMs)} after the stop`);
  ev.block('text', partitionTable(during), `During: leaders moved off ${name}, ISR without it`);
}

export function brokerRestarting(ev: Evidence, victim: number): void {
  ev.section(`Restart broker ${victim}`);
}

export function brokerBack(ev: Evidence, name: string, replicatedAfterMs: number, after: PartitionState[]): void {
  ev.ok(`${name} back; every partition fully replicated ${seconds(replicatedAfterMs)} after the restart`);
  ev.block('text', partitionTable(after), 'After');
}

export interface ChaosOutcome {
  victim: string;
  kill: boolean;
  controller: boolean;
  acknowledged: number;
  retriedBatches: number;
  lost: number;
  resumedAfterMs: number;
  replicatedAfterMs: number;
  moved: { moved: number; of: number };
  ok: boolean;
}

export function chaosMoved(ev: Evidence, victim: string, m: { moved: number; of: number }): void {
  const moving = `${m.moved} of the load's ${m.of} drivers on the map moved while ${victim} was down (positions in Redis at the stop vs now)`;
  if (m.moved > 0) ev.ok(moving);
  else ev.fail(moving);
}

/** The verdict block and deliverables (4) to (6). */
export function chaosVerdict(ev: Evidence, o: ChaosOutcome, pictures: boolean): void {
  ev.block('text', [
    `broker ${o.kill ? 'killed ' : 'stopped'}          ${o.victim}${o.controller ? ' (active controller)' : ''}`,
    `events acknowledged     ${o.acknowledged} (${o.retriedBatches} batches retried)`,
    `records lost            ${o.lost} (acknowledged by Kafka, not current in Redis)`,
    `writes resumed after    ${seconds(o.resumedAfterMs)}`,
    `fully replicated after  ${seconds(o.replicatedAfterMs)} from the restart`,
    `moved on the map, down  ${o.moved.moved} of ${o.moved.of} drivers`,
    `verdict                 ${o.ok ? 'PASS: no acknowledged update was lost, Redis mirrors the topic, the map kept moving' : 'FAIL'}`,
  ].join('\n'));
  const files = (kind: string) => CHAOS_PHASES.map((p) => `${kind}-${p}.png`).join(', ');
  ev.deliverable('(4) dashboard before / during / after a broker stop', pictures ? `${files('dashboard')}, live-dashboard-2-during.png (the live page) and the live map: ${files('map')}` : 'skipped (--no-pictures)');
  ev.deliverable(DELIVERABLE.mirror, '"Mirror check" section (run ./scripts/validate-redis.mjs for the redis-cli snapshot)');
  ev.deliverable(DELIVERABLE.chaos, `${pictures ? 'timeline.png and ' : ''}"Verdict" section: ${o.ok ? 'PASS' : 'FAIL'}, ${o.lost} records lost`);
}

// ---- make demo ----

export function sinkOwnsPartitions(ev: Evidence, owned: SinkAssignment): void {
  ev.ok(`sink tasks own all ${owned.partitions} partitions (group ${owned.state}, ${owned.members} consumers): producing now measures the pipeline, not a rebalance`);
}

export function demoProducing(ev: Evidence, o: { events: number; drivers: number; rate: number; seed: string }): void {
  ev.section(`Produce ${o.events} events from ${o.drivers} simulated drivers`);
  ev.step(`same as: producer/bin/produce.mjs --drivers ${o.drivers} --count ${o.events} --rate ${o.rate} --seed ${o.seed}`);
}

export function producerConnected(ev: Evidence, topic: string, seededDrivers: number, ms: number): void {
  ev.step(`producer connected and read ${topic} for ${seededDrivers} drivers' newest timestamps in ${seconds(ms, 1)}`);
}

export function demoProduced(ev: Evidence, p: { sent: number; ms: number; rate: number; drivers: number }): void {
  ev.ok(`${p.sent} events acknowledged (acks=all) in ${seconds(p.ms, 1)}: ${p.rate} events/s; ${p.drivers} drivers`);
}

export function sinkCaughtUp(ev: Evidence, lagMs: number): void {
  ev.section('Sink catch-up');
  ev.ok(`Redis held every driver's last acknowledged event ${seconds(lagMs, 1)} after the last send`);
}

export function appSideStarting(ev: Evidence): void {
  ev.section("The delivery app's side: nearest drivers and the live map");
}

export function nearestAnswered(ev: Evidence, rt: Runtime, q: { lat: number; lon: number; path: string }, answer: NearestAnswer): void {
  ev.command(`./scripts/nearest.mjs --lat ${q.lat} --lon ${q.lon} --radius-km 5 --limit 5   # or, with make map running: curl -s ${rt.access.appCurlAuthDisplay()}'${mapUrl(rt).slice(0, -1)}${q.path}'`, nearestTable(answer));
}

export function appSideShown(ev: Evidence, rt: Runtime): void {
  ev.ok(`live map and API: make map → ${mapUrl(rt)} (GEOSEARCH on ${rt.stack.redisGeoKey}, which the sink keeps in the same write as each driver's hash)`);
  ev.step(watchLive(rt));
}

export function compactionShown(ev: Evidence, topic: string, offsets: number, check: MirrorCheck): void {
  ev.section('Compaction');
  ev.step(`offsets written to ${topic} so far: ${offsets}; records a full read returns now: ${check.records}; live keys: ${check.expected}`);
  ev.step(check.records < offsets
    ? `compaction already removed ${offsets - check.records} superseded records (only closed segments are compacted; the active one keeps its history until it rolls)`
    : 'no segment has been compacted yet (segments roll every 10 s; run validate-redis again shortly to see it)');
}

export interface DemoOutcome {
  runtime: string;
  sent: number;
  rate: number;
  drivers: number;
  lagMs: number;
  mirror: { ok: boolean; matching: number; expected: number };
  nearest: number;
  pictures: { dashboard: boolean; map: boolean; live: boolean };
}

/** Deliverables (1) to (6) and the app's, then the summary block. */
export function demoSummary(ev: Evidence, d: DemoOutcome): void {
  bringUpDeliverables(ev);
  ev.deliverable('(4) dashboard pictures', `${d.pictures.dashboard ? 'dashboard.png' : 'skipped (see "Dashboard")'} (before/during/after a broker stop: make chaos)`);
  ev.deliverable(DELIVERABLE.mirror, `"Redis" and "Mirror check" sections: ${d.mirror.ok ? 'PASS' : 'FAIL'}`);
  ev.deliverable(DELIVERABLE.chaos, 'make chaos writes its own report');
  ev.deliverable(DELIVERABLE.app, `"The delivery app's side" section: ${d.nearest} nearest AVAILABLE drivers${d.pictures.map ? ', map.png' : ''}${d.pictures.live ? ', live-dashboard.png' : ''}`);
  ev.section('Summary');
  ev.block('text', [
    `runtime            ${d.runtime}`,
    `events produced    ${d.sent} (${d.rate} events/s)`,
    `drivers            ${d.drivers}`,
    `sink caught up in  ${seconds(d.lagMs, 1)}`,
    `mirror check       ${d.mirror.ok ? 'PASS' : 'FAIL'} (${d.mirror.matching}/${d.mirror.expected} drivers match)`,
  ].join('\n'));
}
