import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWorkerProperties, type WorkerPlacement } from '../connect-worker.ts';
import { writeScrapeTargets } from '../prometheus-targets.ts';
import { CONNECT_ENV, SECRET_FILES, type StackAccess } from '../../../shared/security.ts';
import { parseEnvFile } from '../../../shared/env-file.ts';
import { CONFIG_DIR, hostAddresses, internalPort, ROOT, type Addresses, type NodeId, type Stack } from '../../../shared/stack.ts';
import { ensureConnectAuthExtension, ensureJmxAgent } from './install.ts';
import { renderNodeProperties, renderSecurityProperties } from './kafka-node.ts';
import { requireCommand, type ProcessSpec } from './processes.ts';

/**
 * The native runtime's process specs: which processes make a stack, what each one runs with which
 * config, where its state, log and pid live and which ports it takes. Starting, waiting and stopping
 * them is the lifecycle's (runtime.ts); the config files a process reads are written when its spec is made.
 */

/** A Redis process: `redis` (the one Redis, or cluster node 1, the seed), `redis-2`..`redis-6` (REDIS_MODE=cluster). */
export type RedisService = 'redis' | `redis-${number}`;

/** A redis_exporter: `redis-exporter` for the one Redis (or cluster node 1), `redis-exporter-<i>` for cluster node i. */
export type RedisExporterService = 'redis-exporter' | `redis-exporter-${number}`;

export type Service = `kafka-${NodeId}` | 'connect' | RedisService | RedisExporterService | 'prometheus';

