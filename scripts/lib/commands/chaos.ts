import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { LocationProducer } from '../../../producer/src/location-producer.ts';
import { simulate } from '../../../producer/src/run.ts';
import { Simulator } from '../../../producer/src/simulator.ts';
import { Evidence } from '../evidence.ts';
import { describeTopic } from '../kafka-admin.ts';
import { bringUp, partitionTable, waitForSink } from '../pipeline.ts';
import { waitForBrokers } from '../readiness.ts';
import { openRuntime } from '../runtime/index.ts';
import type { Runtime } from '../runtime/types.ts';
import { NODE_IDS, type NodeId } from '../stack.ts';
import { waitFor } from '../wait.ts';
import { reportMirror } from './validate-redis.ts';

/** The broker leading most partitions of `topic` (losing it moves the most leadership). */
export async function busiestLeader(rt: Runtime, topic: string): Promise<NodeId> {
  const parts = await describeTopic(rt.addresses.bootstrap, topic);
  const count = (id: NodeId) => parts.filter((p) => p.leader === id).length;
  return [...NODE_IDS].sort((a, b) => count(b) - count(a))[0] as NodeId;
}

/** The KRaft quorum leader (active controller), from kafka-metadata-quorum. */
export async function activeController(rt: Runtime): Promise<NodeId> {
  const out = (await rt.kafkaCli('kafka-metadata-quorum', ['--bootstrap-server', rt.cliBootstrap, 'describe', '--status'])).stdout;
  const id = Number(/LeaderId:\s*(\d+)/.exec(out)?.[1]);
  if (!NODE_IDS.includes(id as NodeId)) throw new Error(`kafka-metadata-quorum: no LeaderId in ${JSON.stringify(out)}`);
  return id as NodeId;
}

/** Every partition of `topic` has all its replicas in sync again. */
export async function waitFullyReplicated(rt: Runtime, topic: string, timeoutMs = 180_000): Promise<void> {
  await waitFor(async () => (await describeTopic(rt.addresses.bootstrap, topic)).every((p) => p.isr.length === p.replicas.length), {
    what: `every partition of ${topic} back to a full ISR`,
    timeoutMs,
  });
}

/** make chaos: stop a broker under load, keep producing, bring it back, prove nothing was lost. */
export async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: {
      broker: { type: 'string' }, controller: { type: 'boolean' }, hold: { type: 'string', default: '15' },
      drivers: { type: 'string', default: '200' }, rate: { type: 'string', default: '500' }, warmup: { type: 'string', default: '2000' },
    },
  });
  const rt = await openRuntime();
  const topic = rt.stack.topics.locations;
  const ev = Evidence.create('chaos');
  await bringUp(rt, ev);

  ev.section('Load');
  let stoppedAt = 0;
  let resumedAt = 0;
  const producer = new LocationProducer({
    brokers: rt.addresses.bootstrap, topic,
    onError: (m) => ev.step(`producer: ${m}`),
    onBatch: (_n, ackedAt) => {
      if (stoppedAt > 0 && resumedAt === 0 && ackedAt > stoppedAt) resumedAt = ackedAt;
    },
  });
  await producer.connect();
  const abort = new AbortController();
  const load = simulate(producer, new Simulator({ drivers: Number(o.drivers), seed: Date.now() % 100_000 }), { rate: Number(o.rate), signal: abort.signal });
  const progress = setInterval(() => ev.step(`producer: ${producer.stats.sent} events acknowledged, ${producer.stats.retriedBatches} batches retried`), 3000);
  try {
    await waitFor(async () => producer.stats.sent >= Number(o.warmup), { what: `${o.warmup} events acknowledged before the stop`, timeoutMs: 120_000 });
    ev.ok(`producing at ~${o.rate} events/s from ${o.drivers} drivers`);

    const victim: NodeId = o.controller ? await activeController(rt) : o.broker !== undefined ? (Number(o.broker) as NodeId) : await busiestLeader(rt, topic);
    if (!NODE_IDS.includes(victim)) throw new Error(`--broker ${o.broker}: expected one of ${NODE_IDS.join(', ')}`);
    ev.section(`Stop broker ${victim}${o.controller ? ' (the active controller)' : ''}`);
    ev.block('text', await partitionTable(rt, topic), 'Before');
    stoppedAt = Date.now();
    await rt.stopNode(victim);
    ev.ok(`kafka-${victim} stopped at ${new Date(stoppedAt).toISOString()}`);
    await waitFor(async () => (resumedAt > 0 ? true : false), { what: 'the first acknowledged write after the stop', timeoutMs: 120_000 });
    ev.ok(`writes resumed ${((resumedAt - stoppedAt) / 1000).toFixed(2)} s after the stop`);
    ev.block('text', await partitionTable(rt, topic), 'During (ISR without the stopped node, leaders moved)');
    // The outage window is the experiment itself: keep producing with one node down for --hold seconds.
    await sleep(Number(o.hold) * 1000);

    ev.section(`Restart broker ${victim}`);
    const restartedAt = Date.now();
    await rt.startNode(victim);
    await waitForBrokers(rt.addresses.bootstrap);
    await waitFullyReplicated(rt, topic);
    const replicatedS = (Date.now() - restartedAt) / 1000;
    ev.ok(`kafka-${victim} back and every partition fully replicated ${replicatedS.toFixed(1)} s after the restart`);
    ev.block('text', await partitionTable(rt, topic), 'After');
  } finally {
    abort.abort();
    clearInterval(progress);
    await load.catch(() => undefined);
    await producer.close();
  }

  ev.section('Verdict');
  producer.ledger.write(join(ev.dir, 'ledger.json'));
  await waitForSink(rt, producer.ledger.entries());
  const { ok, lost } = await reportMirror(rt, ev, producer.ledger);
  ev.block('text', [
    `events acknowledged   ${producer.stats.sent}`,
    `records lost          ${lost} (acknowledged by Kafka, not current in Redis)`,
    `writes resumed after  ${((resumedAt - stoppedAt) / 1000).toFixed(2)} s`,
    `verdict               ${ok ? 'PASS: no acknowledged update was lost' : 'FAIL'}`,
  ].join('\n'));
  ev.ok(`evidence: ${ev.save()}`);
  return ok ? 0 : 1;
}
