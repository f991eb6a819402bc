import { Ajv } from 'ajv';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConnectorConfig } from '../../scripts/lib/connect.ts';
import { composeLocalVars, composeNodeVars, DOCKER_CLIENT_PORT, DOCKER_INTERNAL_PORT, dockerWorkerPlacement, publishedPorts, SECRETS_DIR_REL } from '../../scripts/lib/docker/runtime.ts';
import { brokerListeners, composeModel, environmentOf, interpolate } from '../../scripts/lib/docker/compose-model.ts';
import { renderWorkerProperties } from '../../scripts/lib/connect-worker.ts';
import { kafkaClientProperties, writeDerivedSecrets } from '../../scripts/lib/secrets-setup.ts';
import { CONNECT_ENV, KAFKA_USERS, REDIS_USERS, SECRET_FILES } from '../../shared/security.ts';
import { IMAGE_USERS, SECRETS_MOUNT, secretVolumes } from '../../scripts/lib/docker/secret-volumes.ts';
import { KAFKA_TOOL_USERS } from '../../scripts/lib/kafka-tools.ts';
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
  it('uses only variables that config/stack.env defines or derives (plus where make up writes local files)', () => {
    const used = [...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1] as string);
    const local = composeLocalVars(stack, 'on');
    const unknown = used.filter((v) => !envVars.has(v) && !local.has(v));
    expect(unknown).toEqual([]);
  });

  it('has one kafka service per node of NODE_COUNT, in both files, each on its derived ports', () => {
    const kafkaServices = (c: { services: Record<string, unknown> }) => Object.keys(c.services).filter((n) => /^kafka-\d+$/.test(n)).sort();
    const expected = stack.nodeIds.map((id) => `kafka-${id}`).sort();
    expect(kafkaServices(compose), 'compose.yml: one kafka-<id> service per node of NODE_COUNT (config/stack.env)').toEqual(expected);
    expect(kafkaServices(secure), 'compose.secure.yml: one kafka-<id> service per node of NODE_COUNT').toEqual(expected);
    expect(Object.keys((parse(text) as { volumes: Record<string, unknown> }).volumes).filter((v) => v.startsWith('kafka-')).sort()).toEqual(stack.nodeIds.map((id) => `kafka-${id}-data`).sort());
    expect(dockerWorkerPlacement(stack).bootstrapServers).toBe(stack.nodeIds.map((id) => `kafka-${id}:${DOCKER_CLIENT_PORT}`).join(','));
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
      expect(svc.environment.EXTRA_ARGS).toBe(`\${JVM_FLAGS} -javaagent:/opt/jmx/jmx_prometheus_javaagent.jar=\${JMX_EXPORTER_${id}_PORT}:/opt/rastro/config/jmx/kafka-broker.yaml`);
      expect(svc.environment.KAFKA_OPTS).toBeUndefined();
    }
    expect(compose.services.connect.build).toMatchObject({ dockerfile: 'docker/Dockerfile', target: 'connect' });
    // Connect's REST basic-auth extension: built in the image by the recipe the native runtime uses, on the classpath.
    expect(compose.services.connect.build.args.CONNECT_BASIC_AUTH_VERSION).toBe('${CONNECT_BASIC_AUTH_VERSION}');
    expect(dockerfile).toMatch(/^ARG CONNECT_BASIC_AUTH_VERSION$/m);
    expect(dockerfile).toMatch(/sh native\/rest-auth\.sh mvn \$\{KAFKA_VERSION\} \$\{CONNECT_BASIC_AUTH_VERSION\} \/out\/kafka-libs \/out\/rest-auth/);
    expect(dockerfile).toMatch(/^COPY --from=maven \/out\/rest-auth\/classes\/ \/opt\/rastro\/rest-auth\/\nENV CLASSPATH=\/opt\/rastro\/rest-auth$/m);
    expect(readFileSync(join(ROOT, 'scripts', 'lib', 'native', 'install.ts'), 'utf8')).toContain('sh native/rest-auth.sh');
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
      expect(svc.environment.KAFKA_ADVERTISED_LISTENERS).toBe(`INTERNAL://kafka-${id}:${DOCKER_INTERNAL_PORT},CLIENT://kafka-${id}:${DOCKER_CLIENT_PORT},EXTERNAL://127.0.0.1:\${KAFKA_${id}_PORT}`);
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

  it('gives the Connect worker what the connector JSON resolves from its environment, from one file', () => {
    const c = loadConnectorConfig(stack);
    const envRefs = [...JSON.stringify(c).matchAll(/\$\{env:([A-Z0-9_]+)\}/g)].map((m) => m[1] as string);
    expect(envRefs).toEqual([CONNECT_ENV.redisUri]);
    // Both runtimes' env files carry it (runtime.ts without security, secrets-setup.ts with); an environment
    // entry in compose.yml would win over the file and lose the password.
    expect(compose.services.connect.env_file).toEqual(['${CONNECT_ENV_FILE:?run make up (writes .env)}']);
    for (const v of envRefs) expect(compose.services.connect.environment[v], v).toBeUndefined();
  });

  it('has no default Grafana credentials: the generated login comes from a file', () => {
    expect(compose.services.grafana.env_file).toEqual(['${GRAFANA_ENV_FILE:?run make up (writes .env)}']);
    expect(compose.services.grafana.environment).toBeUndefined();
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
      // The size itself is config/stack.env's (KAFKA_HEAP), as natively; the merged model's test below checks the values.
      expect(svc.environment.KAFKA_HEAP_OPTS, `kafka-${id} heap`).toBe('-Xms${KAFKA_HEAP} -Xmx${KAFKA_HEAP}');
      expect(xmxMiB(`-Xmx${stack.heaps.kafka}`), `kafka-${id} heap`).toBeLessThanOrEqual(512);
      const check = svc.healthcheck.test.join(' ');
      expect(xmxMiB(/KAFKA_HEAP_OPTS='([^']+)'/.exec(check)?.[1] ?? ''), `kafka-${id} healthcheck heap`).toBeLessThanOrEqual(128);
      expect(seconds(svc.healthcheck.interval)).toBeGreaterThanOrEqual(30);
      expect(seconds(svc.healthcheck.start_interval)).toBeLessThanOrEqual(5);
      expect(seconds(svc.healthcheck.start_period)).toBeGreaterThanOrEqual(60);
    }
    expect(compose.services.connect.environment.KAFKA_HEAP_OPTS).toBe('-Xms${CONNECT_HEAP} -Xmx${CONNECT_HEAP}');
    expect(xmxMiB(`-Xmx${stack.heaps.connect}`)).toBeLessThanOrEqual(1024);
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
  });

  it('publishes exactly the host ports the port check guards', () => {
    const published = Object.entries(compose.services).flatMap(([name, svc]) => ((svc.ports ?? []) as string[]).map((p) => `${name} ${p.split(':')[1]}`));
    const byName = new Map([...envVars].map(([k, v]) => [`\${${k}}`, v]));
    const resolved = published.map((p) => p.replace(/\$\{[A-Z0-9_]+\}/, (v) => byName.get(v) ?? v)).sort();
    expect(resolved).toEqual(publishedPorts(stack).map((p) => `${p.service} ${p.port}`).sort());
  });

  it('keeps the build context small (.dockerignore) and the docs name the real Dockerfile', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.git', 'node_modules', '.rastro', 'evidence', 'connector/target', '.env']) expect(ignore, entry).toContain(entry);
    const docs = readFileSync(join(ROOT, 'docs', 'runtimes.md'), 'utf8');
    expect(docs).not.toContain('connector/Dockerfile');
    expect(docs).toContain('docker/Dockerfile');
  });
});

