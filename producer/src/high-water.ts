/**
 * The producer's never-regress rule at the source. Kafka compaction keeps the last *offset* per key,
 * so an event older than one already sent for the same driver must not be published after it:
 * it would become the topic's "current" record. Marks move when an event is accepted for sending
 * (not when it is acknowledged), so two events of one driver inside one batch are ordered too.
 *
 * Assumes one writer per driver: a second producer sending the same drivers has its own marks and
 * can still publish an older event after this one's newer event (see the README, "Producer").
 */
export class HighWaterMarks {
  private readonly marks = new Map<string, number>();

  /** True when `ts` is not older than the driver's mark (equal passes: later wins, as in the sink); the mark moves. */
  admit(driverId: string, ts: number): boolean {
    const mark = this.marks.get(driverId);
    if (mark !== undefined && ts < mark) return false;
    this.marks.set(driverId, ts);
    return true;
  }

  /** Raises a mark without a send: seeding from the topic, or a tombstone's time. */
  raise(driverId: string, ts: number): void {
    const mark = this.marks.get(driverId);
    if (mark === undefined || ts > mark) this.marks.set(driverId, ts);
  }

  get(driverId: string): number | undefined {
    return this.marks.get(driverId);
  }

  get size(): number {
    return this.marks.size;
  }
}
