import type { ServerResponse } from 'node:http';
import { readBanner, type Banner } from './banner.ts';
import type { DriverIndex, LiveDriver } from './drivers.ts';

export interface FleetDiff {
  upsert: LiveDriver[];
  remove: string[];
}

/** What changed between two polls: drivers new or changed in any field, and drivers gone. */
export function diffFleet(prev: ReadonlyMap<string, LiveDriver>, next: ReadonlyMap<string, LiveDriver>): FleetDiff {
  const upsert: LiveDriver[] = [];
  for (const d of next.values()) {
    const p = prev.get(d.id);
    if (p === undefined || p.lat !== d.lat || p.lon !== d.lon || p.status !== d.status || p.ts !== d.ts) upsert.push(d);
  }
  const remove = [...prev.keys()].filter((id) => !next.has(id));
  return { upsert, remove };
}

/** One server-sent event. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface LiveStatus {
  /** undefined when the last poll of Redis worked. */
  redisError?: string;
  /** Hashes the map could not read (malformed), named. */
  problems: string[];
  banner?: Banner;
}

export interface LiveFeedOptions {
  /** Redis poll period. Each poll sends a driver at most once, so a driver moves at most 1000/pollMs times a second. */
  pollMs: number;
  /** Prometheus poll period (its scrape interval is 5 s). */
  bannerMs: number;
  prometheusUrl?: string;
}

/**
 * The live map's feed (GET /events): while at least one page listens, polls Redis every `pollMs`
 * (DriverIndex.liveFleet) and sends each listener only what changed since the previous poll; a new
 * listener first gets the whole fleet. Prometheus is read every `bannerMs` for the banner.
 * Polling stops when the last listener leaves.
 */
export class LiveFeed {
  private fleet = new Map<string, LiveDriver>();
  private readonly listeners = new Set<ServerResponse>();
  private readonly needSnapshot = new Set<ServerResponse>();
  private status: LiveStatus = { problems: [] };
  private pollTimer: NodeJS.Timeout | undefined;
  private bannerTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private running = false;
  /** Bumped by every start: a poll still in flight from before a stop must not start a second chain. */
  private generation = 0;

  constructor(private readonly index: DriverIndex, private readonly opts: LiveFeedOptions) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Adds an SSE response as a listener; it leaves when the page closes the connection. */
  add(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    // Reconnect quickly after a restart of the app.
    res.write('retry: 1000\n\n');
    this.listeners.add(res);
    this.needSnapshot.add(res);
    res.write(sseEvent('status', this.status));
    res.on('close', () => {
      this.listeners.delete(res);
      this.needSnapshot.delete(res);
      if (this.listeners.size === 0) this.stop();
    });
    if (!this.running) this.start();
  }

  private start(): void {
    this.running = true;
    this.fleet = new Map();
    const gen = ++this.generation;
    void this.poll(gen);
    void this.pollBanner(gen);
    // A comment line now and then keeps proxies and idle timeouts from closing a quiet stream.
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n'), 15_000);
  }

  private stop(): void {
    this.running = false;
    clearTimeout(this.pollTimer);
    clearTimeout(this.bannerTimer);
    clearInterval(this.heartbeat);
  }

  /** Ends every listener's stream (the app is stopping). */
  close(): void {
    this.stop();
    for (const res of this.listeners) res.end();
    this.listeners.clear();
    this.needSnapshot.clear();
  }

  private broadcast(chunk: string, to: Iterable<ServerResponse> = this.listeners): void {
    for (const res of to) res.write(chunk);
  }

  private setStatus(next: LiveStatus): void {
    if (JSON.stringify(next) === JSON.stringify(this.status)) return;
    this.status = next;
    this.broadcast(sseEvent('status', next));
  }

  private live(gen: number): boolean {
    return this.running && gen === this.generation;
  }

  private async poll(gen: number): Promise<void> {
    if (!this.live(gen)) return;
    try {
      const { drivers, problems } = await this.index.liveFleet();
      if (!this.live(gen)) return;
      const diff = diffFleet(this.fleet, drivers);
      this.fleet = drivers;
      const fresh = [...this.needSnapshot];
      this.needSnapshot.clear();
      if (fresh.length > 0) this.broadcast(sseEvent('snapshot', { drivers: [...drivers.values()] }), fresh);
      if (diff.upsert.length > 0 || diff.remove.length > 0) this.broadcast(sseEvent('update', diff), [...this.listeners].filter((r) => !fresh.includes(r)));
      this.setStatus({ ...this.status, redisError: undefined, problems });
    } catch (err) {
      // Keep the last fleet on the page (marked stale by the status) and try again next period.
      this.setStatus({ ...this.status, redisError: (err as Error).message });
    }
    if (this.live(gen)) this.pollTimer = setTimeout(() => void this.poll(gen), this.opts.pollMs);
  }

  private async pollBanner(gen: number): Promise<void> {
    if (!this.live(gen)) return;
    const banner = await readBanner(this.opts.prometheusUrl);
    if (!this.live(gen)) return;
    this.setStatus({ ...this.status, banner });
    this.bannerTimer = setTimeout(() => void this.pollBanner(gen), this.opts.bannerMs);
  }
}
