import { saoPauloLand } from '../../../shared/geo/sao-paulo.ts';

export interface NearestLoad {
  /** Requests answered 200, their latencies (ms) and how many drivers each listed. */
  latencies: number[];
  listed: number[];
  errors: string[];
  ms: number;
}

/** Deterministic points on the simulator's land (xorshift), so two runs ask the same questions where drivers can be. */
export function cityPoints(n: number, seed = 7): Array<{ lat: number; lon: number }> {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const land = saoPauloLand();
  return Array.from({ length: n }, () => {
    const p = land.randomPoint(next);
    return { lat: Number(p.lat.toFixed(5)), lon: Number(p.lon.toFixed(5)) };
  });
}

/**
 * GET /drivers/nearest from `concurrency` clients at once until `requests` are done, as the
 * delivery app's servers would ask it: each client sends its next request when its last answer
 * arrived. Latency is measured per request, from send to the whole body parsed.
 */
export async function loadNearest(appUrl: string, o: { requests: number; concurrency: number; radiusKm: number; limit: number; headers?: Record<string, string> }): Promise<NearestLoad> {
  const points = cityPoints(o.requests);
  const out: NearestLoad = { latencies: [], listed: [], errors: [], ms: 0 };
  let next = 0;
  const client = async () => {
    for (let i = next++; i < points.length; i = next++) {
      const { lat, lon } = points[i] as { lat: number; lon: number };
      const url = `${appUrl}/drivers/nearest?lat=${lat}&lon=${lon}&radius_km=${o.radiusKm}&status=AVAILABLE&limit=${o.limit}`;
      const t0 = performance.now();
      try {
        const res = await fetch(url, { headers: o.headers, signal: AbortSignal.timeout(30_000) });
        const body = (await res.json()) as { drivers?: unknown[]; error?: string };
        if (!res.ok) throw new Error(`${res.status} ${body.error ?? ''}`);
        out.latencies.push(performance.now() - t0);
        out.listed.push(body.drivers?.length ?? 0);
      } catch (err) {
        if (out.errors.length < 5) out.errors.push(`GET ${url}: ${(err as Error).message}`);
        else out.errors.push('');
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.concurrency }, client));
  out.ms = performance.now() - t0;
  return out;
}
