import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KafkaTopic } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaTopic';
import { loadConnectorConfig } from '../../scripts/lib/connect.ts';
import { buildManifests, k8sName, REDIS_PASSWORDS_SECRET, STRIMZI_OWNS_BROKER } from '../../scripts/lib/k8s/manifests.ts';
import { K8S_DIR, manifestDrift, renderManifests } from '../../scripts/lib/k8s/render.ts';
import { DASHBOARD_FILE } from '../../scripts/lib/metrics/dashboard-file.ts';
import { loadTopics } from '../../scripts/lib/topics.ts';
import { readAppLibrary, readSinkLibrary } from '../../shared/redis-libraries.ts';
import { KAFKA_USERS, kafkaAcls, REDIS_USERS } from '../../shared/security.ts';
import { CONFIG_DIR, loadStack } from '../../shared/stack.ts';
import { startRedis } from './app-fixture.ts';

const run = promisify(execFile);
const stack = loadStack({ portOffset: 0 });
type Obj = { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> };
const files = new Map([...renderManifests(stack)].map(([f, text]) => [f, parseAllDocuments(text).map((d) => d.toJSON() as Obj)]));
const all = [...files.values()].flat();
const ofKind = (kind: string) => all.filter((o) => o.kind === kind);

describe('make k8s: deploy/kubernetes/ from the single sources', () => {
  it('the checked-in manifests are what the sources give now (run make k8s when this fails)', () => {
    expect(manifestDrift(stack)).toEqual([]);
    expect(readFileSync(join(K8S_DIR, 'README.md'), 'utf8')).toContain('No Kubernetes runs here');
  });

  it("every object passes its schema's validation (types, enums, required fields of the pinned CRDs)", () => {
    for (const f of buildManifests(stack).files) for (const o of f.objects) expect(() => o.validate()).not.toThrow();
    // A field the CRD does not define is refused by the type check (make typecheck), and a wrong type by validate().
    // @ts-expect-error -- `partition` is not a field of KafkaTopic's spec
    const typo = new KafkaTopic({ metadata: { name: 'x' }, spec: { partition: 3 } });
    expect(typo.spec).toBeDefined();
    expect(() => new KafkaTopic({ metadata: { name: 'x' }, spec: { partitions: '3' as unknown as number } }).validate()).toThrow(/partitions must be integer/);
  });

  it('a KRaft cluster that survives one node: voters are brokers, RF 3 and min.insync.replicas 2 everywhere, TLS + SCRAM', () => {
    const [pool] = ofKind('KafkaNodePool');
    expect(pool?.spec).toMatchObject({ replicas: 3, roles: ['controller', 'broker'] });
    const [kafka] = ofKind('Kafka');
    expect(kafka?.spec.kafka.version).toBe(stack.versions.kafka);
    expect(kafka?.spec.kafka.config).toMatchObject({ 'default.replication.factor': 3, 'min.insync.replicas': 2, 'offsets.topic.replication.factor': 3, 'transaction.state.log.replication.factor': 3, 'transaction.state.log.min.isr': 2, 'unclean.leader.election.enable': false });
    // Strimzi refuses these prefixes in spec.kafka.config (it drops them with a warning): none is sent, and the
    // file's header names the ones rastro sets natively that Strimzi keeps to itself.
    expect(Object.keys(kafka?.spec.kafka.config).filter((k) => STRIMZI_OWNS_BROKER.test(k))).toEqual([]);
    expect(renderManifests(stack).get('01-kafka.yaml')?.split('\n')[0]).toContain('Strimzi keeps broker.session.timeout.ms, broker.heartbeat.interval.ms to itself');
    expect(kafka?.spec.kafka.listeners).toEqual([expect.objectContaining({ tls: true, authentication: { type: 'scram-sha-512' } })]);
    expect(kafka?.spec.kafka.authorization).toEqual({ type: 'simple', superUsers: ['admin'] });
  });

  it('a KafkaTopic per entry of config/topics.yaml, with its partitions, replicas and config', () => {
    const topics = ofKind('KafkaTopic');
    expect(topics.map((t) => t.spec.topicName)).toEqual(loadTopics(stack).map((t) => t.name));
    for (const t of loadTopics(stack)) {
      const k = topics.find((x) => x.spec.topicName === t.name);
      expect(k?.metadata.name).toBe(k8sName(t.name));
      expect(k?.spec).toEqual({ topicName: t.name, partitions: t.partitions, replicas: t.replicationFactor, config: t.config });
    }
  });

  it('a KafkaUser per principal whose ACLs, read back, are exactly shared/security.ts', () => {
    const users = ofKind('KafkaUser');
    expect(users.map((u) => u.metadata.name)).toEqual([...KAFKA_USERS]);
    const back = users.flatMap((u) =>
      ((u.spec.authorization?.acls ?? []) as Array<{ resource: { type: string; name?: string; patternType?: string }; operations: string[] }>).flatMap((a) =>
        a.operations.map((op) => `${u.metadata.name} ${a.resource.type} ${a.resource.name ?? 'kafka-cluster'} ${a.resource.patternType ?? 'literal'} ${op}`),
      ),
    );
    const op = (o: string) => o.toLowerCase().replace(/_/g, '');
    const want = kafkaAcls(stack).map((a) => `${a.user} ${a.resource.toLowerCase()} ${a.name} ${a.pattern === 'PREFIXED' ? 'prefix' : 'literal'} ${op(a.operation)}`);
    expect(back.map((x) => x.replace(/ (\S+)$/, (_, o: string) => ` ${o.toLowerCase()}`)).sort()).toEqual(want.sort());
    expect(users.every((u) => u.spec.authentication.type === 'scram-sha-512')).toBe(true);
  });

  it("Connect: the worker's settings and topics, the connector as config/connectors gives it, the Redis URI from a Secret", () => {
    const [connect] = ofKind('KafkaConnect');
    expect(connect?.spec).toMatchObject({ groupId: stack.connect.groupId, configStorageTopic: stack.connect.configTopic, offsetStorageTopic: stack.connect.offsetTopic, statusStorageTopic: stack.connect.statusTopic });
    expect(connect?.spec.config).toMatchObject({ 'config.storage.replication.factor': 3, 'offset.storage.replication.factor': 3, 'status.storage.replication.factor': 3, 'config.providers': 'env' });
    const [connector] = ofKind('KafkaConnector');
    const { 'connector.class': cls, 'tasks.max': tasks, ...config } = loadConnectorConfig(stack);
    expect(connector?.spec).toEqual({ class: cls, tasksMax: Number(tasks), config });
    expect(connector?.spec.config['redis.uri']).toBe('${env:RASTRO_REDIS_URI}');
    expect(JSON.stringify(connect?.spec.template)).toContain('"RASTRO_REDIS_URI"');
  });

  it('monitoring: the alert rules and the dashboard are the files themselves', () => {
    const [rules] = ofKind('PrometheusRule');
    const alerts = readFileSync(join(CONFIG_DIR, 'prometheus', 'alerts.yml'), 'utf8');
    const names = [...alerts.matchAll(/- alert: (\S+)/g)].map((m) => m[1]);
    expect(rules?.spec.groups.flatMap((g: { rules: Array<{ alert: string }> }) => g.rules.map((r) => r.alert))).toEqual(names);
    const dashboard = ofKind('ConfigMap').find((c) => c.metadata.name === 'rastro-dashboard');
    expect(dashboard?.data?.['rastro.json']).toBe(readFileSync(DASHBOARD_FILE, 'utf8'));
    expect(ofKind('PodMonitor').map((p) => p.spec.podMetricsEndpoints[0].relabelings[0].replacement)).toEqual(['kafka', 'connect', 'redis']);
  });

  it("Redis's init and start-up scripts, run against a real redis-server: every user logs in with its password and has its rules; both libraries load", async () => {
    const config = ofKind('ConfigMap').find((c) => c.metadata.name === 'rastro-redis-config')?.data ?? {};
    const [set] = ofKind('StatefulSet');
    const pod = set?.spec.template.spec;
    expect(pod.volumes.find((v: { name: string }) => v.name === 'passwords').secret.secretName).toBe(REDIS_PASSWORDS_SECRET);
    expect(config['sink-library.lua']).toBe(readSinkLibrary().code);
    expect(config['app-library.lua']).toBe(readAppLibrary().code);
    const dir = mkdtempSync(join(tmpdir(), 'rastro-k8s-'));
    try {
      const paths = { config: join(dir, 'config'), passwords: join(dir, 'passwords'), acl: join(dir, 'acl') };
      for (const p of Object.values(paths)) mkdirSync(p);
      for (const [k, v] of Object.entries(config)) writeFileSync(join(paths.config, k), v);
      const passwords = Object.fromEntries(REDIS_USERS.map((u) => [u, `pw-${u}-${Math.random().toString(36).slice(2)}`]));
      // As a Secret mounts them: one file per key, the value without a newline.
      for (const u of REDIS_USERS) writeFileSync(join(paths.passwords, u), passwords[u] as string);
      const local = (script: string) => script.replaceAll('/config/', `${paths.config}/`).replaceAll('/passwords/', `${paths.passwords}/`).replaceAll('/etc/redis/acl/', `${paths.acl}/`);
      await run('sh', ['-c', local(pod.initContainers[0].command[2])]);
      writeFileSync(join(dir, 'redis.conf'), local(config['redis.conf'] as string));
      const redis = await startRedis({ config: join(dir, 'redis.conf'), login: { username: 'admin', password: passwords.admin as string } });
      try {
        const port = String(redis.port);
        await run('sh', ['-c', local(pod.containers[0].lifecycle.postStart.exec.command[2]).replaceAll('redis-cli ', `redis-cli -p ${port} `)]);
        const as = async (u: string, ...cmd: string[]) => (await run('redis-cli', ['-p', port, '--user', u, '--pass', passwords[u] as string, '--no-auth-warning', ...cmd])).stdout.trim();
        // Every user logs in with its password (a wrong one is refused) and may PING, which every grant allows.
        for (const u of REDIS_USERS) expect(await as(u, 'PING')).toBe('PONG');
        expect((await run('redis-cli', ['-p', port, '--user', 'sink', '--pass', 'wrong', '--no-auth-warning', 'PING'])).stdout).toMatch(/NOAUTH|WRONGPASS/);
        expect(await as('admin', 'ACL', 'WHOAMI')).toBe('admin');
        expect(await as('sink', 'FUNCTION', 'LIST')).toContain('rastro_sink');
        expect(await as('app', 'SET', 'x', '1')).toMatch(/NOPERM/);
        expect(await as('admin', 'FUNCTION', 'LIST')).toContain('rastro_sink');
        expect(await as('admin', 'FUNCTION', 'LIST')).toContain('rastro_app');
        expect(await as('admin', 'ACL', 'GETUSER', 'default')).toContain('off');
      } finally {
        await redis.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
