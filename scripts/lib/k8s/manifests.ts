import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Kafka } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/Kafka';
import { KafkaConnect } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaConnect';
import { KafkaConnector } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaConnector';
import { KafkaNodePool } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaNodePool';
import { KafkaTopic } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaTopic';
import { KafkaUser } from '@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaUser';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { loadConnectorConfig } from '../connect.ts';
import { DASHBOARD_FILE } from '../metrics/dashboard-file.ts';
import { loadTopics } from '../topics.ts';
import { KAFKA_USERS, kafkaAcls, REDIS_DEFAULT_USER, redisAclRules, REDIS_USERS, type KafkaAcl, type KafkaUser as Principal } from '../../../shared/security.ts';
import { CONFIG_DIR, ROOT, type Stack } from '../../../shared/stack.ts';
import { readAppLibrary, readSinkLibrary } from '../../../shared/redis-libraries.ts';

/**
 * The stack as Strimzi custom resources and plain Kubernetes objects, built from the project's single
 * sources: config/stack.env (names, versions, images), config/topics.yaml, config/kafka/server.properties,
 * config/connect/worker.properties, the connector JSON, the principals and ACLs (shared/security.ts),
 * config/redis/redis.conf, the JMX exporter rules, config/prometheus/alerts.yml and the Grafana dashboard.
 *
 * Every object is built through the typed models of @kubernetes-models (generated from the CRDs of Strimzi's
 * v1 API and of the Prometheus operator), so `make typecheck` refuses a field the schema does not have, and
 * each object's validate() checks types, enums and required fields against the same schema.
 */

/** The Kafka cluster's name: Strimzi names its services after it (rastro-kafka-bootstrap, rastro-cluster-ca-cert). */
export const CLUSTER = 'rastro';
/** The Connect image: the Strimzi Kafka image plus the sink plugin (deploy/kubernetes/connect-image/Dockerfile). */
export const CONNECT_IMAGE = 'rastro/connect-redis-sink';
/** The Secret a deployer creates with one password per Redis user (deploy/kubernetes/README.md). */
export const REDIS_PASSWORDS_SECRET = 'rastro-redis-passwords';
/** The Secret with the sink's Redis URI (redis://sink:<password>@rastro-redis:6379). */
export const REDIS_SINK_SECRET = 'rastro-redis-sink';
const TLS_PORT = 9093;
const LABELS = { 'app.kubernetes.io/part-of': 'rastro' };

/** A Java .properties file as key → value (rastro's files use neither escapes nor continuation lines). */
export function parseProperties(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'))
    .map((l) => {
      const at = l.indexOf('=');
      if (at < 1) throw new Error(`properties: "${l}" is not key=value`);
      return [l.slice(0, at).trim(), l.slice(at + 1).trim()];
    });
}

const readConfig = (...path: string[]) => readFileSync(join(CONFIG_DIR, ...path), 'utf8');

/**
 * The prefixes Strimzi refuses in spec.kafka.config (its KafkaClusterSpec reference): it renders roles,
 * listeners, the controller quorum, security and node ids itself, and drops such keys with a warning.
 */
export const STRIMZI_OWNS_BROKER = /^(advertised\.|authorizer\.|broker\.|controller|cruise\.control\.metrics\.(reporter\.bootstrap\.|topic)|host\.name|inter\.broker\.listener\.name|listener\.|listeners|log\.dir|node\.id|password\.|port|process\.roles|sasl\.|security\.|ssl\.|super\.user|zookeeper\.)/;
/** worker.properties minus what Strimzi owns in a KafkaConnect (bootstrap, REST, plugins, the group and its topics are fields). */
const STRIMZI_OWNS_CONNECT = /^(bootstrap\.servers|group\.id|(config|offset|status)\.storage\.topic|rest\.|listeners|plugin\.path|ssl\.|sasl\.|security\.|(consumer|producer)\.interceptor\.classes)/;

/** A .properties file as Strimzi config (numbers and booleans typed), and the keys left to Strimzi. */
export function propertiesConfig(text: string, owned: RegExp): { config: Record<string, string | number | boolean>; left: string[] } {
  const config: Record<string, string | number | boolean> = {};
  const left: string[] = [];
  for (const [k, v] of parseProperties(text)) {
    if (owned.test(k)) left.push(k);
    else config[k] = /^-?\d+$/.test(v) ? Number(v) : v === 'true' || v === 'false' ? v === 'true' : v;
  }
  return { config, left };
}

