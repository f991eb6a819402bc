import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quorumVoters, renderNodeProperties } from '../../scripts/lib/native/kafka-node.ts';
import { NativeRuntime } from '../../scripts/lib/native/runtime.ts';
import { scrapeTargets } from '../../scripts/lib/prometheus-targets.ts';
import { nodeCertSan } from '../../scripts/lib/secrets-setup.ts';
import { CONFIG_DIR, loadStack, NODE_IDS, STACK_ENV } from '../../shared/stack.ts';

/** config/stack.env with NODE_COUNT (and MAX_NODES, when given) changed and nothing else: the one change a bigger cluster needs. */
function stackWithNodes(count: number, portOffset = 0, maxNodes?: number) {
  const text = readFileSync(STACK_ENV, 'utf8');
  expect(text).toMatch(/^NODE_COUNT=\d+$/m);
  expect(text).toMatch(/^MAX_NODES=\d+$/m);
  const file = join(mkdtempSync(join(tmpdir(), 'rastro-nodes-')), 'stack.env');
  writeFileSync(file, text.replace(/^NODE_COUNT=\d+$/m, `NODE_COUNT=${count}`).replace(/^MAX_NODES=\d+$/m, `MAX_NODES=${maxNodes ?? 9}`));
  return loadStack({ file, portOffset });
}

describe('the node count (NODE_COUNT in config/stack.env)', () => {
  it('is three, on the ports the stack has always used', () => {
    const s = loadStack();
    expect(s.nodeIds).toEqual([1, 2, 3]);
    expect(NODE_IDS).toEqual(s.nodeIds);
    expect(s.ports.kafka.all).toEqual([19092, 19093, 19094]);
    expect(s.ports.controller.all).toEqual([19192, 19193, 19194]);
    expect(s.ports.jmxExporter.all).toEqual([17071, 17072, 17073]);
  });

  it('derives every per-node port as base + node id − 1, shifted by the offset', () => {
    const s = stackWithNodes(3, 1000);
    expect(s.ports.kafka.of(3)).toBe(19094 + 1000);
    // make scale's broker-only nodes take the next ids on the same ranges, up to MAX_NODES.
    expect(s.ports.kafka.of(4)).toBe(19095 + 1000);
    expect(s.ports.jmxExporter.of(9)).toBe(17079 + 1000);
    expect(s.ports.kafka.all).toEqual([19092, 19093, 19094].map((p) => p + 1000));
    expect(() => s.ports.kafka.of(10)).toThrow(/KAFKA_BASE_PORT: no node 10 \(node ids are 1,2,3, from NODE_COUNT, and up to 9 with make scale, from MAX_NODES\)/);
    expect(() => s.ports.kafka.of(0)).toThrow(/no node 0/);
  });

  it('natively, five nodes are one change: voters, listeners, scrape targets, processes and ports', () => {
    const s = stackWithNodes(5);
    expect(s.nodeIds).toEqual([1, 2, 3, 4, 5]);
    expect(quorumVoters(s)).toBe('1@127.0.0.1:19192,2@127.0.0.1:19193,3@127.0.0.1:19194,4@127.0.0.1:19195,5@127.0.0.1:19196');
    const shared = readFileSync(join(CONFIG_DIR, 'kafka', 'server.properties'), 'utf8');
    const p5 = renderNodeProperties(shared, s, 5, '/data/k5');
    expect(p5).toContain('node.id=5');
    expect(p5).toContain('listeners=INTERNAL://127.0.0.1:19296,EXTERNAL://127.0.0.1:19096,CONTROLLER://127.0.0.1:19196');
    expect(p5).toContain(`controller.quorum.voters=${quorumVoters(s)}`);
    const targets = scrapeTargets(s, 'native').kafka ?? [];
    expect(targets.map((g) => g.targets[0])).toEqual(['127.0.0.1:17071', '127.0.0.1:17072', '127.0.0.1:17073', '127.0.0.1:17074', '127.0.0.1:17075']);
    expect(targets.map((g) => g.labels.node_id)).toEqual(['1', '2', '3', '4', '5']);
    const rt = new NativeRuntime(s, mkdtempSync(join(tmpdir(), 'rastro-home-')), 'off');
    expect(rt.addresses.bootstrap).toEqual(['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094', '127.0.0.1:19095', '127.0.0.1:19096']);
    const ports = rt.allPorts();
    expect(ports.filter((p) => p.name === 'kafka-5').map((p) => p.port)).toEqual([19096, 19196, 19296, 17075]);
    expect(new Set(ports.map((p) => p.port)).size).toBe(ports.length);
    expect(nodeCertSan(s)).toBe('DNS:localhost,DNS:kafka-1,DNS:kafka-2,DNS:kafka-3,DNS:kafka-4,DNS:kafka-5,IP:127.0.0.1');
  });

  it('refuses a count whose port range runs into another port, naming both', () => {
    // JMX exporters 17071.. reach PRODUCER_METRICS_PORT 17080 at the tenth node.
    expect(() => stackWithNodes(10)).toThrow('port 17080 is both jmxExporter of node 10 and producerMetrics (NODE_COUNT=10, MAX_NODES=10); move a base port');
    // The ports make scale may take are reserved the same way.
    expect(() => stackWithNodes(3, 0, 10)).toThrow('port 17080 is both jmxExporter of node 10 and producerMetrics (NODE_COUNT=3, MAX_NODES=10); move a base port');
    expect(() => stackWithNodes(0)).toThrow(/NODE_COUNT=0 is not a positive whole number/);
  });
});
