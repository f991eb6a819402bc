import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Simulator } from '../../../producer/src/index.ts';

/**
 * The same events twice: NDJSON for `produce.mjs --stdin`, and `key<TAB>json` lines for `kcat -P -K '\t'`.
 * Events come from the project's simulator (the same shape as every other run), with timestamps
 * from `startMs`, `eventsPerMs` to a millisecond (default 1); the simulator still gives a driver seen
 * twice within one millisecond a strictly newer timestamp, so a later copy of its event is never older.
 */
export interface KeyedFiles {
  ndjson: string;
  keyed: string;
  events: number;
  drivers: number;
}

export interface KeyedEventsOptions {
  events: number;
  drivers: number;
  firstId: number;
  seed: number;
  startMs: number;
  /** How many consecutive events share one millisecond: the timestamps span events / this ms. */
  eventsPerMs?: number;
}

export function keyedLine(key: string, json: string, sep = '\t'): string {
  if (key.includes(sep) || json.includes(sep)) throw new Error(`key or value contains the kcat separator ${JSON.stringify(sep)}`);
  return `${key}${sep}${json}`;
}

/** Writes the events to both streams, respecting each one's back-pressure, and ends them. */
export async function writeKeyedEvents(nd: Writable, kc: Writable, o: KeyedEventsOptions): Promise<void> {
  const perMs = o.eventsPerMs ?? 1;
  if (!(perMs >= 1)) throw new Error(`eventsPerMs ${perMs}: expected ≥ 1`);
  let n = 0;
  const sim = new Simulator({ drivers: o.drivers, seed: o.seed, firstId: o.firstId, now: () => o.startMs + Math.floor(n++ / perMs) });
  for (let i = 0; i < o.events; i++) {
    const e = sim.next();
    const json = JSON.stringify(e);
    // One stream at a time: waiting for both drains in turn could miss one that already fired.
    if (!nd.write(`${json}\n`)) await once(nd, 'drain');
    if (!kc.write(`${keyedLine(e.driver_id, json)}\n`)) await once(kc, 'drain');
  }
  nd.end();
  kc.end();
  await Promise.all([once(nd, 'finish'), once(kc, 'finish')]);
}

export async function writeKeyedFiles(o: KeyedEventsOptions & { ndjson: string; keyed: string }): Promise<KeyedFiles> {
  await writeKeyedEvents(createWriteStream(o.ndjson), createWriteStream(o.keyed), o);
  return { ndjson: o.ndjson, keyed: o.keyed, events: o.events, drivers: o.drivers };
}
