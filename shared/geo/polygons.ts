/**
 * Point-in-polygon for the simulator's hot path (thousands of tests a second against a few thousand
 * vertices). Kept here rather than taken from turf: @turf/boolean-point-in-polygon walks every edge of
 * the polygon on each call; this indexes the edges by latitude band once, so a test reads only the
 * few edges that cross its band. Its answers are checked against turf's in test/unit/geo.test.ts.
 */

/** GeoJSON position order: [longitude, latitude]. */
export type Position = [number, number];
/** A closed ring (first position repeated last, as GeoJSON writes it, or not: both are read). */
export type Ring = Position[];

export interface Bounds {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/**
 * One area made of rings, by the even-odd rule: a point is inside when a ray from it crosses the
 * rings an odd number of times. That is a polygon with its holes, or several polygons that do not
 * overlap (the parts of a MultiPolygon).
 */
export class Area {
  readonly bounds: Bounds;
  private readonly bandHeight: number;
  private readonly bandCount: number;
  /** Per latitude band: the edges that reach into it, 4 numbers each (lon1, lat1, lon2, lat2). */
  private readonly bands: Float64Array[];

  constructor(rings: readonly Ring[], bandCount = 512) {
    const all = rings.flat();
    if (all.length < 3) throw new Error('polygon area: needs at least one ring of 3 positions');
    this.bounds = {
      minLat: Math.min(...all.map((p) => p[1])),
      maxLat: Math.max(...all.map((p) => p[1])),
      minLon: Math.min(...all.map((p) => p[0])),
      maxLon: Math.max(...all.map((p) => p[0])),
    };
    this.bandCount = bandCount;
    this.bandHeight = (this.bounds.maxLat - this.bounds.minLat) / bandCount || 1;
    const lists: number[][] = Array.from({ length: bandCount }, () => []);
    for (const ring of rings) {
      for (let i = 0; i < ring.length; i++) {
        const a = ring[i] as Position;
        const b = ring[(i + 1) % ring.length] as Position;
        if (a[1] === b[1] && a[0] === b[0]) continue;
        const first = this.band(Math.min(a[1], b[1]));
        const last = this.band(Math.max(a[1], b[1]));
        for (let k = first; k <= last; k++) (lists[k] as number[]).push(a[0], a[1], b[0], b[1]);
      }
    }
    this.bands = lists.map((l) => Float64Array.from(l));
  }

  private band(lat: number): number {
    return Math.min(this.bandCount - 1, Math.max(0, Math.floor((lat - this.bounds.minLat) / this.bandHeight)));
  }

  /** Whether (lat, lon) lies inside: a ray to the east crosses the rings an odd number of times. */
  contains(lat: number, lon: number): boolean {
    const b = this.bounds;
    if (lat < b.minLat || lat > b.maxLat || lon < b.minLon || lon > b.maxLon) return false;
    const edges = this.bands[this.band(lat)] as Float64Array;
    let inside = false;
    for (let i = 0; i < edges.length; i += 4) {
      const x1 = edges[i] as number;
      const y1 = edges[i + 1] as number;
      const x2 = edges[i + 2] as number;
      const y2 = edges[i + 3] as number;
      // Half-open in latitude, so a ray through a shared vertex counts exactly one of its two edges.
      if (y1 > lat !== y2 > lat && lon < x1 + ((lat - y1) * (x2 - x1)) / (y2 - y1)) inside = !inside;
    }
    return inside;
  }
}

interface Geometry {
  type: string;
  coordinates: unknown;
}

/** The rings of a GeoJSON Polygon or MultiPolygon (anything else is an error naming `what`). */
export function ringsOf(geometry: Geometry, what: string): Ring[] {
  if (geometry.type === 'Polygon') return geometry.coordinates as Ring[];
  if (geometry.type === 'MultiPolygon') return (geometry.coordinates as Ring[][]).flat();
  throw new Error(`${what}: geometry ${geometry.type} is not a Polygon or MultiPolygon`);
}
