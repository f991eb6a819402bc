import type { LiveDriver } from './app/drivers.ts';
import { movedDrivers, openApp } from './app/session.ts';
import { activeController, busiestLeader, waitFullyReplicated } from './cluster.ts';
import { LiveView } from './live-view.ts';
import { Load } from './load.ts';
import { QUERIES } from './metrics/catalogue.ts';
import { PrometheusClient } from './prometheus.ts';
import { waitForBrokers } from './readiness.ts';
import type { Marker } from './render/svg-chart.ts';
import type { Runtime } from './runtime/types.ts';
import { annotateGrafana } from './snapshot.ts';
import { waitFor } from './wait.ts';
import { NODE_IDS, type NodeId } from '../../shared/stack.ts';
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../../shared/cli.ts';

/*
 * make chaos's actions: a broker stopped and restarted under load, each step returning what happened
 * (times, which node, how many drivers moved); report.ts writes the evidence, commands/chaos.ts composes.
 */

export interface ChaosOptions {
  /** The node to stop; undefined picks the busiest leader, or the active controller with `controller`. */
  broker?: NodeId;
  controller: boolean;
  kill: boolean;
  holdS: number;
  drivers: number;
  rate: number;
  warmupS: number;
  pictures: boolean;
}

export const CHAOS_SPEC: CommandSpec = {
  name: './scripts/chaos.mjs',
  summary: 'the resilience run (make chaos): load on, one broker stopped and started again, the producer and the sink followed through it, pictures of the dashboard',
  options: {
    broker: { type: 'string', value: 'ID', description: `the node to stop (${NODE_IDS.join(', ')}; default: the one leading most partitions)` },
    controller: { type: 'boolean', description: 'stop the active KRaft controller instead' },
    kill: { type: 'boolean', description: 'SIGKILL instead of a clean stop' },
    hold: { type: 'string', value: 'S', default: '20', description: 'seconds the broker stays down' },
    drivers: { type: 'string', value: 'N', default: '200', description: 'simulated drivers' },
    rate: { type: 'string', value: 'N', default: '500', description: 'events per second' },
    warmup: { type: 'string', value: 'S', default: '20', description: 'seconds of load before the stop' },
    'no-pictures': { type: 'boolean', description: 'no dashboard pictures (faster)' },
  },
  examples: ['make chaos', './scripts/chaos.mjs --kill --broker 2 --hold 30'],
  exits: { 0: 'every acknowledged event reached Redis across the outage', 1: 'a step or a check failed (the report says which)', 2: 'bad usage', 3: 'crashed' },
};

/** The chaos options, or undefined after --help. */
export function parseChaosArgs(argv: string[]): ChaosOptions | undefined {
  const args = parseCommand<{ broker?: string; controller?: boolean; kill?: boolean; hold: string; drivers: string; rate: string; warmup: string; 'no-pictures'?: boolean }>(CHAOS_SPEC, argv);
  if (args === undefined) return undefined;
  const o = args.values;
  if (o.broker !== undefined && !NODE_IDS.includes(Number(o.broker) as NodeId)) throw new UsageError(`--broker ${o.broker}: expected one of ${NODE_IDS.join(', ')}`);
  return {
    broker: o.broker === undefined ? undefined : (Number(o.broker) as NodeId),
    controller: o.controller === true, kill: o.kill === true,
    holdS: numberOption('hold', o.hold) as number, drivers: numberOption('drivers', o.drivers, { integer: true }) as number,
    rate: numberOption('rate', o.rate, { integer: true }) as number, warmupS: numberOption('warmup', o.warmup) as number,
    pictures: !o['no-pictures'],
  };
}

/** Milliseconds since the epoch at each moment of the experiment; 0 until it happens. */
export interface ChaosTimes {
  start: number;
  stopped: number;
  /** The first acknowledged write after the stop. */
  resumed: number;
  restarted: number;
  replicated: number;
}

/** The load, its live view and the live map around one broker outage; `markers` feed the pictures. */
export class BrokerOutage {
  readonly times: ChaosTimes = { start: Date.now(), stopped: 0, resumed: 0, restarted: 0, replicated: 0 };
  readonly markers: Marker[] = [];
  readonly prom: PrometheusClient;
  readonly view: LiveView;
  victim: NodeId | undefined;
  private app: Awaited<ReturnType<typeof openApp>> | undefined;

  private constructor(private readonly rt: Runtime, readonly o: ChaosOptions, readonly load: Load) {
    this.prom = new PrometheusClient(rt.addresses.prometheusUrl);
    this.view = new LiveView(rt, () => load.producer.stats);
  }

  /** Starts the load (and the live map, served for the run: its pictures show the dots moving on while a node is down). */
  static async start(rt: Runtime, o: ChaosOptions, onProducerError: (msg: string) => void): Promise<BrokerOutage> {
    let outage: BrokerOutage | undefined;
    const load = await Load.start(rt, {
      drivers: o.drivers, seed: Date.now() % 100_000, rate: o.rate, onError: onProducerError,
      onBatch: (_n, ackedAt) => {
        const t = outage?.times;
        if (t !== undefined && t.stopped > 0 && t.resumed === 0 && ackedAt > t.stopped) t.resumed = ackedAt;
      },
    });
    outage = new BrokerOutage(rt, o, load);
    outage.app = await openApp(rt);
    return outage;
  }

