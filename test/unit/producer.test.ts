import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { MAX_FIELD_BYTES, normaliseTimestamp, validateEvent, type LocationEvent } from '../../shared/event.ts';
import { MAX_BATCH_RECORD_BYTES, recordBytes } from '../../producer/src/record-size.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../shared/stack.ts';
import { BufferGate } from '../../producer/src/buffer-gate.ts';
import { HighWaterMarks } from '../../producer/src/high-water.ts';
import { LatencyHistogram } from '../../producer/src/latency.ts';
import { Lane, type Outgoing } from '../../producer/src/lane.ts';
import { Ledger } from '../../producer/src/ledger.ts';
import type { SendOutcome } from '../../producer/src/location-producer.ts';
import { parseLine } from '../../producer/src/ndjson.ts';
import { pipeNdjson, simulate } from '../../producer/src/run.ts';
import { Simulator } from '../../producer/src/simulator.ts';
import { SAO_PAULO } from '../../shared/city.ts';

const QUEUED: SendOutcome = { kind: 'queued' };
const good = { driver_id: 'driver_100', latitude: -23.55, longitude: -46.63, timestamp: 1_795_800_000_000, status: 'DELIVERING' };

describe('normaliseTimestamp', () => {
  it('takes epoch seconds (int or float), epoch ms, numeric strings and ISO-8601', () => {
    expect(normaliseTimestamp(1_795_800_000)).toBe(1_795_800_000_000);
    expect(normaliseTimestamp(1_795_800_000.123)).toBe(1_795_800_000_123);
    expect(normaliseTimestamp(1_795_800_000_456)).toBe(1_795_800_000_456);
    expect(normaliseTimestamp('1795800000')).toBe(1_795_800_000_000);
    expect(normaliseTimestamp('2026-11-27T18:00:00Z')).toBe(Date.UTC(2026, 10, 27, 18));
    expect(normaliseTimestamp('2026-11-27T18:00:00.250-03:00')).toBe(Date.UTC(2026, 10, 27, 21, 0, 0, 250));
  });
  it('refuses what is not a time', () => {
    for (const v of [0, -5, Number.NaN, 'yesterday', '27/11/2026', true, null, {}]) expect(normaliseTimestamp(v)).toBeUndefined();
  });
});

describe('validateEvent', () => {
  it('accepts and normalises a course simulator record (seconds, delivery_id)', () => {
    const r = validateEvent({ ...good, timestamp: 1_795_800_000.5, status: 'PICKING_UP', delivery_id: 'delivery_7' }, 'x');
    expect(r).toEqual({ ok: true, event: { ...good, timestamp: 1_795_800_000_500, status: 'PICKING_UP', delivery_id: 'delivery_7' } });
  });
  it.each([
    [{ ...good, driver_id: undefined }, 'line 3: driver_id is missing'],
    [{ ...good, driver_id: '  ' }, 'line 3: driver_id is empty'],
    [{ ...good, driver_id: 100 }, 'line 3: driver_id must be a string, got number'],
    [{ ...good, latitude: 91 }, 'line 3: latitude 91 is out of range [-90, 90]'],
    [{ ...good, longitude: -180.5 }, 'line 3: longitude -180.5 is out of range [-180, 180]'],
    [{ ...good, latitude: '-23.5' }, 'line 3: latitude must be a finite number, got "-23.5"'],
    [{ ...good, timestamp: 'soon' }, 'line 3: timestamp "soon" is not epoch seconds'],
    [{ ...good, status: '' }, 'line 3: status must be a non-empty string'],
    [{ ...good, delivery_id: { id: 1 } }, 'line 3: delivery_id must be a string, got object'],
    [[1, 2], 'line 3: expected a JSON object, got an array'],
  ])('rejects %j naming the field', (raw, msg) => {
    const r = validateEvent(raw, 'line 3');
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toContain(msg);
  });
  it('drops a null delivery_id rather than storing "null"', () => {
    const r = validateEvent({ ...good, delivery_id: null }, 'x');
    expect(r.ok && 'delivery_id' in r.event).toBe(false);
  });
});

