import { saoPauloLand, type Land } from '../../shared/geo/sao-paulo.ts';
import type { LocationEvent, Status } from '../../shared/event.ts';

/** Small deterministic PRNG (mulberry32): the same seed replays the same fleet. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METERS_PER_DEG_LAT = 111_320;

interface Driver {
  id: string;
  lat: number;
  lon: number;
  headingRad: number;
  speedMps: number;
  status: Status;
  deliveryId?: string;
  lastTs: number;
}

export interface SimulatorOptions {
  drivers: number;
  seed?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** First driver number (ids look like the course simulator's: driver_100, driver_101, …). */
  firstId?: number;
}

/** Headings a driver tries when its move would leave the land (the city's edge, a reservoir). */
const TURN_TRIES = 12;
/** How often a step is checked on its way: a long step (a driver seen again after seconds) must not jump an arm of a reservoir. */
const STEP_CHECK_M = 40;

/**
 * A fleet moving plausibly through São Paulo: each driver keeps a heading with small turns at
 * 15–50 km/h and walks AVAILABLE → PICKING_UP → DELIVERING → AVAILABLE (sometimes OFFLINE).
 * Every position it emits is on land: inside the municipality and on no water body of the shipped
 * basemap (shared/geo/sao-paulo). Drivers are visited in shuffled rounds, so every driver appears
 * once per `drivers` events.
 */
export class Simulator {
  private readonly rand: () => number;
  private readonly fleet: Driver[];
  private readonly now: () => number;
  private readonly land: Land = saoPauloLand();
  private order: number[] = [];
  private deliveries = 0;

  constructor(opts: SimulatorOptions) {
    if (!Number.isInteger(opts.drivers) || opts.drivers < 1) throw new Error(`simulator: drivers must be a positive integer, got ${opts.drivers}`);
    this.rand = prng(opts.seed ?? 42);
    this.now = opts.now ?? Date.now;
    const first = opts.firstId ?? 100;
    this.fleet = Array.from({ length: opts.drivers }, (_, i) => ({
      id: `driver_${first + i}`,
      ...this.startPoint(),
      headingRad: this.rand() * 2 * Math.PI,
      speedMps: 4 + this.rand() * 10,
      status: 'AVAILABLE' as Status,
      lastTs: 0,
    }));
  }

  get driverIds(): string[] {
    return this.fleet.map((d) => d.id);
  }

  next(): LocationEvent {
    if (this.order.length === 0) this.order = this.shuffled();
    const d = this.fleet[this.order.pop() as number] as Driver;
    const now = this.now();
    // Strictly increasing per driver, so "newest wins" is well defined even within one millisecond.
    const ts = Math.max(now, d.lastTs + 1);
    const dtS = d.lastTs === 0 ? 1 : Math.min((ts - d.lastTs) / 1000, 60);
    this.move(d, dtS);
    this.advanceStatus(d);
    d.lastTs = ts;
    const ev: LocationEvent = { driver_id: d.id, latitude: round6(d.lat), longitude: round6(d.lon), timestamp: ts, status: d.status };
    if (d.deliveryId !== undefined) ev.delivery_id = d.deliveryId;
    return ev;
  }

  private shuffled(): number[] {
    const a = this.fleet.map((_, i) => i);
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.rand() * (i + 1));
      [a[i], a[j]] = [a[j] as number, a[i] as number];
    }
    return a;
  }

  /** A start on land, rounded as events carry it (the rounded point is the one tested). */
  private startPoint(): { lat: number; lon: number } {
    for (;;) {
      const p = this.land.randomPoint(this.rand);
      const lat = round6(p.lat);
      const lon = round6(p.lon);
      if (this.land.isLand(lat, lon)) return { lat, lon };
    }
  }

  /**
   * Moves along the heading at the driver's speed. A move that would end off land, or cross water on
   * the way (the step is checked every STEP_CHECK_M), turns the driver instead, to the first of a few
   * random headings that stays on land; with none, it waits where it is this time.
   */
  private move(d: Driver, dtS: number): void {
    if (d.status === 'OFFLINE') return;
    d.headingRad += (this.rand() - 0.5) * 0.6;
    d.speedMps = clamp(d.speedMps + (this.rand() - 0.5) * 2, 4, 14);
    const dist = d.speedMps * dtS;
    const mPerDegLon = METERS_PER_DEG_LAT * Math.cos((d.lat * Math.PI) / 180);
    for (let attempt = 0; attempt < TURN_TRIES; attempt++) {
      if (attempt > 0) d.headingRad = this.rand() * 2 * Math.PI;
      const dLat = (dist * Math.cos(d.headingRad)) / METERS_PER_DEG_LAT;
      const dLon = (dist * Math.sin(d.headingRad)) / mPerDegLon;
      const lat = round6(d.lat + dLat);
      const lon = round6(d.lon + dLon);
      if (this.land.isLand(lat, lon) && this.onLandAlong(d, dLat, dLon, dist)) {
        d.lat = lat;
        d.lon = lon;
        return;
      }
    }
  }

  /** Whether the points every STEP_CHECK_M along a step are on land (its end is checked by the caller). */
  private onLandAlong(d: Driver, dLat: number, dLon: number, dist: number): boolean {
    const n = Math.ceil(dist / STEP_CHECK_M);
    for (let k = 1; k < n; k++) if (!this.land.isLand(d.lat + (dLat * k) / n, d.lon + (dLon * k) / n)) return false;
    return true;
  }

  private advanceStatus(d: Driver): void {
    const r = this.rand();
    switch (d.status) {
      case 'AVAILABLE':
        if (r < 0.15) {
          d.status = 'PICKING_UP';
          d.deliveryId = `delivery_${++this.deliveries}`;
        } else if (r > 0.99) d.status = 'OFFLINE';
        break;
      case 'PICKING_UP':
        if (r < 0.2) d.status = 'DELIVERING';
        break;
      case 'DELIVERING':
        if (r < 0.15) {
          d.status = 'AVAILABLE';
          delete d.deliveryId;
        }
        break;
      case 'OFFLINE':
        if (r < 0.2) d.status = 'AVAILABLE';
        break;
    }
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