/** What `make up` writes into .env for a security mode: stack.env, then the derived and local values. */
const dotEnv = (mode: 'on' | 'off') => new Map([...stack.vars, ...composeLocalVars(stack, mode)]);
/** The options BusyBox wget (the apache/kafka image is Alpine) understands. */
const BUSYBOX_WGET = new Set(['-q', '-O', '-T', '-S', '-Y', '-U', '-P', '-c', '-s', '--header', '--post-data', '--spider', '--no-check-certificate']);

describe('compose interpolation, as the Compose Specification defines it', () => {
  const vars = new Map([['SET', 'x'], ['EMPTY', '']]);
  it('substitutes, defaults, requires and escapes', () => {
    expect(interpolate('a ${SET} $SET $$SET ${NOPE}', vars, 'f')).toBe('a x x $SET ');
    expect(interpolate('${EMPTY:-d} ${EMPTY-d} ${NOPE-d} ${SET:+alt} ${EMPTY:+alt}', vars, 'f')).toBe('d  d alt ');
    expect(() => interpolate('${NOPE:?run make up}', vars, 'compose.yml.services.x')).toThrow('compose.yml.services.x: required variable NOPE is missing a value: run make up');
    expect(() => interpolate('${EMPTY:?empty}', vars, 'f')).toThrow(/EMPTY/);
    expect(() => interpolate('${bad name}', vars, 'f')).toThrow(/invalid interpolation/);
  });
});

