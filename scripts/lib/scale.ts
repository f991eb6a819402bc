import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registeredBrokers, withAdmin } from './kafka-admin.ts';
import { ConfigResourceTypes, ConfigSource } from '../../producer/src/kafka.ts';
import { waitForBrokers } from './readiness.ts';
import type { CliResult, Runtime } from './runtime/types.ts';
import { waitFor } from './wait.ts';
import type { NodeId } from '../../shared/stack.ts';

/*
 * make scale's actions on a running cluster, all through Kafka's own tools: broker-only nodes added or
 * drained, partitions moved with kafka-reassign-partitions (generate, execute with a replication
 * throttle, verify until done, which also removes the throttle), leaders rebalanced with
 * kafka-leader-election, drained brokers unregistered with kafka-cluster. Each step returns what it did;
 * commands/scale.ts composes them and writes the evidence.
 */

/** One partition's replicas, as kafka-reassign-partitions reads and writes them. */
export interface PartitionAssignment {
  topic: string;
  partition: number;
  replicas: number[];
  log_dirs?: string[];
}

export interface Assignment {
  version: 1;
  partitions: PartitionAssignment[];
}

export interface PartitionPlacement extends PartitionAssignment {
  leader: number;
  isr: number[];
}

/** Leaders and replicas one broker holds, over every topic (internal ones included). */
export interface BrokerLoad {
  broker: number;
  leaders: number;
  replicas: number;
}

/** Every partition of every topic with its leader, replicas and ISR, sorted by topic and partition. */
export async function clusterPlacement(rt: Runtime): Promise<PartitionPlacement[]> {
  return withAdmin(rt.access.kafka('admin'), async (admin) => {
    const topics = (await admin.listTopics()).sort();
    const md = await admin.fetchTopicMetadata({ topics });
    return md.topics
      .flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] })))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  });
}

/** Leaders and replicas per broker: every broker of `brokers` listed, even one holding nothing. */
export function loadPerBroker(placement: readonly PartitionPlacement[], brokers: readonly number[]): BrokerLoad[] {
  const ids = [...new Set([...brokers, ...placement.flatMap((p) => p.replicas)])].sort((a, b) => a - b);
  return ids.map((broker) => ({
    broker,
    leaders: placement.filter((p) => p.leader === broker).length,
    replicas: placement.filter((p) => p.replicas.includes(broker)).length,
  }));
}

/** The per-broker table the evidence shows, before and after side by side. */
export function loadTable(before: readonly BrokerLoad[], after: readonly BrokerLoad[]): string {
  const ids = [...new Set([...before, ...after].map((b) => b.broker))].sort((a, b) => a - b);
  const of = (rows: readonly BrokerLoad[], id: number) => rows.find((r) => r.broker === id) ?? { broker: id, leaders: 0, replicas: 0 };
  const rows = ids.map((id) => {
    const b = of(before, id);
    const a = of(after, id);
    return [`kafka-${id}`, `${b.leaders} → ${a.leaders}`, `${b.replicas} → ${a.replicas}`];
  });
  const head = ['broker', 'leaders (before → after)', 'replicas (before → after)'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i] as number)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** The partitions that do not lie on `brokers` exactly as `want` says (replica order included: it sets the preferred leader). */
export function misplaced(placement: readonly PartitionPlacement[], want: Assignment): string[] {
  const at = new Map(placement.map((p) => [`${p.topic}-${p.partition}`, p.replicas.join(',')]));
  return want.partitions.filter((p) => at.get(`${p.topic}-${p.partition}`) !== p.replicas.join(',')).map((p) => `${p.topic}-${p.partition} on [${at.get(`${p.topic}-${p.partition}`) ?? 'missing'}], wanted [${p.replicas.join(',')}]`);
}

/** Partitions with a replica outside `brokers`. */
export function outside(placement: readonly PartitionPlacement[], brokers: readonly number[]): string[] {
  return placement.filter((p) => p.replicas.some((r) => !brokers.includes(r))).map((p) => `${p.topic}-${p.partition} [${p.replicas.join(',')}]`);
}

