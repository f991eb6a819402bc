import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Simulator } from '../../producer/src/simulator.ts';
import { registeredBrokers } from '../../scripts/lib/kafka-admin.ts';
import { QUERIES } from '../../scripts/lib/metrics/catalogue.ts';
import { mirrorCheck } from '../../scripts/lib/pipeline.ts';
import { PrometheusClient } from '../../scripts/lib/prometheus.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { clusterPlacement, throttlesLeft, type Assignment } from '../../scripts/lib/scale.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { runScript } from './exec.ts';
import { nothingLostUnderLoad } from './helpers.ts';
import { TEST_ENV, testRuntime } from './stack.ts';

/**
 * Issue 25, part 1: make scale grows the running cluster with broker-only nodes and drains them again,
 * under producer load, through Kafka's own kafka-reassign-partitions; make up brings back an added node
 * killed with SIGKILL, and a run finishes what an interrupted one left.
 */
let rt: Runtime;
const env = { ...process.env, ...TEST_ENV };
const GROWN = [1, 2, 3, 4, 5];

beforeAll(async () => {
  rt = await testRuntime();
});

/** The evidence directory a script run printed. */
function evidenceDir(stdout: string): string {
  const report = /evidence: (\S+REPORT\.md)/.exec(stdout)?.[1];
  if (report === undefined) throw new Error(`no evidence line in:\n${stdout}`);
  return dirname(report);
}

/** Every partition of every topic back to a full ISR. */
async function waitAllInSync(what: string): Promise<void> {
  await waitFor(async () => (await clusterPlacement(rt)).every((p) => p.isr.length === p.replicas.length), { what, timeoutMs: 180_000 });
}

