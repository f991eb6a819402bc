import type { KafkaAccess } from '../../../producer/src/kafka.ts';
import { withAdmin } from '../kafka-admin.ts';
import { basicAuthHeader, type ConnectAccess } from '../../../shared/security.ts';
import { GiveUp, waitFor } from '../wait.ts';

/**
 * Pause / resume of a connector through Connect's REST API, and the sink consumer group's committed
 * offsets against the topic's end offsets (the "caught up" condition of the catch-up measurement).
 */
export class SinkControl {
  private readonly connectUrl: string;
  constructor(private readonly connect: ConnectAccess, readonly name: string) {
    this.connectUrl = connect.url;
  }

  private async call(operation: string, method: string, path: string): Promise<unknown> {
    const url = `${this.connectUrl}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers: basicAuthHeader(this.connect), signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new Error(`${operation} at ${url}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${operation} at ${url}: ${res.status} ${text.slice(0, 300)}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  async states(): Promise<string[]> {
    const s = (await this.call(`GET status of connector ${this.name}`, 'GET', `/connectors/${encodeURIComponent(this.name)}/status`)) as { connector: { state: string }; tasks: Array<{ state: string; trace?: string }> };
    const failed = s.tasks.find((t) => t.state === 'FAILED');
    if (failed) throw new GiveUp(new Error(`connector ${this.name}: a task FAILED: ${(failed.trace ?? '').split('\n')[0]}`));
    return [s.connector.state, ...s.tasks.map((t) => t.state)];
  }

  private async setState(verb: 'pause' | 'resume', want: string, timeoutMs: number): Promise<void> {
    await this.call(`PUT ${verb} connector ${this.name}`, 'PUT', `/connectors/${encodeURIComponent(this.name)}/${verb}`);
    await waitFor(async () => (await this.states()).every((s) => s === want), { what: `connector ${this.name} and its tasks ${want} at ${this.connectUrl}`, timeoutMs, intervalMs: 100, maxIntervalMs: 500 });
  }

  pause(timeoutMs = 60_000): Promise<void> {
    return this.setState('pause', 'PAUSED', timeoutMs);
  }

  resume(timeoutMs = 60_000): Promise<void> {
    return this.setState('resume', 'RUNNING', timeoutMs);
  }
}

/** Per partition: end offset − committed offset of `groupId` (a partition never committed counts from 0). */
export async function groupLag(bootstrap: KafkaAccess, groupId: string, topic: string): Promise<{ lag: bigint; end: Map<number, bigint> }> {
  return withAdmin(bootstrap, async (admin) => {
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset === '-1' ? '0' : p.offset)]));
    let lag = 0n;
    const end = new Map<number, bigint>();
    for (const p of ends) {
      end.set(p.partition, BigInt(p.high));
      const d = BigInt(p.high) - (done.get(p.partition) ?? 0n);
      if (d > 0n) lag += d;
    }
    return { lag, end };
  });
}
