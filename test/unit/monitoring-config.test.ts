import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dashboardPanels, DASHBOARD_FILE, legendFor } from '../../scripts/lib/metrics/dashboard-file.ts';
import { scrapeTargets } from '../../scripts/lib/prometheus-targets.ts';
import { loadStack, ROOT } from '../../shared/stack.ts';

const stack = loadStack();
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));

describe('prometheus.yml and alert rules', () => {
  it('pass promtool check config', () => {
    const out = execFileSync('promtool', ['check', 'config', '--syntax-only', join(ROOT, 'prometheus.yml')], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });
  it('pass promtool check rules, with the alerts the runbook names', () => {
    const file = join(ROOT, 'config', 'prometheus', 'alerts.yml');
    expect(execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })).toContain('SUCCESS: 8 rules found');
    const names = (parse(readFileSync(file, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> }).groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).toEqual(expect.arrayContaining(['KafkaUnderReplicatedPartitions', 'KafkaUnderMinIsr', 'KafkaOfflinePartitions', 'KafkaActiveControllerNotOne', 'KafkaTargetDown', 'ConnectorOrTaskFailed', 'SinkLagHigh', 'FreshnessHigh']));
  });
});

describe('scrape targets', () => {
  it('label every Kafka node, natively on loopback and in compose by service name', () => {
    const native = scrapeTargets(stack, 'native');
    expect(native.kafka?.map((g) => g.labels.service)).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    expect(native.kafka?.[1]?.targets).toEqual([`127.0.0.1:${stack.ports.jmxExporter.of(2)}`]);
    expect(scrapeTargets(stack, 'docker').kafka?.[1]?.targets).toEqual([`kafka-2:${stack.ports.jmxExporter.of(2)}`]);
    const jobs = (parse(readFileSync(join(ROOT, 'prometheus.yml'), 'utf8')) as { scrape_configs: Array<{ job_name: string }> }).scrape_configs.map((c) => c.job_name);
    expect(Object.keys(native).sort()).toEqual([...jobs].sort());
  });
});

describe('Grafana dashboard', () => {
  const panels = dashboardPanels();
  it('uses the provisioned datasource uid everywhere', () => {
    const ds = parse(readFileSync(join(ROOT, 'grafana-provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as { datasources: Array<{ uid: string }> };
    const uid = ds.datasources[0]?.uid;
    const used = new Set([...JSON.stringify(dashboard).matchAll(/"uid":"([^"]+)"/g)].map((m) => m[1]));
    used.delete(dashboard.uid);
    used.delete('-- Grafana --');
    expect([...used]).toEqual([uid]);
  });
  it('covers every metric the monitoring issue names', () => {
    const titles = panels.map((p) => p.title).join(' | ');
    for (const t of ['Brokers online', 'Scrape state per broker', 'Active controller', 'Partition health', 'Leaders per broker', 'ISR shrinks', 'Messages in per broker', 'Produce request latency', 'Producer send rate and errors', 'Connector and task status', 'Sink records/s', 'Sink consumer lag', 'DLQ records', 'Redis drivers and HSET/s', 'freshness', 'Log size']) {
      expect(titles).toContain(t);
    }
    expect(dashboard.refresh).toBe('5s');
    expect(dashboard.annotations.list.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['Broker down', 'Broker (re)started']));
  });
  it('names the topic and key prefix of config/stack.env, nothing else', () => {
    const exprs = panels.flatMap((p) => p.queries.map((q) => q.expr));
    for (const t of exprs.flatMap((e) => [...e.matchAll(/topic="([^"]+)"/g)].map((m) => m[1]))) expect(t).toBe(stack.topics.locations);
    for (const k of exprs.flatMap((e) => [...e.matchAll(/key="([^"]+)"/g)].map((m) => m[1]))) expect(k).toBe(`${stack.redisKeyPrefix}*`);
  });
  it('colours "Brokers online" from the node count: green at NODE_COUNT, orange down to min.insync.replicas', () => {
    // Grafana thresholds are numbers in the JSON; this ties them to config/stack.env and server.properties.
    type Panel = { title: string; panels?: Panel[]; fieldConfig?: { defaults?: { thresholds?: { steps: Array<{ color: string; value: number | null }> } } } };
    const flat = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...flat(p.panels ?? [])]);
    const steps = flat(dashboard.panels).find((p) => p.title === 'Brokers online')?.fieldConfig?.defaults?.thresholds?.steps ?? [];
    const minIsr = Number(/^min\.insync\.replicas=(\d+)$/m.exec(readFileSync(join(ROOT, 'config', 'kafka', 'server.properties'), 'utf8'))?.[1]);
    expect(steps).toEqual([{ color: 'red', value: null }, { color: 'orange', value: minIsr }, { color: 'green', value: stack.nodeIds.length }]);
  });
  it('does not count brokers with kafka_brokers (a metadata count that never drops)', () => {
    expect(JSON.stringify(dashboard)).not.toContain('kafka_brokers');
  });
  it('formats legends like Grafana', () => {
    expect(legendFor('{{service}} down', { service: 'kafka-2' })).toBe('kafka-2 down');
    expect(legendFor('total', { a: 'b' })).toBe('total');
  });
});
