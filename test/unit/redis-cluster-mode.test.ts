import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NativeServices } from '../../scripts/lib/native/services.ts';
import { Redis } from 'ioredis';
import { ensureRedisCluster, parseClusterNodes } from '../../scripts/lib/redis-cluster.ts';
import { sinkKeyPatterns } from '../../scripts/lib/sink-keys.ts';
import { redisAclRules, SECRET_FILES, StackAccess } from '../../shared/security.ts';
import { loadStack } from '../../shared/stack.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { startRedis } from './app-fixture.ts';
import { startClusterNodes } from './redis-cluster-fixture.ts';

/** REDIS_MODE=cluster as the launcher and the grants see it (the stack itself: test/integration/redis-cluster.test.ts). */
const cluster = loadStack({ portOffset: 5000, env: { REDIS_MODE: 'cluster' } });
const single = loadStack({ portOffset: 5000, env: {} });

describe('REDIS_MODE=cluster', () => {
  it('reads CLUSTER NODES: primaries with their slots, replicas with their primary, a failed node flagged', () => {
    const nodes = parseClusterNodes(
      [
        'a1 127.0.0.1:21379@21479 myself,master - 0 0 1 connected 0-5460',
        'b2 127.0.0.1:21380@21480,host master - 0 1700000000000 2 connected 5461-10922 [5461->-c3]',
        'c3 127.0.0.1:21381@21481 master,fail - 1700000000000 1700000000000 3 disconnected',
        'd4 127.0.0.1:21382@21482 master - 0 1700000000000 7 connected 10923-16383',
        'e5 127.0.0.1:21383@21483 slave a1 0 1700000000000 1 connected',
        '',
      ].join('\n'),
    );
    expect(nodes.map((n) => [n.id, n.port, n.primary, n.failed, n.slots.join(' '), n.replicaOf])).toEqual([
      ['a1', 21379, true, false, '0-5460', undefined],
      ['b2', 21380, true, false, '5461-10922', undefined],
      ['c3', 21381, true, true, '', undefined],
      ['d4', 21382, true, false, '10923-16383', undefined],
      ['e5', 21383, false, false, '', 'a1'],
    ]);
  });

  it('starts six redis-server processes, each with its bus port and nodes.conf; a replica logs in as admin from a private file', () => {
    const home = mkdtempSync(join(tmpdir(), 'rastro-cluster-'));
    const secrets = join(home, 'secrets');
    const access = new StackAccess('on', [], `redis://127.0.0.1:${cluster.ports.redis}`, '', secrets);
    mkdirSync(secrets);
    writeFileSync(join(secrets, SECRET_FILES.redisPassword('admin')), 'admin-secret');
    const services = new NativeServices(cluster, home, access);
    expect(services.redisNodes()).toEqual(['redis', 'redis-2', 'redis-3', 'redis-4', 'redis-5', 'redis-6']);
    expect(services.names).toContain('redis-6');
    expect(services.ports('redis-3')).toEqual([cluster.ports.redis + 2, cluster.ports.redis + 102]);
    const spec = services.redis('redis-3');
    const args = spec.args.join(' ');
    expect(args).toContain(`--port ${cluster.ports.redis + 2}`);
    expect(args).toContain(`--cluster-enabled yes --cluster-config-file nodes.conf --cluster-port ${cluster.ports.redis + 102}`);
    // The password is in the included file (owner-only), never on the command line.
    expect(args).not.toContain('admin-secret');
    const included = spec.args[spec.args.indexOf('--include') + 1] as string;
    expect(readFileSync(included, 'utf8')).toBe('masteruser admin\nmasterauth admin-secret\n');
    expect(statSync(included).mode & 0o777).toBe(0o600);
    // One Redis: one process, no cluster settings.
    const one = new NativeServices(single, home, new StackAccess('off', [], '', '', secrets));
    expect(one.redisNodes()).toEqual(['redis']);
    expect(one.redis().args).not.toContain('--cluster-enabled');
  });

  it("grants the per-bucket keys and the cluster's topology commands, only on a cluster", () => {
    const rules = redisAclRules(cluster);
    expect(rules.sink).toContain('~drivers:geo:* ~sink-offsets:redis-sink:*');
    for (const user of ['sink', 'app', 'exporter'] as const) expect(rules[user]).toContain('+cluster|slots');
    expect(rules.app).toContain('%R~drivers:geo:*');
    const plain = redisAclRules(single);
    expect(plain.sink).toContain('~drivers:geo ~sink-offsets:redis-sink ');
    expect(plain.sink).not.toContain('cluster|');
    // rebuild-redis deletes the buckets' sets and offsets, and only those.
    expect(sinkKeyPatterns(cluster).map((k) => k.pattern)).toEqual(['driver:*', 'tombstone:driver:*', 'drivers:geo:{*}', 'sink-offsets:redis-sink:{*}']);
    expect(sinkKeyPatterns(single).map((k) => k.pattern)).toEqual(['driver:*', 'tombstone:driver:*', 'drivers:geo', 'sink-offsets:redis-sink']);
  });

  it('make up joins fresh nodes once, leaves a formed cluster alone, and refuses a node holding data, naming the way out', async () => {
    const fresh = await startClusterNodes(3);
    const held = await startClusterNodes(3);
    try {
      const setup = (nodes: typeof fresh.nodes) => ({ nodes: nodes.map((n) => ({ url: `redis://127.0.0.1:${n.port}` })), cli: { args: [], env: {} }, replicas: 0 });
      const said: string[] = [];
      expect(await ensureRedisCluster(setup(fresh.nodes), (l) => said.push(l))).toBe(true);
      expect(said[0]).toMatch(/^Redis Cluster created: .* \(3 primaries, 0 replica each\)$/);
      expect(await ensureRedisCluster(setup(fresh.nodes), () => {})).toBe(false);
      // A node that ran as one Redis (REDIS_MODE=single) holds keys: redis-cli refuses it, and the error says what to do.
      const one = new Redis((held.nodes[1] as { port: number }).port, '127.0.0.1');
      // (A cluster node writes only into slots it serves: give it all of them first.)
      await one.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      await waitFor(async () => (await one.set('driver:7', 'x').then(() => true, () => false)), { what: 'the lone node to take writes', timeoutMs: 10_000 });
      one.disconnect();
      await expect(ensureRedisCluster(setup(held.nodes), () => {})).rejects.toThrow(/redis-cli --cluster create\): .*is not empty.*make down WIPE=1 first/s);
      // A Redis still running without cluster mode (the stack's one Redis): named, with the same way out.
      const plain = await startRedis();
      try {
        await expect(ensureRedisCluster({ nodes: [{ url: plain.url }], cli: { args: [], env: {} }, replicas: 0 }, () => {})).rejects.toThrow(/CLUSTER INFO at redis:\/\/127\.0\.0\.1:\d+: .*cluster support disabled.*make down WIPE=1 first/s);
      } finally {
        await plain.stop();
      }
    } finally {
      await fresh.stop();
      await held.stop();
    }
  }, 60_000);
});
