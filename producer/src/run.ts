import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocationEvent } from '../../shared/event.ts';
import type { SendOutcome } from './location-producer.ts';
import { parseLine } from './ndjson.ts';

/**
 * Where the loops send events: a LocationProducer, or anything with the same `send`. A plain outcome
 * means the event was taken at once; a promise, that the caller must wait (the buffer is full).
 */
export interface EventSink {
  send(event: LocationEvent): SendOutcome | Promise<SendOutcome>;
}

export interface SimulateOptions {
  /** Events per second; 0 means as fast as Kafka takes them. */
  rate: number;
  count?: number;
  durationMs?: number;
  signal?: AbortSignal;
}

/**
 * Feeds simulator events at a steady rate until count, duration or the signal says stop. Returns how
 * many were queued. Any source and sink of one event type will do (the fraud generator uses it too): a
 * promise from `send` makes the loop wait for it.
 */
export async function simulate<E>(sink: { send(event: E): unknown }, sim: { next(): E }, opts: SimulateOptions): Promise<number> {
  const start = Date.now();
  let n = 0;
  while (!opts.signal?.aborted) {
    if (opts.count !== undefined && n >= opts.count) break;
    if (opts.durationMs !== undefined && Date.now() - start >= opts.durationMs) break;
    const r = sink.send(sim.next());
    if (r instanceof Promise) await r;
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
 * Lines end with \n or \r\n. The input is split chunk by chunk and waits only when the sink says so:
 * readline's per-line events and an await per line were a measurable share of the producer's CPU.
 */
export async function pipeNdjson(sink: EventSink, input: Readable, warn: (msg: string) => void, onRejected: () => void = () => {}, signal?: AbortSignal): Promise<StdinReport> {
  const report: StdinReport = { lines: 0, events: 0, skipped: 0, rejected: [], late: 0, lateSamples: [] };
  const afterSend = (event: LocationEvent, lineNo: number, sent: SendOutcome): void => {
    if (sent.kind !== 'late') return;
    const msg = `stdin line ${lineNo}: late event for ${event.driver_id} (timestamp ${event.timestamp} is older than ${sent.mark}, already sent): not published to the compacted topic`;
    report.late++;
    if (report.lateSamples.length < LATE_LINES_SHOWN) {
      report.lateSamples.push(msg);
      warn(msg);
    } else if (report.late === LATE_LINES_SHOWN + 1) warn(`more late lines: counted, not listed (see the summary)`);
  };
  /** Synchronous unless the sink makes it wait: then the promise to await. */
  const onLine = (line: string): Promise<void> | undefined => {
    const lineNo = ++report.lines;
    const r = parseLine(line, lineNo);
    switch (r.kind) {
      case 'event': {
        report.events++;
        const sent = sink.send(r.event);
        if (sent instanceof Promise) return sent.then((outcome) => afterSend(r.event, lineNo, outcome));
        afterSend(r.event, lineNo, sent);
        return undefined;
      }
      case 'banner':
        report.skipped++;
        warn(r.message);
        return undefined;
      case 'invalid':
        report.rejected.push(r.error);
        onRejected();
        warn(`rejected ${r.error}`);
        return undefined;
      case 'blank':
        return undefined;
    }
  };
  // A stop signal ends the read at once, even while no input arrives; what was read so far is still sent.
  const stopped = new Promise<IteratorResult<unknown>>((resolve) => {
    if (signal?.aborted) resolve({ done: true, value: undefined });
    signal?.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const decoder = new StringDecoder('utf8');
  let carry = '';
  for (;;) {
    const next = await Promise.race([chunks.next(), stopped]);
    if (next.done) break;
    const chunk = next.value as Buffer | string;
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1 && !signal?.aborted; nl = text.indexOf('\n', from)) {
      const line = text.charCodeAt(nl - 1) === 13 ? text.slice(from, nl - 1) : text.slice(from, nl);
      from = nl + 1;
      const waiting = onLine(line);
      if (waiting !== undefined) await waiting;
    }
    carry = text.slice(from);
    if (signal?.aborted) break;
  }
  const rest = carry + decoder.end();
  if (rest !== '' && !signal?.aborted) await onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  return report;
}
