import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConnectorConfig } from '../../scripts/lib/connect.ts';
import { DOCKER_INTERNAL_PORT } from '../../scripts/lib/docker/runtime.ts';
import { parseEnvFile } from '../../scripts/lib/env-file.ts';
import { CONFIG_DIR, loadStack, NODE_IDS, ROOT } from '../../scripts/lib/stack.ts';

// compose.yml cannot run here (no Docker engine); these checks keep it the twin of the native topology.
const text = readFileSync(join(ROOT, 'compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as { services: Record<string, any> };
const stack = loadStack();
const shared = parseEnvFile(
  readFileSync(join(CONFIG_DIR, 'kafka', 'server.properties'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.replace(/^([a-z.]+)=/, (_, k: string) => `${k.toUpperCase().replaceAll('.', '_')}=`))
    .join('\n'),
);
const nodes = NODE_IDS.map((id) => ({ id, svc: compose.services[`kafka-${id}`] }));

describe('compose.yml', () => {
  it('uses only variables that config/stack.env defines (plus the generated Grafana secrets)', () => {
    const used = [...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string);
    const unknown = used.filter((v) => !stack.vars.has(v) && !v.startsWith('GRAFANA_ADMIN_'));
    expect(unknown).toEqual([]);
  });

  it('runs three nodes and Connect built on apache/kafka of the pinned version, with the JMX agent in EXTRA_ARGS', () => {
    const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM apache\/kafka:\$\{KAFKA_VERSION\} AS kafka$/m);
    expect(dockerfile).toMatch(/^FROM kafka AS connect$/m);
    for (const { id, svc } of nodes) {
      expect(svc.build).toMatchObject({ dockerfile: 'docker/Dockerfile', target: 'kafka' });
      expect(svc.build.args.KAFKA_VERSION).toMatch(/^\$\{KAFKA_VERSION[:}]/);
      expect(svc.environment.EXTRA_ARGS).toBe(`-javaagent:/opt/jmx/jmx_prometheus_javaagent.jar=\${JMX_EXPORTER_${id}_PORT}:/opt/rastro/config/jmx/kafka-broker.yaml`);
      expect(svc.environment.KAFKA_OPTS).toBeUndefined();
    }
    expect(compose.services.connect.build).toMatchObject({ dockerfile: 'docker/Dockerfile', target: 'connect' });
    expect(compose.services.connect.environment.EXTRA_ARGS).toContain('/opt/rastro/config/jmx/kafka-connect.yaml');
  });

  it('forms a static quorum of the three nodes, with node ids 1..3', () => {
    for (const { id, svc } of nodes) {
      expect(svc.environment.KAFKA_NODE_ID).toBe(id);
      expect(svc.environment.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093');
      expect(svc.environment.CLUSTER_ID).toBe('${KAFKA_CLUSTER_ID}');
    }
  });

  it('sets every replication setting explicitly, equal to config/kafka/server.properties', () => {
    const keys = ['DEFAULT_REPLICATION_FACTOR', 'MIN_INSYNC_REPLICAS', 'OFFSETS_TOPIC_REPLICATION_FACTOR', 'TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'TRANSACTION_STATE_LOG_MIN_ISR', 'UNCLEAN_LEADER_ELECTION_ENABLE', 'AUTO_CREATE_TOPICS_ENABLE'];
    for (const { svc } of nodes) {
      for (const k of keys) {
        expect(shared.get(k), `server.properties lacks ${k}`).toBeDefined();
        expect(String(svc.environment[`KAFKA_${k}`]), `kafka node KAFKA_${k}`).toBe(shared.get(k));
      }
      expect(svc.volumes).toContain('./config/kafka:/mnt/shared/config:ro');
    }
    expect(shared.get('MIN_INSYNC_REPLICAS')).toBe('2');
    expect(shared.get('OFFSETS_TOPIC_REPLICATION_FACTOR')).toBe('3');
  });

  it('advertises each broker on the host port from stack.env and the internal port the scripts use', () => {
    for (const { id, svc } of nodes) {
      expect(svc.environment.KAFKA_ADVERTISED_LISTENERS).toBe(`INTERNAL://kafka-${id}:${DOCKER_INTERNAL_PORT},EXTERNAL://127.0.0.1:\${KAFKA_${id}_PORT}`);
      expect(svc.ports).toEqual([`127.0.0.1:\${KAFKA_${id}_PORT}:\${KAFKA_${id}_PORT}`]);
    }
  });

  it('publishes every port on 127.0.0.1 only', () => {
    for (const [name, svc] of Object.entries(compose.services)) for (const p of svc.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
  });

  it('mounts only files that exist, and the same ones as native', () => {
    const mounts = Object.values(compose.services).flatMap((s) => (s.volumes ?? []) as string[]).filter((v) => v.startsWith('./'));
    // .rastro/ holds what the runtime generates before `compose up` (Prometheus targets).
    for (const m of mounts.filter((v) => !v.startsWith('./.rastro/'))) expect(existsSync(join(ROOT, m.split(':')[0] as string)), m).toBe(true);
    expect(mounts).toEqual(expect.arrayContaining(['./config/redis/redis.conf:/usr/local/etc/redis/redis.conf:ro', './prometheus.yml:/etc/prometheus/prometheus.yml:ro']));
  });

  it('gives the Connect worker what the connector JSON resolves from its environment', () => {
    const c = loadConnectorConfig(stack);
    const envRefs = [...JSON.stringify(c).matchAll(/\$\{env:([A-Z0-9_]+)\}/g)].map((m) => m[1] as string);
    expect(envRefs.length).toBeGreaterThan(0);
    for (const v of envRefs) expect(compose.services.connect.environment[v], v).toBeDefined();
  });

  it('has no default Grafana credentials', () => {
    expect(compose.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?/);
  });
});
