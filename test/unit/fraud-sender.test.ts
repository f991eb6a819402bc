import { describe, expect, it } from 'vitest';
import type { Kafka } from '../../producer/src/kafka.ts';
import { RecordSender } from '../../fraud/src/sender.ts';

type Request = { topic: string; messages: Array<{ key: string; value: string | null }> };

/** A kafkajs stand-in: records each request and acknowledges it when told to (or fails it). */
function fakeKafka() {
  const requests: Request[] = [];
  const pending: Array<{ ok: () => void; fail: (e: Error) => void }> = [];
  const producer = {
    connect: async () => {},
    disconnect: async () => {},
    send: (r: Request) => {
      requests.push(r);
      return new Promise<void>((ok, fail) => pending.push({ ok, fail }));
    },
  };
  const kafka = { producer: () => producer } as unknown as Kafka;
  const ackAll = async () => {
    while (pending.length > 0) {
      pending.shift()!.ok();
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { kafka, requests, pending, ackAll };
}

describe('record sender', () => {
  it('keeps every request of one key under the broker’s 1 MiB batch bound, framing and UTF-8 included', async () => {
    const f = fakeKafka();
    const s = new RecordSender(f.kafka, { lingerMs: 0 });
    // One key: every record lands on one partition, so one request is one record batch.
    const value = JSON.stringify({ txn_id: 'x'.repeat(20), detail: 'cartão bloqueado: roubo confirmado '.repeat(5) });
    const records = Array.from({ length: 12_000 }, () => ({ key: 'card-1', value }));
    const done = s.sendAll('decisions', records);
    await f.ackAll();
    await done;
    const bytes = (r: Request) => r.messages.reduce((n, m) => n + Buffer.byteLength(m.key) + Buffer.byteLength(m.value ?? '') + 32, 0);
    expect(f.requests.reduce((n, r) => n + r.messages.length, 0)).toBe(12_000);
    expect(f.requests.length).toBeGreaterThan(1);
    expect(Math.max(...f.requests.map(bytes))).toBeLessThanOrEqual(1024 * 1024 / 2);
  });

  it('resolves sendAll only once its last record is acknowledged, and sends records queued together in one request', async () => {
    const f = fakeKafka();
    const s = new RecordSender(f.kafka, { lingerMs: 0 });
    let resolved = false;
    const done = s.sendAll('t', [{ key: 'a', value: '1' }, { key: 'b', value: null }]).then(() => (resolved = true));
    expect(f.requests.map((r) => r.messages.length)).toEqual([2]);
    await new Promise((r) => setTimeout(r, 5));
    expect(resolved).toBe(false);
    await f.ackAll();
    await done;
    expect(s.acked).toBe(2);
  });

  it('makes offer() wait when the buffer is full, and flush() wait for every offered record', async () => {
    const f = fakeKafka();
    const s = new RecordSender(f.kafka, { lingerMs: 0, bufferEvents: 2 });
    expect(s.offer('t', 'a', '1')).toBeUndefined();
    expect(s.offer('t', 'b', '2')).toBeUndefined();
    const third = s.offer('t', 'c', '3');
    expect(third).toBeInstanceOf(Promise);
    let flushed = false;
    const flush = s.flush().then(() => (flushed = true));
    await f.ackAll();
    await third;
    await f.ackAll();
    await flush;
    expect(flushed).toBe(true);
    expect(s.acked).toBe(3);
  });

  it('fails every waiting caller, naming the topic, once a request fails (fail-stop)', async () => {
    const f = fakeKafka();
    const s = new RecordSender(f.kafka, { lingerMs: 0 });
    const a = s.sendAll('decisions', [{ key: 'a', value: '1' }]);
    const b = s.sendAll('decisions', [{ key: 'b', value: '2' }]);
    f.pending.shift()!.fail(new Error('broker gone'));
    await expect(a).rejects.toThrow('send 1 records to decisions: broker gone');
    await expect(b).rejects.toThrow('broker gone');
    await expect(s.sendAll('decisions', [{ key: 'c', value: '3' }])).rejects.toThrow('broker gone');
    expect(() => s.offer('decisions', 'd', '4')).toThrow('broker gone');
  });
});