/** Kubernetes object names: DNS-1123 (a topic like _rastro-connect-configs keeps its name in spec.topicName). */
export function k8sName(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (n === '') throw new Error(`k8s name: nothing usable in ${JSON.stringify(name)}`);
  return n;
}

type StrimziOperation = 'Read' | 'Write' | 'Create' | 'Delete' | 'Describe' | 'DescribeConfigs' | 'IdempotentWrite';
const STRIMZI_OPERATION: Record<KafkaAcl['operation'], StrimziOperation> = {
  READ: 'Read', WRITE: 'Write', CREATE: 'Create', DELETE: 'Delete', DESCRIBE: 'Describe', DESCRIBE_CONFIGS: 'DescribeConfigs', IDEMPOTENT_WRITE: 'IdempotentWrite',
};

type StrimziAcl = { resource: { type: 'topic' | 'group' | 'cluster' | 'transactionalId'; name?: string; patternType?: 'literal' | 'prefix' }; operations: StrimziOperation[] };

/** A principal's ACLs as Strimzi writes them: one rule per resource pattern, its operations together. */
export function strimziAcls(acls: readonly KafkaAcl[], user: Principal): StrimziAcl[] {
  const rules = new Map<string, StrimziAcl>();
  for (const a of acls.filter((x) => x.user === user)) {
    const key = `${a.resource}/${a.name}/${a.pattern}`;
    let rule = rules.get(key);
    if (rule === undefined) {
      const type = a.resource === 'CLUSTER' ? 'cluster' : a.resource === 'TRANSACTIONAL_ID' ? 'transactionalId' : a.resource === 'TOPIC' ? 'topic' : 'group';
      rule = { resource: type === 'cluster' ? { type } : { type, name: a.name, patternType: a.pattern === 'PREFIXED' ? 'prefix' : 'literal' }, operations: [] };
      rules.set(key, rule);
    }
    rule.operations.push(STRIMZI_OPERATION[a.operation]);
  }
  return [...rules.values()];
}

export interface Manifests {
  /** File name in deploy/kubernetes/ → its objects, in the order `kubectl apply` takes the files. */
  files: Array<{ file: string; purpose: string; objects: Array<{ validate(): void; toJSON(): unknown }> }>;
}

