import type { KafkaUser, RedisUser, StackAccess } from '../../../shared/security.ts';
import type { Addresses, NodeId, Stack } from '../../../shared/stack.ts';

/** Kafka command-line tools the scripts use; each runtime knows how to run them. */
export type { KafkaTool } from '../kafka-tools.ts';
import type { KafkaTool } from '../kafka-tools.ts';

/**
 * The JVM of a one-shot Kafka tool, in both runtimes: a small heap (the image's default is 1 GiB, beside
 * brokers on the same host) and C1 only (a tool exits before C2 pays off).
 */
export const KAFKA_CLI_JVM = { heap: '-Xmx256m', performance: '-XX:TieredStopAtLevel=1' } as const;

export interface CliResult {
  /** The command as a user would type it (kafka-topics … with the PATH line make up prints), for the evidence. */
  display: string;
  stdout: string;
}

export interface ServiceState {
  name: string;
  running: boolean;
  detail: string;
}

/**
 * What every lifecycle script needs from a runtime. Scripts never ask which runtime they have.
 */
export interface Runtime {
  /** Kafka's CLI tools as this stack runs them, one wrapper each (make up writes them and prints the PATH line). */
  readonly toolsDir: string;
  readonly name: 'native' | 'docker';
  readonly stack: Stack;
  /** Addresses on this machine (host side); never carry a credential (they are printed). */
  readonly addresses: Addresses;
  /** Clients on this machine: each principal's credentials (SECURITY on) or bare addresses (off). */
  readonly access: StackAccess;
  /** Bootstrap servers as seen by the Kafka CLI tools (inside the container for docker). */
  readonly cliBootstrap: string;
  /** Environment the Connect worker resolves ${env:…} placeholders from (for display). */
  readonly connectEnv: Record<string, string>;
  /** Starts every service (idempotent) and returns once all are ready. */
  up(log: (line: string) => void): Promise<void>;
  /** Stops everything; `wipe` also deletes data. */
  down(opts: { wipe: boolean }, log: (line: string) => void): Promise<void>;
  /** Every Kafka node of the cluster: the voters (1..NODE_COUNT), then the broker-only nodes make scale added. */
  nodes(): NodeId[];
  /** Why this runtime cannot add or remove broker-only nodes (make scale), or undefined when it can. */
  scaleRefusal(): string | undefined;
  /** make scale: formats and starts broker-only node `id` (above NODE_COUNT, up to MAX_NODES); Prometheus scrapes it. Returns once started, not registered. */
  addBroker(id: NodeId): Promise<void>;
  /** make scale: a drained broker-only node leaves: its scrape target dropped, the node stopped (cleanly), its state deleted. Unregistering it is Kafka's (kafka-cluster). */
  removeBroker(id: NodeId): Promise<void>;
  /** Stops one Kafka node: a clean shutdown, or with `kill` a crash (SIGKILL, no controlled shutdown). */
  stopNode(id: NodeId, opts?: { kill?: boolean }): Promise<void>;
  startNode(id: NodeId): Promise<void>;
  isNodeRunning(id: NodeId): Promise<boolean>;
  /** Stops Redis: a clean shutdown (SIGTERM: Redis flushes its AOF), or with `kill` a crash (SIGKILL). `up` starts it again. */
  stopRedis(opts?: { kill?: boolean }): Promise<void>;
  /**
   * A Kafka CLI tool as `user` (default: the tool's principal in KAFKA_TOOLS); its client config file goes
   * first (argparse tools take options before their subcommand) and is shown in `display`.
   */
  kafkaCli(tool: KafkaTool, args: string[], user?: KafkaUser): Promise<CliResult>;
  /** Where a producer on this machine serves /metrics so this runtime's Prometheus can scrape it. */
  metricsBindHost(): Promise<string>;
  /** Runs the real redis-cli against the stack's Redis, as `user` (default: the read-only app user). */
  /** redis-cli as `user` (app by default) against the stack's Redis, or against the cluster node on `port`. */
  redisCli(args: string[], user?: RedisUser, port?: number): Promise<CliResult>;
  services(): Promise<ServiceState[]>;
  /** A human description of the topology (process list or compose services) for the evidence. */
  topology(): Promise<string>;
}
