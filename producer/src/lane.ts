/** One record on its way to a partition. */
export interface Outgoing<T> {
  key: string;
  value: string | null;
  bytes: number;
  item: T;
  /**
   * Which batch of the request it belongs to (the partition, for a lane that serves a whole broker):
   * the limits apply per group, and records of one group keep their order. Default: one group.
   */
  group?: number;
}

export interface LaneLimits {
  /** Most records of one group (partition) in one request. */
  maxEvents: number;
  /** Most value bytes of one group (partition) in one request. */
  maxBytes: number;
  /** How long an idle lane waits for more records before sending. */
  lingerMs: number;
}

/**
 * Coalescing sender for one partition, or for every partition one broker leads: at most one
 * request in flight (so a driver's events stay in order and the idempotent sequence numbers stay
 * valid). Records that arrive while a request is in flight form the next batch, sent the moment the
 * previous one is acknowledged; the linger applies only when the lane was idle. `send` resolves when the batch is acknowledged (it retries
 * internally) and rejects only when the producer gives up.
 */
export class Lane<T> {
  private queue: Array<Outgoing<T>> = [];
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: LaneLimits,
    private readonly send: (batch: Array<Outgoing<T>>) => Promise<void>,
    private readonly onFailure: (err: Error) => void,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  push(o: Outgoing<T>): void {
    this.queue.push(o);
    this.kick();
  }

  /** Queues several records at once: an idle lane without linger then sends them together, not the first alone. */
  pushAll(items: ReadonlyArray<Outgoing<T>>): void {
    if (items.length === 0) return;
    this.queue.push(...items);
    this.kick();
  }

  private kick(): void {
    if (this.inFlight || this.timer !== undefined) return;
    if (this.limits.lingerMs <= 0 || this.queue.length >= this.limits.maxEvents) this.start();
    else this.timer = setTimeout(() => this.start(), this.limits.lingerMs);
  }

  /** The next request: the queue's records in order, each group up to the limits; the rest stays queued in order. */
  private take(): Array<Outgoing<T>> {
    const { maxEvents, maxBytes } = this.limits;
    const counts = new Map<number, { n: number; bytes: number; full: boolean }>();
    const taken: Array<Outgoing<T>> = [];
    const rest: Array<Outgoing<T>> = [];
    for (const o of this.queue) {
      const g = o.group ?? -1;
      let c = counts.get(g);
      if (c === undefined) counts.set(g, (c = { n: 0, bytes: 0, full: false }));
      // A full group takes nothing more in this request, so its later records cannot overtake.
      if (c.full || c.n >= maxEvents || (c.n > 0 && c.bytes + o.bytes > maxBytes)) {
        c.full = true;
        rest.push(o);
        continue;
      }
      c.n++;
      c.bytes += o.bytes;
      taken.push(o);
    }
    this.queue = rest;
    return taken;
  }

  private start(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.take();
    this.inFlight = true;
    this.send(batch).then(
      () => {
        this.inFlight = false;
        if (this.queue.length > 0) this.start();
      },
      (err: Error) => {
        this.inFlight = false;
        this.onFailure(err);
      },
    );
  }

  /** Drops what is still queued (after the producer gave up or was aborted); returns how many. */
  discard(): number {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return this.queue.splice(0).length;
  }
}