  /** The live map's page as a browser opens it (with the app's token when it has one). */
  get appUrl(): string {
    if (this.app === undefined) throw new Error('chaos: the live map is not open');
    return this.app.pageUrl;
  }

  get name(): string {
    return `kafka-${this.victim}`;
  }

  /** Starts the live view and waits until Prometheus sees steady load for the warm-up, so the pictures show a before. */
  async warmUp(): Promise<void> {
    this.view.start();
    await waitFor(async () => ((await this.prom.query(QUERIES.producing)).length > 0 && Date.now() - this.times.start >= this.o.warmupS * 1000 ? true : false), {
      what: 'steady load visible in Prometheus', timeoutMs: 120_000,
    });
  }

  async chooseVictim(): Promise<NodeId> {
    const topic = this.rt.stack.topics.locations;
    this.victim = this.o.broker ?? (this.o.controller ? await activeController(this.rt) : await busiestLeader(this.rt, topic));
    return this.victim;
  }

  /** The load's drivers on the map (Redis may hold others: earlier runs, other fleets). */
  async fleet(): Promise<ReadonlyMap<string, LiveDriver>> {
    if (this.app === undefined) throw new Error('chaos: the live map is not open');
    const ours = new Set(this.load.producer.ledger.entries().map((e) => e.driver_id));
    return new Map([...(await this.app.index.liveFleet()).drivers].filter(([id]) => ours.has(id)));
  }

  /** Stops (or kills) the victim; returns the map's fleet as it was at the stop. */
  async stopVictim(): Promise<ReadonlyMap<string, LiveDriver>> {
    const victim = this.need();
    this.view.phase = `${this.name} stopped`;
    const atStop = await this.fleet();
    this.times.stopped = Date.now();
    await this.rt.stopNode(victim, { kill: this.o.kill });
    await this.mark(this.times.stopped, `${this.o.kill ? 'kill' : 'stop'} ${this.name}`, '#f2495c', true);
    return atStop;
  }

  /** Milliseconds from the stop to the first acknowledged write after it. */
  async waitWritesResumed(): Promise<number> {
    await waitFor(async () => (this.times.resumed > 0 ? true : false), { what: 'the first acknowledged write after the stop', timeoutMs: 120_000 });
    return this.times.resumed - this.times.stopped;
  }

  /** The outage window is the experiment itself: keep producing with one node down for the hold. */
  async hold(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.o.holdS * 1000));
  }

  async movedSince(atStop: ReadonlyMap<string, LiveDriver>): Promise<{ moved: number; of: number }> {
    return { moved: movedDrivers(atStop, await this.fleet()), of: atStop.size };
  }

  /** Starts the victim again and waits for every partition to be fully replicated; returns the milliseconds that took. */
  async restartVictim(): Promise<number> {
    const victim = this.need();
    this.view.phase = `${this.name} restarting`;
    this.times.restarted = Date.now();
    await this.rt.startNode(victim);
    await this.mark(this.times.restarted, `start ${this.name}`, '#73bf69', true);
    await waitForBrokers(this.rt.access.kafka('admin'));
    await waitFullyReplicated(this.rt, this.rt.stack.topics.locations);
    this.times.replicated = Date.now();
    await this.mark(this.times.replicated, 'ISR full', '#5794f2', false);
    this.view.phase = 'recovered';
    return this.times.replicated - this.times.restarted;
  }

  /** The after picture should show the recovery: waits until Prometheus itself has seen it and its alerts cleared. */
  async waitPrometheusRecovered(): Promise<void> {
    await waitFor(
      async () => (await this.prom.query(QUERIES.clusterWhole)).length > 0 && (await this.prom.alerts()).every((a) => a.state !== 'firing'),
      { what: `Prometheus to see all ${NODE_IDS.length} brokers, no under-replicated partitions and no firing alert`, timeoutMs: 120_000 },
    );
  }

  /** Stops the view, the map and the load; never leaves the cluster a node short, whatever failed before. */
  async close(): Promise<void> {
    this.view.stop();
    await this.app?.close();
    await this.load.stop();
    if (this.victim !== undefined && !(await this.rt.isNodeRunning(this.victim))) await this.rt.startNode(this.victim);
  }

  private need(): NodeId {
    if (this.victim === undefined) throw new Error('chaos: no broker chosen yet (chooseVictim first)');
    return this.victim;
  }

  /** A marker on the pictures and, for a node's stop and start, an annotation on Grafana where it runs. */
  private async mark(atMs: number, label: string, color: string, annotate: boolean): Promise<void> {
    this.markers.push({ t: atMs / 1000, label, color });
    if (annotate) await annotateGrafana(this.rt, label, atMs);
  }
}