export function buildManifests(stack: Stack): Manifests {
  const version = stack.versions.kafka;
  const bootstrap = `${CLUSTER}-kafka-bootstrap:${TLS_PORT}`;
  const clusterLabel = { 'strimzi.io/cluster': CLUSTER };
  const jmx = (key: string) => ({ type: 'jmxPrometheusExporter' as const, valueFrom: { configMapKeyRef: { name: `${CLUSTER}-jmx-exporter`, key } } });

  const jmxRules = new ConfigMap({
    metadata: { name: `${CLUSTER}-jmx-exporter`, labels: LABELS },
    data: { 'kafka-broker.yaml': readConfig('jmx', 'kafka-broker.yaml'), 'kafka-connect.yaml': readConfig('jmx', 'kafka-connect.yaml') },
  });
  const nodes = new KafkaNodePool({
    metadata: { name: 'nodes', labels: { ...LABELS, ...clusterLabel } },
    spec: {
      // Every node a KRaft voter and a broker, as `make up` runs them; broker-only pools are how the cluster grows.
      replicas: stack.nodeIds.length,
      roles: ['controller', 'broker'],
      storage: { type: 'jbod', volumes: [{ id: 0, type: 'persistent-claim', size: '20Gi', deleteClaim: false, kraftMetadata: 'shared' }] },
      jvmOptions: { '-Xms': stack.heaps.kafka, '-Xmx': stack.heaps.kafka },
    },
  });
  const broker = propertiesConfig(readConfig('kafka', 'server.properties'), STRIMZI_OWNS_BROKER);
  // What Strimzi sets itself beyond roles and listeners (e.g. the faster broker heartbeats of make up) is named in the file's header.
  const brokerOwn = broker.left.filter((k) => !/^(process\.roles|controller|inter\.broker|listener)/.test(k));
  const kafka = new Kafka({
    metadata: { name: CLUSTER, labels: LABELS },
    spec: {
      kafka: {
        version,
        listeners: [{ name: 'tls', port: TLS_PORT, type: 'internal', tls: true, authentication: { type: 'scram-sha-512' } }],
        // admin is the one super user, as natively: every other principal has exactly its ACLs (03-users.yaml).
        authorization: { type: 'simple', superUsers: ['admin'] },
        config: broker.config,
        metricsConfig: jmx('kafka-broker.yaml'),
      },
      entityOperator: { topicOperator: {}, userOperator: {} },
    },
  });

  const topics = loadTopics(stack).map(
    (t) =>
      new KafkaTopic({
        metadata: { name: k8sName(t.name), labels: { ...LABELS, ...clusterLabel } },
        spec: { topicName: t.name, partitions: t.partitions, replicas: t.replicationFactor, config: t.config },
      }),
  );

  const acls = kafkaAcls(stack);
  const users = KAFKA_USERS.map(
    (u) =>
      new KafkaUser({
        metadata: { name: u, labels: { ...LABELS, ...clusterLabel } },
        spec: {
          authentication: { type: 'scram-sha-512' },
          ...(u === 'admin' ? {} : { authorization: { type: 'simple' as const, acls: strimziAcls(acls, u) } }),
        },
      }),
  );

  const c = stack.connect;
  const connect = new KafkaConnect({
    metadata: { name: `${CLUSTER}-connect`, labels: LABELS, annotations: { 'strimzi.io/use-connector-resources': 'true' } },
    spec: {
      version,
      replicas: 1,
      image: `${CONNECT_IMAGE}:${readConnectorVersion()}-kafka-${version}`,
      bootstrapServers: bootstrap,
      groupId: c.groupId,
      configStorageTopic: c.configTopic,
      offsetStorageTopic: c.offsetTopic,
      statusStorageTopic: c.statusTopic,
      tls: { trustedCertificates: [{ secretName: `${CLUSTER}-cluster-ca-cert`, pattern: '*.crt' }] },
      authentication: { type: 'scram-sha-512', username: 'connect', passwordSecret: { secretName: 'connect', password: 'password' } },
      config: propertiesConfig(readConfig('connect', 'worker.properties'), STRIMZI_OWNS_CONNECT).config,
      // JVM_FLAGS (C1 only, for two shared cores) is not carried: a cluster's nodes have cores for Java's full JIT.
      jvmOptions: { '-Xms': stack.heaps.connect, '-Xmx': stack.heaps.connect },
      metricsConfig: jmx('kafka-connect.yaml'),
      // The connector's ${env:RASTRO_REDIS_URI}, as natively: the worker's EnvVarConfigProvider reads it.
      template: { connectContainer: { env: [{ name: 'RASTRO_REDIS_URI', valueFrom: { secretKeyRef: { name: REDIS_SINK_SECRET, key: 'uri' } } }] } },
    },
  });
  const { 'connector.class': connectorClass, 'tasks.max': tasksMax, ...connectorConfig } = loadConnectorConfig(stack);
  const connector = new KafkaConnector({
    metadata: { name: c.connectorName, labels: { ...LABELS, 'strimzi.io/cluster': `${CLUSTER}-connect` } },
    spec: {
      class: connectorClass as string,
      tasksMax: Number(tasksMax),
      // ${stack:…} filled in; ${env:RASTRO_REDIS_URI} stays for the worker (template.connectContainer.env above).
      config: connectorConfig,
    },
  });

  const redis = redisObjects(stack);
  const monitoring = monitoringObjects();
  return {
    files: [
      {
        file: '01-kafka.yaml',
        purpose: `the KRaft cluster: one node pool of voters that are brokers, TLS + SCRAM-SHA-512, ACLs, JMX metrics${brokerOwn.length === 0 ? '' : `; of config/kafka/server.properties, Strimzi keeps ${brokerOwn.join(', ')} to itself (it refuses the prefix)`}`,
        objects: [jmxRules, nodes, kafka],
      },
      { file: '02-topics.yaml', purpose: 'config/topics.yaml', objects: topics },
      { file: '03-users.yaml', purpose: "one KafkaUser per principal with its ACLs (shared/security.ts); Strimzi's User Operator writes each password into a Secret of the user's name", objects: users },
      { file: '04-redis.yaml', purpose: 'Redis with AOF, ACL users built at start from the passwords Secret, the function libraries loaded by admin; the exporter', objects: redis },
      { file: '05-connect.yaml', purpose: 'Kafka Connect with the sink plugin image, and the Redis sink connector', objects: [connect, connector] },
      { file: '06-monitoring.yaml', purpose: 'PodMonitors (job and service labels as natively), the alert rules, the Grafana dashboard', objects: monitoring },
    ],
  };
}

