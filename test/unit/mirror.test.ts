import { describe, expect, it } from 'vitest';
import { compareMirror, lostUpdates, type RedisState } from '../../scripts/lib/mirror-check.ts';
import { applyRecord, emptyFold, eventTimestamp } from '../../scripts/lib/topic-fold.ts';

const ev = (id: string, ts: number, extra: Record<string, unknown> = {}) => ({ driver_id: id, latitude: -23.5, longitude: -46.6, timestamp: ts, status: 'AVAILABLE', ...extra });
const hash = (id: string, ts: number, extra: Record<string, string> = {}) => ({ driver_id: id, latitude: '-23.5', longitude: '-46.6', timestamp: String(ts), status: 'AVAILABLE', ...extra });

describe('applyRecord (topic fold)', () => {
  const T = 1_700_000_000_000;
  const rules = { now: T + 60_000 };
  it('keeps the newest value per key, deletes on tombstones, counts what the sink rejects', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 1)), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 2)), T, rules);
    applyRecord(r, 'b', JSON.stringify(ev('b', T + 1)), T, rules);
    applyRecord(r, 'b', null, T + 1, rules);
    applyRecord(r, 'c', 'not json', T, rules);
    applyRecord(r, null, '{}', T, rules);
    expect([...r.fold.keys()]).toEqual(['a']);
    expect(r.fold.get('a')?.timestamp).toBe(T + 2);
    expect(r).toMatchObject({ records: 6, tombstones: 1, unreadable: 2, superseded: 0 });
  });
  it('never lets an older event replace a newer one (as the sink does), equal timestamps do', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 20, { status: 'NEW' })), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 10, { status: 'OLD' })), T, rules);
    expect(r.fold.get('a')?.status).toBe('NEW');
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 20, { status: 'SAME_TIME' })), T, rules);
    expect(r.fold.get('a')?.status).toBe('SAME_TIME');
    expect(r.superseded).toBe(1);
  });
  it('ignores records the sink sends to the DLQ, keeping the previous value', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 5)), T, rules);
    applyRecord(r, 'a', JSON.stringify({ driver_id: 'a', status: 'NO_TS' }), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 9, { timestamp: '2023-11-14' })), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 9, { timestamp: -1 })), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('other', T + 9)), T, rules);
    applyRecord(r, 'a', '[1,2]', T, rules);
    applyRecord(r, 'a', null, undefined, rules); // a tombstone without a Kafka timestamp
    expect(r.fold.get('a')?.timestamp).toBe(T + 5);
    expect(r.unreadable).toBe(6);
  });
  it('reads epoch seconds as the sink does: below 1e11 they are multiplied by 1000', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', 1_700_000_010)), T, rules);
    expect(r.fold.get('a')?.timestamp).toBe(1_700_000_010_000);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 5_000, { status: 'EARLIER' })), T, rules);
    expect(r.fold.get('a')?.status).toBe('AVAILABLE');
    applyRecord(r, 'b', JSON.stringify(ev('b', 0, { timestamp: '1700000000.5' })), T, rules);
    expect(r.fold.get('b')?.timestamp).toBe(1_700_000_000_500);
    expect(eventTimestamp({ t: 1.5 }, 't')).toBe(1500);
    expect(eventTimestamp({ t: 1_700_000_000_000.5 }, 't')).toBe(1_700_000_000_001);
    for (const bad of [0, -5, '-5', ' 12', '1e12', 'inf', 2 ** 54, Number.NaN, null]) expect(eventTimestamp({ t: bad }, 't')).toBeUndefined();
  });
  it('rejects times more than a day ahead of the Kafka timestamp (or now, if earlier), as the sink does', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T)), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', 1_700_000_000_000_000)), T, rules); // microseconds
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 86_400_001)), T, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', rules.now + 2 * 86_400_000)), rules.now + 3 * 86_400_000, rules);
    expect(r.unreadable).toBe(3);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 86_400_000)), T, rules);
    expect(r.fold.get('a')?.timestamp).toBe(T + 86_400_000);
    applyRecord(r, 'b', null, rules.now + 86_400_001, rules); // a tombstone from the far future
    expect(r.unreadable).toBe(4);
  });
  it('rejects values with too many or too large fields, as the sink does', () => {
    const r = emptyFold();
    const many = Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`f${i}`, i]));
    applyRecord(r, 'a', JSON.stringify(ev('a', T, many)), T, rules);
    expect(r.unreadable).toBe(1);
    applyRecord(r, 'b', JSON.stringify(ev('b', T, { note: 'x'.repeat(65_537) })), T, rules);
    expect(r.unreadable).toBe(2);
    applyRecord(r, 'c', JSON.stringify(ev('c', T, { note: 'x'.repeat(65_536) })), T, rules);
    expect(r.fold.has('c')).toBe(true);
  });
  it('guards tombstones: an older tombstone is ignored, a late location no newer than the tombstone stays out', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 100)), T, rules);
    applyRecord(r, 'a', null, T + 99, rules);
    expect(r.fold.has('a')).toBe(true);
    applyRecord(r, 'a', null, T + 100, rules);
    expect(r.fold.has('a')).toBe(false);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 50)), T + 200, rules);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 100)), T + 200, rules);
    expect(r.fold.has('a')).toBe(false);
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 101)), T + 200, rules);
    expect(r.fold.get('a')?.timestamp).toBe(T + 101);
    expect(r).toMatchObject({ tombstones: 1, superseded: 3 });
    // Without markers (redis.tombstone.guard.ms=0) the late location comes back.
    const off = emptyFold();
    applyRecord(off, 'a', JSON.stringify(ev('a', T)), T, { ...rules, tombstoneGuard: false });
    applyRecord(off, 'a', null, T + 100, { ...rules, tombstoneGuard: false });
    applyRecord(off, 'a', JSON.stringify(ev('a', T + 50)), T + 200, { ...rules, tombstoneGuard: false });
    expect(off.fold.has('a')).toBe(true);
  });
});