describe('parseLine', () => {
  it('classifies banners, blanks, bad JSON and events', () => {
    expect(parseLine('=== Delivery simulator: 50 drivers ===', 1)).toEqual({ kind: 'banner', message: 'stdin line 1: skipped non-JSON line "=== Delivery simulator: 50 drivers ==="' });
    expect(parseLine('   ', 2)).toEqual({ kind: 'blank' });
    expect(parseLine('{"driver_id": ', 3)).toMatchObject({ kind: 'invalid', error: expect.stringContaining('stdin line 3: bad JSON') });
    expect(parseLine(JSON.stringify(good), 4)).toEqual({ kind: 'event', event: good });
  });
});

describe('pipeNdjson', () => {
  it('sends every valid line, skips banners, reports each rejected line, and keeps going', async () => {
    const input = Readable.from([
      'Starting simulation with 2 drivers\n',
      `${JSON.stringify({ ...good, timestamp: 1_795_800_000 })}\n`,
      '{"driver_id":"driver_101","latitude":-23.5,"longitude":-46.6,"status":"DELIVERING"}\n',
      'not json at all\n',
      '{broken\n',
      `${JSON.stringify({ ...good, driver_id: 'driver_102', timestamp: 1_795_800_001 })}\n`,
    ]);
    const sent: LocationEvent[] = [];
    const warnings: string[] = [];
    const report = await pipeNdjson({ send: async (e) => (sent.push(e), QUEUED) }, input, (w) => warnings.push(w));
    expect(sent.map((e) => e.driver_id)).toEqual(['driver_100', 'driver_102']);
    expect(report).toMatchObject({ lines: 6, events: 2, skipped: 2 });
    expect(report.rejected).toEqual([expect.stringContaining('stdin line 3: timestamp is missing'), expect.stringContaining('stdin line 5: bad JSON')]);
    expect(warnings).toHaveLength(4);
  });
});

