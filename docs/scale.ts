/**
 * Capacity model of the tracking pipeline (docs/scale.md): drivers → events/s → partitions, brokers,
 * Connect tasks, Redis memory, ops/s and shards, network, and where one machine ends.
 *
 * The inputs are this project's own measurements: CPU per event, per sink write and per nearest-drivers
 * request from `make bench` (its "CPU per …" rows), bytes per record and per driver measured here. The
 * generated block of docs/scale.md is `renderScale(computeScale(ASSUMPTIONS))`; test/unit/scale.test.ts
 * fails when they differ.
 *
 *   npx tsx docs/scale.ts            # print the tables
 *   npx tsx docs/scale.ts --write    # rewrite the block in docs/scale.md
 *   npx tsx docs/scale.ts --check    # exit 1 when docs/scale.md is stale
 *
 * Units: bytes are decimal (1 MB = 10^6 B); rates are per second.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { blockMarkers, generatedBlockCli } from '../shared/generated-block.ts';

/** What `make bench` measured on this 2-core machine, with the run that measured it. */
export interface Measured {
  /** The bench run (evidence/<run>/BENCH.md) the CPU figures come from. */
  run: string;
  /** The three brokers' CPU per event during kcat runs: leader append + two followers (RF 3, acks=all), plaintext. */
  brokerMicrosPerEvent: number;
  /** The Connect worker's CPU per sink write (poll, JSON, pipeline, commit). */
  connectMicrosPerWrite: number;
  /** Redis's CPU per sink write (the FCALL, GEO index, AOF). */
  redisMicrosPerWrite: number;
  /** The app's CPU per GET /drivers/nearest (HTTP, ioredis, the answer). */
  appMicrosPerRequest: number;
  /** Redis's CPU per nearest request (the FCALL_RO). */
  redisMicrosPerRequest: number;
  /** Bytes of one event on the wire: key + JSON value + record framing (the bench's NDJSON lines are 153 B). */
  recordBytes: number;
  /** Redis memory per driver: its hash (5 fields) and its GEO member (used_memory over 100,000 drivers: 331 B). */
  redisBytesPerDriver: number;
}

export interface Machine {
  cores: number;
  memoryGB: number;
}

export interface ScaleAssumptions {
  /** Fleet sizes to plan for. */
  drivers: readonly number[];
  /** Each driver's app sends its position this often. */
  updateIntervalS: number;
  /** Peak over average rate: shift changes, and every app flushing at once after a mobile-network outage. */
  burstFactor: number;
  /** Nearest-drivers requests per driver per hour: the delivery app asks a few times per order it assigns. */
  nearestPerDriverPerHour: number;
  replicationFactor: number;
  /** The share of a resource planned at peak: the rest absorbs a lost node (1 of 3) and the unmeasured. */
  plannedLoad: number;
  /**
   * CPU factor of TLS + SCRAM on the brokers over plaintext. Assumed, not measured: kcat, the plaintext
   * baseline, cannot log in to Kafka 4.4 with SCRAM-SHA-512 (docs/performance.md).
   */
  tlsFactor: number;
  /** A sink task is one thread: at most one core per partition it reads. */
  partitionsMin: number;
  /** The fixed memory of one machine's stack: 3 broker heaps of 512 MiB, Connect 768 MiB, page cache and OS. */
  stackBaseMemoryGB: number;
  measured: Measured;
  /** The machine a node of the grown cluster is. */
  node: Machine;
  /** This machine. */
  here: Machine;
}

export const ASSUMPTIONS: ScaleAssumptions = {
  drivers: [10_000, 100_000, 1_000_000],
  updateIntervalS: 4,
  burstFactor: 3,
  nearestPerDriverPerHour: 6,
  replicationFactor: 3,
  plannedLoad: 0.5,
  tlsFactor: 1.5,
  partitionsMin: 6,
  stackBaseMemoryGB: 4,
  measured: {
    run: '2026-12-07_22-15-22-bench',
    brokerMicrosPerEvent: 12.4,
    connectMicrosPerWrite: 21.4,
    redisMicrosPerWrite: 18.5,
    appMicrosPerRequest: 179,
    redisMicrosPerRequest: 108,
    recordBytes: 160,
    redisBytesPerDriver: 331,
  },
  node: { cores: 8, memoryGB: 32 },
  here: { cores: 2, memoryGB: 24 },
};

