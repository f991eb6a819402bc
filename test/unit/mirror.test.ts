import { describe, expect, it } from 'vitest';
import { compareMirror, lostUpdates, type RedisState } from '../../scripts/lib/mirror-check.ts';
import { applyRecord, emptyFold } from '../../scripts/lib/topic-fold.ts';

const ev = (id: string, ts: number, extra: Record<string, unknown> = {}) => ({ driver_id: id, latitude: -23.5, longitude: -46.6, timestamp: ts, status: 'AVAILABLE', ...extra });
const hash = (id: string, ts: number, extra: Record<string, string> = {}) => ({ driver_id: id, latitude: '-23.5', longitude: '-46.6', timestamp: String(ts), status: 'AVAILABLE', ...extra });

describe('applyRecord (topic fold)', () => {
  it('keeps the newest value per key, deletes on tombstones, counts what the sink rejects', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', 1)));
    applyRecord(r, 'a', JSON.stringify(ev('a', 2)));
    applyRecord(r, 'b', JSON.stringify(ev('b', 1)));
    applyRecord(r, 'b', null);
    applyRecord(r, 'c', 'not json');
    applyRecord(r, null, '{}');
    expect([...r.fold.keys()]).toEqual(['a']);
    expect(r.fold.get('a')?.timestamp).toBe(2);
    expect(r).toMatchObject({ records: 6, tombstones: 1, unreadable: 2, superseded: 0 });
  });
  it('never lets an older event replace a newer one (as the sink does), equal timestamps do', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', 20, { status: 'NEW' })));
    applyRecord(r, 'a', JSON.stringify(ev('a', 10, { status: 'OLD' })));
    expect(r.fold.get('a')?.status).toBe('NEW');
    applyRecord(r, 'a', JSON.stringify(ev('a', 20, { status: 'SAME_TIME' })));
    expect(r.fold.get('a')?.status).toBe('SAME_TIME');
    expect(r.superseded).toBe(1);
  });
  it('ignores records the sink sends to the DLQ, keeping the previous value', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', 5)));
    applyRecord(r, 'a', JSON.stringify({ driver_id: 'a', status: 'NO_TS' }));
    applyRecord(r, 'a', JSON.stringify(ev('a', 9, { timestamp: 9.5 })));
    applyRecord(r, 'a', JSON.stringify(ev('other', 9)));
    applyRecord(r, 'a', '[1,2]');
    expect(r.fold.get('a')?.timestamp).toBe(5);
    expect(r.unreadable).toBe(4);
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
  it('names a late last record as "topic regressed", before and after compaction removed the newer one', () => {
    const r = emptyFold();
    applyRecord(r, 'a', JSON.stringify(ev('a', 20, { status: 'NEW' })));
    applyRecord(r, 'a', JSON.stringify(ev('a', 10, { status: 'OLD' })));
    applyRecord(r, 'b', JSON.stringify(ev('b', 5)));
    expect(r.last).toEqual(new Map([['a', 10], ['b', 5]]));
    const redis: RedisState = new Map([['driver:a', hash('a', 20, { status: 'NEW' })], ['driver:b', hash('b', 5)]]);
    const before = compareMirror(r.fold, redis, 'driver:', r.last);
    expect(before.differences).toEqual([{ driver: 'a', kind: 'regressed', detail: "topic regressed: a late event is the last record for this key (last record's timestamp 10, newest known 20, Redis 20)" }]);
    // After compaction only the late record is left: the fold holds it, Redis is newer.
    const compacted = emptyFold();
    applyRecord(compacted, 'a', JSON.stringify(ev('a', 10, { status: 'OLD' })));
    const after = compareMirror(compacted.fold, new Map([['driver:a', hash('a', 20, { status: 'NEW' })]]), 'driver:', compacted.last);
    expect(after.differences.map((d) => d.kind)).toEqual(['regressed']);
    // A tombstone clears the key's last record.
    applyRecord(r, 'a', null);
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
