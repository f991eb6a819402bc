import { ConnectClient, sinkGroupId, type ConnectorConfig } from './connect.ts';
import type { Evidence } from './evidence.ts';
import type { MirrorCheck } from './pipeline.ts';
import { waitForGroupCatchUp, type GroupProgress } from './readiness.ts';
import type { Runtime } from './runtime/types.ts';
import { countMatching, sinkKeyPatterns, unlinkMatching } from './sink-keys.ts';
import { connectStore } from './redis-store.ts';
import { checkMirror, snapshotRedis } from './steps.ts';

/** The Connect REST offsets API's DELETE (reset) arrived in Kafka 3.6 (KIP-875). */
const OFFSETS_RESET_SINCE: [number, number] = [3, 6];

export function supportsOffsetReset(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return major > OFFSETS_RESET_SINCE[0] || (major === OFFSETS_RESET_SINCE[0] && minor >= OFFSETS_RESET_SINCE[1]);
}

/** The topics a sink connector reads, from its stored config (a regex subscription cannot be waited on). */
export function sinkTopics(name: string, config: ConnectorConfig): string[] {
  if (config['topics.regex'] !== undefined) throw new Error(`connector ${name} subscribes by topics.regex: rebuild-redis needs an explicit topics list`);
  const topics = (config.topics ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (topics.length === 0) throw new Error(`connector ${name} has no topics in its config`);
  return topics;
}

export interface RebuildResult {
  ok: boolean;
  deleted: number;
  replayed: GroupProgress;
  check: MirrorCheck;
}

const pct = (p: GroupProgress) => (p.total === 0n ? 100 : Number((p.done * 1000n) / p.total) / 10);

/**
 * Redis holds something the topic does not (keys deleted behind the sink's back with its offsets kept, a
 * foreign or corrupt value, a changed mapping): rebuild every key the sink owns from the topic. What Redis
 * simply lost (a crash, a failover, a flush) the sink replays by itself from the offsets it keeps there. Stop the connector, delete
 * the sink's keys (and only those), reset the connector's offsets so its consumer group starts at
 * the beginning, resume, wait until the group has replayed the topic to the end offsets, and prove
 * with the mirror check that Redis equals the topic's fold. The sink's write keeps the newest
 * timestamp per driver, so replaying the whole log rebuilds what it wrote the first time — except
 * where compaction already removed a newer record that a late (older) one for the same driver
 * followed: the topic no longer holds it, so neither the replay nor the mirror check can.
 */
export async function rebuildRedis(rt: Runtime, ev: Evidence, opts: { catchUpTimeoutMs: number }): Promise<RebuildResult> {
  const name = rt.stack.connect.connectorName;
  const url = rt.addresses.connectUrl;
  const client = new ConnectClient(rt.access.connect());

  ev.section(`Connector ${name} before the rebuild`);
  const version = await client.version();
  if (!supportsOffsetReset(version)) throw new Error(`Kafka Connect at ${url} runs ${version}: resetting a connector's offsets needs ${OFFSETS_RESET_SINCE.join('.')} or newer`);
  const config = await client.getConfig(name);
  if (config === undefined) throw new Error(`connector ${name} not found at ${url}: run make up first`);
  const reset = config['consumer.override.auto.offset.reset'];
  // With no committed offset the sink's consumer starts where auto.offset.reset says; Connect's default is earliest.
  if (reset !== undefined && reset !== 'earliest') throw new Error(`connector ${name} sets consumer.override.auto.offset.reset=${reset}: after an offset reset it would not replay from the beginning`);
  const topics = sinkTopics(name, config);
  const groupId = sinkGroupId(name, config);
  const tasks = Number(config['tasks.max'] ?? '1');
  ev.step(`Kafka Connect ${version} at ${url}; ${name} reads ${topics.join(', ')} as consumer group ${groupId} with ${tasks} tasks`);
  const before = await client.status(name);
  ev.step(`connector ${before.connector.state}, tasks [${before.tasks.map((t) => `${t.id}:${t.state}`).join(' ')}]`);

  ev.section(`Stop ${name}`);
  ev.command(`curl -sS ${rt.access.curlAuthDisplay()}-X PUT ${url}/connectors/${name}/stop`);
  await client.stop(name);
  const stopped = await client.waitStopped(name);
  ev.ok(`connector ${stopped.connector.state}, ${stopped.tasks.length} tasks: nothing writes to Redis or commits offsets now`);

  try {
    ev.section('Delete the sink\'s keys from Redis (SCAN + UNLINK, never FLUSHALL)');
    // One Redis, or every primary of a Redis Cluster (SCAN and DBSIZE see one node each).
    const store = await connectStore(rt.access.redis('admin'), rt.stack);
    const nodes = store.primaries();
    const dbsize = async () => (await Promise.all(nodes.map((n) => n.dbsize()))).reduce((a, b) => a + b, 0);
    let deleted = 0;
    try {
      const sizeBefore = await dbsize();
      for (const keys of sinkKeyPatterns(rt.stack)) {
        let n = 0;
        for (const node of nodes) n += await unlinkMatching(node, keys, 500);
        ev.step(`${keys.pattern} (${keys.type}): ${n} keys unlinked (batches of 500${nodes.length > 1 ? `, on each of the ${nodes.length} primaries` : ''})`);
        deleted += n;
      }
      const sizeAfter = await dbsize();
      let left = 0;
      for (const node of nodes) for (const k of sinkKeyPatterns(rt.stack)) left += await countMatching(node, k);
      if (left > 0) throw new Error(`${store.target}: ${left} sink keys still present after UNLINK`);
      ev.ok(`DBSIZE ${sizeBefore} → ${sizeAfter}: ${deleted} sink keys deleted, ${sizeAfter} other keys untouched`);
    } finally {
      store.disconnect();
    }

    ev.section(`Reset the offsets of ${name} to the beginning`);
    const answer = await client.resetOffsets(name);
    ev.command(`curl -sS ${rt.access.curlAuthDisplay()}-X DELETE ${url}/connectors/${name}/offsets`, JSON.stringify(answer ?? {}));
    if (typeof answer?.message !== 'string' || !/reset successfully/i.test(answer.message)) {
      throw new Error(`DELETE offsets of connector ${name} at ${url}: unexpected answer ${JSON.stringify(answer)}`);
    }
    ev.step(`the sink's own offsets (${rt.stack.redisOffsetsKey}) went with its keys, so its tasks replay from the beginning; this reset keeps the group's lag true`);
    const offsets = await client.offsets(name);
    ev.command(`curl -sS ${rt.access.curlAuthDisplay()}${url}/connectors/${name}/offsets`, JSON.stringify(offsets));
    if (offsets.offsets.length > 0) throw new Error(`GET offsets of connector ${name} at ${url}: ${offsets.offsets.length} offsets left after the reset`);
    ev.ok(`no committed offsets left for ${groupId}: the tasks start at the beginning of ${topics.join(', ')} (auto.offset.reset=earliest)`);

    ev.section(`Resume ${name} and replay`);
    ev.command(`curl -sS ${rt.access.curlAuthDisplay()}-X PUT ${url}/connectors/${name}/resume`);
    await client.resume(name);
    const { recoveries } = await client.waitRunning(name, tasks, { log: (l) => ev.step(l) });
    ev.ok(`connector RUNNING with ${tasks} tasks${recoveries.length > 0 ? ` (after ${recoveries.length} restart(s) to clear a stale status)` : ''}`);
    const t0 = Date.now();
    let shown = 0;
    const replayed = await waitForGroupCatchUp(rt.access.kafka('admin'), groupId, topics, {
      timeoutMs: opts.catchUpTimeoutMs,
      progress: (p) => {
        if (Date.now() - shown < 3000) return;
        shown = Date.now();
        ev.step(`replayed ${p.done} of ${p.total} offsets (${pct(p)} %), ${p.behind.length} partitions behind`);
      },
    });
    ev.ok(`${groupId} caught up: ${replayed.done} offsets replayed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    await snapshotRedis(rt, ev);
    const { ok, check } = await checkMirror(rt, ev);
    if (check.unreadable > 0) ev.step(`the replay sent the ${check.unreadable} records the sink rejects to ${rt.stack.topics.dlq} again (one more copy each)`);
    return { ok, deleted, replayed, check };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    ev.fail(`rebuild stopped: ${msg}`);
    ev.fail(`connector ${name} may be left STOPPED: run make rebuild-redis again (make up resumes it as is)`);
    throw err;
  }
}
