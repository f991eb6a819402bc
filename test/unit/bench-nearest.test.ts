import { describe, expect, it } from 'vitest';
import { CITY_CENTRE } from '../../shared/city.ts';
import { saoPauloLand } from '../../shared/geo/sao-paulo.ts';
import { cityPoints } from '../../scripts/lib/bench/nearest.ts';

describe('cityPoints (the nearest-query bench asks the same questions every run)', () => {
  it('is deterministic, on the simulated city\'s land, and spread over it', () => {
    const a = cityPoints(1000);
    expect(cityPoints(1000)).toEqual(a);
    expect(cityPoints(1000, 8)).not.toEqual(a);
    // Rounded to 5 decimals (~1 m): a point drawn right at the shore may round just off it.
    const land = saoPauloLand();
    expect(a.filter((p) => land.isLand(p.lat, p.lon)).length).toBeGreaterThanOrEqual(995);
    // Every quarter around the city centre gets questions.
    const north = a.filter((p) => p.lat > CITY_CENTRE.lat).length;
    const east = a.filter((p) => p.lon > CITY_CENTRE.lon).length;
    for (const n of [north, 1000 - north, east, 1000 - east]) expect(n).toBeGreaterThan(200);
  });
});
