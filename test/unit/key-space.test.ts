import { describe, expect, it } from 'vitest';
import calculateSlot from 'cluster-key-slot';
import { bucketTag, KeySpace, SLOTS } from '../../shared/key-space.ts';
import { loadStack } from '../../shared/stack.ts';

const cluster = new KeySpace('driver:', 'tombstone:', 'drivers:geo', 'sink-offsets:redis-sink', 16);

describe('the key space the sink writes and the readers read', () => {
  it('computes the same buckets and tags as the sink (KeySpaceTest.java has these vectors)', () => {
    expect(cluster.tags).toEqual(['0.13', '1.10', '2.3', '3.0', '4.63', '5.60', '6.43', '7.40', '8.20', '9.23', '10.40', '11.43', '12.1', '13.2', '14.23', '15.20']);
    expect(cluster.hashKey('driver_7')).toBe('driver:{12.1}:driver_7');
    expect(cluster.hashKey('d-0')).toBe('driver:{13.2}:d-0');
    expect(cluster.hashKey('motorista-ç')).toBe('driver:{8.20}:motorista-ç');
    expect(bucketTag(3, 1024)).toBe('3.85');
  });

  it("puts a driver's hash, its bucket's GEO set and offsets hash in one slot", () => {
    for (const id of ['driver_7', 'd-0', 'x']) {
      const b = cluster.bucketOf(id) as number;
      const slot = calculateSlot(cluster.hashKey(id));
      expect(calculateSlot(cluster.geoSets()[b]?.geoKey as string)).toBe(slot);
      expect(calculateSlot(cluster.offsetsKeys()[b] as string)).toBe(slot);
      expect(Math.floor((slot * 16) / SLOTS)).toBe(b);
      expect(cluster.hashKey(id).startsWith(cluster.geoSets()[b]?.hashPrefix as string)).toBe(true);
      expect(cluster.idOf(cluster.hashKey(id))).toBe(id);
    }
    expect(cluster.idOf('driver:7')).toBeUndefined();
  });

  it('is the plain key space on one Redis', () => {
    const single = new KeySpace('driver:', 'tombstone:', 'drivers:geo', 'sink-offsets:redis-sink', 0);
    expect(single.hashKey('7')).toBe('driver:7');
    expect(single.idOf('driver:7')).toBe('7');
    expect(single.geoSets()).toEqual([{ geoKey: 'drivers:geo', hashPrefix: 'driver:' }]);
    expect(single.offsetsKeys()).toEqual(['sink-offsets:redis-sink']);
  });

  it('takes REDIS_MODE from the environment before stack.env, and refuses anything else', () => {
    const saved = process.env.REDIS_MODE;
    try {
      delete process.env.REDIS_MODE;
      expect(loadStack().redis).toMatchObject({ mode: 'single', buckets: 0 });
      expect(loadStack().vars.get('REDIS_SINK_BUCKETS')).toBe('0');
      process.env.REDIS_MODE = 'cluster';
      const stack = loadStack({ portOffset: 5000 });
      expect(stack.redis.mode).toBe('cluster');
      expect(stack.redis.buckets).toBe(16);
      expect(stack.redis.nodePorts).toEqual([0, 1, 2, 3, 4, 5].map((i) => stack.ports.redis + i));
      expect(stack.redis.busPorts[0]).toBe(stack.ports.redis + 100);
      expect(stack.vars.get('REDIS_SINK_BUCKETS')).toBe('16');
      expect(KeySpace.of(stack).clustered).toBe(true);
      process.env.REDIS_MODE = 'sentinel';
      expect(() => loadStack()).toThrow(/REDIS_MODE=sentinel \(environment\) is neither single nor cluster/);
    } finally {
      if (saved === undefined) delete process.env.REDIS_MODE;
      else process.env.REDIS_MODE = saved;
    }
  });
});
