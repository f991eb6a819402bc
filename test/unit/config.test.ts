import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnectorConfig } from '../../scripts/lib/connect.ts';
import { parseEnvFile } from '../../shared/env-file.ts';
import { quorumVoters, renderNodeProperties } from '../../scripts/lib/native/kafka-node.ts';
import { renderStackPlaceholders } from '../../scripts/lib/placeholders.ts';
import { CONFIG_DIR, loadStack } from '../../shared/stack.ts';
import { createTopicArgs, loadTopics } from '../../scripts/lib/topics.ts';

describe('parseEnvFile', () => {
  it('reads keys, skips comments and blanks, strips one pair of quotes', () => {
    const m = parseEnvFile('# c\n\nA=1\nB="two words"\nC=\n');
    expect([...m]).toEqual([['A', '1'], ['B', 'two words'], ['C', '']]);
  });
  it('names the line of a malformed entry', () => {
    expect(() => parseEnvFile('A=1\nnot a pair\n', 'x.env')).toThrow('x.env:2: expected KEY=VALUE');
  });
  it('refuses a key defined twice', () => {
    expect(() => parseEnvFile('A=1\nA=2\n', 'x.env')).toThrow('x.env:2: A is defined twice');
  });
});

describe('loadStack', () => {
  it('reads the pinned Kafka version and distinct ports', () => {
    const s = loadStack();
    expect(s.versions.kafka).toMatch(/^4\.\d+\.\d+$/);
    const ports = [...s.ports.kafka.all, ...s.ports.controller.all, s.ports.connect, s.ports.redis, s.ports.prometheus, s.ports.redisExporter, s.ports.grafana, ...s.ports.jmxExporter.all, s.ports.jmxExporterConnect, s.ports.producerMetrics];
    expect(ports.length).toBe(3 * s.nodeIds.length + 7);
    expect(new Set(ports).size).toBe(ports.length);
  });
  it('shifts every port by the offset', () => {
    const a = loadStack();
    const b = loadStack({ portOffset: 10_000 });
    expect(b.ports.kafka.of(2)).toBe(a.ports.kafka.of(2) + 10_000);
    expect(b.ports.redis).toBe(a.ports.redis + 10_000);
    expect(b.ports.connect).toBe(a.ports.connect + 10_000);
  });
  it('rejects an offset that pushes a port past 65535', () => {
    expect(() => loadStack({ portOffset: 60_000 })).toThrow(/is not a valid port/);
  });
});

describe('native node properties', () => {
  const stack = loadStack();
  const shared = readFileSync(join(CONFIG_DIR, 'kafka', 'server.properties'), 'utf8');
  it('keeps the shared settings and adds the node identity', () => {
    const p = renderNodeProperties(shared, stack, 2, '/data/k2');
    expect(p).toContain('min.insync.replicas=2');
    expect(p).toContain('offsets.topic.replication.factor=3');
    expect(p).toContain('node.id=2');
    expect(p).toContain(`EXTERNAL://127.0.0.1:${stack.ports.kafka.of(2)}`);
    expect(p).toContain('log.dirs=/data/k2');
  });
  it('declares a static quorum of the three nodes', () => {
    expect(quorumVoters(stack)).toBe(`1@127.0.0.1:${stack.ports.controller.of(1)},2@127.0.0.1:${stack.ports.controller.of(2)},3@127.0.0.1:${stack.ports.controller.of(3)}`);
  });
});

describe('topics', () => {
  const stack = loadStack();
  it('resolves names from stack.env and makes the locations topic compacted, RF 3, min ISR 2', () => {
    const topics = loadTopics(stack);
    const loc = topics.find((t) => t.name === stack.topics.locations);
    expect(loc?.replicationFactor).toBe(3);
    expect(loc?.config['cleanup.policy']).toBe('compact');
    expect(loc?.config['min.insync.replicas']).toBe('2');
    expect(topics.map((t) => t.name)).toContain(stack.topics.dlq);
  });
  it('builds an idempotent kafka-topics --create', () => {
    const args = createTopicArgs({ name: 't', purpose: '', partitions: 6, replicationFactor: 3, config: { 'cleanup.policy': 'compact' } }, 'b:1');
    expect(args).toEqual(['--bootstrap-server', 'b:1', '--create', '--if-not-exists', '--topic', 't', '--partitions', '6', '--replication-factor', '3', '--config', 'cleanup.policy=compact']);
  });
  it('names the entry and field of a bad topic', () => {
    expect(() => loadTopics(stack, '- name: TOPIC_DLQ\n  partitions: 0\n  replicationFactor: 3\n', 'bad.yaml')).toThrow('bad.yaml: topic #1 (driver-locations-dlq): partitions must be a positive integer, got 0');
    expect(() => loadTopics(stack, '- name: NOPE\n  partitions: 1\n  replicationFactor: 3\n', 'bad.yaml')).toThrow('NOPE is not defined');
  });
});

describe('connector config', () => {
  const stack = loadStack();
  it('fills ${stack:…} and leaves ${env:…} for the worker', () => {
    const c = loadConnectorConfig(stack);
    expect(c.topics).toBe(stack.topics.locations);
    expect(c['errors.deadletterqueue.topic.name']).toBe(stack.topics.dlq);
    expect(c['redis.uri']).toBe('${env:RASTRO_REDIS_URI}');
    expect(c['redis.geo.key']).toBe(stack.redisGeoKey);
    expect(JSON.stringify(c)).not.toContain('${stack:');
  });
  it('rejects an unknown placeholder, naming it', () => {
    expect(() => renderStackPlaceholders('{"a":"${stack:NOPE}"}', new Map(), 'c.json')).toThrow('c.json: ${stack:NOPE} is not defined');
  });
});