/** The JSON after `heading` in kafka-reassign-partitions' output (it prints each assignment on one line after its heading). */
export function assignmentAfter(output: string, heading: string): Assignment {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => l.trim().startsWith(heading));
  const json = at < 0 ? undefined : lines.slice(at + 1).find((l) => l.trim().startsWith('{'));
  if (json === undefined) throw new Error(`kafka-reassign-partitions: no "${heading}" in its output:\n${output}`);
  const parsed = JSON.parse(json) as Assignment;
  if (!Array.isArray(parsed.partitions)) throw new Error(`kafka-reassign-partitions: "${heading}" is not an assignment: ${json}`);
  return parsed;
}

/** The partitions whose replica list `proposed` changes (others are left out of the move). */
export function changedOnly(current: Assignment, proposed: Assignment): Assignment {
  const now = new Map(current.partitions.map((p) => [`${p.topic}-${p.partition}`, p.replicas.join(',')]));
  return { version: 1, partitions: proposed.partitions.filter((p) => now.get(`${p.topic}-${p.partition}`) !== p.replicas.join(',')).map(({ topic, partition, replicas }) => ({ topic, partition, replicas })) };
}

/** Partitions one --verify pass still sees moving (0: all done; that pass also cleared the throttles). */
export function stillMoving(output: string): number {
  return (output.match(/is still in progress/g) ?? []).length;
}

export interface MovePlan {
  brokers: NodeId[];
  /** What the cluster held, as the tool printed it: the rollback file. */
  current: Assignment;
  /** The partitions to move (the tool's proposal, minus those it leaves as they are). */
  move: Assignment;
  files: { topics: string; current: string; move: string };
  commands: CliResult[];
}

const reassign = (rt: Runtime, args: string[]) => rt.kafkaCli('kafka-reassign-partitions', ['--bootstrap-server', rt.cliBootstrap, ...args]);

/**
 * kafka-reassign-partitions --generate for every topic onto `brokers`; the files it works from and the
 * rollback file are written into `dir` (the evidence).
 */
export async function planMove(rt: Runtime, dir: string, brokers: NodeId[]): Promise<MovePlan> {
  const topics = [...new Set((await clusterPlacement(rt)).map((p) => p.topic))];
  const files = { topics: join(dir, 'topics-to-move.json'), current: join(dir, 'rollback.json'), move: join(dir, 'reassignment.json') };
  writeFileSync(files.topics, `${JSON.stringify({ version: 1, topics: topics.map((topic) => ({ topic })) }, null, 2)}\n`);
  const generated = await reassign(rt, ['--generate', '--topics-to-move-json-file', files.topics, '--broker-list', brokers.join(',')]);
  const current = assignmentAfter(generated.stdout, 'Current partition replica assignment');
  const move = changedOnly(current, assignmentAfter(generated.stdout, 'Proposed partition reassignment configuration'));
  writeFileSync(files.current, `${JSON.stringify(current)}\n`);
  writeFileSync(files.move, `${JSON.stringify(move)}\n`);
  return { brokers, current, move, files, commands: [generated] };
}

/** Starts the plan's moves with a replication throttle (bytes/s per broker, so the copies never starve the live traffic). */
export function startMove(rt: Runtime, plan: MovePlan, throttleBytes: number): Promise<CliResult> {
  return reassign(rt, ['--execute', '--reassignment-json-file', plan.files.move, '--throttle', String(throttleBytes)]);
}

export interface MoveResult {
  /** The last --verify: every move complete, throttles cleared. */
  verified: CliResult;
  verifyPasses: number;
  ms: number;
}

/** Runs --verify until every partition of the plan is done: that pass also removes the throttle. */
export async function waitMoveDone(rt: Runtime, plan: MovePlan, progress: (moving: number, of: number) => void, timeoutMs = 600_000): Promise<MoveResult> {
  const start = Date.now();
  let passes = 0;
  const last = await waitFor(
    async () => {
      passes++;
      const r = await reassign(rt, ['--verify', '--reassignment-json-file', plan.files.move]);
      const moving = stillMoving(r.stdout);
      progress(moving, plan.move.partitions.length);
      return moving === 0 ? r : false;
    },
    { what: `kafka-reassign-partitions --verify to find all ${plan.move.partitions.length} moves of ${plan.files.move} complete`, timeoutMs, intervalMs: 500, maxIntervalMs: 2000 },
  );
  return { verified: last, verifyPasses: passes, ms: Date.now() - start };
}

