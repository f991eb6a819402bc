import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NodeId, type Stack } from '../../shared/stack.ts';

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * Prometheus file_sd target groups for prometheus.yml, one file per job. Natively every exporter
 * listens on 127.0.0.1; in compose, on the service name with the same port number. `nodes` defaults
 * to the voters; natively it also lists the broker-only nodes make scale added.
 */
export function scrapeTargets(stack: Stack, mode: 'native' | 'docker', nodes: readonly NodeId[] = stack.nodeIds): Record<string, TargetGroup[]> {
  const p = stack.ports;
  const host = (service: string) => (mode === 'native' ? '127.0.0.1' : service);
  return {
    kafka: nodes.map((id) => ({ targets: [`${host(`kafka-${id}`)}:${p.jmxExporter.of(id)}`], labels: { service: `kafka-${id}`, node_id: String(id) } })),
    connect: [{ targets: [`${host('connect')}:${p.jmxExporterConnect}`], labels: { service: 'connect' } }],
    // One exporter per Redis process (natively a cluster has six); the queries sum over the primaries.
    redis: stack.redis.exporterPorts.map((port, i) => ({ targets: [`${host('redis-exporter')}:${port}`], labels: { service: 'redis', ...(i > 0 || stack.redis.mode === 'cluster' ? { redis_node: String(i + 1) } : {}) } })),
    // The producer runs on the host in both runtimes.
    producer: [{ targets: [`${mode === 'native' ? '127.0.0.1' : 'host.docker.internal'}:${p.producerMetrics}`], labels: { service: 'producer' } }],
    prometheus: [{ targets: [mode === 'native' ? `127.0.0.1:${p.prometheus}` : 'localhost:9090'], labels: { service: 'prometheus' } }],
  };
}

/** Writes <dir>/<job>.json for every job. */
export function writeScrapeTargets(dir: string, stack: Stack, mode: 'native' | 'docker', nodes?: readonly NodeId[]): void {
  mkdirSync(dir, { recursive: true });
  for (const [job, groups] of Object.entries(scrapeTargets(stack, mode, nodes))) writeFileSync(join(dir, `${job}.json`), `${JSON.stringify(groups, null, 2)}\n`);
}
