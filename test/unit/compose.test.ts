import { Ajv } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConnectorConfig } from '../../scripts/lib/connect.ts';
import { composeNodeVars, DOCKER_INTERNAL_PORT, dockerWorkerPlacement, METRICS_BIND_HOST, publishedPorts } from '../../scripts/lib/docker/runtime.ts';
import { scrapeTargets } from '../../scripts/lib/prometheus-targets.ts';
import { parseEnvFile } from '../../shared/env-file.ts';
import { CONFIG_DIR, loadStack, ROOT } from '../../shared/stack.ts';

// compose.yml cannot run here (no Docker engine); these checks keep it the twin of the native topology.
const text = readFileSync(join(ROOT, 'compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as { services: Record<string, any> };
const stack = loadStack();
/** What .env gives compose: stack.env plus the per-node ports the docker runtime derives from it. */
const envVars = new Map([...stack.vars, ...composeNodeVars(stack)]);
const secureText = readFileSync(join(ROOT, 'compose.secure.yml'), 'utf8');
const secure = parse(secureText, { merge: true }) as { services: Record<string, any> };
const shared = parseEnvFile(
  readFileSync(join(CONFIG_DIR, 'kafka', 'server.properties'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.replace(/^([a-z.]+)=/, (_, k: string) => `${k.toUpperCase().replaceAll('.', '_')}=`))
    .join('\n'),
);
const nodes = stack.nodeIds.map((id) => ({ id, svc: compose.services[`kafka-${id}`] }));

describe('compose.yml', () => {
  it('uses only variables that config/stack.env defines or derives (plus the generated Grafana secrets)', () => {
    const used = [...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string);
    const unknown = used.filter((v) => !envVars.has(v) && !v.startsWith('GRAFANA_ADMIN_'));
    expect(unknown).toEqual([]);
  });

  it('has one kafka service per node of NODE_COUNT, in both files, each on its derived ports', () => {
    const kafkaServices = (c: { services: Record<string, unknown> }) => Object.keys(c.services).filter((n) => /^kafka-\d+$/.test(n)).sort();
    const expected = stack.nodeIds.map((id) => `kafka-${id}`).sort();
    expect(kafkaServices(compose), 'compose.yml: one kafka-<id> service per node of NODE_COUNT (config/stack.env)').toEqual(expected);
    expect(kafkaServices(secure), 'compose.secure.yml: one kafka-<id> service per node of NODE_COUNT').toEqual(expected);
    expect(Object.keys((parse(text) as { volumes: Record<string, unknown> }).volumes).filter((v) => v.startsWith('kafka-')).sort()).toEqual(stack.nodeIds.map((id) => `kafka-${id}-data`).sort());
    expect(dockerWorkerPlacement(stack).bootstrapServers).toBe(stack.nodeIds.map((id) => `kafka-${id}:${DOCKER_INTERNAL_PORT}`).join(','));
    expect(Object.keys(compose.services.connect.depends_on).filter((s) => s.startsWith('kafka-')).sort()).toEqual(expected);
    for (const id of stack.nodeIds) {
      expect(envVars.get(`KAFKA_${id}_PORT`)).toBe(String(stack.ports.kafka.of(id)));
      expect(envVars.get(`JMX_EXPORTER_${id}_PORT`)).toBe(String(stack.ports.jmxExporter.of(id)));
    }
    // Compose reads derived values only: no per-node port may be pinned in stack.env beside its base.
    expect([...stack.vars.keys()].filter((k) => /^[A-Z_]+_\d+_PORT$/.test(k))).toEqual([]);
  });

  it('runs three nodes and Connect built on apache/kafka of the pinned version, with the JMX agent in EXTRA_ARGS', () => {
    const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM apache\/kafka:\$\{KAFKA_VERSION\} AS kafka$/m);
    expect(dockerfile).toMatch(/^FROM kafka AS connect$/m);
    const builder = compose.services['kafka-1'];
    expect(builder.build).toMatchObject({ dockerfile: 'docker/Dockerfile', target: 'kafka' });
    expect(builder.build.args.KAFKA_VERSION).toMatch(/^\$\{KAFKA_VERSION[:}]/);
    for (const { id, svc } of nodes) {
      expect(svc.image).toBe('rastro/kafka:${KAFKA_VERSION}');
      expect(svc.environment.EXTRA_ARGS).toBe(`-javaagent:/opt/jmx/jmx_prometheus_javaagent.jar=\${JMX_EXPORTER_${id}_PORT}:/opt/rastro/config/jmx/kafka-broker.yaml`);
      expect(svc.environment.KAFKA_OPTS).toBeUndefined();
    }
    expect(compose.services.connect.build).toMatchObject({ dockerfile: 'docker/Dockerfile', target: 'connect' });
    expect(compose.services.connect.environment.EXTRA_ARGS).toContain('/opt/rastro/config/jmx/kafka-connect.yaml');
  });

  it('forms a static quorum of every node, with node ids 1..NODE_COUNT', () => {
    for (const { id, svc } of nodes) {
      expect(svc.environment.KAFKA_NODE_ID).toBe(id);
      expect(svc.environment.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(stack.nodeIds.map((n) => `${n}@kafka-${n}:9093`).join(','));
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
      expect(svc.volumes).toContain('./config/kafka:/mnt/shared/config:ro,z');
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
    expect(mounts).toEqual(expect.arrayContaining(['./config/redis/redis.conf:/usr/local/etc/redis/redis.conf:ro,z', './prometheus.yml:/etc/prometheus/prometheus.yml:ro,z']));
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

/** Compose durations as seconds: 30s, 1m30s, 2m. */
function seconds(d: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(String(d));
  if (!m || d === '') throw new Error(`not a duration: ${d}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

function xmxMiB(opts: string): number {
  const m = /-Xmx(\d+)([mMgG])/.exec(opts);
  if (!m) throw new Error(`no -Xmx in ${opts}`);
  return Number(m[1]) * (/[gG]/.test(m[2] as string) ? 1024 : 1);
}

// The Compose Specification's JSON schema as dclint (a maintained Compose linter) ships it: no network.
const require = createRequire(import.meta.url);
const { $schema: draft, ...composeSchema } = JSON.parse(readFileSync(join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json'), 'utf8'));
// Ajv's built-in draft-07 meta-schema has the http:// id; the file names the https:// one. Same draft.
expect(draft).toMatch(/draft-07/);
const validateCompose = new Ajv({ allErrors: true, strict: false }).compile(composeSchema);

describe('compose.yml as a Docker host reads it', () => {
  it('is valid against the Compose Specification schema', () => {
    const ok = validateCompose(compose);
    expect(validateCompose.errors ?? [], JSON.stringify(validateCompose.errors)).toEqual([]);
    expect(ok).toBe(true);
    // The schema is not a formality: a misplaced key fails it.
    const broken = structuredClone(compose);
    broken.services['kafka-2'].stop_grace = '30s';
    expect(validateCompose(broken)).toBe(false);
  });

  it('builds the kafka image once (kafka-1) and never pulls it for the other nodes', () => {
    const builders = Object.entries(compose.services).filter(([, svc]) => svc.build?.target === 'kafka').map(([name]) => name);
    expect(builders).toEqual(['kafka-1']);
    const tags = Object.values(compose.services).filter((svc) => svc.build).map((svc) => svc.image);
    expect(new Set(tags).size, 'one tag per build').toBe(tags.length);
    for (const { id, svc } of nodes.filter((n) => n.id !== 1)) {
      expect(svc.build, `kafka-${id}`).toBeUndefined();
      expect(svc.pull_policy, `kafka-${id}`).toBe('never');
    }
  });

  it('sizes the broker heap, and keeps the healthcheck JVM small and rare once started', () => {
    for (const { id, svc } of nodes) {
      expect(xmxMiB(svc.environment.KAFKA_HEAP_OPTS), `kafka-${id} heap`).toBeLessThanOrEqual(512);
      const check = svc.healthcheck.test.join(' ');
      expect(xmxMiB(/KAFKA_HEAP_OPTS='([^']+)'/.exec(check)?.[1] ?? ''), `kafka-${id} healthcheck heap`).toBeLessThanOrEqual(128);
      expect(seconds(svc.healthcheck.interval)).toBeGreaterThanOrEqual(30);
      expect(seconds(svc.healthcheck.start_interval)).toBeLessThanOrEqual(5);
      expect(seconds(svc.healthcheck.start_period)).toBeGreaterThanOrEqual(60);
    }
    expect(xmxMiB(compose.services.connect.environment.KAFKA_HEAP_OPTS)).toBeLessThanOrEqual(1024);
  });

  it('gives brokers and Connect 30 s to shut down cleanly', () => {
    for (const name of [...nodes.map((n) => `kafka-${n.id}`), 'connect']) expect(seconds(compose.services[name].stop_grace_period ?? '10s'), name).toBeGreaterThanOrEqual(30);
  });

  it('labels every bind mount for SELinux hosts (:z)', () => {
    const binds = Object.entries(compose.services).flatMap(([name, svc]) => ((svc.volumes ?? []) as string[]).filter((v) => v.startsWith('./')).map((v) => [name, v] as const));
    expect(binds.length).toBeGreaterThan(5);
    for (const [name, v] of binds) expect((v.split(':')[2] ?? '').split(','), `${name}: ${v}`).toContain('z');
  });

  it('lets Prometheus scrape the producer on the host on Linux and Docker Desktop', () => {
    expect(compose.services.prometheus.extra_hosts).toContain('host.docker.internal:host-gateway');
    expect(scrapeTargets(stack, 'docker').producer?.[0]?.targets).toEqual([`host.docker.internal:${stack.ports.producerMetrics}`]);
    // host-gateway is docker0 on Linux, not the project network's gateway: only a wildcard bind is reachable.
    expect(METRICS_BIND_HOST).toBe('0.0.0.0');
  });

  it('publishes exactly the host ports the port check guards', () => {
    const published = Object.entries(compose.services).flatMap(([name, svc]) => ((svc.ports ?? []) as string[]).map((p) => `${name} ${p.split(':')[1]}`));
    const byName = new Map([...envVars].map(([k, v]) => [`\${${k}}`, v]));
    const resolved = published.map((p) => p.replace(/\$\{[A-Z0-9_]+\}/, (v) => byName.get(v) ?? v)).sort();
    expect(resolved).toEqual(publishedPorts(stack).map((p) => `${p.service} ${p.port}`).sort());
  });

  it('keeps the build context small (.dockerignore) and the README names the real Dockerfile', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.git', 'node_modules', '.rastro', 'evidence', 'connector/target', '.env']) expect(ignore, entry).toContain(entry);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).not.toContain('connector/Dockerfile');
    expect(readme).toContain('docker/Dockerfile');
  });
});
