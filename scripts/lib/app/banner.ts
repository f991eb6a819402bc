import { QUERIES as Q } from '../metrics/catalogue.ts';
import { PrometheusClient } from '../prometheus.ts';
import { NODE_IDS } from '../../../shared/stack.ts';

/**
 * The map's banner: the same expressions as the Grafana dashboard's panels "Brokers online",
 * "Partition health" (under-replicated) and "Sink consumer lag" (summed over topics); a unit test
 * keeps them equal to the dashboard's.
 */
export const BANNER_QUERIES = {
  brokersUp: Q.brokersUp,
  underReplicated: Q.underReplicated,
  sinkLag: Q.sinkLagByTopic,
} as const;

export interface Banner {
  brokersUp: number | null;
  brokersTotal: number;
  underReplicated: number | null;
  sinkLag: number | null;
  /** Why a value is null (Prometheus unreachable, no series yet). */
  error?: string;
}

/** Sum of an instant query's samples; null when there is none (no series yet: unknown, not 0). */
function total(samples: Array<{ value: number }>): number | null {
  return samples.length === 0 ? null : samples.reduce((s, x) => s + x.value, 0);
}

/**
 * The failures of the banner's queries (PrometheusError: "query <expr> at <host>: <detail>"), said
 * once when they share a cause (Prometheus down fails all three the same way), each with its query otherwise.
 */
export function bannerError(errors: readonly string[]): string {
  const causes = new Set(errors.map((e) => e.replace(/^query .* at (\S+): /, 'Prometheus at $1: ')));
  return causes.size === 1 && errors.length > 1 ? `${[...causes][0]} (all ${errors.length} queries)` : errors.join('; ');
}

/** One banner reading. Never throws: a failed query leaves its value null and says why. */
export async function readBanner(prometheusUrl: string | undefined): Promise<Banner> {
  const banner: Banner = { brokersUp: null, brokersTotal: NODE_IDS.length, underReplicated: null, sinkLag: null };
  if (prometheusUrl === undefined) return { ...banner, error: 'no Prometheus configured' };
  const prom = new PrometheusClient(prometheusUrl);
  const errors: string[] = [];
  const read = (expr: string) => prom.query(expr).then(total, (err: Error) => (errors.push(err.message), null));
  // The total is the brokers Prometheus scrapes: the voters, and any broker-only node make scale added.
  const [brokersUp, underReplicated, sinkLag, configured] = await Promise.all([read(BANNER_QUERIES.brokersUp), read(BANNER_QUERIES.underReplicated), read(BANNER_QUERIES.sinkLag), read(Q.brokersConfigured)]);
  const out: Banner = { ...banner, brokersUp, underReplicated, sinkLag, brokersTotal: configured ?? banner.brokersTotal };
  if (errors.length > 0) out.error = bannerError(errors);
  return out;
}
