// A private Redis Cluster of Debian's redis-server for the tests of the cluster design (connector/README.md,
// "Redis Cluster"): primaries with one replica each, made by redis-cli --cluster create, no persistence.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { requireCommand } from '../../scripts/lib/native/processes.ts';
import { ensureRedisCluster } from '../../scripts/lib/redis-cluster.ts';
import { waitForRedis } from '../../scripts/lib/readiness.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { exited, freePort } from './app-fixture.ts';

export interface ClusterNode {
  port: number;
  child: ChildProcess;
}

export interface TestRedisCluster {
  nodes: ClusterNode[];
  client: Cluster;
  /** A direct connection to the node on `port` (for FUNCTION LOAD on a primary, CLUSTER commands). */
  node(port: number): Redis;
  /** The primaries' ports, as the cluster says now. */
  primaries(): Promise<number[]>;
  stop(): Promise<void>;
}

/** `count` redis-server processes in cluster mode, not yet joined, on free ports (each with its own bus port and directory). */
export async function startClusterNodes(count: number): Promise<{ nodes: ClusterNode[]; stop: () => Promise<void> }> {
  const bin = requireCommand('redis-server', 'Redis Cluster tests');
  const dir = mkdtempSync(join(tmpdir(), 'rastro-redis-cluster-'));
  const nodes: ClusterNode[] = [];
  const stop = async () => {
    for (const n of nodes) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => exited(n.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const [port, bus] = [await freePort(), await freePort()];
      // Each node in its own directory: the cluster config file (nodes.conf) is per node.
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const child = spawn(bin, ['--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', '1000', '--save', '', '--appendonly', 'no', '--dir', nodeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
      child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
      nodes.push({ port, child });
      const guard = () => {
        if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited (${child.exitCode}): ${log.trim().split('\n').slice(-3).join(' | ')}`);
      };
      await waitForRedis({ url: `redis://127.0.0.1:${port}` }, 20_000, { guard });
    }
    return { nodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * `primaries` × (1 + `replicas`) redis-server processes in cluster mode, joined by the launcher's own step
 * (ensureRedisCluster: `redis-cli --cluster create`, then every node reporting cluster_state:ok).
 */
export async function startRedisCluster(o: { primaries?: number; replicas?: number } = {}): Promise<TestRedisCluster> {
  const primaries = o.primaries ?? 3;
  const replicas = o.replicas ?? 1;
  const started = await startClusterNodes(primaries * (1 + replicas));
  const nodes = started.nodes;
  const direct: Redis[] = [];
  const stop = async () => {
    for (const r of direct) r.disconnect();
    await started.stop();
  };
  try {
    await ensureRedisCluster({ nodes: nodes.map((n) => ({ url: `redis://127.0.0.1:${n.port}` })), cli: { args: [], env: {} }, replicas }, () => {});
    const node = (port: number) => {
      const r = new Redis(port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 });
      direct.push(r);
      return r;
    };
    const client = new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), { redisOptions: { maxRetriesPerRequest: 3 } });
    await waitFor(async () => (await client.cluster('INFO')).toString().includes('cluster_state:ok'), { what: 'the cluster client to see the cluster', timeoutMs: 30_000 });
    return {
      nodes,
      client,
      node,
      async primaries() {
        // CLUSTER SLOTS lists each range's primary first.
        return [...new Set((await client.cluster('SLOTS')).map((range) => Number(range[2]?.[1])))];
      },
      async stop() {
        client.disconnect();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
