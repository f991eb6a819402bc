import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocationEvent } from './event.ts';
import type { SendOutcome } from './location-producer.ts';
import { parseLine } from './ndjson.ts';
import type { Simulator } from './simulator.ts';

/** Where the loops send events: a LocationProducer, or anything with the same `send`. */
export interface EventSink {
  send(event: LocationEvent): Promise<SendOutcome>;
}

export interface SimulateOptions {
  /** Events per second; 0 means as fast as Kafka takes them. */
  rate: number;
  count?: number;
  durationMs?: number;
  signal?: AbortSignal;
}

/** Feeds simulator events at a steady rate until count, duration or the signal says stop. Returns how many were queued. */
export async function simulate(sink: EventSink, sim: Simulator, opts: SimulateOptions): Promise<number> {
  const start = Date.now();
  let n = 0;
  while (!opts.signal?.aborted) {
    if (opts.count !== undefined && n >= opts.count) break;
    if (opts.durationMs !== undefined && Date.now() - start >= opts.durationMs) break;
    await sink.send(sim.next());
    n++;
    if (opts.rate > 0) {
      // Pace against the schedule (not per event), so slow moments are caught up.
      const ahead = start + (n * 1000) / opts.rate - Date.now();
      if (ahead > 1) await sleep(ahead);
    }
  }
  return n;
}

export interface StdinReport {
  lines: number;
  events: number;
  skipped: number;
  rejected: string[];
  /** Lines older than an event already sent for their driver (kept out of the compacted topic). */
  late: number;
  /** The first of those, each naming its line (a replay can make every line late: the rest are counted). */
  lateSamples: string[];
}

/** How many late lines are named one by one before the rest are only counted. */
export const LATE_LINES_SHOWN = 20;

/**
 * Reads NDJSON (the course simulator's output) and sends every valid event. Banner lines are skipped
 * with a warning; invalid lines are reported with line number and field; neither stops the stream.
 */
export async function pipeNdjson(sink: EventSink, input: Readable, warn: (msg: string) => void, onRejected: () => void = () => {}, signal?: AbortSignal): Promise<StdinReport> {
  const report: StdinReport = { lines: 0, events: 0, skipped: 0, rejected: [], late: 0, lateSamples: [] };
  const rl = createInterface({ input, crlfDelay: Infinity });
  // A stop signal ends the read; what was read so far is still sent.
  signal?.addEventListener('abort', () => rl.close(), { once: true });
  for await (const line of rl) {
    report.lines++;
    const r = parseLine(line, report.lines);
    switch (r.kind) {
      case 'event': {
        const sent = await sink.send(r.event);
        report.events++;
        if (sent.kind === 'late') {
          const msg = `stdin line ${report.lines}: late event for ${r.event.driver_id} (timestamp ${r.event.timestamp} is older than ${sent.mark}, already sent): not published to the compacted topic`;
          report.late++;
          if (report.lateSamples.length < LATE_LINES_SHOWN) {
            report.lateSamples.push(msg);
            warn(msg);
          } else if (report.late === LATE_LINES_SHOWN + 1) warn(`more late lines: counted, not listed (see the summary)`);
        }
        break;
      }
      case 'banner':
        report.skipped++;
        warn(r.message);
        break;
      case 'invalid':
        report.rejected.push(r.error);
        onRejected();
        warn(`rejected ${r.error}`);
        break;
      case 'blank':
        break;
    }
  }
  return report;
}
