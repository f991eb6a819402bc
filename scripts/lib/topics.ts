import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Runtime } from './runtime/types.ts';
import { CONFIG_DIR, type Stack } from '../../shared/stack.ts';

export const TOPICS_FILE = join(CONFIG_DIR, 'topics.yaml');

export interface TopicSpec {
  name: string;
  purpose: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

/** Reads config/topics.yaml; `name` there is a stack.env variable holding the real topic name. */
export function loadTopics(stack: Stack, text = readFileSync(TOPICS_FILE, 'utf8'), source = TOPICS_FILE): TopicSpec[] {
  const doc: unknown = parse(text);
  if (!Array.isArray(doc)) throw new Error(`${source}: expected a list of topics`);
  return doc.map((raw: unknown, i) => {
    const where = `${source}: topic #${i + 1}`;
    if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: expected a mapping`);
    const t = raw as Record<string, unknown>;
    const ref = t.name;
    if (typeof ref !== 'string') throw new Error(`${where}: name must be a stack.env variable name`);
    const name = stack.vars.get(ref);
    if (name === undefined) throw new Error(`${where}: ${ref} is not defined in config/stack.env`);
    const int = (k: string): number => {
      const v = t[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${where} (${name}): ${k} must be a positive integer, got ${JSON.stringify(v)}`);
      return v;
    };
    const cfg = t.config ?? {};
    if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new Error(`${where} (${name}): config must be a mapping`);
    const config = Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, String(v)]));
    return { name, purpose: String(t.purpose ?? ''), partitions: int('partitions'), replicationFactor: int('replicationFactor'), config };
  });
}

/** kafka-topics arguments that create `t` if it does not exist (re-running is harmless). */
export function createTopicArgs(t: TopicSpec, bootstrap: string): string[] {
  return [
    '--bootstrap-server', bootstrap, '--create', '--if-not-exists', '--topic', t.name,
    '--partitions', String(t.partitions), '--replication-factor', String(t.replicationFactor),
    ...Object.entries(t.config).flatMap(([k, v]) => ['--config', `${k}=${v}`]),
  ];
}

export interface TopicEvidence {
  topic: TopicSpec;
  command: string;
  output: string;
  describe: string;
  /** The describe command as printed. */
  describeCommand: string;
}

/** Creates every topic of config/topics.yaml with the real kafka-topics tool and describes it. */
export async function ensureTopics(rt: Runtime): Promise<TopicEvidence[]> {
  const out: TopicEvidence[] = [];
  for (const topic of loadTopics(rt.stack)) {
    const created = await rt.kafkaCli('kafka-topics', createTopicArgs(topic, rt.cliBootstrap));
    const described = await rt.kafkaCli('kafka-topics', ['--bootstrap-server', rt.cliBootstrap, '--describe', '--topic', topic.name]);
    out.push({ topic, command: created.display, output: created.stdout.trim(), describe: described.stdout.trim(), describeCommand: described.display });
  }
  return out;
}
