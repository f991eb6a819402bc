import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ASSUMPTIONS, computeScale, planSize, renderScale, SCALE_MARKERS, SCALE_MD, type SizePlan } from '../../docs/scale.ts';
import { blockText, extractBlock } from '../../shared/generated-block.ts';

const r = computeScale(ASSUMPTIONS);

describe('the tracking pipeline capacity model (docs/scale.ts)', () => {
  it('plans 10k, 100k and 1M drivers at one update every 4 s, with the burst on top', () => {
    expect(r.sizes.map((s) => s.eventsPerSecond)).toEqual([2_500, 25_000, 250_000]);
    expect(r.sizes.map((s) => s.peakEventsPerSecond)).toEqual([7_500, 75_000, 750_000]);
  });

  it('uses measured inputs, not placeholders', () => {
    const m = ASSUMPTIONS.measured;
    for (const v of [m.brokerMicrosPerEvent, m.connectMicrosPerWrite, m.redisMicrosPerWrite, m.appMicrosPerRequest, m.redisMicrosPerRequest]) expect(v).toBeGreaterThan(0);
    expect(m.run).toMatch(/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-bench$/);
  });

  it('recomputes every size by hand: cores, brokers, partitions, shards, memory, network', () => {
    const a = ASSUMPTIONS;
    const m = a.measured;
    for (const s of r.sizes) {
      const peak = (s.drivers / a.updateIntervalS) * a.burstFactor;
      expect(s.cores.brokers).toBeCloseTo((peak * m.brokerMicrosPerEvent * a.tlsFactor) / 1e6, 9);
      expect(s.cores.connect).toBeCloseTo((peak * m.connectMicrosPerWrite) / 1e6, 9);
      const nearest = (s.drivers * a.nearestPerDriverPerHour) / 3600;
      expect(s.cores.redis).toBeCloseTo((peak * m.redisMicrosPerWrite + nearest * m.redisMicrosPerRequest) / 1e6, 9);
      expect(s.brokers).toBeGreaterThanOrEqual(3);
      expect(s.brokers * a.node.cores * a.plannedLoad).toBeGreaterThanOrEqual(s.cores.brokers);
      expect(s.partitions % s.brokers).toBe(0);
      expect(s.partitions).toBeGreaterThanOrEqual(a.partitionsMin);
      // No partition carries more than the planned share of one sink thread.
      expect((peak / s.partitions) * m.connectMicrosPerWrite).toBeLessThanOrEqual(a.plannedLoad * 1e6);
      expect(s.redisShards * a.plannedLoad).toBeGreaterThanOrEqual(s.cores.redis);
      expect(s.redisMemoryMB).toBeCloseTo((s.drivers * m.redisBytesPerDriver) / 1e6, 9);
      expect(s.networkMBps.replication).toBeCloseTo(s.networkMBps.produce * (a.replicationFactor - 1), 9);
    }
  });

  it('grows with the fleet and never shrinks a resource', () => {
    for (let i = 1; i < r.sizes.length; i++) {
      const [a, b] = [r.sizes[i - 1] as SizePlan, r.sizes[i] as SizePlan];
      expect(b.brokers).toBeGreaterThanOrEqual(a.brokers);
      expect(b.partitions).toBeGreaterThanOrEqual(a.partitions);
      expect(b.redisShards).toBeGreaterThanOrEqual(a.redisShards);
      expect(b.cores.total).toBeCloseTo(a.cores.total * (b.drivers / a.drivers), 6);
    }
  });

  it('names where this machine ends: the first resource to run out, and the fleet it carries', () => {
    const { here } = r;
    expect(here.drivers).toBe(Math.min(here.cpuDrivers, here.memoryDrivers));
    expect(here.first).toBe(here.cpuDrivers <= here.memoryDrivers ? 'CPU' : 'memory');
    // At that fleet the first resource is used up to its planned share, and one driver more exceeds it.
    const at = planSize(ASSUMPTIONS, here.drivers);
    const over = planSize(ASSUMPTIONS, here.drivers + 1_000);
    if (here.first === 'CPU') {
      expect(at.cores.total).toBeLessThanOrEqual(ASSUMPTIONS.here.cores * ASSUMPTIONS.plannedLoad);
      expect(over.fitsHere).toBe(false);
    }
    expect(r.sizes[0]?.fitsHere).toBe(true);
    expect(r.sizes.at(-1)?.fitsHere).toBe(false);
  });

  it('docs/scale.md holds exactly what the model renders', () => {
    // On failure: npx tsx docs/scale.ts --write
    expect(extractBlock(readFileSync(SCALE_MD, 'utf8'), SCALE_MARKERS)).toBe(blockText(renderScale(r)));
  });
});
