/** One error type for the Prometheus HTTP API: operation, target and Prometheus's own message. */
export class PrometheusError extends Error {
  constructor(operation: string, target: string, detail: string) {
    super(`${operation} at ${target}: ${detail}`);
    this.name = 'PrometheusError';
  }
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Series {
  metric: Record<string, string>;
  /** [unix seconds, value] */
  values: Array<[number, number]>;
}

export interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  activeAt?: string;
}

export class PrometheusClient {
  private readonly host: string;
  constructor(readonly baseUrl: string) {
    this.host = new URL(baseUrl).host;
  }

  private async get<T>(operation: string, path: string, params: Record<string, string> = {}): Promise<T> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params).toString()}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      throw new PrometheusError(operation, this.host, (err as Error).message);
    }
    const body = (await res.json().catch(() => ({}))) as { status?: string; data?: T; error?: string };
    if (!res.ok || body.status !== 'success') throw new PrometheusError(operation, this.host, `${res.status} ${body.error ?? 'unexpected answer'}`);
    return body.data as T;
  }

  /** Instant query, now or at `atS` (unix seconds). */
  async query(expr: string, atS?: number): Promise<Sample[]> {
    const params: Record<string, string> = atS === undefined ? { query: expr } : { query: expr, time: String(atS) };
    const d = await this.get<{ resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`query ${expr}`, '/api/v1/query', params);
    if (d.resultType === 'scalar') return [{ metric: {}, value: Number((d.result as unknown as [number, string])[1]) }];
    return d.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  async queryRange(expr: string, startS: number, endS: number, stepS: number): Promise<Series[]> {
    const d = await this.get<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(`query_range ${expr}`, '/api/v1/query_range', {
      query: expr, start: String(startS), end: String(endS), step: String(stepS),
    });
    return d.result.map((r) => ({ metric: r.metric, values: r.values.map(([t, v]) => [t, Number(v)] as [number, number]) }));
  }

  async alerts(): Promise<Alert[]> {
    return (await this.get<{ alerts: Alert[] }>('list alerts', '/api/v1/alerts')).alerts;
  }

  async targets(): Promise<Array<{ labels: Record<string, string>; health: string; lastError: string }>> {
    return (await this.get<{ activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> }>('list targets', '/api/v1/targets')).activeTargets;
  }
}