/** The sink plugin's version (connector/pom.xml), part of the Connect image's tag. */
function readConnectorVersion(): string {
  const pom = readFileSync(join(ROOT, 'connector', 'pom.xml'), 'utf8');
  const m = /<artifactId>rastro-redis-sink<\/artifactId>\s*<version>([^<]+)<\/version>/.exec(pom);
  if (m?.[1] === undefined) throw new Error('connector/pom.xml: no <version> after <artifactId>rastro-redis-sink</artifactId>');
  return m[1];
}

/**
 * Redis: a StatefulSet of one with AOF (config/redis/redis.conf). An init container writes the ACL file from
 * the rules (shared/security.ts, in a ConfigMap) and one password per user (a Secret the deployer creates),
 * storing each password's sha256 as natively; a start-up hook loads the sink's and the app's function
 * libraries as admin, which `make up` does natively.
 */
function redisObjects(stack: Stack) {
  const name = `${CLUSTER}-redis`;
  const rules = redisAclRules(stack);
  const aclRules = new ConfigMap({
    metadata: { name: `${name}-config`, labels: LABELS },
    data: {
      'redis.conf': `${readConfig('redis', 'redis.conf').trimEnd()}\naclfile /etc/redis/acl/users.acl\n`,
      'default.acl': `${REDIS_DEFAULT_USER}\n`,
      ...Object.fromEntries(REDIS_USERS.map((u) => [`${u}.rules`, `${rules[u]}\n`])),
      'sink-library.lua': readSinkLibrary().code,
      'app-library.lua': readAppLibrary().code,
    },
  });
  // One line per user: `user <name> on #<sha256 of the password> <rules>`, as redisAclFile writes natively.
  const buildAcl = [
    'set -eu',
    'out=/etc/redis/acl/users.acl',
    'cp /config/default.acl "$out"',
    `for u in ${REDIS_USERS.join(' ')}; do`,
    '  hash=$(tr -d "\\n" < "/passwords/$u" | sha256sum | cut -d" " -f1)',
    '  printf "user %s on #%s %s\\n" "$u" "$hash" "$(cat "/config/$u.rules")" >> "$out"',
    'done',
  ].join('\n');
  // The admin's password through REDISCLI_AUTH, never on a command line (argv is visible to every process).
  const asAdmin = 'REDISCLI_AUTH="$(cat /passwords/admin)" redis-cli --user admin';
  const loadLibraries = [
    `until ${asAdmin} ping | grep -q PONG; do sleep 0.5; done`,
    `for lib in sink-library.lua app-library.lua; do ${asAdmin} -x FUNCTION LOAD REPLACE < "/config/$lib"; done`,
  ].join('\n');
  const image = stack.vars.get('REDIS_IMAGE') ?? 'redis:7.4-bookworm';
  const set = new StatefulSet({
    metadata: { name, labels: { ...LABELS, app: name } },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { ...LABELS, app: name } },
        spec: {
          securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
          initContainers: [{ name: 'acl', image, command: ['sh', '-c', buildAcl], volumeMounts: [{ name: 'config', mountPath: '/config' }, { name: 'passwords', mountPath: '/passwords' }, { name: 'acl', mountPath: '/etc/redis/acl' }] }],
          containers: [
            {
              name: 'redis',
              image,
              command: ['redis-server', '/config/redis.conf', '--dir', '/data', '--protected-mode', 'no'],
              ports: [{ name: 'redis', containerPort: 6379 }],
              readinessProbe: { exec: { command: ['sh', '-c', `${asAdmin} ping | grep -q PONG`] }, periodSeconds: 2 },
              lifecycle: { postStart: { exec: { command: ['sh', '-c', loadLibraries] } } },
              volumeMounts: [{ name: 'config', mountPath: '/config' }, { name: 'passwords', mountPath: '/passwords' }, { name: 'acl', mountPath: '/etc/redis/acl' }, { name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: `${name}-config` } },
            { name: 'passwords', secret: { secretName: REDIS_PASSWORDS_SECRET } },
            { name: 'acl', emptyDir: {} },
          ],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } }],
    },
  });
  const service = new Service({ metadata: { name, labels: LABELS }, spec: { selector: { app: name }, ports: [{ name: 'redis', port: 6379, targetPort: 'redis' }] } });
  const exporterName = `${CLUSTER}-redis-exporter`;
  const exporter = new Deployment({
    metadata: { name: exporterName, labels: { ...LABELS, app: exporterName } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: exporterName } },
      template: {
        metadata: { labels: { ...LABELS, app: exporterName } },
        spec: {
          containers: [
            {
              name: 'exporter',
              image: stack.vars.get('REDIS_EXPORTER_IMAGE') ?? 'oliver006/redis_exporter',
              args: ['-redis.addr', `redis://${name}:6379`, '-redis.user', 'exporter', '-count-keys', `db0=${stack.redisKeyPrefix}*`],
              env: [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: REDIS_PASSWORDS_SECRET, key: 'exporter' } } }],
              ports: [{ name: 'metrics', containerPort: 9121 }],
            },
          ],
        },
      },
    },
  });
  return [aclRules, set, service, exporter];
}

