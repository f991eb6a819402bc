import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { $ } from 'zx';
import { applyKafkaAcls } from '../kafka-acls.ts';
import { waitForBrokers, waitForConnectRest, waitForPrometheus, waitForRedis } from '../readiness.ts';
import { ensureSecrets } from '../secrets-setup.ts';
import { loadRedisLibraries, readRedisLoad, redisLoadError } from '../redis-load.ts';
import { clusterPrimaries, ensureRedisCluster } from '../redis-cluster.ts';
import { CONNECT_ENV, displayPath, KAFKA_USERS, openRedis, SECRET_FILES, StackAccess, type KafkaUser, type RedisAccess, type RedisUser, type SecurityMode } from '../../../shared/security.ts';
import { KAFKA_TOOLS, withClientOptions, writeToolWrappers, type KafkaToolSpec } from '../kafka-tools.ts';
import { shellJoin, shellQuote } from '../shell.ts';
import { KAFKA_CLI_JVM, type CliResult, type KafkaTool, type Runtime, type ServiceState } from '../runtime/types.ts';
import { CONFIG_DIR, hostAddresses, internalPort, ROOT, type Addresses, type NodeId, type Stack } from '../../../shared/stack.ts';
import { ensureJmxAgent, ensureKafkaLibs, ensureSinkPlugin } from './install.ts';
import { ephemeralConflicts, readEphemeralRange } from './ports.ts';
import { keepPrivate } from './private-state.ts';
import { exitWatch, livePid, requireCommand, startDetached, stopProcess } from './processes.ts';
import { java, NativeServices, type RedisService, type Service } from './services.ts';

/** Log config for one-shot Kafka tools (warnings on stderr, so stdout is the tool's answer). */
const TOOLS_LOG4J = `-Dlog4j2.configurationFile=${join(CONFIG_DIR, 'native', 'tools-log4j2.properties')}`;

/**
 * The native runtime's lifecycle: every service a local process on loopback (what each runs with
 * which config: services.ts), state under one instance directory (RASTRO_HOME, default .rastro/native),
 * ports shifted by RASTRO_PORT_OFFSET. This file is the recipe: the order things start in, what is
 * waited for, how they stop.
 */
export class NativeRuntime implements Runtime {
  readonly name = 'native' as const;
  readonly addresses: Addresses;
  readonly cliBootstrap: string;
  readonly connectEnv: Record<string, string>;
  readonly home: string;
  readonly access: StackAccess;
  private readonly processes: NativeServices;

  constructor(readonly stack: Stack, home: string, security: SecurityMode = 'on') {
    this.home = resolve(home);
    this.addresses = hostAddresses(stack);
    this.cliBootstrap = this.addresses.bootstrap.join(',');
    this.access = new StackAccess(security, this.addresses.bootstrap, this.addresses.redisUrl, this.addresses.connectUrl, join(this.home, 'secrets'));
    this.processes = new NativeServices(stack, this.home, this.access);
    // For display: the sink's password stays in its file.
    const redisUri = this.addresses.redisUrl.replace('redis://', `redis://sink:<${displayPath(this.access.secrets.path(SECRET_FILES.redisPassword('sink')))}>@`);
    this.connectEnv = { [CONNECT_ENV.redisUri]: this.access.secure ? redisUri : this.addresses.redisUrl };
  }