/** JAVA_HOME's java, else the one on PATH; a missing one is named, never a bare spawn error. */
export const java = (): string => requireCommand(process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java', 'java');

/**
 * The JVM flags Kafka's own launcher (kafka-run-class.sh) gives brokers and Connect by default, which
 * the docker image runs with too. G1's default pause target is 200 ms: without MaxGCPauseMillis=20 a
 * young collection could stall acks=all writes for that long (seen as p99 freshness spikes).
 */
/** How long a cluster node may be unreachable before the others fail it over: a SIGKILLed primary's replica takes over within seconds. */
export const REDIS_CLUSTER_NODE_TIMEOUT_MS = 3000;

const KAFKA_JVM_PERFORMANCE_OPTS = ['-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15', '-Djava.awt.headless=true'];

/** Where the native worker runs: on loopback, REST on CONNECT_PORT, the plugin built by Maven. */
export function nativeWorkerPlacement(stack: Stack, pluginPath: string): WorkerPlacement {
  const port = stack.ports.connect;
  return { runtime: 'native', bootstrapServers: hostAddresses(stack).bootstrap.join(','), listen: { host: '127.0.0.1', port }, advertised: { host: '127.0.0.1', port }, pluginPath };
}

export class NativeServices {
  private readonly addresses: Addresses;

  constructor(
    private readonly stack: Stack,
    private readonly home: string,
    private readonly access: StackAccess,
  ) {
    this.addresses = hostAddresses(stack);
  }

  /** The voters, the broker-only nodes make scale added, then the rest: every process of a stack. */
  get names(): Service[] {
    return [...this.kafkaNodes(), ...this.brokerOnlyIds().map((id) => `kafka-${id}` as const), 'connect', ...this.redisNodes(), ...this.redisExporters(), 'prometheus'];
  }

  /** Every Redis process: one, or the cluster's six (node i on stack.redis.nodePorts[i − 1]). */
  redisNodes(): RedisService[] {
    return this.stack.redis.nodePorts.map((_, i) => (i === 0 ? 'redis' : (`redis-${i + 1}` as const)));
  }

  /** One exporter per Redis process (a cluster's counts and command rates are summed over its primaries). */
  redisExporters(): RedisExporterService[] {
    return this.stack.redis.nodePorts.map((_, i) => (i === 0 ? 'redis-exporter' : (`redis-exporter-${i + 1}` as const)));
  }

  /** The index (0-based) of a Redis process in stack.redis.nodePorts. */
  private redisIndex(service: RedisService): number {
    return service === 'redis' ? 0 : Number(service.slice('redis-'.length)) - 1;
  }

  private exporterIndex(service: RedisExporterService): number {
    return service === 'redis-exporter' ? 0 : Number(service.slice('redis-exporter-'.length)) - 1;
  }

  /** A Redis process's client port. */
  redisPort(service: RedisService): number {
    return this.stack.redis.nodePorts[this.redisIndex(service)] as number;
  }

  /** The voters (1..NODE_COUNT). */
  kafkaNodes(): Array<`kafka-${NodeId}`> {
    return this.stack.nodeIds.map((id) => `kafka-${id}` as const);
  }

  /**
   * The broker-only nodes make scale added: an id above NODE_COUNT whose storage is formatted. Their
   * directories are the record (no second list to drift): make scale deletes one once it is unregistered.
   */
  brokerOnlyIds(): NodeId[] {
    const ids: NodeId[] = [];
    for (let id = this.stack.nodeIds.length + 1; id <= this.stack.maxNodes; id++) {
      if (existsSync(join(this.dir(`kafka-${id}`), 'data', 'meta.properties'))) ids.push(id);
    }
    return ids;
  }

  /** Every Kafka node of this instance: voters and broker-only nodes, in id order. */
  allNodeIds(): NodeId[] {
    return [...this.stack.nodeIds, ...this.brokerOnlyIds()];
  }

  /** Prometheus's file_sd targets for this instance's nodes, less `leaving` (Prometheus re-reads them by itself). */
  writeTargets(leaving: NodeId[] = []): void {
    writeScrapeTargets(join(this.dir('prometheus'), 'targets'), this.stack, 'native', this.allNodeIds().filter((id) => !leaving.includes(id)));
  }

  dir(service: Service): string {
    return join(this.home, service);
  }

  /** A service's identity (pid, log, state, ports); with a command, also what to run. */
  spec(service: Service, command = '', args: string[] = [], env?: NodeJS.ProcessEnv): ProcessSpec {
    const dir = this.dir(service);
    // Each process runs in its own directory: its cwd is what ties a pid to this instance.
    return { name: service, command, args, env, cwd: dir, logFile: join(dir, `${service}.log`), pidFile: join(dir, `${service}.pid`), marker: dir, ports: this.ports(service) };
  }

  ports(service: Service): number[] {
    const p = this.stack.ports;
    switch (service) {
      case 'connect':
        return [p.connect, p.jmxExporterConnect];
      case 'prometheus':
        return [p.prometheus];
      default: {
        if (service.startsWith('redis-exporter')) return [this.stack.redis.exporterPorts[this.exporterIndex(service as RedisExporterService)] as number];
        if (service.startsWith('redis')) {
          const i = this.redisIndex(service as RedisService);
          return [this.stack.redis.nodePorts[i] as number, ...(this.stack.redis.busPorts[i] === undefined ? [] : [this.stack.redis.busPorts[i]])];
        }
        const id = Number(service.slice('kafka-'.length));
        const controller = this.stack.nodeIds.includes(id) ? [p.controller.of(id)] : [];
        return [p.kafka.of(id), ...controller, internalPort(this.stack, id), p.jmxExporter.of(id)];
      }
    }
  }

  /** Every port this instance listens on, by service. */
  allPorts(): Array<{ name: string; port: number }> {
    return this.names.flatMap((name) => this.ports(name).map((port) => ({ name, port })));
  }

  /**
   * A Redis process with the repo's redis.conf; --dir is the service directory itself (Redis chdirs there, and
   * the cwd marks the pid as ours). On a cluster, each node also has its bus port and its nodes.conf (written by
   * Redis: a restarted node rejoins by itself), and a replica logs in to its primary as admin, with the password
   * from a file in the node's private directory, never on the command line.
   */
  redis(service: RedisService = 'redis'): ProcessSpec {
    const dir = this.dir(service);
    mkdirSync(dir, { recursive: true });
    const i = this.redisIndex(service);
    const cluster: string[] = [];
    if (this.stack.redis.mode === 'cluster') {
      cluster.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(this.stack.redis.busPorts[i]), '--cluster-node-timeout', String(REDIS_CLUSTER_NODE_TIMEOUT_MS));
      if (this.access.secure) {
        const conf = join(dir, 'replication.conf');
        writeFileSync(conf, `masteruser admin\nmasterauth ${this.access.secrets.read(SECRET_FILES.redisPassword('admin'))}\n`, { mode: 0o600 });
        cluster.push('--include', conf);
      }
    }
    return this.spec(service, 'redis-server', [
      join(CONFIG_DIR, 'redis', 'redis.conf'),
      '--port', String(this.redisPort(service)), '--bind', '127.0.0.1', '--dir', dir,
      '--daemonize', 'no',
      // ACL users (default user off) from the stack's secrets.
      ...(this.access.secure ? ['--aclfile', this.access.secrets.path(SECRET_FILES.redisAcl)] : []),
      ...cluster,
    ]);
  }

  /**
   * Prometheus runs from a directory holding a link to the repo's prometheus.yml (and config/), so
   * the one file's relative paths find this instance's generated targets/.
   */
  prometheus(): ProcessSpec {
    const dir = this.dir('prometheus');
    mkdirSync(join(dir, 'data'), { recursive: true });
    this.writeTargets();
    for (const [link, target] of [['prometheus.yml', join(ROOT, 'prometheus.yml')], ['config', CONFIG_DIR]] as const) {
      if (!existsSync(join(dir, link))) symlinkSync(target, join(dir, link));
    }
    // No --web.enable-lifecycle: it would let any local user stop Prometheus (POST /-/quit), and nothing here reloads it.
    return this.spec('prometheus', 'prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${this.stack.ports.prometheus}`, '--storage.tsdb.retention.time=2d',
    ]);
  }

  /** The exporter of one Redis process (`redis-exporter-<i>` watches cluster node i). */
  redisExporter(service: RedisExporterService = 'redis-exporter'): ProcessSpec {
    const i = this.exporterIndex(service);
    // The password from a map keyed by our Redis's URI (never argv, and never REDIS_PASSWORD: that one the
    // exporter sends to any target its unauthenticated /scrape?target= names).
    const auth = this.access.redis('exporter');
    const secure = auth.password !== undefined;
    return this.spec(service, 'prometheus-redis-exporter', [
      '-redis.addr', `redis://127.0.0.1:${this.stack.redis.nodePorts[i]}`, '-web.listen-address', `127.0.0.1:${this.stack.redis.exporterPorts[i]}`,
      // Drivers only: DBSIZE would count any other key too. On a cluster each exporter counts its own node's.
      '-count-keys', `db0=${this.stack.redisKeyPrefix}*`,
      ...(secure ? ['-redis.user', auth.username ?? 'exporter', '-redis.password-file', this.access.secrets.path(SECRET_FILES.redisExporterPasswords)] : []),
    ]);
  }

  /** A Kafka node: its node.properties (shared settings, security, its own identity) and the broker JVM. */
  async kafkaNode(id: NodeId, libs: string): Promise<{ spec: ProcessSpec; props: string; data: string }> {
    const service: Service = `kafka-${id}`;
    const dir = this.dir(service);
    const data = join(dir, 'data');
    const props = join(dir, 'node.properties');
    mkdirSync(data, { recursive: true });
    const security = this.access.secure ? renderSecurityProperties(readFileSync(join(CONFIG_DIR, 'kafka', 'security.properties'), 'utf8'), this.access.secrets.dir) : undefined;
    writeFileSync(props, renderNodeProperties(readFileSync(join(CONFIG_DIR, 'kafka', 'server.properties'), 'utf8'), this.stack, id, data, security));
    const spec = await this.jvm(service, this.stack.heaps.kafka, 'kafka.Kafka', [props], libs, { port: this.stack.ports.jmxExporter.of(id), rules: 'kafka-broker.yaml' });
    return { spec, props, data };
  }

  /** The Connect worker: its worker.properties (scripts/lib/connect-worker.ts) and the worker JVM. */
  async connect(libs: string, pluginPath: string, log: (line: string) => void): Promise<ProcessSpec> {
    const dir = this.dir('connect');
    mkdirSync(dir, { recursive: true });
    const props = join(dir, 'worker.properties');
    writeFileSync(props, renderWorkerProperties(this.stack, nativeWorkerPlacement(this.stack, pluginPath), this.access.secure));
    // Secrets reach the worker through its environment (config providers resolve ${env:…}); the REST
    // extension through its classpath and the JAAS file that names the REST users file.
    const env = this.access.secure ? Object.fromEntries(parseEnvFile(readFileSync(this.access.secrets.path(SECRET_FILES.connectEnv), 'utf8'), SECRET_FILES.connectEnv)) : { [CONNECT_ENV.redisUri]: this.addresses.redisUrl };
    const jvmFlags = this.access.secure ? [`-Djava.security.auth.login.config=${this.access.secrets.path(SECRET_FILES.connectRestJaas)}`] : [];
    const classpath = this.access.secure ? [await ensureConnectAuthExtension(this.stack, log)] : [];
    return this.jvm('connect', this.stack.heaps.connect, 'org.apache.kafka.connect.cli.ConnectDistributed', [props], libs, { port: this.stack.ports.jmxExporterConnect, rules: 'kafka-connect.yaml' }, { ...process.env, ...env }, { jvmFlags, classpath });
  }

  /** A Kafka/Connect JVM with the Prometheus JMX exporter agent on 127.0.0.1:`metrics.port`. */
  private async jvm(service: Service, heap: string, mainClass: string, args: string[], libs: string, metrics: { port: number; rules: string }, env?: NodeJS.ProcessEnv, extra: { jvmFlags?: string[]; classpath?: string[] } = {}): Promise<ProcessSpec> {
    const agent = await ensureJmxAgent(this.stack, () => {});
    return this.spec(
      service,
      java(),
      [
        `-Xms${heap}`, `-Xmx${heap}`, ...KAFKA_JVM_PERFORMANCE_OPTS, ...this.stack.jvmFlags,
        `-javaagent:${agent}=127.0.0.1:${metrics.port}:${join(CONFIG_DIR, 'jmx', metrics.rules)}`,
        `-Dlog4j2.configurationFile=${join(CONFIG_DIR, 'native', 'log4j2.properties')}`,
        ...(extra.jvmFlags ?? []),
        '-cp', [`${libs}/*`, ...(extra.classpath ?? [])].join(':'), mainClass, ...args,
      ],
      env,
    );
  }
}
