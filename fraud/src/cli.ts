import { Kafka, logLevel } from '../../producer/src/kafka.ts';
import { parseCommand, type CommandSpec, type OptionSpec } from '../../shared/cli.ts';
import { cliAccess } from '../../shared/security.ts';
import { loadStack, type Stack } from '../../shared/stack.ts';
import { BlocklistUpdater } from './blocklist-updater.ts';
import { DecisionService } from './decision-service.ts';
import { TransactionGenerator } from './generator.ts';
import { RecordSender } from './sender.ts';
import { runTraffic } from './traffic.ts';
import { DEFAULT_VELOCITY } from './velocity.ts';

/** The line a service prints on stdout once it serves (what make fraud-demo and fraud-bench wait for). */
export const READY_LINE = 'ready';

const COMMON: Record<string, OptionSpec> = {
  brokers: { type: 'string', value: 'LIST', description: "bootstrap servers (default: the stack's, from config/stack.env and RASTRO_PORT_OFFSET)" },
  redis: { type: 'string', value: 'URL', description: "Redis (default: the stack's)" },
};

const SPECS: Record<string, CommandSpec> = {
  decide: {
    name: 'fraud/bin/decide.mjs',
    summary: 'the decision service: consumes the transactions topic, checks the Redis blocklist and the per-card velocity rule on every transaction, writes one decision per transaction to the decisions topic (key = card); unreadable records go to the transactions DLQ',
    options: {
      'velocity-max': { type: 'string', value: 'N', description: `most transactions of one card in one window (default ${DEFAULT_VELOCITY.max})` },
      'velocity-window-ms': { type: 'string', value: 'MS', description: `the window (default ${DEFAULT_VELOCITY.windowMs})` },
      group: { type: 'string', value: 'ID', description: 'consumer group (default rastro-fraud-decider)' },
      ...COMMON,
    },
  },
  'blocklist-updater': {
    name: 'fraud/bin/blocklist-updater.mjs',
    summary: `mirrors the compacted blocklist topic into Redis (SET <REDIS_BLOCKLIST_PREFIX><card> <reason JSON>; a tombstone DELs it); prints "${READY_LINE}" once the topic is mirrored, then follows it`,
    options: { ...COMMON },
  },
  generate: {
    name: 'fraud/bin/generate.mjs',
    summary: 'card transactions into the transactions topic (key = card)',
    options: {
      rate: { type: 'string', value: 'N', description: 'transactions per second (default 100; 0 = as fast as possible)' },
      duration: { type: 'string', value: 'S', description: 'seconds to run (default 10)' },
      cards: { type: 'string', value: 'N', description: 'ordinary cards to draw from (default 100000)' },
      blocklisted: { type: 'string', value: 'LIST', description: 'comma-separated blocklisted cards to use (with --blocklist-share)' },
      'blocklist-share': { type: 'string', value: 'F', description: 'share of transactions from blocklisted cards (default 0.01 with --blocklisted, else 0)' },
      'burst-share': { type: 'string', value: 'F', description: 'share of transactions in velocity bursts (default 0.02)' },
      'burst-size': { type: 'string', value: 'N', description: 'transactions per burst (default 8)' },
      'run-id': { type: 'string', value: 'ID', description: 'txn_id prefix (default gen-<time>)' },
      seed: { type: 'string', value: 'N', description: 'generator seed (default 7)' },
      ...COMMON,
    },
  },
  blocklist: {
    name: 'fraud/bin/blocklist.mjs',
    summary: 'publish blocklist changes to the compacted blocklist topic (key = card)',
    options: {
      add: { type: 'string', value: 'LIST', description: 'comma-separated cards to block' },
      reason: { type: 'string', value: 'TEXT', description: 'the reason recorded with --add (default "manual")' },
      remove: { type: 'string', value: 'LIST', description: 'comma-separated cards to lift (tombstones)' },
      ...COMMON,
    },
  },
};

