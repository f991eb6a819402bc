import { Redis } from 'ioredis';
import { clusterBrokers, withAdmin } from './kafka-admin.ts';
import { basicAuthHeader, redisAuth, type ConnectAccess, type KafkaAccess, type RedisAccess } from '../../shared/security.ts';
import { NODE_IDS } from '../../shared/stack.ts';
import { GiveUp, waitFor } from './wait.ts';

/** Extra options of every readiness wait: `guard` throws to stop waiting at once (a service died). */
export interface ReadyOptions {
  guard?: () => void;
}

/**
 * Every node (1..NODE_COUNT unless `expected` says) registered as a broker (only possible once the KRaft
 * quorum has elected a leader) and answering a request itself: a node killed moments ago stays in the
 * metadata until its session times out, so being listed is not being up.
 */
export async function waitForBrokers(kafka: KafkaAccess, timeoutMs = 180_000, expected: number[] = [...NODE_IDS], opts: ReadyOptions = {}): Promise<void> {
  await waitFor(
    async () => {
      const listed = await clusterBrokers(kafka);
      if (!expected.every((id) => listed.some((b) => b.nodeId === id))) return false;
      for (const b of listed.filter((x) => expected.includes(x.nodeId))) {
        await withAdmin({ ...kafka, brokers: [`${b.host}:${b.port}`] }, (admin) => admin.describeCluster()).catch((err: Error) => {
          throw new Error(`broker ${b.nodeId} is listed but does not answer at ${b.host}:${b.port}: ${err.message}`);
        });
      }
      return true;
    },
    { what: `brokers ${expected.join(',')} registered at ${kafka.brokers.join(',')} and answering`, timeoutMs, guard: opts.guard },
  );
}

export async function waitForConnectRest(connect: ConnectAccess, timeoutMs = 180_000, opts: ReadyOptions = {}): Promise<void> {
  const headers = basicAuthHeader(connect);
  await waitFor(
    async () => {
      const res = await fetch(connect.url, { headers, signal: AbortSignal.timeout(3000) });
      // A refused login will not get better by waiting.
      if (res.status === 401 || res.status === 403) throw new GiveUp(new Error(`Kafka Connect REST at ${connect.url}: ${res.status} for user ${connect.auth?.username ?? '(none)'}`));
      // The root answers before the worker has joined its group; the plugin list only after.
      if (!res.ok) return false;
      const plugins = await fetch(`${connect.url}/connector-plugins`, { headers, signal: AbortSignal.timeout(3000) });
      return plugins.ok;
    },
    { what: `Kafka Connect REST at ${connect.url}`, timeoutMs, guard: opts.guard },
  );
}

export async function waitForRedis(redis: RedisAccess, timeoutMs = 60_000, opts: ReadyOptions = {}): Promise<void> {
  await waitFor(
    async () => {
      // Bounded: something else listening on the port must fail the try, not hang it.
      const r = new Redis(redis.url, { ...redisAuth(redis), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000, commandTimeout: 3000 });
      // The failed try is the answer; without a listener ioredis prints it as unhandled.
      r.on('error', () => {});
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    },
    { what: `Redis at ${redis.url}${redis.username ? ` as ${redis.username}` : ''}`, timeoutMs, guard: opts.guard },
  );
}

/** Prometheus answers its readiness endpoint. */
export async function waitForPrometheus(prometheusUrl: string, timeoutMs = 60_000, opts: ReadyOptions = {}): Promise<void> {
  await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`, { signal: AbortSignal.timeout(3000) })).ok, { what: `Prometheus at ${prometheusUrl}`, timeoutMs, guard: opts.guard });
}

export interface GroupProgress {
  /** Offsets between each partition's start and the end offsets taken at the start of the wait. */
  total: bigint;
  /** Of those, offsets the group has committed past. */
  done: bigint;
  /** Partitions not yet caught up. */
  behind: string[];
}

/**
 * Waits until consumer group `groupId` has committed, on every partition of `topics`, at least the
 * end offset each partition had when the wait began (records produced meanwhile are not waited
 * for). An empty partition counts as caught up. `progress` is called after every poll.
 */
export async function waitForGroupCatchUp(
  kafka: KafkaAccess,
  groupId: string,
  topics: string[],
  opts: { timeoutMs: number; progress?: (p: GroupProgress) => void },
): Promise<GroupProgress> {
  return withAdmin(kafka, async (admin) => {
    const ends = new Map<string, { low: bigint; high: bigint }>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}-${p.partition}`, { low: BigInt(p.low), high: BigInt(p.high) });
    }
    return waitFor(
      async () => {
        const committed = new Map<string, bigint>();
        for (const t of await admin.fetchOffsets({ groupId, topics })) {
          for (const p of t.partitions) committed.set(`${t.topic}-${p.partition}`, BigInt(p.offset));
        }
        const progress: GroupProgress = { total: 0n, done: 0n, behind: [] };
        for (const [tp, { low, high }] of ends) {
          const c = committed.get(tp) ?? -1n;
          progress.total += high - low;
          progress.done += c < low ? 0n : (c > high ? high : c) - low;
          if (high > low && c < high) progress.behind.push(tp);
        }
        opts.progress?.(progress);
        if (progress.behind.length === 0) return progress;
        // Thrown, not returned: a timeout then names the partitions still behind.
        throw new Error(`${progress.done} of ${progress.total} offsets committed; behind: ${progress.behind.join(', ')}`);
      },
      { what: `consumer group ${groupId} to commit up to the end offsets of ${topics.join(', ')} at ${kafka.brokers.join(',')}`, timeoutMs: opts.timeoutMs, maxIntervalMs: 1000 },
    );
  });
}
