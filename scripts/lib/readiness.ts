import { Redis } from 'ioredis';
import { registeredBrokers } from './kafka-admin.ts';
import { NODE_IDS } from './stack.ts';
import { waitFor } from './wait.ts';

/** Extra options of every readiness wait: `guard` throws to stop waiting at once (a service died). */
export interface ReadyOptions {
  guard?: () => void;
}

/** All three brokers registered: only possible once the KRaft quorum has elected a leader. */
export async function waitForBrokers(bootstrap: string[], timeoutMs = 180_000, expected: number[] = [...NODE_IDS], opts: ReadyOptions = {}): Promise<void> {
  await waitFor(
    async () => {
      const ids = await registeredBrokers(bootstrap);
      return expected.every((id) => ids.includes(id)) ? ids : false;
    },
    { what: `brokers ${expected.join(',')} registered at ${bootstrap.join(',')}`, timeoutMs, guard: opts.guard },
  );
}

export async function waitForConnectRest(connectUrl: string, timeoutMs = 180_000, opts: ReadyOptions = {}): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(connectUrl, { signal: AbortSignal.timeout(3000) });
      // The root answers before the worker has joined its group; the plugin list only after.
      if (!res.ok) return false;
      const plugins = await fetch(`${connectUrl}/connector-plugins`, { signal: AbortSignal.timeout(3000) });
      return plugins.ok;
    },
    { what: `Kafka Connect REST at ${connectUrl}`, timeoutMs, guard: opts.guard },
  );
}

export async function waitForRedis(redisUrl: string, timeoutMs = 60_000, opts: ReadyOptions = {}): Promise<void> {
  await waitFor(
    async () => {
      // Bounded: something else listening on the port must fail the try, not hang it.
      const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000, commandTimeout: 3000 });
      // The failed try is the answer; without a listener ioredis prints it as unhandled.
      r.on('error', () => {});
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    },
    { what: `Redis at ${redisUrl}`, timeoutMs, guard: opts.guard },
  );
}

/** Prometheus answers its readiness endpoint. */
export async function waitForPrometheus(prometheusUrl: string, timeoutMs = 60_000, opts: ReadyOptions = {}): Promise<void> {
  await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`, { signal: AbortSignal.timeout(3000) })).ok, { what: `Prometheus at ${prometheusUrl}`, timeoutMs, guard: opts.guard });
}