describe.each([['off' as const], ['on' as const]])('the merged model a Docker host reads, SECURITY=%s', (mode) => {
  const secure = mode === 'on';
  const model = composeModel(secure, dotEnv(mode));

  it('is valid against the Compose Specification schema, every variable set', () => {
    expect(validateCompose(model), JSON.stringify(validateCompose.errors)).toBe(true);
  });

  it('starts every Kafka and Connect JVM with the flags the native launcher uses (JVM_FLAGS), before the JMX agent', () => {
    const services = (model as { services: Record<string, { environment: Record<string, string> }> }).services;
    expect(stack.jvmFlags).toEqual(['-XX:TieredStopAtLevel=1']);
    for (const name of [...stack.nodeIds.map((id) => `kafka-${id}`), 'connect']) {
      expect(services[name]?.environment.EXTRA_ARGS?.split(' ').slice(0, stack.jvmFlags.length), name).toEqual(stack.jvmFlags);
    }
  });

  it('gives every Kafka node and Connect the heap the native launcher gives them (KAFKA_HEAP, CONNECT_HEAP)', () => {
    const services = (model as { services: Record<string, { environment: Record<string, string> }> }).services;
    for (const id of stack.nodeIds) expect(services[`kafka-${id}`]?.environment.KAFKA_HEAP_OPTS).toBe(`-Xms${stack.heaps.kafka} -Xmx${stack.heaps.kafka}`);
    expect(services.connect?.environment.KAFKA_HEAP_OPTS).toBe(`-Xms${stack.heaps.connect} -Xmx${stack.heaps.connect}`);
  });

  it("sends every Kafka client to a listener whose protocol is the client's security.protocol", () => {
    const properties = (text: string) => new Map(text.split('\n').filter((l) => l.includes('=') && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
    const worker = properties(renderWorkerProperties(stack, dockerWorkerPlacement(stack), secure));
    const admin = secure ? properties(kafkaClientProperties('admin', 'pw', 'CA')) : new Map<string, string>();
    const clients: Array<[string, string, string]> = [
      ...['', 'consumer.', 'producer.', 'admin.'].map((p) => [`Connect ${p || 'worker'}`, worker.get('bootstrap.servers') as string, worker.get(`${p}security.protocol`) ?? 'PLAINTEXT'] as [string, string, string]),
      ['the CLI tools', dockerWorkerPlacement(stack).bootstrapServers, admin.get('security.protocol') ?? 'PLAINTEXT'],
    ];
    for (const [who, bootstrap, protocol] of clients) {
      for (const address of bootstrap.split(',')) {
        const [host, port] = address.split(':') as [string, string];
        const listener = [...brokerListeners(model.services[host]).entries()].find(([, l]) => l.port === Number(port));
        expect(listener, `${who}: ${address} is no listener of ${host}`).toBeDefined();
        expect(listener?.[1].protocol, `${who} (${protocol}) → ${host} listener ${listener?.[0]}`).toBe(protocol);
      }
    }
  });

  it('health-checks on 127.0.0.1, with only the options BusyBox wget has, and no password on a command line', () => {
    const checks = Object.entries(model.services).filter(([, svc]) => svc.healthcheck).map(([name, svc]) => [name, [svc.healthcheck.test].flat().join(' ')] as const);
    expect(checks.map(([n]) => n).sort()).toEqual(['connect', 'kafka-1', 'kafka-2', 'kafka-3', 'redis']);
    for (const [name, check] of checks) {
      expect(check, name).not.toMatch(/localhost/);
      for (const wget of check.match(/wget [^;|&]*/g) ?? []) {
        const options = [...wget.matchAll(/(?:^|\s)(--?[A-Za-z-]+)/g)].map((m) => m[1] as string);
        for (const o of options) expect(BUSYBOX_WGET.has(o), `${name}: wget ${o}`).toBe(true);
      }
      // A login on the command line: wget's --password, redis-cli's -a, user:password@ in a URL.
      expect(check, name).not.toMatch(/--password|\s-a\s|:\/\/[^/\s]*:[^/\s]*@/);
    }
    if (secure) expect(checks.find(([n]) => n === 'connect')?.[1]).toContain(`$(cat /etc/rastro/secrets/${SECRET_FILES.connectRestAuthorization})`);
  });

  it("takes Connect's environment from one file, the secrets' with security on", () => {
    const connect = model.services.connect;
    expect(connect.env_file).toEqual([secure ? `${SECRETS_DIR_REL}/${SECRET_FILES.connectEnv}` : '.rastro/docker/connect/connect.env']);
    expect(environmentOf(connect).has(CONNECT_ENV.redisUri)).toBe(false);
  });
});

describe('SECURITY=on: each service reads, as its image user, exactly the secrets it needs', () => {
  const model = composeModel(true, dotEnv('on')) as { services: Record<string, any>; volumes: Record<string, unknown> };
  const volumes = secretVolumes(stack);
  const volumeOf = (service: string) => volumes.find((v) => v.services.includes(service));
  const mounts = (svc: any) => ((svc.volumes ?? []) as string[]);

  it('mounts the host secrets directory into secrets-init only, and into each consumer its own volume, read-only', () => {
    for (const [name, svc] of Object.entries(model.services)) {
      expect(mounts(svc).filter((m) => m.startsWith(`${SECRETS_DIR_REL}:`)).length, name).toBe(name === 'secrets-init' ? 1 : 0);
      const v = volumeOf(name);
      expect(mounts(svc).filter((m) => m.split(':')[1] === SECRETS_MOUNT), name).toEqual(v ? [`${v.name}:${SECRETS_MOUNT}:ro`] : []);
      // Started only once secrets-init has filled the volumes.
      if (v) expect(svc.depends_on?.['secrets-init'], name).toEqual({ condition: 'service_completed_successfully' });
    }
    const init = model.services['secrets-init'];
    expect(init.user).toBe('0:0');
    expect(init.network_mode).toBe('none');
    for (const v of volumes) {
      expect(mounts(init)).toContain(`${v.name}:/run/rastro/volumes/${v.name}`);
      expect(Object.keys(model.volumes)).toContain(v.name);
    }
    expect(init.entrypoint).toEqual(['/bin/sh', '/opt/rastro/secrets-init.sh', '/run/rastro/secrets', '/run/rastro/volumes']);
    expect(mounts(init)).toContain('./docker/secrets-init.sh:/opt/rastro/secrets-init.sh:ro,z');
  });

  it("owns each volume by the user the service's image runs as", () => {
    // kafka-N and connect are built FROM apache/kafka (appuser, uid 1000); redis is the official image (uid 999).
    const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM apache\/kafka:\$\{KAFKA_VERSION\} AS kafka$/m);
    expect(dockerfile).not.toMatch(/^USER (?!appuser$)/m);
    for (const id of stack.nodeIds) expect(volumeOf(`kafka-${id}`)?.owner).toEqual(IMAGE_USERS.kafka);
    expect(volumeOf('connect')?.owner).toEqual(IMAGE_USERS.kafka);
    expect(model.services.redis.image).toMatch(/^redis:/);
    expect(volumeOf('redis')?.owner).toEqual(IMAGE_USERS.redis);
    // oliver006/redis_exporter's Dockerfile: USER 59000:59000.
    expect(model.services['redis-exporter'].image).toMatch(/^oliver006\/redis_exporter:/);
    expect(volumeOf('redis-exporter')?.owner).toEqual(IMAGE_USERS.redisExporter);
    expect(IMAGE_USERS).toEqual({ kafka: { uid: 1000, gid: 1000 }, redis: { uid: 999, gid: 999 }, redisExporter: { uid: 59000, gid: 59000 } });
  });

  it('holds in each volume exactly the files its service names, never the CA key, the node key only for brokers', () => {
    // What the docker runtime itself reads inside containers (scripts/lib/docker/runtime.ts): each tool
    // principal's client config for the Kafka tools (kafka-tools.ts) and every user's password for the SCRAM set-up (in kafka-1), each
    // Redis user's password for redis-cli (in redis).
    const byRuntime: Record<string, string[]> = {
      'secrets-kafka': [...KAFKA_TOOL_USERS.map(SECRET_FILES.kafkaClientProperties), ...KAFKA_USERS.map(SECRET_FILES.kafkaPassword)],
      'secrets-redis': REDIS_USERS.map(SECRET_FILES.redisPassword),
    };
    // Files read through another: Connect's worker config names the CA via RASTRO_SECRETS_DIR, its JAAS entry the users file.
    const worker = renderWorkerProperties(stack, dockerWorkerPlacement(stack), true).replaceAll(`\${env:${CONNECT_ENV.secretsDir}}`, SECRETS_MOUNT);
    // The exporter's env file (REDIS_PASSWORD_FILE), as make up writes it for the containers' mount.
    const dir = mkdtempSync(join(tmpdir(), 'rastro-compose-secrets-'));
    let exporterEnv: string;
    try {
      for (const u of REDIS_USERS) writeFileSync(join(dir, SECRET_FILES.redisPassword(u)), `pw-${u}\n`);
      writeFileSync(join(dir, SECRET_FILES.connectRestPassword), 'rest-pw\n');
      writeDerivedSecrets(stack, { dir, mountedAt: SECRETS_MOUNT, redisHostPort: 'redis:6379' });
      exporterEnv = readFileSync(join(dir, SECRET_FILES.redisExporterEnv), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const indirect: Record<string, string> = {
      connect: `${worker} ${SECRETS_MOUNT}/${SECRET_FILES.connectRestUsers}`,
      'redis-exporter': exporterEnv,
    };
    const named = (text: string) => [...text.matchAll(/\/etc\/rastro\/secrets\/([\w.-]+)/g)].map((m) => m[1] as string);
    for (const v of volumes) {
      const used = new Set([...v.services.flatMap((s) => named(`${JSON.stringify(model.services[s])} ${indirect[s] ?? ''}`)), ...(byRuntime[v.name] ?? [])]);
      expect([...v.files].sort(), v.name).toEqual([...used].sort());
      expect(v.files, v.name).not.toContain(SECRET_FILES.caKey);
      expect(v.files.includes(SECRET_FILES.nodePem), v.name).toBe(v.name === 'secrets-kafka');
    }
    expect(volumeOf('kafka-1')?.services).toEqual(stack.nodeIds.map((id) => `kafka-${id}`));
  });

  it('puts no password in any command, entrypoint, healthcheck or environment value', () => {
    // Every value .env gives compose, and any literal that looks like a login.
    const secretsOfEnv = [...dotEnv('on')].filter(([k]) => /PASSWORD|TOKEN/.test(k)).map(([, v]) => v);
    expect(secretsOfEnv).toEqual([]);
    for (const [name, svc] of Object.entries(model.services)) {
      const values = [svc.command, svc.entrypoint, svc.healthcheck?.test, ...environmentOf(svc).values()].flat().filter((x) => x !== undefined).map(String);
      for (const [k, v] of environmentOf(svc)) expect(/PASSWORD/.test(k) && !k.endsWith('__FILE'), `${name}: ${k}=${v}`).toBe(false);
      for (const v of values) expect(v, name).not.toMatch(/--password|\s-a\s|:\/\/[^/\s]*:[^/\s]*@|password=(?!\$)/i);
    }
  });
});
