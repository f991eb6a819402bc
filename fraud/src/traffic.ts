import { simulate } from '../../producer/src/index.ts';
import type { Generated, TransactionGenerator } from './generator.ts';
import type { RecordSender } from './sender.ts';

export interface TrafficOptions {
  topic: string;
  /** Transactions per second (0 = as fast as Kafka takes them). */
  rate: number;
  durationMs?: number;
  count?: number;
  signal?: AbortSignal;
}

/** What one traffic run sent: enough to check every decision against what it should be. */
export interface Traffic {
  queued: number;
  /** Wall time from the first transaction queued to the last one acknowledged. */
  startedAt: number;
  endedAt: number;
  /** Until the last transaction was queued (the rate the generator kept). */
  queuedUntil: number;
  /** txn_ids of the transactions made with a blocklisted card: each must be declined. */
  blocklisted: string[];
  /** Transactions per burst card: each burst's transactions beyond the velocity limit must be declined. */
  bursts: Map<string, number>;
  ids: string[];
}

/**
 * Runs the generator at `rate` into the transactions topic (key = card) through `sender`, paced by
 * the producer's own loop (against the schedule, so slow moments are caught up; the sender's bounded
 * buffer makes it wait when Kafka falls behind), then waits until every transaction is acknowledged.
 */
export async function runTraffic(sender: RecordSender, gen: TransactionGenerator, o: TrafficOptions): Promise<Traffic> {
  const t: Traffic = { queued: 0, startedAt: Date.now(), endedAt: 0, queuedUntil: 0, blocklisted: [], bursts: new Map(), ids: [] };
  const sink = {
    send: ({ txn, kind }: Generated) => {
      t.ids.push(txn.txn_id);
      if (kind === 'blocklisted') t.blocklisted.push(txn.txn_id);
      else if (kind === 'burst') t.bursts.set(txn.card, (t.bursts.get(txn.card) ?? 0) + 1);
      return sender.offer(o.topic, txn.card, JSON.stringify(txn));
    },
  };
  t.queued = await simulate(sink, gen, { rate: o.rate, durationMs: o.durationMs, count: o.count, signal: o.signal });
  t.queuedUntil = Date.now();
  await sender.flush();
  t.endedAt = Date.now();
  return t;
}