/**
 * kafka-reassign-partitions' (and kafka-leader-election's) output for the evidence: each one-line JSON assignment and each list of
 * partitions replaced by its count, per-partition "is completed" lines by one total; every other line as printed.
 */
export function condenseReassignOutput(output: string): string {
  const out: string[] = [];
  let completed = 0;
  const flush = () => {
    if (completed > 0) out.push(`Reassignment of ${completed} partition(s) is completed. (one line each, condensed)`);
    completed = 0;
  };
  for (const line of output.split('\n')) {
    if (/^Reassignment of partition \S+ is completed\.$/.test(line)) {
      completed++;
      continue;
    }
    flush();
    if (line.trim() === '') continue;
    if (line.trim().startsWith('{"version"')) {
      const n = (JSON.parse(line) as Assignment).partitions.length;
      out.push(`{"version":1,"partitions":[… ${n} partitions …]}`);
      continue;
    }
    // kafka-reassign-partitions --execute and kafka-leader-election end with the partitions they acted on.
    const list = /^(Successfully (?:started partition reassignments|completed leader election \(\w+\)) for )(?:partitions )?(.*)$/.exec(line);
    out.push(list ? `${list[1]}${(list[2] as string).split(',').length} partitions` : line);
  }
  flush();
  return out.join('\n');
}

/** A replication throttle setting on one broker or topic. */
export interface Throttle {
  type: 'brokers' | 'topics';
  entity: string;
  setting: string;
}

/** The dynamic configs a replication throttle consists of (kafka-reassign-partitions --throttle sets them, --verify removes them). */
const THROTTLE_CONFIGS = {
  brokers: ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'],
  topics: ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'],
} as const;

/** Config sources that mean "set on purpose": a topic's own, a broker's, the cluster-wide broker default. */
const SET_DYNAMICALLY = new Set<number>([ConfigSource.TOPIC_CONFIG, ConfigSource.DYNAMIC_BROKER_CONFIG, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG]);

/**
 * Replication throttles still set on any running node or topic; none once --verify has cleared them. Read with
 * one DescribeConfigs request (the Admin API), not kafka-configs: two tool JVMs cost 10-20 s on 2 cores under load.
 */
export async function throttlesLeft(rt: Runtime): Promise<Throttle[]> {
  return withAdmin(rt.access.kafka('admin'), async (admin) => {
    const topics = await admin.listTopics();
    // The brokers up now: a broker's own configs are described by that broker (a stopped one has none in effect).
    const brokers = (await admin.describeCluster()).brokers.map((b) => b.nodeId);
    const resources = [
      ...brokers.map((id) => ({ type: ConfigResourceTypes.BROKER, name: String(id), configNames: [...THROTTLE_CONFIGS.brokers] })),
      ...topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: [...THROTTLE_CONFIGS.topics] })),
    ];
    const r = await admin.describeConfigs({ resources, includeSynonyms: false });
    return r.resources.flatMap((res) =>
      res.configEntries
        .filter((e) => SET_DYNAMICALLY.has(e.configSource) && (e.configValue ?? '') !== '')
        .map((e) => ({ type: res.resourceType === ConfigResourceTypes.BROKER ? ('brokers' as const) : ('topics' as const), entity: res.resourceName, setting: e.configName })),
    );
  });
}

/** Deletes throttles an interrupted run left (its --verify never saw the moves done), with kafka-configs. */
export async function clearThrottles(rt: Runtime, left: readonly Throttle[]): Promise<CliResult[]> {
  const byEntity = new Map<string, Throttle[]>();
  for (const t of left) byEntity.set(`${t.type} ${t.entity}`, [...(byEntity.get(`${t.type} ${t.entity}`) ?? []), t]);
  const out: CliResult[] = [];
  for (const list of byEntity.values()) {
    const { type, entity } = list[0] as Throttle;
    out.push(await rt.kafkaCli('kafka-configs', ['--bootstrap-server', rt.cliBootstrap, '--alter', '--entity-type', type, '--entity-name', entity, '--delete-config', list.map((t) => t.setting).join(',')]));
  }
  return out;
}