describe('compareMirror', () => {
  const fold = new Map<string, Record<string, unknown>>([
    ['a', ev('a', 10)],
    ['b', ev('b', 20, { delivery_id: 'delivery_1' })],
    ['c', ev('c', 30)],
    ['d', ev('d', 40)],
  ]);
  it('passes when every driver matches field by field (numbers by value)', () => {
    const redis: RedisState = new Map([
      ['driver:a', hash('a', 10)],
      ['driver:b', hash('b', 20, { delivery_id: 'delivery_1', latitude: '-23.50' })],
      ['driver:c', hash('c', 30)],
      ['driver:d', hash('d', 40)],
    ]);
    expect(compareMirror(fold, redis, 'driver:')).toEqual({ expected: 4, inRedis: 4, matching: 4, differences: [] });
  });
  it('reports missing, stale, mismatched, extra and duplicate records', () => {
    const redis: RedisState = new Map([
      ['driver:b', hash('b', 19, { delivery_id: 'delivery_1' })],
      ['driver:c', hash('c', 30, { status: 'OFFLINE' })],
      ['driver:d', hash('d', 40, { delivery_id: 'stale-field' })],
      ['driver:zombie', hash('zombie', 1)],
      ['driver:d2', hash('d', 40)],
    ]);
    const r = compareMirror(fold, redis, 'driver:');
    const kinds = r.differences.map((d) => `${d.kind}:${d.driver}`).sort();
    expect(kinds).toEqual(['duplicate:d', 'extra:d2', 'extra:zombie', 'mismatch:c', 'mismatch:d', 'missing:a', 'stale:b']);
    expect(r.matching).toBe(0);
    expect(r.differences.find((d) => d.driver === 'c')?.detail).toBe('status: want AVAILABLE, got OFFLINE');
    expect(r.differences.find((d) => d.driver === 'd' && d.kind === 'mismatch')?.detail).toBe('delivery_id: not in the topic');
  });
});

describe('compareMirror: a regressed topic', () => {
  const T = 1_795_800_000_000;
  it('names a late last record as "topic regressed", before and after compaction removed the newer one', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 20, { status: 'NEW' })));
    applyRecord(r, 'a', JSON.stringify(ev('a', T + 10, { status: 'OLD' })));
    applyRecord(r, 'b', JSON.stringify(ev('b', T + 5)));
    expect(r.last).toEqual(new Map([['a', T + 10], ['b', T + 5]]));
    const redis: RedisState = new Map([['driver:a', hash('a', T + 20, { status: 'NEW' })], ['driver:b', hash('b', T + 5)]]);
    const before = compareMirror(r.fold, redis, 'driver:', r.last);
    expect(before.differences).toEqual([{ driver: 'a', kind: 'regressed', detail: `topic regressed: a late event is the last record for this key (last record's timestamp ${T + 10}, newest known ${T + 20}, Redis ${T + 20})` }]);
    // After compaction only the late record is left: the fold holds it, Redis is newer.
    const compacted = emptyFold();
    applyRecord(compacted, 'a', JSON.stringify(ev('a', T + 10, { status: 'OLD' })));
    const after = compareMirror(compacted.fold, new Map([['driver:a', hash('a', T + 20, { status: 'NEW' })]]), 'driver:', compacted.last);
    expect(after.differences.map((d) => d.kind)).toEqual(['regressed']);
    // A tombstone clears the key's last record.
    applyRecord(r, 'a', null, T + 30);
    expect(r.last.has('a')).toBe(false);
  });
});

describe('lostUpdates', () => {
  it('flags acknowledged events that are absent or older in Redis, tolerates newer', () => {
    const redis: RedisState = new Map([['driver:a', hash('a', 10)], ['driver:b', hash('b', 5)], ['driver:c', hash('c', 99)]]);
    const lost = lostUpdates([ev('a', 10), ev('b', 6), ev('c', 50), ev('x', 1)], redis, 'driver:');
    expect(lost.map((d) => `${d.kind}:${d.driver}`)).toEqual(['stale:b', 'missing:x']);
  });
});