/** The plan for one fleet size. */
export interface SizePlan {
  drivers: number;
  eventsPerSecond: number;
  peakEventsPerSecond: number;
  /** Cores at peak, without the planned-load margin (what the work costs). */
  cores: { brokers: number; connect: number; redis: number; app: number; total: number };
  brokers: number;
  partitions: number;
  connectTasks: number;
  connectWorkers: number;
  redisShards: number;
  redisMemoryMB: number;
  redisWritesPerSecond: number;
  nearestPerSecond: number;
  appProcesses: number;
  /** Into the brokers, between them (replication) and out to the sink, at peak. */
  networkMBps: { produce: number; replication: number; sink: number };
  /** Whether this machine carries it at peak (CPU and memory). */
  fitsHere: boolean;
}

export interface ScaleResult {
  sizes: SizePlan[];
  /** Where this machine ends: the drivers its CPU and its memory each carry, and which runs out first. */
  here: { cpuDrivers: number; memoryDrivers: number; first: 'CPU' | 'memory'; drivers: number };
}

const ceil = Math.ceil;
const roundUpTo = (n: number, step: number): number => ceil(n / step) * step;

/** CPU seconds per second (cores) that one driver costs at peak, per component. */
function coresPerDriver(a: ScaleAssumptions) {
  const m = a.measured;
  const peakPerDriver = a.burstFactor / a.updateIntervalS;
  const nearestPerDriver = a.nearestPerDriverPerHour / 3600;
  return {
    brokers: (peakPerDriver * m.brokerMicrosPerEvent * a.tlsFactor) / 1e6,
    connect: (peakPerDriver * m.connectMicrosPerWrite) / 1e6,
    redis: (peakPerDriver * m.redisMicrosPerWrite + nearestPerDriver * m.redisMicrosPerRequest) / 1e6,
    app: (nearestPerDriver * m.appMicrosPerRequest) / 1e6,
  };
}

export function planSize(a: ScaleAssumptions, drivers: number): SizePlan {
  const m = a.measured;
  const eventsPerSecond = drivers / a.updateIntervalS;
  const peak = eventsPerSecond * a.burstFactor;
  const per = coresPerDriver(a);
  const cores = { brokers: per.brokers * drivers, connect: per.connect * drivers, redis: per.redis * drivers, app: per.app * drivers, total: 0 };
  cores.total = cores.brokers + cores.connect + cores.redis + cores.app;
  const planned = (c: number) => c / a.plannedLoad;
  const brokers = Math.max(a.replicationFactor, ceil(planned(cores.brokers) / a.node.cores));
  // One sink task reads a partition with one thread: a partition carries at most plannedLoad of one core of sink work.
  const taskWrites = (a.plannedLoad * 1e6) / m.connectMicrosPerWrite;
  const partitions = roundUpTo(Math.max(a.partitionsMin, ceil(peak / taskWrites)), brokers);
  const connectWorkers = Math.max(1, ceil(planned(cores.connect) / a.node.cores));
  // Redis runs commands on one thread: a shard gets plannedLoad of one core.
  const redisShards = Math.max(1, ceil(planned(cores.redis)));
  const nearestPerSecond = (drivers * a.nearestPerDriverPerHour) / 3600;
  const redisMemoryMB = (drivers * m.redisBytesPerDriver) / 1e6;
  const produce = (peak * m.recordBytes) / 1e6;
  const hereCpu = cores.total <= a.here.cores * a.plannedLoad;
  const hereMemory = a.stackBaseMemoryGB + redisMemoryMB / 1000 <= a.here.memoryGB;
  return {
    drivers,
    eventsPerSecond,
    peakEventsPerSecond: peak,
    cores,
    brokers,
    partitions,
    connectTasks: partitions,
    connectWorkers,
    redisShards,
    redisMemoryMB,
    redisWritesPerSecond: peak,
    nearestPerSecond,
    appProcesses: Math.max(1, ceil(planned(cores.app))),
    networkMBps: { produce, replication: produce * (a.replicationFactor - 1), sink: produce },
    fitsHere: hereCpu && hereMemory,
  };
}

