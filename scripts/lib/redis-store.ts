import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { KeySpace } from '../../shared/key-space.ts';
import { redisAuth, type RedisAccess } from '../../shared/security.ts';
import type { Stack } from '../../shared/stack.ts';

/** A command runner both clients offer: keyed commands go to the key's node (Cluster) or the one Redis. */
export type RedisClient = Redis | Cluster;

/**
 * The serving store as readers see it: one Redis, or a Redis Cluster (REDIS_MODE=cluster), with the key space
 * the sink writes (shared/key-space.ts). Keyed commands go through `client` (a cluster client routes each by its
 * slot; with auto-pipelining, many commands in flight go as one pipeline per node). What has no key (SCAN, DBSIZE)
 * runs per primary: `primaries()`.
 */
export class RedisStore {
  private constructor(
    readonly client: RedisClient,
    readonly keys: KeySpace,
    /** "redis://host:port" or "Redis Cluster via redis://host:port": for messages. */
    readonly target: string,
  ) {}

  /**
   * Opens (lazily: call connect) one Redis, or the cluster found through `access.url` (its seed). `opts` are the
   * per-connection options; on a cluster lazyConnect, enableOfflineQueue and enableAutoPipelining apply to the
   * cluster client too, and a retryStrategy becomes its clusterRetryStrategy.
   */
  static open(access: RedisAccess, stack: Stack, opts: RedisOptions = {}): RedisStore {
    const keys = KeySpace.of(stack);
    if (!keys.clustered) return new RedisStore(new Redis(access.url, { ...redisAuth(access), ...opts }), keys, access.url);
    const seed = new URL(access.url);
    const { lazyConnect, enableOfflineQueue, enableAutoPipelining, retryStrategy, ...perNode } = opts;
    // Only what was given: an explicit undefined would replace ioredis's default.
    const given = Object.fromEntries(Object.entries({ lazyConnect, enableOfflineQueue, enableAutoPipelining }).filter(([, v]) => v !== undefined));
    const cluster = new Cluster([{ host: seed.hostname, port: Number(seed.port) }], {
      ...given,
      ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null } : {}),
      scaleReads: 'master',
      redisOptions: { ...redisAuth(access), ...perNode },
    });
    SEEDS.set(cluster, access.url);
    return new RedisStore(cluster, keys, `Redis Cluster via ${access.url}`);
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** One connection per primary: the one Redis, or each primary of the cluster as its client knows them now. */
  primaries(): Redis[] {
    return primariesOf(this.client);
  }

  /** SCAN MATCH `pattern` TYPE `type` over every primary, a batch at a time, with the node that holds the batch. */
  async *scan(pattern: string, type: string, count = 1000): AsyncGenerator<{ node: Redis; keys: string[] }> {
    for (const node of this.primaries()) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count, 'TYPE', type);
        if (keys.length > 0) yield { node, keys };
        cursor = next;
      } while (cursor !== '0');
    }
  }

  disconnect(): void {
    this.client.disconnect();
  }
}

/** One connection per primary of a client: the one Redis, or each primary a cluster client knows now. */
export function primariesOf(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** The seed each cluster client was opened with (ioredis keeps its startup nodes private). */
const SEEDS = new WeakMap<Cluster, string>();

/** A client's target, for messages: "redis host:port", or the cluster's seed. */
export function describeClient(client: RedisClient): string {
  if (!(client instanceof Cluster)) return `redis ${client.options.host}:${client.options.port}`;
  return `Redis Cluster via ${SEEDS.get(client) ?? '(unknown seed)'}`;
}

/** Opens a store and connects it; the caller disconnects. */
export async function connectStore(access: RedisAccess, stack: Stack, opts: RedisOptions = {}): Promise<RedisStore> {
  const store = RedisStore.open(access, stack, { lazyConnect: true, ...opts });
  await store.connect();
  return store;
}