  /** Records the mode the stack's data was made with: switching needs a wipe (listeners, SCRAM users, ACLs). */
  private checkSecurityMode(): void {
    const file = join(this.home, 'security-mode');
    const recorded = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
    const hasData = this.processes.kafkaNodes().some((s) => existsSync(join(this.processes.dir(s), 'data', 'meta.properties')));
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

  private async libs(log: (s: string) => void = () => {}): Promise<string> {
    return ensureKafkaLibs(this.stack, log);
  }

  /** Every port this instance listens on, by service. */
  allPorts(): Array<{ name: string; port: number }> {
    return this.processes.allPorts();
  }

  async up(log: (line: string) => void): Promise<void> {
    this.checkPortRange();
    const opened = keepPrivate(this.home);
    if (opened > 0) log(`${this.home}: ${opened} path(s) were readable by other users; now owner-only`);
    this.checkSecurityMode();
    const secrets = this.access.secure ? await ensureSecrets(this.stack, { dir: this.access.secrets.dir, mountedAt: this.access.secrets.dir, redisHostPort: `127.0.0.1:${this.stack.ports.redis}`, redisNodes: this.stack.redis.nodePorts.map((p) => `127.0.0.1:${p}`) }, log) : undefined;
    const libs = await this.libs(log);
    this.writeKafkaTools(libs);
    const pluginPath = await ensureSinkPlugin(this.stack, log);
    await ensureJmxAgent(this.stack, log);
    await this.startRedis();
    await this.startMonitoring();
    // The voters, then any broker-only node make scale added (it holds replicas: it comes back too).
    const nodes = this.nodes();
    for (const id of nodes) await this.startNode(id, libs);
    // A service that dies while we wait is reported at once, with its log, not after the timeout.
    const started = (names: Service[]) => ({ guard: exitWatch(names.map((n) => this.processes.spec(n))) });
    const core: Service[] = [...this.processes.redisNodes(), ...this.processes.redisExporters(), 'prometheus', ...nodes.map((id) => `kafka-${id}` as const)];
    if (this.access.secure) await this.ensureScramUsers(libs, log);
    const extra = nodes.length - this.stack.nodeIds.length;
    log(`waiting for brokers ${nodes.join(',')} to register (KRaft quorum of ${this.stack.nodeIds.length} voters${extra > 0 ? `, and ${extra} broker-only node(s) added by make scale` : ''})`);
    await waitForBrokers(this.adminKafka, undefined, nodes, started(core));
    for (const node of this.processes.redisNodes()) await waitForRedis(this.redisAdmin(node), undefined, started(core));
    if (this.stack.redis.mode === 'cluster') {
      const cli = this.access.redisCli('admin');
      await ensureRedisCluster({ nodes: this.processes.redisNodes().map((n) => this.redisAdmin(n)), cli: { args: cli.args, env: cli.env }, replicas: 1, ...started(core) }, log);
    }
    await this.checkRedisLoad(secrets?.aclChanged === true);
    // Functions are written on primaries (replicas copy them); after a failover the primaries are other nodes.
    const primaries = this.stack.redis.mode === 'cluster' ? await clusterPrimaries(this.access.redis('admin')) : [this.stack.ports.redis];
    for (const port of primaries) await loadRedisLibraries(this.redisAdminAt(port), primaries.length > 1 ? (line) => log(`${line} (127.0.0.1:${port})`) : log);
    if (this.access.secure) {
      const acls = await applyKafkaAcls(this.adminKafka, this.stack);
      log(`Kafka ACLs: ${acls.created} created, ${acls.existing} already there, ${acls.removed} no longer granted removed (deny by default; super users: the nodes and admin)`);
    }
    await startDetached(await this.processes.connect(libs, pluginPath, log));
    log(`waiting for Kafka Connect at ${this.addresses.connectUrl}`);
    await waitForConnectRest(this.access.connect(), undefined, started([...core, 'connect']));
    await waitForPrometheus(this.addresses.prometheusUrl, undefined, started(core));
  }

  /** Where the Kafka tool wrappers are (make up prints the PATH line). */
  get toolsDir(): string {
    return join(this.home, 'bin');
  }

  /** Kafka's CLI tools as the stack runs them: one wrapper each in $RASTRO_HOME/bin (kafka-tools.ts). */
  private writeKafkaTools(libs: string): void {
    const jvm = [java(), KAFKA_CLI_JVM.heap, KAFKA_CLI_JVM.performance, TOOLS_LOG4J, '-cp', `${libs}/*`].map(shellQuote).join(' ');
    writeToolWrappers({
      dir: this.toolsDir,
      what: `the stack's Kafka ${this.stack.versions.kafka}, from its Maven jars`,
      launch: (_name, tool) => `exec ${jvm} ${tool.main} "$@"`,
      bootstrap: this.cliBootstrap,
      commandConfig: (user) => (this.access.secure ? this.access.secrets.path(SECRET_FILES.kafkaClientProperties(user)) : undefined),
    });
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

  private async startMonitoring(): Promise<void> {
    await startDetached(this.processes.prometheus());
    for (const exporter of this.processes.redisExporters()) await startDetached(this.processes.redisExporter(exporter));
  }

  async startRedis(): Promise<void> {
    for (const node of this.processes.redisNodes()) await startDetached(this.processes.redis(node));
  }

  /** Admin access to one Redis process (the one Redis, or a cluster node). */
  private redisAdmin(node: RedisService): RedisAccess {
    return this.redisAdminAt(this.processes.redisPort(node));
  }

  private redisAdminAt(port: number): RedisAccess {
    return { ...this.access.redis('admin'), url: `redis://127.0.0.1:${port}` };
  }

  /**
   * A Redis already running keeps the ACL rules it started with: load the file when this start changed
   * it (only then: ACL LOAD closes every client's connection). Then refuse to go on over a replay that
   * dropped acknowledged writes, stopping Redis before an AOF rewrite could discard them for good.
   */
  private async checkRedisLoad(aclChanged: boolean): Promise<void> {
    for (const node of this.processes.redisNodes()) {
      const admin = this.redisAdmin(node);
      if (aclChanged) {
        const r = openRedis(admin, { lazyConnect: true, maxRetriesPerRequest: 1 });
        await r.connect();
        await r.acl('LOAD').finally(() => r.disconnect());
      }
      const spec = this.processes.spec(node);
      const load = await readRedisLoad(admin, spec.logFile);
      if (load.refused === 0) continue;
      await Promise.all(this.processes.redisNodes().map((n) => stopProcess(this.processes.spec(n), 60_000)));
      throw redisLoadError(admin.url, load, { logFile: spec.logFile, dataDir: join(this.processes.dir(node), 'appendonlydir') });
    }
  }

  async stopRedis(opts: { kill?: boolean } = {}): Promise<void> {
    await Promise.all(this.processes.redisNodes().map((n) => stopProcess(this.processes.spec(n), 60_000, opts.kill)));
  }

  async startNode(id: NodeId, libsDir?: string): Promise<void> {
    const libs = libsDir ?? (await this.libs());
    const node = await this.processes.kafkaNode(id, libs);
    if (!existsSync(join(node.data, 'meta.properties'))) {
      // Kafka's own storage tool writes meta.properties and the bootstrap checkpoint for the static quorum.
      // Not the SCRAM users (--add-scram takes passwords as arguments): ensureScramUsers makes them.
      await $({ quiet: true })`${java()} -cp ${`${libs}/*`} ${TOOLS_LOG4J} kafka.tools.StorageTool format --cluster-id ${this.stack.clusterId} --config ${node.props} --ignore-formatted`;
      // A fresh voter may mean a fresh metadata log, without the users; a broker-only node (make scale) joins the existing one.
      if (this.stack.nodeIds.includes(id)) rmSync(this.scramMarker, { force: true });
    }
    await startDetached(node.spec);
  }

  /** Written once every SCRAM user exists; a freshly formatted node removes it. */
  private get scramMarker(): string {
    return join(this.home, 'scram-users');
  }

  /**
   * The SCRAM users the cluster lacks, created through the Admin API as User:broker over the mutual-TLS
   * INTERNAL listener, each password read from its file by native/ScramUsers.java: no password is ever
   * on a command line. Once per stack (the users live in KRaft's metadata).
   */
  private async ensureScramUsers(libs: string, log: (line: string) => void): Promise<void> {
    const want = KAFKA_USERS.join(',');
    if (existsSync(this.scramMarker) && readFileSync(this.scramMarker, 'utf8').trim() === want) return;
    const bootstrap = this.stack.nodeIds.map((id) => `127.0.0.1:${internalPort(this.stack, id)}`).join(',');
    const secrets = this.access.secrets;
    const tool = join(ROOT, 'native', 'ScramUsers.java');
    const r = await $({ quiet: true })`${java()} ${KAFKA_CLI_JVM.heap} -cp ${`${libs}/*`} ${TOOLS_LOG4J} ${tool} ${bootstrap} ${secrets.path(SECRET_FILES.nodeClientProperties)} ${secrets.dir} ${KAFKA_USERS}`.catch((err: Error) => {
      throw new Error(`create the SCRAM users at ${bootstrap} (native/ScramUsers.java): ${err.message}`);
    });
    log(`SCRAM-SHA-512 users: ${r.stdout.trim()} (each password read from its file in ${displayPath(secrets.dir)})`);
    writeFileSync(this.scramMarker, `${want}\n`);
  }

  nodes(): NodeId[] {
    return this.processes.allNodeIds();
  }

  scaleRefusal(): undefined {
    return undefined;
  }

  async addBroker(id: NodeId): Promise<void> {
    if (this.stack.nodeIds.includes(id) || id > this.stack.maxNodes) throw new Error(`add broker ${id}: broker-only ids run from ${this.stack.nodeIds.length + 1} to MAX_NODES (${this.stack.maxNodes})`);
    await this.startNode(id);
    // Listed once its storage is formatted (startNode): Prometheus scrapes it from now on.
    this.processes.writeTargets();
  }

  async removeBroker(id: NodeId): Promise<void> {
    if (this.stack.nodeIds.includes(id)) throw new Error(`remove broker ${id}: it is a KRaft voter (1..NODE_COUNT), which make scale never removes`);
    // Out of Prometheus's targets before it stops: a planned removal is not a "broker down" on the dashboard.
    this.processes.writeTargets([id]);
    await this.stopNode(id);
    rmSync(this.processes.dir(`kafka-${id}`), { recursive: true, force: true });
  }

  async stopNode(id: NodeId, opts: { kill?: boolean } = {}): Promise<void> {
    await stopProcess(this.processes.spec(`kafka-${id}`), 60_000, opts.kill);
  }

  async isNodeRunning(id: NodeId): Promise<boolean> {
    const s = this.processes.spec(`kafka-${id}`);
    return livePid(s.pidFile, s.marker) !== undefined;
  }

  async down(opts: { wipe: boolean }, log: (line: string) => void): Promise<void> {
    const stop = async (s: Service) => {
      if (await stopProcess(this.processes.spec(s), 60_000)) log(`stopped ${s}`);
    };
    // Monitoring first (else a planned shutdown leaves "target down" alerts in its history), then
    // Connect (it would otherwise spin on a vanished cluster).
    for (const s of ['prometheus', ...this.processes.redisExporters(), 'connect'] as const) await stop(s);
    // Broker-only nodes first, while the quorum their controlled shutdown talks to is there; then all
    // voters at once: stopped one by one, the last would wait for a controller quorum that no longer
    // exists before it gives up its clean shutdown.
    await Promise.all(this.processes.brokerOnlyIds().map((id) => stop(`kafka-${id}`)));
    await Promise.all(this.processes.kafkaNodes().map(stop));
    await Promise.all(this.processes.redisNodes().map(stop));
    if (opts.wipe) {
      rmSync(this.home, { recursive: true, force: true });
      log(`wiped ${this.home}`);
    }
  }

  async kafkaCli(tool: KafkaTool, args: string[], user?: KafkaUser): Promise<CliResult> {
    const libs = await this.libs();
    const spec: KafkaToolSpec = KAFKA_TOOLS[tool];
    const who = user ?? spec.user;
    const config = who === undefined ? [] : this.access.kafkaCliConfig(who);
    const r = await $({ quiet: true })`${java()} ${KAFKA_CLI_JVM.heap} ${KAFKA_CLI_JVM.performance} ${TOOLS_LOG4J} -cp ${`${libs}/*`} ${spec.main} ${withClientOptions(tool, config, args)}`;
    // As typed with the wrappers in $RASTRO_HOME/bin on PATH (make up prints the line).
    return { display: shellJoin([tool, ...withClientOptions(tool, who === undefined ? [] : this.access.kafkaCliConfigDisplay(who), args)]), stdout: r.stdout };
  }

  async metricsBindHost(): Promise<string> {
    return '127.0.0.1';
  }

  async redisCli(args: string[], user: RedisUser = 'app', port = this.stack.ports.redis): Promise<CliResult> {
    const base = ['-h', '127.0.0.1', '-p', String(port)];
    const auth = this.access.redisCli(user);
    const r = await $({ quiet: true, env: { ...process.env, ...auth.env } })`${requireCommand('redis-cli', 'redis-cli')} ${base} ${auth.args} ${args}`;
    return { display: `${auth.displayPrefix}${shellJoin(['redis-cli', ...base, ...auth.displayArgs, ...args])}`, stdout: r.stdout };
  }

  async services(): Promise<ServiceState[]> {
    return this.processes.names.map((name) => {
      const s = this.processes.spec(name);
      const pid = livePid(s.pidFile, s.marker);
      return { name, running: pid !== undefined, detail: pid !== undefined ? `pid ${pid}` : 'stopped' };
    });
  }

  async topology(): Promise<string> {
    const p = this.stack.ports;
    const rows = [
      ...this.stack.nodeIds.map((id) => `kafka-${id}   broker+controller  node.id=${id}  client 127.0.0.1:${p.kafka.of(id)}  controller 127.0.0.1:${p.controller.of(id)}  inter-broker 127.0.0.1:${internalPort(this.stack, id)}`),
      ...this.processes.brokerOnlyIds().map((id) => `kafka-${id}   broker only (make scale)  node.id=${id}  client 127.0.0.1:${p.kafka.of(id)}  inter-broker 127.0.0.1:${internalPort(this.stack, id)}`),
      `connect   distributed worker  REST ${this.addresses.connectUrl}${this.access.secure ? ' (basic auth)' : ''}  group ${this.stack.connect.groupId}`,
      ...this.processes.redisNodes().map((n, i) =>
        this.stack.redis.mode === 'cluster'
          ? `${n.padEnd(9)} redis-server (AOF, Redis Cluster node ${i + 1} of ${this.stack.redis.nodePorts.length}, bus ${this.stack.redis.busPorts[i]})  redis://127.0.0.1:${this.processes.redisPort(n)}`
          : `redis     redis-server (AOF)  ${this.addresses.redisUrl}`,
      ),
      ...this.processes.redisExporters().map((e, i) => `${e}  prometheus-redis-exporter  http://127.0.0.1:${this.stack.redis.exporterPorts[i]}/metrics`),
      `prometheus  prometheus  ${this.addresses.prometheusUrl}  (JMX exporter agents: kafka ${this.stack.ports.jmxExporter.all.join('/')}, connect ${this.stack.ports.jmxExporterConnect})`,
    ];
    const states = await this.services();
    const state = new Map(states.map((s) => [s.name, s.detail]));
    return rows.map((r) => `${r}  [${state.get(r.split(/\s+/)[0] ?? '') ?? '?'}]`).join('\n') + `\nstate: ${this.home.replace(`${ROOT}/`, '')}`;
  }
}
