import { describe, expect, it } from 'vitest';
import { SAO_PAULO } from '../../shared/city.ts';
import { cityPoints } from '../../scripts/lib/bench/nearest.ts';

describe('cityPoints (the nearest-query bench asks the same questions every run)', () => {
  it('is deterministic, inside the simulated city, and spread over it', () => {
    const a = cityPoints(1000);
    expect(cityPoints(1000)).toEqual(a);
    expect(cityPoints(1000, 8)).not.toEqual(a);
    for (const p of a) {
      expect(p.lat).toBeGreaterThanOrEqual(SAO_PAULO.minLat);
      expect(p.lat).toBeLessThanOrEqual(SAO_PAULO.maxLat);
      expect(p.lon).toBeGreaterThanOrEqual(SAO_PAULO.minLon);
      expect(p.lon).toBeLessThanOrEqual(SAO_PAULO.maxLon);
    }
    // Both halves of the city in both directions get questions.
    const midLat = (SAO_PAULO.minLat + SAO_PAULO.maxLat) / 2;
    const midLon = (SAO_PAULO.minLon + SAO_PAULO.maxLon) / 2;
    const north = a.filter((p) => p.lat > midLat).length;
    const east = a.filter((p) => p.lon > midLon).length;
    expect(north).toBeGreaterThan(400);
    expect(east).toBeGreaterThan(400);
  });
});
