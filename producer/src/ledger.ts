import { readFileSync, writeFileSync } from 'node:fs';
import type { LocationEvent } from '../../shared/event.ts';

/**
 * The last event Kafka acknowledged per driver (newest by timestamp): what Redis must end up
 * holding. Only acknowledged sends are recorded, so the ledger never claims more than Kafka has.
 */
export class Ledger {
  private readonly last = new Map<string, LocationEvent>();

  record(ev: LocationEvent): void {
    const prev = this.last.get(ev.driver_id);
    if (prev === undefined || ev.timestamp >= prev.timestamp) this.last.set(ev.driver_id, ev);
  }

  forget(driverId: string): void {
    this.last.delete(driverId);
  }

  get size(): number {
    return this.last.size;
  }

  entries(): LocationEvent[] {
    return [...this.last.values()].sort((a, b) => a.driver_id.localeCompare(b.driver_id));
  }

  write(file: string): void {
    writeFileSync(file, `${JSON.stringify(this.entries(), null, 1)}\n`);
  }

  static read(file: string): Ledger {
    const l = new Ledger();
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(data)) throw new Error(`ledger ${file}: expected a JSON array`);
    for (const ev of data as LocationEvent[]) l.record(ev);
    return l;
  }
}
