import { $ } from 'zx';
import { openRedis, type RedisAccess } from '../../shared/security.ts';
import { waitFor } from './wait.ts';

/** A cluster node as CLUSTER NODES lists it. */
export interface ClusterNode {
  id: string;
  host: string;
  port: number;
  primary: boolean;
  failed: boolean;
  /** A replica's primary (its node id). */
  replicaOf?: string;
  /** Slot ranges it serves (primaries), e.g. ["0-5460"]. */
  slots: string[];
}

/** CLUSTER NODES: `<id> <ip:port@bus[,host]> <flags> <primary> <ping> <pong> <epoch> <link> <slot>...` per line. */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((f) => f.length >= 8)
    .map((f) => {
      const [hostPort = ''] = (f[1] ?? '').split(/[@,]/);
      const colon = hostPort.lastIndexOf(':');
      const flags = (f[2] ?? '').split(',');
      return {
        id: f[0] as string,
        host: hostPort.slice(0, colon),
        port: Number(hostPort.slice(colon + 1)),
        primary: flags.includes('master'),
        failed: flags.includes('fail'),
        ...(f[3] && f[3] !== '-' ? { replicaOf: f[3] } : {}),
        slots: f.slice(8).filter((s) => !s.startsWith('[')),
      };
    });
}

/** The cluster as node `access` sees it now. */
export async function clusterNodes(access: RedisAccess): Promise<ClusterNode[]> {
  const r = openRedis(access, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    return parseClusterNodes(String(await r.cluster('NODES')));
  } finally {
    r.disconnect();
  }
}

/** The ports of the primaries serving slots, as node `access` sees the cluster now. */
export async function clusterPrimaries(access: RedisAccess): Promise<number[]> {
  return (await clusterNodes(access)).filter((n) => n.primary && !n.failed && n.slots.length > 0).map((n) => n.port);
}

export async function clusterInfo(access: RedisAccess): Promise<Record<string, string>> {
  const r = openRedis(access, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on('error', () => {});
  await r.connect();
  try {
    return Object.fromEntries(
      String(await r.cluster('INFO'))
        .split(/\r?\n/)
        .filter((l) => l.includes(':'))
        .map((l) => l.split(':', 2) as [string, string]),
    );
  } finally {
    r.disconnect();
  }
}

export interface ClusterSetup {
  /** Admin access to each node, node 1 (the seed) first. */
  nodes: RedisAccess[];
  /** redis-cli's login as admin: its arguments and environment (the password in REDISCLI_AUTH). */
  cli: { args: string[]; env: Record<string, string> };
  replicas: number;
  guard?: () => void;
}

/**
 * Makes the nodes one cluster the first time (`redis-cli --cluster create`: slots spread over the primaries,
 * one replica each); a restarted cluster reforms from each node's nodes.conf by itself. Either way returns
 * once every node says cluster_state:ok. Returns whether it created the cluster.
 */
export async function ensureRedisCluster(setup: ClusterSetup, log: (line: string) => void): Promise<boolean> {
  const seed = setup.nodes[0] as RedisAccess;
  const info = await clusterInfo(seed).catch((err: Error) => {
    // A Redis still running from REDIS_MODE=single answers "cluster support disabled".
    throw new Error(`CLUSTER INFO at ${seed.url}: ${err.message} (switching a stack between REDIS_MODE=single and cluster needs make down WIPE=1 first)`);
  });
  const fresh = info.cluster_slots_assigned === '0' && info.cluster_known_nodes === '1';
  if (fresh) {
    const addrs = setup.nodes.map((n) => new URL(n.url).host);
    const cli = ['redis-cli', ...setup.cli.args, '--cluster', 'create', ...addrs, '--cluster-replicas', String(setup.replicas), '--cluster-yes'];
    await $({ quiet: true, env: { ...process.env, ...setup.cli.env } })`${cli}`.catch((err: Error) => {
      // A node that already holds keys (a stack that ran with REDIS_MODE=single) is refused by redis-cli.
      throw new Error(`create the Redis Cluster of ${addrs.join(' ')} (redis-cli --cluster create): ${err.message.trim()} (switching a stack between REDIS_MODE=single and cluster needs make down WIPE=1 first)`);
    });
    log(`Redis Cluster created: ${addrs.join(' ')} (${setup.nodes.length / (1 + setup.replicas)} primaries, ${setup.replicas} replica each)`);
  }
  await waitFor(
    async () => {
      for (const n of setup.nodes) if ((await clusterInfo(n).catch(() => ({}) as Record<string, string>)).cluster_state !== 'ok') return false;
      return true;
    },
    { what: `every Redis Cluster node (${setup.nodes.map((n) => new URL(n.url).port).join(', ')}) to report cluster_state:ok`, timeoutMs: 60_000, guard: setup.guard },
  );
  return fresh;
}
