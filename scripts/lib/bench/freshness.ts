import type { Redis } from 'ioredis';
import { openRedis, type RedisAccess } from '../../../shared/security.ts';

export interface Sample {
  /** When the read answered (unix ms). */
  at: number;
  /** at − the event's own timestamp (ms). */
  value: number;
}

/**
 * End-to-end freshness measured in Redis itself: keyspace notifications (notify-keyspace-events Kh)
 * say when a driver hash was written; the probe then reads that hash's timestamp and records
 * now − timestamp. The read's round trip is included, so each sample is an upper bound (a few ms
 * of resolution on loopback). Reads are pipelined per tick of the event loop.
 *
 * It watches a sample of the drivers, those whose id ends in one of `sampleDigits` (default 3 and 7:
 * a fifth of a numbered fleet): a notification and an HGET per watched write, in a Node process on the
 * same two cores, is load the measurement itself adds; a fifth still gives thousands of samples per run.
 */
export class FreshnessProbe {
  readonly samples: Sample[] = [];
  notifications = 0;
  private pending = new Set<string>();
  private scheduled = false;
  private stopped = false;

  private constructor(
    /** The share of a numbered fleet's drivers it watches (the writes it sees × 1/this = all writes). */
    readonly sampleFraction: number,
    private readonly sub: Redis,
    private readonly reader: Redis,
    private readonly previousConfig: string,
    private readonly tsField: string,
  ) {}

  static async start(redis: RedisAccess, keyPrefix: string, o: { tsField?: string; sampleDigits?: string } = {}): Promise<FreshnessProbe> {
    const tsField = o.tsField ?? 'timestamp';
    const digits = o.sampleDigits ?? '37';
    if (!/^\d+$/.test(digits)) throw new Error(`freshness probe: sampleDigits ${JSON.stringify(digits)} must be digits`);
    const reader = openRedis(redis, { lazyConnect: true, maxRetriesPerRequest: 2 });
    const sub = openRedis(redis, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await reader.connect();
    await sub.connect();
    const prev = ((await reader.config('GET', 'notify-keyspace-events')) as string[])[1] ?? '';
    await reader.config('SET', 'notify-keyspace-events', 'Kh');
    const probe = new FreshnessProbe(new Set(digits).size / 10, sub, reader, prev, tsField);
    const channelPrefix = '__keyspace@0__:';
    sub.on('pmessage', (_p: string, channel: string, message: string) => {
      if (message !== 'hset' || probe.stopped) return;
      probe.notifications++;
      probe.pending.add(channel.slice(channelPrefix.length));
      if (!probe.scheduled) {
        probe.scheduled = true;
        setImmediate(() => void probe.flush());
      }
    });
    // A glob on the id's last character: Redis sends only the sampled drivers' notifications.
    await sub.psubscribe(`${channelPrefix}${keyPrefix}*[${digits}]`);
    return probe;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const keys = [...this.pending];
    this.pending.clear();
    if (keys.length === 0 || this.stopped) return;
    const pipe = this.reader.pipeline();
    for (const k of keys) pipe.hget(k, this.tsField);
    const replies = (await pipe.exec().catch(() => null)) ?? [];
    const at = Date.now();
    for (const [err, v] of replies) {
      const ts = Number(v);
      if (err === null && Number.isFinite(ts) && ts > 0) this.samples.push({ at, value: at - ts });
    }
  }

  /** Samples inside [from, to] (unix ms). */
  window(from: number, to: number): number[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.value);
  }

  /** Unsubscribes and puts the previous notify-keyspace-events back. */
  async stop(): Promise<void> {
    this.stopped = true;
    try {
      await this.reader.config('SET', 'notify-keyspace-events', this.previousConfig);
    } finally {
      this.sub.disconnect();
      this.reader.disconnect();
    }
  }
}
