/**
 * Bounds what the producer holds unacknowledged (queued + in flight), in events and bytes. `acquire`
 * resolves at once while there is room and otherwise waits: the simulator and --stdin slow down to
 * what Kafka acknowledges instead of building a queue of seconds. Nothing is dropped.
 */
export class BufferGate {
  private events = 0;
  private bytes = 0;
  private readonly waiting: Array<{ bytes: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly drained: Array<() => void> = [];
  private failure: Error | undefined;

  constructor(
    readonly maxEvents: number,
    readonly maxBytes: number,
  ) {
    if (!(maxEvents >= 1) || !(maxBytes >= 1)) throw new Error(`buffer bounds must be positive (events ${maxEvents}, bytes ${maxBytes})`);
  }

  /** Events held now (queued or in flight). */
  get held(): number {
    return this.events;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  private fits(bytes: number): boolean {
    // An event larger than the byte bound still passes alone, or it could never be sent.
    return this.events < this.maxEvents && (this.bytes + bytes <= this.maxBytes || this.events === 0);
  }

  /** Room for one event of `bytes`; synchronous when there is room (the common, fast case). */
  tryAcquire(bytes: number): boolean {
    if (this.failure) throw this.failure;
    if (this.waiting.length > 0 || !this.fits(bytes)) return false;
    this.events++;
    this.bytes += bytes;
    return true;
  }

  acquire(bytes: number): Promise<void> {
    if (this.tryAcquire(bytes)) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ bytes, resolve, reject }));
  }

  release(events: number, bytes: number): void {
    this.events -= events;
    this.bytes -= bytes;
    // First come, first served: the order of waiting senders is the order of their events.
    while (this.waiting.length > 0 && this.fits((this.waiting[0] as { bytes: number }).bytes)) {
      const w = this.waiting.shift() as (typeof this.waiting)[number];
      this.events++;
      this.bytes += w.bytes;
      w.resolve();
    }
    if (this.events === 0) for (const d of this.drained.splice(0)) d();
  }

  /** Resolves when nothing is held. */
  whenEmpty(): Promise<void> {
    return this.events === 0 ? Promise.resolve() : new Promise((resolve) => this.drained.push(resolve));
  }

  /** Rejects every waiting sender (the producer gave up). */
  fail(err: Error): void {
    this.failure = err;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }
}