describe('pipeNdjson: how lines arrive', () => {
  it('splits lines across chunks: CRLF, a UTF-8 character cut between two Buffers, a last line without newline', async () => {
    const a = JSON.stringify({ ...good, driver_id: 'motorista_ção' });
    const b = JSON.stringify({ ...good, driver_id: 'driver_200' });
    const c = JSON.stringify({ ...good, driver_id: 'driver_300' });
    const bytes = Buffer.from(`${a}\r\n${b}\n\n${c}`);
    const cut = bytes.indexOf(Buffer.from('ç')) + 1; // inside the two bytes of ç
    const sent: string[] = [];
    const report = await pipeNdjson({ send: (e) => (sent.push(e.driver_id), QUEUED) }, Readable.from([bytes.subarray(0, cut), bytes.subarray(cut, cut + 40), bytes.subarray(cut + 40)]), () => {});
    expect(sent).toEqual(['motorista_ção', 'driver_200', 'driver_300']);
    expect(report).toMatchObject({ lines: 4, events: 3, rejected: [] });
  });

  it('waits when the sink says so, and keeps the order', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${JSON.stringify({ ...good, driver_id: `driver_${i}` })}\n`);
    const sent: string[] = [];
    let n = 0;
    // Every third event finds the buffer full: the sink answers with a promise.
    const sink = { send: (e: LocationEvent) => (sent.push(e.driver_id), ++n % 3 === 0 ? new Promise<SendOutcome>((r) => setTimeout(() => r(QUEUED), 1)) : QUEUED) };
    await pipeNdjson(sink, Readable.from([lines.join('')]), () => {});
    expect(sent).toEqual(lines.map((_, i) => `driver_${i}`));
  });

  it('stops reading at once on abort, even while no input arrives', async () => {
    const input = new Readable({ read() {} });
    input.push(`${JSON.stringify(good)}\n`);
    const ac = new AbortController();
    const sent: string[] = [];
    const done = pipeNdjson({ send: (e) => (sent.push(e.driver_id), QUEUED) }, input, () => {}, () => {}, ac.signal);
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    ac.abort();
    expect((await done).events).toBe(1);
    expect(sent).toEqual(['driver_100']);
    input.destroy();
  });
});

describe('Simulator', () => {
  it('is deterministic for a seed and visits every driver once per round', () => {
    let t = 1_795_800_000_000;
    const a = new Simulator({ drivers: 50, seed: 7, now: () => t });
    const b = new Simulator({ drivers: 50, seed: 7, now: () => t });
    const round = Array.from({ length: 50 }, () => a.next());
    expect(new Set(round.map((e) => e.driver_id)).size).toBe(50);
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(round);
    t += 1000;
    expect(a.next()).toEqual(b.next());
  });
  it('stays in São Paulo with valid statuses and strictly increasing timestamps per driver', () => {
    let t = 1_795_800_000_000;
    const sim = new Simulator({ drivers: 20, seed: 1, now: () => (t += 3) });
    const last = new Map<string, number>();
    // Collect violations and assert once: 35,000 expect() calls took seconds on a loaded machine.
    const bad: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const e = sim.next();
      const carries = e.status === 'PICKING_UP' || e.status === 'DELIVERING';
      const problems = [
        validateEvent(e, 'sim').ok ? '' : 'invalid',
        e.latitude >= SAO_PAULO.minLat && e.latitude <= SAO_PAULO.maxLat ? '' : 'latitude',
        e.longitude >= SAO_PAULO.minLon && e.longitude <= SAO_PAULO.maxLon ? '' : 'longitude',
        ['AVAILABLE', 'PICKING_UP', 'DELIVERING', 'OFFLINE'].includes(e.status) ? '' : 'status',
        carries === (typeof e.delivery_id === 'string') ? '' : 'delivery_id',
        e.timestamp > (last.get(e.driver_id) ?? 0) ? '' : 'timestamp',
      ].filter(Boolean);
      if (problems.length > 0) bad.push(`event ${i} ${JSON.stringify(e)}: ${problems.join(',')}`);
      last.set(e.driver_id, e.timestamp);
    }
    expect(bad).toEqual([]);
  });
  it('moves drivers at plausible speeds (under 60 km/h between updates)', () => {
    let t = 1_795_800_000_000;
    const sim = new Simulator({ drivers: 5, seed: 3, now: () => (t += 1000) });
    const prev = new Map<string, LocationEvent>();
    for (let i = 0; i < 500; i++) {
      const e = sim.next();
      const p = prev.get(e.driver_id);
      if (p) {
        const dy = (e.latitude - p.latitude) * 111_320;
        const dx = (e.longitude - p.longitude) * 111_320 * Math.cos((e.latitude * Math.PI) / 180);
        const kmh = (Math.hypot(dx, dy) / ((e.timestamp - p.timestamp) / 1000)) * 3.6;
        expect(kmh).toBeLessThan(60);
      }
      prev.set(e.driver_id, e);
    }
  });
});

describe('simulate', () => {
  it('stops at count and at the abort signal', async () => {
    const sim = new Simulator({ drivers: 3 });
    let n = 0;
    expect(await simulate({ send: async () => (n++, QUEUED) }, sim, { rate: 0, count: 25 })).toBe(25);
    const ac = new AbortController();
    const sent = await simulate({ send: async () => { if (++n >= 40) ac.abort(); return QUEUED; } }, sim, { rate: 0, signal: ac.signal });
    expect(sent).toBe(15);
  });
});

describe('Ledger', () => {
  it('keeps the newest event per driver and forgets deleted drivers', () => {
    const l = new Ledger();
    l.record({ ...good, timestamp: 2 });
    l.record({ ...good, timestamp: 1, status: 'OLD' });
    l.record({ ...good, driver_id: 'driver_2', timestamp: 5 });
    l.forget('driver_2');
    expect(l.entries()).toEqual([{ ...good, timestamp: 2 }]);
  });
});

describe('validateEvent: the future', () => {
  it('rejects a timestamp more than 5 minutes ahead (microseconds, far future), naming the line', () => {
    const now = 1_795_800_000_000;
    expect(validateEvent({ ...good, timestamp: now + 299_000 }, 'x', now).ok).toBe(true);
    const micro = validateEvent({ ...good, timestamp: 1_795_800_000_000_000 }, 'stdin line 4', now);
    expect(micro).toMatchObject({ ok: false, error: expect.stringMatching(/^stdin line 4: timestamp 1795800000000000 is \d+ s in the future \(at most 300 s ahead is accepted\)$/) });
    expect(validateEvent({ ...good, timestamp: now + 3_600_000 }, 'x', now).ok).toBe(false);
  });
});

describe('HighWaterMarks', () => {
  it('admits newer and equal timestamps, refuses older ones; raise never lowers', () => {
    const m = new HighWaterMarks();
    expect(m.admit('d1', 10)).toBe(true);
    expect(m.admit('d1', 10)).toBe(true);
    expect(m.admit('d1', 9)).toBe(false);
    expect(m.get('d1')).toBe(10);
    m.raise('d1', 5);
    expect(m.get('d1')).toBe(10);
    m.raise('d2', 7);
    expect(m.admit('d2', 6)).toBe(false);
    expect(m.admit('d2', 8)).toBe(true);
    expect(m.size).toBe(2);
  });
});

describe('BufferGate', () => {
  it('bounds events and bytes, wakes waiters in order, and reports empty', async () => {
    const g = new BufferGate(2, 100);
    expect(g.tryAcquire(10)).toBe(true);
    expect(g.tryAcquire(10)).toBe(true);
    expect(g.tryAcquire(10)).toBe(false);
    const order: number[] = [];
    const a = g.acquire(10).then(() => order.push(1));
    const b = g.acquire(10).then(() => order.push(2));
    g.release(1, 10);
    await a;
    expect(order).toEqual([1]);
    expect(g.tryAcquire(1)).toBe(false); // b waits first: no overtaking
    g.release(1, 10);
    await b;
    expect(order).toEqual([1, 2]);
    const empty = g.whenEmpty();
    g.release(2, 20);
    await empty;
    expect(g.held).toBe(0);
  });
  it('lets one oversized event through alone, and rejects waiters when failed', async () => {
    const g = new BufferGate(10, 100);
    expect(g.tryAcquire(500)).toBe(true);
    expect(g.tryAcquire(1)).toBe(false);
    const w = g.acquire(1);
    g.fail(new Error('gave up'));
    await expect(w).rejects.toThrow('gave up');
    expect(() => g.tryAcquire(1)).toThrow('gave up');
  });
});

describe('Lane', () => {
  const rec = (i: number, bytes = 10): Outgoing<number> => ({ key: `k${i}`, value: 'v', bytes, item: i });
  it('keeps one request in flight and sends what arrived meanwhile as the next batch, at once', async () => {
    const batches: number[][] = [];
    const acks: Array<() => void> = [];
    const lane = new Lane<number>({ maxEvents: 100, maxBytes: 1000, lingerMs: 0 }, (b) => {
      batches.push(b.map((o) => o.item));
      return new Promise<void>((r) => acks.push(r));
    }, () => {});
    lane.push(rec(1));
    expect(batches).toEqual([[1]]);
    lane.push(rec(2));
    lane.push(rec(3));
    expect(batches).toHaveLength(1); // in flight: coalesce
    (acks.shift() as () => void)();
    await Promise.resolve();
    await Promise.resolve();
    expect(batches).toEqual([[1], [2, 3]]);
  });
  it('sends records pushed together as one batch on an idle lane without linger', () => {
    const batches: number[][] = [];
    const lane = new Lane<number>({ maxEvents: 100, maxBytes: 1000, lingerMs: 0 }, (b) => {
      batches.push(b.map((o) => o.item));
      return new Promise<void>(() => {});
    }, () => {});
    lane.pushAll([rec(1), rec(2), rec(3)]);
    lane.pushAll([]);
    expect(batches).toEqual([[1, 2, 3]]);
  });
  it('lingers only when idle, and splits by events and bytes', async () => {
    const batches: number[][] = [];
    const lane = new Lane<number>({ maxEvents: 3, maxBytes: 25, lingerMs: 20 }, async (b) => void batches.push(b.map((o) => o.item)), () => {});
    lane.push(rec(1));
    lane.push(rec(2));
    expect(batches).toEqual([]);
    await new Promise((r) => setTimeout(r, 40));
    expect(batches).toEqual([[1, 2]]);
    for (let i = 3; i <= 7; i++) lane.push(rec(i));
    await new Promise((r) => setTimeout(r, 60));
    // 25 bytes hold two 10-byte records; order is kept across batches.
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(2);
  });
  it('applies the limits per group (partition) and keeps each group in order across requests', async () => {
    const batches: Array<Array<[number, number]>> = [];
    const acks: Array<() => void> = [];
    const lane = new Lane<number>({ maxEvents: 2, maxBytes: 1000, lingerMs: 0 }, (b) => {
      batches.push(b.map((o) => [o.group ?? -1, o.item]));
      return new Promise<void>((r) => acks.push(r));
    }, () => {});
    // Group 0 gets five records, group 1 two: the first request takes two of each.
    lane.pushAll([0, 1, 0, 0, 1, 0, 0].map((group, i) => ({ ...rec(i), group })));
    expect(batches).toEqual([[[0, 0], [1, 1], [0, 2], [1, 4]]]);
    for (let i = 0; i < 2; i++) {
      (acks.shift() as () => void)();
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(batches.slice(1)).toEqual([[[0, 3], [0, 5]], [[0, 6]]]);
  });
  it('reports a failed batch and discards the rest', async () => {
    let failed: Error | undefined;
    const lane = new Lane<number>({ maxEvents: 1, maxBytes: 100, lingerMs: 0 }, async () => {
      throw new Error('broker gone');
    }, (e) => (failed = e));
    lane.push(rec(1));
    lane.push(rec(2));
    await new Promise((r) => setTimeout(r, 0));
    expect(failed?.message).toBe('broker gone');
    expect(lane.discard()).toBe(1);
  });
});

describe('pipeNdjson: late lines', () => {
  it('reports a line older than one already sent, by line number', async () => {
    const marks = new HighWaterMarks();
    const input = Readable.from([
      `${JSON.stringify({ ...good, timestamp: 1_795_800_010 })}\n`,
      `${JSON.stringify({ ...good, timestamp: 1_795_800_005 })}\n`,
      `${JSON.stringify({ ...good, timestamp: 1_795_800_010, status: 'TIE' })}\n`,
    ]);
    const sink = {
      send: async (e: LocationEvent): Promise<SendOutcome> => (marks.admit(e.driver_id, e.timestamp) ? QUEUED : { kind: 'late', mark: marks.get(e.driver_id) as number }),
    };
    const report = await pipeNdjson(sink, input, () => {});
    expect(report.events).toBe(3);
    expect(report.late).toBe(1);
    expect(report.lateSamples).toEqual(['stdin line 2: late event for driver_100 (timestamp 1795800005000 is older than 1795800010000, already sent): not published to the compacted topic']);
  });
});

describe('LatencyHistogram', () => {
  it('gives exact percentiles to the ms and keeps the true max past its last bucket', () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toBeUndefined();
    for (let ms = 1; ms <= 100; ms++) h.record(ms);
    expect(h.quantile(0.5)).toBe(50);
    expect(h.quantile(0.99)).toBe(99);
    h.record(-3); // clock skew: counted as 0
    h.record(75_000.4);
    expect(h.summary()).toEqual({ p50: 50, p99: 100, max: 75_000, n: 102 });
    expect(h.quantile(1)).toBe(75_000.4);
  });
});

describe('validateEvent: field sizes', () => {
  it("refuses a text field over the sink's limit (UTF-8 bytes, as the sink counts), naming the field and the line, so a record always fits a Kafka batch", () => {
    const java = readFileSync(join(ROOT, 'connector', 'src', 'main', 'java', 'dev', 'rastro', 'connect', 'redis', 'RedisSinkConfig.java'), 'utf8');
    const [a, b] = /MAX_FIELD_BYTES_DEFAULT\s*=\s*(\d+)\s*\*\s*(\d+);/.exec(java)?.slice(1).map(Number) ?? [];
    expect(MAX_FIELD_BYTES).toBe((a as number) * (b as number));
    expect(validateEvent({ ...good, delivery_id: 'd'.repeat(MAX_FIELD_BYTES) }, 'x').ok).toBe(true);
    // 'ã' is two bytes in UTF-8: half the characters, over the limit.
    const wide = validateEvent({ ...good, driver_id: 'ã'.repeat(MAX_FIELD_BYTES / 2 + 1) }, 'stdin line 9');
    expect(wide).toEqual({ ok: false, error: `stdin line 9: driver_id is ${MAX_FIELD_BYTES + 2} bytes (at most ${MAX_FIELD_BYTES} are accepted)` });
    expect(validateEvent({ ...good, status: 'S'.repeat(MAX_FIELD_BYTES + 1) }, 'x')).toMatchObject({ ok: false, error: expect.stringContaining('status is') });
    expect(validateEvent({ ...good, delivery_id: 'd'.repeat(MAX_FIELD_BYTES + 1) }, 'x')).toMatchObject({ ok: false, error: expect.stringContaining('delivery_id is') });
    // The largest valid event still fits one batch with room.
    const largest = JSON.stringify({ ...good, driver_id: 'i'.repeat(MAX_FIELD_BYTES), status: 's'.repeat(MAX_FIELD_BYTES), delivery_id: 'd'.repeat(MAX_FIELD_BYTES) });
    expect(recordBytes('i'.repeat(MAX_FIELD_BYTES), largest)).toBeLessThan(MAX_BATCH_RECORD_BYTES / 2);
  });
});
