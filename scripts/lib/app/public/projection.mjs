// @ts-check
// Pure geometry of the live map, shared by the page (browser module) and the unit tests.

/** @typedef {{ minLat: number, maxLat: number, minLon: number, maxLon: number }} Bounds */

/**
 * Equirectangular projection of `bounds` onto a `width`-wide picture, x scaled by cos(mid latitude)
 * so that a kilometre is as long east–west as north–south (good enough for a city).
 * @param {Bounds} bounds
 * @param {number} width
 */
export function projection(bounds, width) {
  const midLat = ((bounds.minLat + bounds.maxLat) / 2) * (Math.PI / 180);
  const k = width / ((bounds.maxLon - bounds.minLon) * Math.cos(midLat));
  const kx = k * Math.cos(midLat);
  return {
    width,
    height: (bounds.maxLat - bounds.minLat) * k,
    /** @param {number} lon */
    x: (lon) => (lon - bounds.minLon) * kx,
    /** @param {number} lat */
    y: (lat) => (bounds.maxLat - lat) * k,
    /** @param {number} x */
    lon: (x) => bounds.minLon + x / kx,
    /** @param {number} y */
    lat: (y) => bounds.maxLat - y / k,
    /** @param {number} lat @param {number} lon */
    inside: (lat, lon) => lat >= bounds.minLat && lat <= bounds.maxLat && lon >= bounds.minLon && lon <= bounds.maxLon,
  };
}

/**
 * Grid values: every multiple of `step` within [min, max], without floating-point dust.
 * @param {number} min @param {number} max @param {number} step
 * @returns {number[]}
 */
export function gridValues(min, max, step) {
  const out = [];
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + 1e-9; i++) out.push(Math.round(i * step * 1e6) / 1e6 + 0); // + 0: no -0 (a "-0.00°" label)
  return out;
}