/** Scrape jobs named as natively (kafka, connect, redis) with a `service` label, so the alerts and the dashboard work unchanged. */
function monitoringObjects() {
  const podMonitor = (job: string, selector: Record<string, string>, port: string, nodeId: boolean) =>
    new PodMonitor({
      metadata: { name: `${CLUSTER}-${job}`, labels: LABELS },
      spec: {
        selector: { matchLabels: selector },
        podMetricsEndpoints: [
          {
            port,
            interval: '5s',
            relabelings: [
              { action: 'replace', targetLabel: 'job', replacement: job },
              { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'service' },
              ...(nodeId ? [{ action: 'replace' as const, sourceLabels: ['__meta_kubernetes_pod_name'], regex: '.*-(\\d+)', targetLabel: 'node_id' }] : []),
            ],
          },
        ],
      },
    });
  const alerts = parse(readConfig('prometheus', 'alerts.yml')) as { groups: Array<{ name: string; rules: Array<Record<string, unknown>> }> };
  const rules = new PrometheusRule({
    metadata: { name: `${CLUSTER}-alerts`, labels: LABELS },
    spec: {
      groups: alerts.groups.map((g) => ({
        name: g.name,
        rules: g.rules.map((r) => ({
          alert: String(r.alert),
          expr: String(r.expr),
          ...(r.for === undefined ? {} : { for: String(r.for) }),
          ...(r.labels === undefined ? {} : { labels: r.labels as Record<string, string> }),
          ...(r.annotations === undefined ? {} : { annotations: r.annotations as Record<string, string> }),
        })),
      })),
    },
  });
  const dashboard = new ConfigMap({
    // The Grafana Helm chart's dashboard sidecar loads every ConfigMap with this label.
    metadata: { name: `${CLUSTER}-dashboard`, labels: { ...LABELS, grafana_dashboard: '1' } },
    data: { 'rastro.json': readFileSync(DASHBOARD_FILE, 'utf8') },
  });
  return [
    podMonitor('kafka', { 'strimzi.io/cluster': CLUSTER, 'strimzi.io/kind': 'Kafka' }, 'tcp-prometheus', true),
    podMonitor('connect', { 'strimzi.io/cluster': `${CLUSTER}-connect`, 'strimzi.io/kind': 'KafkaConnect' }, 'tcp-prometheus', false),
    podMonitor('redis', { app: `${CLUSTER}-redis-exporter` }, 'metrics', false),
    rules,
    dashboard,
  ];
}