describe('make scale (grow and shrink Kafka live)', () => {
  it('refuses a size below the KRaft voters or above MAX_NODES, naming the limit', async () => {
    const low = await runScript('scripts/scale.mjs', ['--nodes', '2'], { env, timeoutMs: 60_000 });
    expect(low.exitCode).toBe(2);
    expect(low.stderr).toContain('--nodes 2: the 3 KRaft voters (NODE_COUNT) always stay');
    const high = await runScript('scripts/scale.mjs', ['--nodes', String(rt.stack.maxNodes + 1)], { env, timeoutMs: 60_000 });
    expect(high.exitCode).toBe(2);
    expect(high.stderr).toContain(`at most MAX_NODES=${rt.stack.maxNodes}`);
  });

  it('NODES=5 under load: broker-only nodes 4 and 5 join, partitions move onto them as planned, nothing is lost', async () => {
    let run: Awaited<ReturnType<typeof runScript>> | undefined;
    // The test's own producer and ledger, independent of the script's: --no-load.
    await nothingLostUnderLoad(rt, new Simulator({ drivers: 300, seed: 251, firstId: 251_000 }), 400, async (sent) => {
      await waitFor(async () => sent() >= 1000, { what: '1000 events before the scale-out', timeoutMs: 60_000 });
      run = await runScript('scripts/scale.mjs', ['--nodes', '5', '--no-load', '--no-pictures'], { env, timeoutMs: 600_000 });
    });
    const r = run as NonNullable<typeof run>;
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(rt.nodes()).toEqual(GROWN);
    expect(await registeredBrokers(rt.access.kafka('admin'))).toEqual(GROWN);

    // Every partition where the plan (the script's reassignment.json) put it, and the new brokers lead some.
    const plan = JSON.parse(readFileSync(join(evidenceDir(r.stdout), 'reassignment.json'), 'utf8')) as Assignment;
    expect(plan.partitions.length).toBeGreaterThan(20);
    const placement = await clusterPlacement(rt);
    const at = new Map(placement.map((p) => [`${p.topic}-${p.partition}`, p.replicas]));
    for (const p of plan.partitions) expect(at.get(`${p.topic}-${p.partition}`), `${p.topic}-${p.partition}`).toEqual(p.replicas);
    for (const id of [4, 5]) {
      expect(placement.filter((p) => p.replicas.includes(id)).length, `replicas on ${id}`).toBeGreaterThan(10);
      expect(placement.filter((p) => p.leader === id).length, `leaders on ${id}`).toBeGreaterThan(0);
    }
    expect(placement.flatMap((p) => p.replicas).every((id) => GROWN.includes(id))).toBe(true);

    // Brokers only: the quorum is still the three voters, the new nodes observe it.
    const quorum = (await rt.kafkaCli('kafka-metadata-quorum', ['--bootstrap-server', rt.cliBootstrap, 'describe', '--status'], 'monitor')).stdout;
    const ids = (field: string) => [...(new RegExp(`${field}:\\s*\\[(.*)\\]`).exec(quorum)?.[1] ?? '').matchAll(/"id":\s*(\d+)/g)].map((m) => Number(m[1]));
    expect(ids('CurrentVoters')).toEqual([1, 2, 3]);
    expect(ids('CurrentObservers')).toEqual(expect.arrayContaining([4, 5]));

    // The dashboard's view: Prometheus scrapes the new brokers and sees their replicas.
    const prom = new PrometheusClient(rt.addresses.prometheusUrl);
    await waitFor(
      async () => {
        const series = await prom.query(QUERIES.replicasPerBroker);
        const of = (id: number) => series.find((s) => s.metric.service === `kafka-${id}`)?.value ?? 0;
        return of(4) > 0 && of(5) > 0;
      },
      { what: 'Prometheus to see replicas on kafka-4 and kafka-5', timeoutMs: 90_000 },
    );
  });

  it('an added broker SIGKILLed comes back with make up, which finds it by its state: all five registered, every ISR full', async () => {
    await rt.stopNode(4, { kill: true });
    expect(await rt.isNodeRunning(4)).toBe(false);
    const r = await runScript('scripts/up.mjs', [], { env, timeoutMs: 300_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('2 broker-only node(s) added by make scale');
    expect(await rt.isNodeRunning(4)).toBe(true);
    expect(await registeredBrokers(rt.access.kafka('admin'))).toEqual(GROWN);
    await waitAllInSync('every ISR full after kafka-4 was killed and make up ran');
  });

  it('NODES=3 under its own load, after an interrupted run left a throttle: it is deleted, 4 and 5 drained, stopped and unregistered, nothing lost', async () => {
    // What a run stopped between --execute and its last --verify leaves: a throttle on a node and a topic.
    const topic = rt.stack.topics.locations;
    await rt.kafkaCli('kafka-configs', ['--bootstrap-server', rt.cliBootstrap, '--alter', '--entity-type', 'brokers', '--entity-name', '2', '--add-config', 'leader.replication.throttled.rate=1000000']);
    await rt.kafkaCli('kafka-configs', ['--bootstrap-server', rt.cliBootstrap, '--alter', '--entity-type', 'topics', '--entity-name', topic, '--add-config', 'leader.replication.throttled.replicas=*']);
    expect((await throttlesLeft(rt)).map((t) => `${t.entity} ${t.setting}`).sort()).toEqual(['2 leader.replication.throttled.rate', `${topic} leader.replication.throttled.replicas`]);
    const r = await runScript('scripts/scale.mjs', ['--nodes', '3', '--no-pictures', '--rate', '400'], { env, timeoutMs: 600_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('replication throttles left by an earlier run: broker 2 leader.replication.throttled.rate');
    expect(await throttlesLeft(rt)).toEqual([]);
    expect(r.stdout).toMatch(/producer ledger: \d+ drivers whose last event Kafka acknowledged; 0 of them not current in Redis/);
    expect(r.stdout).toContain('Broker 4 is no longer registered.');
    expect(rt.nodes()).toEqual([1, 2, 3]);
    expect(await registeredBrokers(rt.access.kafka('admin'))).toEqual([1, 2, 3]);
    expect((await clusterPlacement(rt)).flatMap((p) => p.replicas).every((id) => id <= 3)).toBe(true);
    expect(existsSync(join(TEST_ENV.RASTRO_HOME, 'kafka-4'))).toBe(false);
    const targets = JSON.parse(readFileSync(join(TEST_ENV.RASTRO_HOME, 'prometheus', 'targets', 'kafka.json'), 'utf8')) as Array<{ labels: { service: string } }>;
    expect(targets.map((t) => t.labels.service)).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    expect((await mirrorCheck(rt)).differences).toEqual([]);
  });
});
