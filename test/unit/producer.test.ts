import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { normaliseTimestamp, validateEvent, type LocationEvent } from '../../producer/src/event.ts';
import { Ledger } from '../../producer/src/ledger.ts';
import { parseLine } from '../../producer/src/ndjson.ts';
import { pipeNdjson, simulate } from '../../producer/src/run.ts';
import { SAO_PAULO, Simulator } from '../../producer/src/simulator.ts';

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
    const report = await pipeNdjson({ send: async (e) => void sent.push(e) }, input, (w) => warnings.push(w));
    expect(sent.map((e) => e.driver_id)).toEqual(['driver_100', 'driver_102']);
    expect(report).toMatchObject({ lines: 6, events: 2, skipped: 2 });
    expect(report.rejected).toEqual([expect.stringContaining('stdin line 3: timestamp is missing'), expect.stringContaining('stdin line 5: bad JSON')]);
    expect(warnings).toHaveLength(4);
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
    for (let i = 0; i < 5000; i++) {
      const e = sim.next();
      expect(validateEvent(e, 'sim').ok).toBe(true);
      expect(e.latitude).toBeGreaterThanOrEqual(SAO_PAULO.minLat);
      expect(e.latitude).toBeLessThanOrEqual(SAO_PAULO.maxLat);
      expect(e.longitude).toBeGreaterThanOrEqual(SAO_PAULO.minLon);
      expect(e.longitude).toBeLessThanOrEqual(SAO_PAULO.maxLon);
      expect(['AVAILABLE', 'PICKING_UP', 'DELIVERING', 'OFFLINE']).toContain(e.status);
      expect(e.status === 'PICKING_UP' || e.status === 'DELIVERING' ? typeof e.delivery_id : 'none').toBe(e.status === 'PICKING_UP' || e.status === 'DELIVERING' ? 'string' : 'none');
      expect(e.timestamp).toBeGreaterThan(last.get(e.driver_id) ?? 0);
      last.set(e.driver_id, e.timestamp);
    }
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
    expect(await simulate({ send: async () => void n++ }, sim, { rate: 0, count: 25 })).toBe(25);
    const ac = new AbortController();
    const sent = await simulate({ send: async () => { if (++n >= 40) ac.abort(); } }, sim, { rate: 0, signal: ac.signal });
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
