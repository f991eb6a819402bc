import { internalPort, type Stack } from './stack.ts';

/**
 * Every port the stack can listen on, who may use it and how, and how a test tries it without a
 * credential. One list for the security table of docs/security.md (a unit test compares them) and for the test
 * that probes, as an unprivileged user, every port the OS says the stack's processes listen on.
 */

/** How a port is tried without a credential. */
export type Probe =
  /** TLS, then a Kafka request without the SASL login: the broker must close the connection unanswered. */
  | 'kafka-sasl'
  /** TLS without a client certificate: the handshake, or the first request, must fail. */
  | 'mutual-tls'
  /** HTTP GET: must answer 401. */
  | 'http-401'
  /** A Redis PING: must answer NOAUTH. */
  | 'redis-noauth'
  /** HTTP GET of `path`: served to anyone, and documented harmless; must hold no secret. */
  | 'public-http';

export interface Exposure {
  what: string;
  ports(stack: Stack): number[];
  probe: Probe;
  /** For public-http: what is fetched. */
  path?: string;
  /** What a local user (or a web page) without the stack's secrets gets, and why that is harmless. */
  withoutCredential: string;
  /** stack: a native stack's own service; command: while that command runs; docker: the docker runtime only. */
  when: 'stack' | 'command' | 'docker';
}

export const EXPOSURES: readonly Exposure[] = [
  { what: 'Kafka, clients (SASL_SSL)', ports: (s) => s.ports.kafka.all, probe: 'kafka-sasl', withoutCredential: 'refused: SCRAM login, then ACLs', when: 'stack' },
  {
    what: 'Kafka controllers, inter-node (SSL; native; compose keeps these inside its network)',
    ports: (s) => [...s.ports.controller.all, ...s.nodeIds.map((id) => internalPort(s, id))],
    probe: 'mutual-tls',
    withoutCredential: 'refused: mutual TLS with the node certificate',
    when: 'stack',
  },
  { what: 'Connect REST', ports: (s) => [s.ports.connect], probe: 'http-401', withoutCredential: '401 (basic auth)', when: 'stack' },
  { what: 'Redis', ports: (s) => [s.ports.redis], probe: 'redis-noauth', withoutCredential: 'NOAUTH: the default user is off', when: 'stack' },
  {
    what: 'Prometheus',
    ports: (s) => [s.ports.prometheus],
    probe: 'public-http',
    path: '/api/v1/targets',
    withoutCredential: "reads the stack's metrics (no data, no secrets); cannot stop or reload it",
    when: 'stack',
  },
  { what: 'Redis exporter', ports: (s) => [s.ports.redisExporter], probe: 'public-http', path: '/metrics', withoutCredential: 'reads Redis metrics; a `/scrape` of another address carries no credential', when: 'stack' },
  {
    what: 'JMX exporter agents (Connect, brokers)',
    ports: (s) => [s.ports.jmxExporterConnect, ...s.ports.jmxExporter.all],
    probe: 'public-http',
    path: '/metrics',
    withoutCredential: 'reads JVM and Kafka metrics: names and rates, no records',
    when: 'stack',
  },
  { what: "the producer's `/metrics`, while it runs", ports: (s) => [s.ports.producerMetrics], probe: 'public-http', path: '/metrics', withoutCredential: 'reads its counters', when: 'command' },
  {
    what: 'the delivery app (`make map`)',
    ports: (s) => [s.ports.app],
    probe: 'http-401',
    withoutCredential:
      '401: a token from the stack\'s secrets (`app.token`; the page URL `make map` prints carries it once, then an HttpOnly cookie); a foreign `Host` (DNS rebinding) gets 421',
    when: 'command',
  },
  { what: 'Grafana (docker only)', ports: (s) => [s.ports.grafana], probe: 'http-401', withoutCredential: 'login page', when: 'docker' },
];

/** Ports as docs/security.md shows them: consecutive runs as ranges (19092–19094), joined by commas. */
export function portRanges(ports: number[]): string {
  const sorted = [...ports].sort((a, b) => a - b);
  const runs: Array<[number, number]> = [];
  for (const p of sorted) {
    const last = runs.at(-1);
    if (last !== undefined && p === last[1] + 1) last[1] = p;
    else runs.push([p, p]);
  }
  return runs.map(([a, b]) => (a === b ? String(a) : `${a}–${b}`)).join(', ');
}

/** The security table of docs/security.md (under "Threat model"), for a stack's ports. */
export function exposureTable(stack: Stack): string {
  const rows = EXPOSURES.map((e) => `| ${portRanges(e.ports(stack))} | ${e.what} | ${e.withoutCredential} |`);
  return ['| port | what | without a credential |', '| --- | --- | --- |', ...rows].join('\n');
}
