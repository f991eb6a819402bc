/** Greater São Paulo, roughly: the simulated drivers turn back at the edges, the map and the nearest-driver bench cover it. */
export const SAO_PAULO = { minLat: -23.75, maxLat: -23.35, minLon: -46.85, maxLon: -46.35 } as const;
