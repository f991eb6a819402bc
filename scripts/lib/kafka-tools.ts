import { chmodSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaUser } from '../../shared/security.ts';
import { shellQuote } from './shell.ts';

/**
 * Kafka's own command-line tools, as the stack runs them: the main class behind each kafka-*.sh, and the
 * principal it logs in as with SECURITY on (one that may do what the tool does). The native runtime writes
 * one wrapper per tool into $RASTRO_HOME/bin (make up prints the PATH line); docker runs the image's scripts.
 */
export interface KafkaToolSpec {
  main: string;
  /** Who it logs in as (SECURITY on); undefined: it talks to no broker (kafka-dump-log reads files). */
  user?: KafkaUser;
  /** Named in the PATH line make up prints: the tools people use (the others serve the scripts). */
  listed: boolean;
  /** Its connection options belong to each subcommand (`kafka-cluster unregister --bootstrap-server …`), not before it. */
  subcommandFirst?: true;
}

export const KAFKA_TOOLS = {
  'kafka-topics': { main: 'org.apache.kafka.tools.TopicCommand', user: 'admin', listed: true },
  'kafka-console-consumer': { main: 'org.apache.kafka.tools.consumer.ConsoleConsumer', user: 'admin', listed: true },
  'kafka-console-producer': { main: 'org.apache.kafka.tools.ConsoleProducer', user: 'admin', listed: true },
  'kafka-consumer-groups': { main: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', user: 'admin', listed: true },
  'kafka-configs': { main: 'org.apache.kafka.tools.ConfigCommand', user: 'admin', listed: true },
  'kafka-acls': { main: 'org.apache.kafka.tools.AclCommand', user: 'admin', listed: true },
  'kafka-get-offsets': { main: 'org.apache.kafka.tools.GetOffsetShell', user: 'monitor', listed: true },
  'kafka-dump-log': { main: 'org.apache.kafka.tools.DumpLogSegments', listed: true },
  'kafka-reassign-partitions': { main: 'org.apache.kafka.tools.reassign.ReassignPartitionsCommand', user: 'admin', listed: true },
  'kafka-metadata-quorum': { main: 'org.apache.kafka.tools.MetadataQuorumCommand', user: 'monitor', listed: true },
  'kafka-leader-election': { main: 'org.apache.kafka.tools.LeaderElectionCommand', user: 'admin', listed: true },
  // make scale: `unregister --id N` forgets a drained, stopped broker-only node.
  'kafka-cluster': { main: 'org.apache.kafka.tools.ClusterTool', user: 'admin', listed: true, subcommandFirst: true },
  'kafka-producer-perf-test': { main: 'org.apache.kafka.tools.ProducerPerformance', user: 'admin', listed: false },
} as const satisfies Record<string, KafkaToolSpec>;

export type KafkaTool = keyof typeof KAFKA_TOOLS;

/** `args` with the connection options (`--command-config …`) where the tool reads them: first, or right after its subcommand. */
export function withClientOptions(tool: KafkaTool, options: string[], args: string[]): string[] {
  const spec: KafkaToolSpec = KAFKA_TOOLS[tool];
  return spec.subcommandFirst && args.length > 0 ? [args[0] as string, ...options, ...args.slice(1)] : [...options, ...args];
}

/** The principals the tools log in as (their client configs must be where the tools run). */
export const KAFKA_TOOL_USERS: KafkaUser[] = [...new Set(Object.values(KAFKA_TOOLS as Record<string, KafkaToolSpec>).flatMap((t) => (t.user === undefined ? [] : [t.user])))];

export interface WrapperPlan {
  dir: string;
  /** The line that runs the tool with its arguments ("$@"): java natively, docker compose exec in docker. */
  launch(name: KafkaTool, tool: KafkaToolSpec): string;
  bootstrap: string;
  /** The client config of a principal, as the tool sees it, or undefined with security off. */
  commandConfig: (user: KafkaUser) => string | undefined;
  /** The first comment line: what runs it. */
  what: string;
}

/**
 * One POSIX sh wrapper: puts --bootstrap-server (the stack's brokers) and --command-config (the tool's
 * principal) first unless given (most argparse tools take options before their subcommand; kafka-cluster
 * after it), so a command typed as the reports print it runs as it is.
 */
export function wrapperScript(name: KafkaTool, plan: WrapperPlan): string {
  const tool: KafkaToolSpec = KAFKA_TOOLS[name];
  const config = tool.user === undefined ? undefined : plan.commandConfig(tool.user);
  const lines = [
    '#!/bin/sh',
    `# ${name}: ${plan.what} (${tool.main}), written by make up.${tool.user === undefined ? '' : ` Talks to ${plan.bootstrap}${config === undefined ? '' : ` as User:${tool.user}`} unless told otherwise.`}`,
  ];
  if (tool.user !== undefined) {
    lines.push(
      'bootstrap=1; config=1',
      'for a in "$@"; do',
      '  case "$a" in',
      '    --bootstrap-server|--bootstrap-server=*|--bootstrap-controller|--bootstrap-controller=*) bootstrap=0 ;;',
      '    --command-config|--command-config=*|--consumer.config|--producer.config) config=0 ;;',
      '    -h|--help|--version) bootstrap=0; config=0 ;;',
      '  esac',
      'done',
    );
    // A tool whose options follow its subcommand gets them after its first argument (withClientOptions).
    if (tool.subcommandFirst) lines.push('sub_given=0', 'if [ $# = 0 ]; then bootstrap=0; config=0; else sub=$1; sub_given=1; shift; fi');
    lines.push(`if [ $bootstrap = 1 ]; then set -- --bootstrap-server ${shellQuote(plan.bootstrap)} "$@"; fi`);
    if (config !== undefined) lines.push(`if [ $config = 1 ]; then set -- --command-config ${shellQuote(config)} "$@"; fi`);
    if (tool.subcommandFirst) lines.push('if [ $sub_given = 1 ]; then set -- "$sub" "$@"; fi');
  }
  lines.push(plan.launch(name, tool), '');
  return lines.join('\n');
}

/** Writes every wrapper (mode 0700: they name the stack's secrets) and removes any this version no longer makes. */
export function writeToolWrappers(plan: WrapperPlan): string[] {
  mkdirSync(plan.dir, { recursive: true, mode: 0o700 });
  const names = Object.keys(KAFKA_TOOLS) as KafkaTool[];
  for (const f of readdirSync(plan.dir)) if (!names.includes(f as KafkaTool)) rmSync(join(plan.dir, f), { force: true });
  for (const name of names) {
    const file = join(plan.dir, name);
    writeFileSync(file, wrapperScript(name, plan), { mode: 0o700 });
    chmodSync(file, 0o700);
  }
  return names;
}

/** The line make up prints: the wrappers on PATH for this shell. */
export function pathLine(dir: string): string {
  return `export PATH=${shellQuote(dir)}:"$PATH"`;
}
