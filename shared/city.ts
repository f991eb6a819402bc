import { saoPauloLand } from './geo/sao-paulo.ts';

/** The municipality of São Paulo's extent, from the shipped basemap: the map's bounds and the simulator's. */
export const SAO_PAULO = saoPauloLand().bounds;

/** Praça da Sé, the city's "marco zero": where the demo asks for the nearest drivers. */
export const CITY_CENTRE = { lat: -23.5503, lon: -46.6339 } as const;
