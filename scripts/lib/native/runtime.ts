import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { $ } from 'zx';
import { applyKafkaAcls } from '../kafka-acls.ts';
import { renderWorkerProperties, type WorkerPlacement } from '../connect-worker.ts';
import { waitForBrokers, waitForConnectRest, waitForPrometheus, waitForRedis } from '../readiness.ts';
import { addScramArgs, ensureSecrets } from '../secrets-setup.ts';
import { CONNECT_ENV, displayPath, SECRET_FILES, StackAccess, type RedisUser, type SecurityMode } from '../../../shared/security.ts';
import { parseEnvFile } from '../../../shared/env-file.ts';
import { writeScrapeTargets } from '../prometheus-targets.ts';
import type { CliResult, KafkaTool, Runtime, ServiceState } from '../runtime/types.ts';
import { CONFIG_DIR, hostAddresses, ROOT, type Addresses, type NodeId, type Stack } from '../../../shared/stack.ts';
import { ensureConnectAuthExtension, ensureJmxAgent, ensureKafkaLibs, ensureSinkPlugin } from './install.ts';
import { internalPort, renderNodeProperties, renderSecurityProperties } from './kafka-node.ts';
import { ephemeralConflicts, readEphemeralRange } from './ports.ts';
import { exitWatch, livePid, requireCommand, startDetached, stopProcess, type ProcessSpec } from './processes.ts';

/** Main classes behind the kafka-*.sh scripts, run from the Maven-resolved jars. */
const TOOL_MAIN: Record<KafkaTool, string> = {
  'kafka-topics': 'org.apache.kafka.tools.TopicCommand',
  'kafka-metadata-quorum': 'org.apache.kafka.tools.MetadataQuorumCommand',
  'kafka-consumer-groups': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  'kafka-console-consumer': 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  'kafka-producer-perf-test': 'org.apache.kafka.tools.ProducerPerformance',
};

type Service = `kafka-${NodeId}` | 'connect' | 'redis' | 'redis-exporter' | 'prometheus';

/** Log config for one-shot Kafka tools (warnings on stderr, so stdout is the tool's answer). */
const TOOLS_LOG4J = `-Dlog4j2.configurationFile=${join(CONFIG_DIR, 'native', 'tools-log4j2.properties')}`;

