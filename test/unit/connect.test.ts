import { describe, expect, it } from 'vitest';
import { classifyStatus, configChanges, describeChange, StaleClock, type ConnectorStatus } from '../../scripts/lib/connect.ts';

const file = { 'connector.class': 'X', 'tasks.max': '3', 'redis.uri': '${env:RASTRO_REDIS_URI}' };

describe('configChanges (PUT only what changed)', () => {
  it('sees no change when Connect returns the file plus the name it adds, placeholders unresolved', () => {
    expect(configChanges(file, { ...file, name: 'redis-sink' }, 'redis-sink')).toEqual([]);
  });
  it('compares placeholders as text: a resolved value stored in their place is a change', () => {
    const changes = configChanges(file, { ...file, name: 'redis-sink', 'redis.uri': 'redis://127.0.0.1:16379' }, 'redis-sink');
    expect(changes).toEqual([{ key: 'redis.uri', from: 'redis://127.0.0.1:16379', to: '${env:RASTRO_REDIS_URI}' }]);
  });
  it('lists changed, added and removed keys', () => {
    const stored = { name: 'redis-sink', 'connector.class': 'X', 'tasks.max': '2', 'redis.uri': '${env:RASTRO_REDIS_URI}', 'errors.log.enable': 'true' };
    const changes = configChanges({ ...file, 'batch.size': '10' }, stored, 'redis-sink');
    expect(changes.map(describeChange)).toEqual(['batch.size: added (10)', 'errors.log.enable: removed (was true)', 'tasks.max: 2 → 3']);
  });
  it('treats a missing connector (nothing stored) as a change of every key', () => {
    expect(configChanges(file, {}, 'redis-sink').map((c) => c.key)).toEqual(['connector.class', 'name', 'redis.uri', 'tasks.max']);
  });
});

const status = (connector: string, ...tasks: string[]): ConnectorStatus => ({
  name: 'redis-sink',
  connector: { state: connector, worker_id: 'w' },
  tasks: tasks.map((state, id) => ({ id, state, worker_id: 'w' })),
});

describe('classifyStatus and StaleClock (stale UNASSIGNED recovery)', () => {
  it('classifies the states the readiness wait acts on', () => {
    expect(classifyStatus(status('RUNNING', 'RUNNING', 'RUNNING', 'RUNNING'), 3)).toBe('running');
    expect(classifyStatus(status('UNASSIGNED', 'RUNNING', 'RUNNING', 'RUNNING'), 3)).toBe('stale-unassigned');
    expect(classifyStatus(status('UNASSIGNED', 'RUNNING', 'UNASSIGNED', 'RUNNING'), 3)).toBe('starting');
    expect(classifyStatus(status('UNASSIGNED', 'RUNNING', 'RUNNING'), 3)).toBe('starting');
    expect(classifyStatus(status('RUNNING', 'RUNNING', 'FAILED', 'RUNNING'), 3)).toBe('failed');
    expect(classifyStatus(status('RUNNING'), 3)).toBe('starting');
  });
  it('counts only an uninterrupted stale stretch', () => {
    const c = new StaleClock();
    expect(c.observe('stale-unassigned', 1000)).toBe(0);
    expect(c.observe('stale-unassigned', 6000)).toBe(5000);
    expect(c.observe('starting', 7000)).toBe(0);
    expect(c.observe('stale-unassigned', 8000)).toBe(0);
    expect(c.observe('stale-unassigned', 9500)).toBe(1500);
    c.reset();
    expect(c.observe('stale-unassigned', 10_000)).toBe(0);
  });
});