function num(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} ${v}: expected a non-negative number`);
  return n;
}

function stackOf(): Stack {
  return loadStack({ portOffset: Number(process.env.RASTRO_PORT_OFFSET ?? '0') });
}

/** Waits for SIGINT/SIGTERM or `fatal`; returns the exit status. */
function untilSignal(fatal?: Promise<Error>): Promise<number> {
  return new Promise((resolve) => {
    const stop = () => resolve(0);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void fatal?.then((err) => {
      process.stderr.write(`${err.message}\n`);
      resolve(1);
    });
  });
}

/** One of the fraud entries (fraud/bin/<command>.mjs); returns the exit status. */
export async function main(command: string, argv: string[]): Promise<number> {
  const spec = SPECS[command];
  if (spec === undefined) throw new Error(`unknown fraud command ${command} (expected ${Object.keys(SPECS).join(', ')})`);
  const args = parseCommand<{ [k: string]: string | undefined }>(spec, argv);
  if (args === undefined) return 0;
  const o = args.values;
  const stack = stackOf();
  // Credentials of the fraud principal (Kafka and Redis) from the stack's secrets, for the given or the stack's addresses.
  const access = cliAccess(stack, { brokers: o.brokers?.split(','), redisUrl: o.redis });
  const kafka = access.kafka('fraud');
  const redis = access.redis('fraud');
  const log = (m: string) => process.stderr.write(`${command}: ${m}\n`);
  const t = stack.fraudTopics;

  switch (command) {
    case 'decide': {
      const limit = { max: num('velocity-max', o['velocity-max'], DEFAULT_VELOCITY.max), windowMs: num('velocity-window-ms', o['velocity-window-ms'], DEFAULT_VELOCITY.windowMs) };
      const s = await DecisionService.start({ kafka, redis, topics: { transactions: t.transactions, decisions: t.decisions, dlq: t.transactionsDlq }, blocklistPrefix: stack.redisBlocklistPrefix, groupId: o.group, limit, log });
      console.log(READY_LINE);
      log(`consuming ${t.transactions} as ${o.group ?? 'rastro-fraud-decider'}; velocity limit ${limit.max} per ${limit.windowMs} ms`);
      const code = await untilSignal(s.fatal);
      await s.stop();
      log(`stopped: ${s.stats.approved} approved, ${s.stats.declinedBlocklist} declined (blocklist), ${s.stats.declinedVelocity} declined (velocity), ${s.stats.rejected} to ${t.transactionsDlq}`);
      return code;
    }
    case 'blocklist-updater': {
      const u = await BlocklistUpdater.start({ kafka, redis, topic: t.blocklist, prefix: stack.redisBlocklistPrefix, log });
      await u.waitReady(120_000);
      console.log(READY_LINE);
      const code = await untilSignal();
      await u.stop();
      return code;
    }
    case 'generate': {
      const blocklisted = o.blocklisted?.split(',').filter(Boolean) ?? [];
      const gen = new TransactionGenerator({
        runId: o['run-id'] ?? `gen-${Date.now()}`,
        seed: num('seed', o.seed, 7),
        cards: num('cards', o.cards, 100_000),
        blocklisted,
        blocklistShare: num('blocklist-share', o['blocklist-share'], blocklisted.length > 0 ? 0.01 : 0),
        burstShare: num('burst-share', o['burst-share'], 0.02),
        burstSize: num('burst-size', o['burst-size'], 8),
      });
      const sender = new RecordSender(new Kafka({ ...kafka, clientId: 'rastro-fraud-generator', logLevel: logLevel.NOTHING }));
      await sender.connect();
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      process.once('SIGTERM', () => abort.abort());
      try {
        const traffic = await runTraffic(sender, gen, { topic: t.transactions, rate: num('rate', o.rate, 100), durationMs: num('duration', o.duration, 10) * 1000, signal: abort.signal });
        const s = (traffic.endedAt - traffic.startedAt) / 1000;
        log(`${traffic.queued} transactions acknowledged in ${s.toFixed(1)} s (${Math.round(traffic.queued / s)}/s): ${gen.counts.ordinary} ordinary, ${gen.counts.blocklisted} blocklisted, ${gen.counts.burst} in ${gen.burstsStarted} bursts`);
        return 0;
      } finally {
        const left = await sender.close();
        if (left > 0) log(`${left} transactions not acknowledged`);
      }
    }
    case 'blocklist': {
      const add = o.add?.split(',').filter(Boolean) ?? [];
      const remove = o.remove?.split(',').filter(Boolean) ?? [];
      if (add.length + remove.length === 0) throw new Error('nothing to do: give --add and/or --remove');
      const sender = new RecordSender(new Kafka({ ...kafka, clientId: 'rastro-fraud-blocklist-cli', logLevel: logLevel.NOTHING }));
      await sender.connect();
      try {
        await publishBlocklist(sender, t.blocklist, { add, reason: o.reason ?? 'manual', remove });
      } finally {
        await sender.close();
      }
      log(`${add.length} cards blocked, ${remove.length} lifted on ${t.blocklist}`);
      return 0;
    }
  }
  return 2;
}

/** Blocks `add` (value {reason, source, added_at}) and lifts `remove` (tombstones) on the blocklist topic; resolves once acknowledged. */
export async function publishBlocklist(sender: RecordSender, topic: string, c: { add?: readonly string[]; reason?: string; remove?: readonly string[]; source?: string }): Promise<void> {
  const now = Date.now();
  const value = (reason: string) => JSON.stringify({ reason, source: c.source ?? 'cli', added_at: now });
  await sender.sendAll(topic, [...(c.add ?? []).map((card) => ({ key: card, value: value(c.reason ?? 'manual') })), ...(c.remove ?? []).map((card) => ({ key: card, value: null }))]);
}