export function computeScale(a: ScaleAssumptions): ScaleResult {
  const per = coresPerDriver(a);
  const perDriver = per.brokers + per.connect + per.redis + per.app;
  const cpuDrivers = Math.floor((a.here.cores * a.plannedLoad) / perDriver);
  const memoryDrivers = Math.floor(((a.here.memoryGB - a.stackBaseMemoryGB) * 1e9) / a.measured.redisBytesPerDriver);
  const first = cpuDrivers <= memoryDrivers ? 'CPU' : 'memory';
  return { sizes: a.drivers.map((d) => planSize(a, d)), here: { cpuDrivers, memoryDrivers, first, drivers: Math.min(cpuDrivers, memoryDrivers) } };
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const num = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function renderScale(r: ScaleResult, a: ScaleAssumptions = ASSUMPTIONS): string {
  const m = a.measured;
  const inputs = table(['input', 'value', 'from'], [
    ['update interval per driver', `${a.updateIntervalS} s`, 'the course brief'],
    ['burst factor (peak / average)', `${a.burstFactor}×`, 'assumed: shift changes, apps flushing after a network outage'],
    ['nearest-drivers requests', `${a.nearestPerDriverPerHour} per driver per hour`, 'assumed: a few per order assigned'],
    ['brokers\' CPU per event (RF 3, acks=all)', `${num(m.brokerMicrosPerEvent)} µs`, `make bench ${m.run}, kcat runs (plaintext)`],
    ['TLS + SCRAM factor on the brokers', `${a.tlsFactor}×`, 'assumed: kcat cannot log in to Kafka 4.4 with SCRAM, so it is not measured'],
    ['Connect CPU per sink write', `${num(m.connectMicrosPerWrite)} µs`, `make bench ${m.run}, sink catch-up`],
    ['Redis CPU per sink write', `${num(m.redisMicrosPerWrite)} µs`, `make bench ${m.run}, sink catch-up`],
    ['app CPU per nearest request', `${num(m.appMicrosPerRequest)} µs`, `make bench ${m.run}, 100 concurrent requests`],
    ['Redis CPU per nearest request', `${num(m.redisMicrosPerRequest)} µs`, `make bench ${m.run}, 100 concurrent requests`],
    ['bytes per event on the wire', `${m.recordBytes} B`, 'the bench\'s events: 153 B per key + JSON line, plus record framing'],
    ['Redis memory per driver', `${m.redisBytesPerDriver} B`, 'used_memory over 100,000 drivers (hash + GEO member), Redis 7.0'],
    ['planned load per resource at peak', `${a.plannedLoad * 100} %`, 'the rest absorbs one lost node of three'],
    ['a node of the grown cluster', `${a.node.cores} cores, ${a.node.memoryGB} GB`, 'assumed'],
  ]);
  const col = (f: (s: SizePlan) => string) => r.sizes.map(f);
  const sizes = table(['', ...col((s) => `${int(s.drivers)} drivers`)], [
    ['events/s, average → peak', ...col((s) => `${int(s.eventsPerSecond)} → ${int(s.peakEventsPerSecond)}`)],
    ['cores the work costs at peak: brokers / Connect / Redis / app', ...col((s) => `${num(s.cores.brokers, 2)} / ${num(s.cores.connect, 2)} / ${num(s.cores.redis, 2)} / ${num(s.cores.app, 2)}`)],
    ['brokers (the 3 KRaft voters stay)', ...col((s) => `${s.brokers}`)],
    ['partitions of driver-locations', ...col((s) => `${s.partitions}`)],
    ['Connect tasks / workers', ...col((s) => `${s.connectTasks} / ${s.connectWorkers}`)],
    ['Redis: memory (data, one copy)', ...col((s) => `${num(s.redisMemoryMB)} MB`)],
    ['Redis: writes/s at peak, nearest requests/s', ...col((s) => `${int(s.redisWritesPerSecond)}, ${num(s.nearestPerSecond)}`)],
    ['Redis primaries (Redis Cluster above 1), each with a replica', ...col((s) => `${s.redisShards}`)],
    ['app processes', ...col((s) => `${s.appProcesses}`)],
    ['network at peak: produce / replication / sink', ...col((s) => `${num(s.networkMBps.produce)} / ${num(s.networkMBps.replication)} / ${num(s.networkMBps.sink)} MB/s`)],
    [`fits this machine (${a.here.cores} cores, ${a.here.memoryGB} GB)`, ...col((s) => (s.fitsHere ? 'yes' : '**no**'))],
  ]);
  const h = r.here;
  const here = table(['resource on this machine', 'drivers it carries at peak', ''], [
    [`CPU: ${a.here.cores} cores at ${a.plannedLoad * 100} %`, int(h.cpuDrivers), h.first === 'CPU' ? '**runs out first**' : ''],
    [`memory: ${a.here.memoryGB} GB less ${a.stackBaseMemoryGB} GB for the stack`, int(h.memoryDrivers), h.first === 'memory' ? '**runs out first**' : ''],
  ]);
  return [
    '<!-- Generated by docs/scale.ts from its ASSUMPTIONS: edit them there and run `npx tsx docs/scale.ts --write`. -->',
    '',
    '### Inputs',
    '',
    inputs,
    '',
    '### Each fleet size',
    '',
    sizes,
    '',
    '### Where one machine ends',
    '',
    here,
  ].join('\n');
}

export const SCALE_MD = fileURLToPath(new URL('./scale.md', import.meta.url));
export const SCALE_MARKERS = blockMarkers('scale');

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = generatedBlockCli(process.argv.slice(2), SCALE_MD, SCALE_MARKERS, renderScale(computeScale(ASSUMPTIONS)));
}