/** JAVA_HOME's java, else the one on PATH; a missing one is named, never a bare spawn error. */
const java = (): string => requireCommand(process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java', 'java');

/**
 * The native runtime: every service a local process on loopback, state under one instance
 * directory (RASTRO_HOME, default .rastro/native), ports shifted by RASTRO_PORT_OFFSET.
 */

/**
 * The JVM flags Kafka's own launcher (kafka-run-class.sh) gives brokers and Connect by default, which
 * the docker image runs with too. G1's default pause target is 200 ms: without MaxGCPauseMillis=20 a
 * young collection could stall acks=all writes for that long (seen as p99 freshness spikes).
 */
const KAFKA_JVM_PERFORMANCE_OPTS = ['-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15', '-Djava.awt.headless=true'];

/** Where the native worker runs: on loopback, REST on CONNECT_PORT, the plugin built by Maven. */
export function nativeWorkerPlacement(stack: Stack, pluginPath: string): WorkerPlacement {
  const port = stack.ports.connect;
  return { runtime: 'native', bootstrapServers: hostAddresses(stack).bootstrap.join(','), listen: { host: '127.0.0.1', port }, advertised: { host: '127.0.0.1', port }, pluginPath };
}

export class NativeRuntime implements Runtime {
  readonly name = 'native' as const;
  readonly addresses: Addresses;
  readonly cliBootstrap: string;
  readonly connectEnv: Record<string, string>;
  readonly home: string;
  readonly access: StackAccess;
  /** kafka-1..kafka-NODE_COUNT, then the rest. */
  private readonly serviceNames: Service[];

  constructor(readonly stack: Stack, home: string, security: SecurityMode = 'on') {
    this.home = resolve(home);
    this.addresses = hostAddresses(stack);
    this.cliBootstrap = this.addresses.bootstrap.join(',');
    this.serviceNames = [...this.kafkaServices(), 'connect', 'redis', 'redis-exporter', 'prometheus'];
    this.access = new StackAccess(security, this.addresses.bootstrap, this.addresses.redisUrl, this.addresses.connectUrl, join(this.home, 'secrets'));
    // For display: the sink's password stays in its file.
    const redisUri = this.addresses.redisUrl.replace('redis://', `redis://sink:<${displayPath(this.access.secrets.path(SECRET_FILES.redisPassword('sink')))}>@`);
    this.connectEnv = { [CONNECT_ENV.redisUri]: this.access.secure ? redisUri : this.addresses.redisUrl };
  }

  private kafkaServices(): Array<`kafka-${NodeId}`> {
    return this.stack.nodeIds.map((id) => `kafka-${id}` as const);
  }

  /** Records the mode the stack's data was made with: switching needs a wipe (listeners, SCRAM users, ACLs). */
  private checkSecurityMode(): void {
    const file = join(this.home, 'security-mode');
    const recorded = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
    const hasData = this.kafkaServices().some((s) => existsSync(join(this.dir(s), 'data', 'meta.properties')));
    if (recorded !== undefined && recorded !== this.access.mode && hasData) {
      throw new Error(`the stack at ${this.home} was made with SECURITY=${recorded}, not ${this.access.mode}: run with SECURITY=${recorded}, or delete it first (make down WIPE=1)`);
    }
    mkdirSync(this.home, { recursive: true });
    writeFileSync(file, `${this.access.mode}\n`);
  }

  /** Kafka clients inside start-up run as admin (super user): the ACLs for everyone else are made here. */
  private get adminKafka() {
    return this.access.kafka('admin');
  }

  private dir(service: Service): string {
    return join(this.home, service);
  }

  private spec(service: Service, command = '', args: string[] = [], env?: NodeJS.ProcessEnv): ProcessSpec {
    const dir = this.dir(service);
    // Each process runs in its own directory: its cwd is what ties a pid to this instance.
    return { name: service, command, args, env, cwd: dir, logFile: join(dir, `${service}.log`), pidFile: join(dir, `${service}.pid`), marker: dir, ports: this.ports(service) };
  }

  private ports(service: Service): number[] {
    const p = this.stack.ports;
    switch (service) {
      case 'connect':
        return [p.connect, p.jmxExporterConnect];
      case 'redis':
        return [p.redis];
      case 'redis-exporter':
        return [p.redisExporter];
      case 'prometheus':
        return [p.prometheus];
      default: {
        const id = Number(service.slice('kafka-'.length)) as NodeId;
        return [p.kafka.of(id), p.controller.of(id), internalPort(this.stack, id), p.jmxExporter.of(id)];
      }
    }
  }

  private async libs(log: (s: string) => void = () => {}): Promise<string> {
    return ensureKafkaLibs(this.stack, log);
  }

  /** A Kafka/Connect JVM with the Prometheus JMX exporter agent on 127.0.0.1:`metrics.port`. */
  private async jvm(service: Service, heap: string, mainClass: string, args: string[], libs: string, metrics: { port: number; rules: string }, env?: NodeJS.ProcessEnv, extra: { jvmFlags?: string[]; classpath?: string[] } = {}): Promise<ProcessSpec> {
    const agent = await ensureJmxAgent(this.stack, () => {});
    return this.spec(
      service,
      java(),
      [
        `-Xms${heap}`, `-Xmx${heap}`, ...KAFKA_JVM_PERFORMANCE_OPTS,
        `-javaagent:${agent}=127.0.0.1:${metrics.port}:${join(CONFIG_DIR, 'jmx', metrics.rules)}`,
        `-Dlog4j2.configurationFile=${join(CONFIG_DIR, 'native', 'log4j2.properties')}`,
        ...(extra.jvmFlags ?? []),
        '-cp', [`${libs}/*`, ...(extra.classpath ?? [])].join(':'), mainClass, ...args,
      ],
      env,
    );
  }

  /** Every port this instance listens on, by service. */
  allPorts(): Array<{ name: string; port: number }> {
    return this.serviceNames.flatMap((name) => this.ports(name).map((port) => ({ name, port })));
  }

  async up(log: (line: string) => void): Promise<void> {
    this.checkPortRange();
    this.checkSecurityMode();
    if (this.access.secure) await ensureSecrets(this.stack, { dir: this.access.secrets.dir, mountedAt: this.access.secrets.dir, redisHostPort: `127.0.0.1:${this.stack.ports.redis}` }, log);
    const libs = await this.libs(log);
    const pluginPath = await ensureSinkPlugin(this.stack, log);
    await ensureJmxAgent(this.stack, log);
    await this.startRedis();
    await this.startMonitoring();
    for (const id of this.stack.nodeIds) await this.startNode(id, libs);
    // A service that dies while we wait is reported at once, with its log, not after the timeout.
    const started = (names: Service[]) => ({ guard: exitWatch(names.map((n) => this.spec(n))) });
    const core: Service[] = ['redis', 'redis-exporter', 'prometheus', ...this.kafkaServices()];
    log(`waiting for brokers ${this.stack.nodeIds.join(',')} to register (KRaft quorum of ${this.stack.nodeIds.length} voters)`);
    await waitForBrokers(this.adminKafka, undefined, [...this.stack.nodeIds], started(core));
    await waitForRedis(this.access.redis('admin'), undefined, started(core));
    if (this.access.secure) {
      const acls = await applyKafkaAcls(this.adminKafka, this.stack);
      log(`Kafka ACLs: ${acls.created} created, ${acls.existing} already there (deny by default; super users: the nodes and admin)`);
    }
    await this.startConnect(libs, pluginPath, log);
    log(`waiting for Kafka Connect at ${this.addresses.connectUrl}`);
    await waitForConnectRest(this.access.connect(), undefined, started([...core, 'connect']));
    await waitForPrometheus(this.addresses.prometheusUrl, undefined, started(core));
  }

  /** Ports inside the kernel's ephemeral range can be taken by any outgoing connection at any moment. */
  private checkPortRange(): void {
    const range = readEphemeralRange();
    if (range === undefined) return;
    const bad = ephemeralConflicts(this.allPorts(), range);
    if (bad.length === 0) return;
    const highest = Math.max(...this.allPorts().map((p) => p.port)) - this.stack.portOffset;
    throw new Error(
      `ports ${bad.map((b) => `${b.port} (${b.name})`).join(', ')} lie in the kernel's ephemeral port range ${range[0]}–${range[1]} ` +
        `(/proc/sys/net/ipv4/ip_local_port_range), where any outgoing connection may take them; ` +
        `choose RASTRO_PORT_OFFSET (now ${this.stack.portOffset}) so every port stays below ${range[0]}: at most ${range[0] - 1 - highest}`,
    );
  }

  /**
   * Prometheus runs from a directory holding a link to the repo's prometheus.yml (and config/), so
   * the one file's relative paths find this instance's generated targets/.
   */
  private async startMonitoring(): Promise<void> {
    const dir = this.dir('prometheus');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeScrapeTargets(join(dir, 'targets'), this.stack, 'native');
    for (const [link, target] of [['prometheus.yml', join(ROOT, 'prometheus.yml')], ['config', CONFIG_DIR]] as const) {
      if (!existsSync(join(dir, link))) symlinkSync(target, join(dir, link));
    }
    await startDetached(
      this.spec('prometheus', 'prometheus', [
        `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.stack.ports.prometheus}`, '--storage.tsdb.retention.time=2d', '--web.enable-lifecycle',
      ]),
    );
    // The exporter's password comes from its environment, never its command line (ps shows that to everyone).
    const auth = this.access.redis('exporter');
    const env = auth.password === undefined ? undefined : { ...process.env, REDIS_USER: auth.username, REDIS_PASSWORD: auth.password };
    await startDetached(
      this.spec('redis-exporter', 'prometheus-redis-exporter', [
        '-redis.addr', this.addresses.redisUrl, '-web.listen-address', `127.0.0.1:${this.stack.ports.redisExporter}`,
        // Drivers only: DBSIZE would count any other key too.
        '-count-keys', `db0=${this.stack.redisKeyPrefix}*`,
      ], env),
    );
  }

  async startRedis(): Promise<void> {
    // --dir is the service directory itself: Redis chdirs there, and the cwd marks the pid as ours.
    const dir = this.dir('redis');
    mkdirSync(dir, { recursive: true });
    await startDetached(
      this.spec('redis', 'redis-server', [
        join(CONFIG_DIR, 'redis', 'redis.conf'),
        '--port', String(this.stack.ports.redis), '--bind', '127.0.0.1', '--dir', dir,
        '--daemonize', 'no',
        // ACL users (default user off) from the stack's secrets.
        ...(this.access.secure ? ['--aclfile', this.access.secrets.path(SECRET_FILES.redisAcl)] : []),
      ]),
    );
  }

  async startNode(id: NodeId, libsDir?: string): Promise<void> {
    const libs = libsDir ?? (await this.libs());
    const service: Service = `kafka-${id}`;
    const dir = this.dir(service);
    const data = join(dir, 'data');
    const props = join(dir, 'node.properties');
    mkdirSync(data, { recursive: true });
    const security = this.access.secure ? renderSecurityProperties(readFileSync(join(CONFIG_DIR, 'kafka', 'security.properties'), 'utf8'), this.access.secrets.dir) : undefined;
    writeFileSync(props, renderNodeProperties(readFileSync(join(CONFIG_DIR, 'kafka', 'server.properties'), 'utf8'), this.stack, id, data, security));
    if (!existsSync(join(data, 'meta.properties'))) {
      // Kafka's own storage tool writes meta.properties and the bootstrap checkpoint for the static quorum,
      // and with security on the SCRAM users (KRaft keeps them in the metadata log, not in a file).
      const scram = this.access.secure ? addScramArgs(this.access.secrets.dir) : [];
      await $({ quiet: true })`${java()} -cp ${`${libs}/*`} ${TOOLS_LOG4J} kafka.tools.StorageTool format --cluster-id ${this.stack.clusterId} --config ${props} --ignore-formatted ${scram}`;
    }
    await startDetached(await this.jvm(service, '512m', 'kafka.Kafka', [props], libs, { port: this.stack.ports.jmxExporter.of(id), rules: 'kafka-broker.yaml' }));
  }

  async stopNode(id: NodeId, opts: { kill?: boolean } = {}): Promise<void> {
    await stopProcess(this.spec(`kafka-${id}`), 60_000, opts.kill);
  }

  async isNodeRunning(id: NodeId): Promise<boolean> {
    const s = this.spec(`kafka-${id}`);
    return livePid(s.pidFile, s.marker) !== undefined;
  }

  private async startConnect(libs: string, pluginPath: string, log: (line: string) => void): Promise<void> {
    const dir = this.dir('connect');
    mkdirSync(dir, { recursive: true });
    const props = join(dir, 'worker.properties');
    writeFileSync(props, renderWorkerProperties(this.stack, nativeWorkerPlacement(this.stack, pluginPath), this.access.secure));
    // Secrets reach the worker through its environment (config providers resolve ${env:…}); the REST
    // extension through its classpath and the JAAS file that names the REST users file.
    const env = this.access.secure ? Object.fromEntries(parseEnvFile(readFileSync(this.access.secrets.path(SECRET_FILES.connectEnv), 'utf8'), SECRET_FILES.connectEnv)) : { [CONNECT_ENV.redisUri]: this.addresses.redisUrl };
    const jvmFlags = this.access.secure ? [`-Djava.security.auth.login.config=${this.access.secrets.path(SECRET_FILES.connectRestJaas)}`] : [];
    const classpath = this.access.secure ? [await ensureConnectAuthExtension(this.stack, log)] : [];
    await startDetached(
      await this.jvm('connect', '768m', 'org.apache.kafka.connect.cli.ConnectDistributed', [props], libs, { port: this.stack.ports.jmxExporterConnect, rules: 'kafka-connect.yaml' }, { ...process.env, ...env }, { jvmFlags, classpath }),
    );
  }

  async down(opts: { wipe: boolean }, log: (line: string) => void): Promise<void> {
    const stop = async (s: Service) => {
      if (await stopProcess(this.spec(s), 60_000)) log(`stopped ${s}`);
    };
    // Monitoring first (else a planned shutdown leaves "target down" alerts in its history), then
    // Connect (it would otherwise spin on a vanished cluster).
    for (const s of ['prometheus', 'redis-exporter', 'connect'] as const) await stop(s);
    // All nodes at once: stopped one by one, the last would wait for a controller quorum that
    // no longer exists before it gives up its clean shutdown.
    await Promise.all(this.kafkaServices().map(stop));
    await stop('redis');
    if (opts.wipe) {
      rmSync(this.home, { recursive: true, force: true });
      log(`wiped ${this.home}`);
    }
  }

  async kafkaCli(tool: KafkaTool, args: string[]): Promise<CliResult> {
    const libs = await this.libs();
    const r = await $({ quiet: true })`${java()} -Xmx256m -XX:TieredStopAtLevel=1 ${TOOLS_LOG4J} -cp ${`${libs}/*`} ${TOOL_MAIN[tool]} ${args} ${this.access.kafkaCliConfig()}`;
    return { display: [`${tool}.sh`, ...args, ...this.access.kafkaCliConfigDisplay()].join(' '), stdout: r.stdout };
  }

  async metricsBindHost(): Promise<string> {
    return '127.0.0.1';
  }

  async redisCli(args: string[], user: RedisUser = 'app'): Promise<CliResult> {
    const base = ['-h', '127.0.0.1', '-p', String(this.stack.ports.redis)];
    const auth = this.access.redisCli(user);
    const r = await $({ quiet: true, env: { ...process.env, ...auth.env } })`${requireCommand('redis-cli', 'redis-cli')} ${base} ${auth.args} ${args}`;
    return { display: `${auth.displayPrefix}${['redis-cli', ...base, ...auth.displayArgs, ...args].join(' ')}`, stdout: r.stdout };
  }

  async services(): Promise<ServiceState[]> {
    return this.serviceNames.map((name) => {
      const s = this.spec(name);
      const pid = livePid(s.pidFile, s.marker);
      return { name, running: pid !== undefined, detail: pid !== undefined ? `pid ${pid}` : 'stopped' };
    });
  }

  async topology(): Promise<string> {
    const p = this.stack.ports;
    const rows = [
      ...this.stack.nodeIds.map((id) => `kafka-${id}   broker+controller  node.id=${id}  client 127.0.0.1:${p.kafka.of(id)}  controller 127.0.0.1:${p.controller.of(id)}  inter-broker 127.0.0.1:${internalPort(this.stack, id)}`),
      `connect   distributed worker  REST ${this.addresses.connectUrl}${this.access.secure ? ' (basic auth)' : ''}  group ${this.stack.connect.groupId}`,
      `redis     redis-server (AOF)  ${this.addresses.redisUrl}`,
      `redis-exporter  prometheus-redis-exporter  http://127.0.0.1:${this.stack.ports.redisExporter}/metrics`,
      `prometheus  prometheus  ${this.addresses.prometheusUrl}  (JMX exporter agents: kafka ${this.stack.ports.jmxExporter.all.join('/')}, connect ${this.stack.ports.jmxExporterConnect})`,
    ];
    const states = await this.services();
    const state = new Map(states.map((s) => [s.name, s.detail]));
    return rows.map((r) => `${r}  [${state.get(r.split(/\s+/)[0] ?? '') ?? '?'}]`).join('\n') + `\nstate: ${this.home.replace(`${ROOT}/`, '')}`;
  }
}