/** Partitions still moving, as `kafka-reassign-partitions --list` prints them (none: an empty list). */
export function parseOngoing(output: string): string[] {
  return output.split('\n').filter((l) => /^\S+-\d+: replicas: /.test(l.trim())).map((l) => l.trim());
}

/** Partitions being reassigned now (kafka-reassign-partitions --list). */
export async function ongoingReassignments(rt: Runtime): Promise<string[]> {
  return parseOngoing((await reassign(rt, ['--list'])).stdout);
}

/** Waits until no reassignment runs (an interrupted run's moves go on inside Kafka until done). */
export async function waitNoReassignment(rt: Runtime, timeoutMs = 600_000): Promise<CliResult> {
  return waitFor(
    async () => {
      const r = await reassign(rt, ['--list']);
      return parseOngoing(r.stdout).length === 0 ? r : false;
    },
    { what: 'kafka-reassign-partitions --list to show no reassignment in progress', timeoutMs, intervalMs: 1000, maxIntervalMs: 5000 },
  );
}

/** Why the cluster is not yet `want`: nodes to add or remove, replicas outside it, brokers of it holding nothing. Empty: nothing to do. */
export function scaleWork(placement: readonly PartitionPlacement[], nodes: readonly NodeId[], want: readonly NodeId[]): string[] {
  const why: string[] = [];
  const adding = want.filter((id) => !nodes.includes(id));
  const removing = nodes.filter((id) => !want.includes(id));
  if (adding.length > 0) why.push(`add ${adding.map((id) => `kafka-${id}`).join(', ')}`);
  if (removing.length > 0) why.push(`remove ${removing.map((id) => `kafka-${id}`).join(', ')}`);
  const strays = outside(placement, want);
  if (strays.length > 0) why.push(`${strays.length} partition(s) with a replica outside ${want.join(',')}`);
  const idle = want.filter((id) => nodes.includes(id) && !placement.some((p) => p.replicas.includes(id)));
  if (idle.length > 0) why.push(`${idle.map((id) => `kafka-${id}`).join(', ')} hold(s) no replica (an earlier run stopped before moving?)`);
  return why;
}

/** Preferred leaders back in charge now, rather than at the next automatic rebalance (leader.imbalance.check.interval.seconds). */
export async function electPreferredLeaders(rt: Runtime): Promise<CliResult> {
  return rt.kafkaCli('kafka-leader-election', ['--bootstrap-server', rt.cliBootstrap, '--election-type', 'PREFERRED', '--all-topic-partitions']);
}

/** Starts broker-only nodes and waits until every one of `all` is registered. */
export async function addBrokers(rt: Runtime, ids: NodeId[], all: NodeId[]): Promise<void> {
  for (const id of ids) await rt.addBroker(id);
  await waitForBrokers(rt.access.kafka('admin'), 180_000, all);
}

/**
 * A drained broker-only node leaves: refused while it holds any replica; stopped with its state deleted
 * (Runtime.removeBroker), then unregistered (kafka-cluster unregister: KRaft forgets it, so no metadata
 * and no fenced-broker count keeps it), and waited for until the cluster no longer lists it.
 */
export async function removeBroker(rt: Runtime, id: NodeId): Promise<CliResult> {
  const left = outside(await clusterPlacement(rt), rt.nodes().filter((n) => n !== id));
  if (left.length > 0) throw new Error(`remove broker ${id}: it still holds replicas of ${left.length} partition(s), e.g. ${left.slice(0, 3).join(', ')}`);
  await rt.removeBroker(id);
  const r = await rt.kafkaCli('kafka-cluster', ['unregister', '--bootstrap-server', rt.cliBootstrap, '--id', String(id)]);
  await waitFor(async () => !(await registeredBrokers(rt.access.kafka('admin'))).includes(id), { what: `broker ${id} gone from the cluster's metadata`, timeoutMs: 60_000 });
  return r;
}
