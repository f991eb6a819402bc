import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withClientOptions, writeToolWrappers } from '../../scripts/lib/kafka-tools.ts';
import { quorumVoters, renderNodeProperties } from '../../scripts/lib/native/kafka-node.ts';
import { NativeRuntime } from '../../scripts/lib/native/runtime.ts';
import { scrapeTargets } from '../../scripts/lib/prometheus-targets.ts';
import { assignmentAfter, changedOnly, condenseReassignOutput, loadPerBroker, loadTable, misplaced, outside, parseOngoing, scaleWork, stillMoving, type PartitionPlacement } from '../../scripts/lib/scale.ts';
import { CONFIG_DIR, loadStack } from '../../shared/stack.ts';

const stack = loadStack();

/** What kafka-reassign-partitions 4.4 prints for --generate (two partitions, trimmed from a real run). */
const GENERATED = [
  'Current partition replica assignment',
  '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3],"log_dirs":["any","any","any"]},{"topic":"t","partition":1,"replicas":[2,3,1],"log_dirs":["any","any","any"]}]}',
  '',
  'Proposed partition reassignment configuration',
  '{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[4,5,1],"log_dirs":["any","any","any"]},{"topic":"t","partition":1,"replicas":[2,3,1],"log_dirs":["any","any","any"]}]}',
].join('\n');

const at = (topic: string, partition: number, replicas: number[], leader = replicas[0] as number): PartitionPlacement => ({ topic, partition, replicas, leader, isr: replicas });

describe('make scale: reading and checking kafka-reassign-partitions', () => {
  it('reads both assignments of --generate and moves only the partitions whose replicas change', () => {
    const current = assignmentAfter(GENERATED, 'Current partition replica assignment');
    const proposed = assignmentAfter(GENERATED, 'Proposed partition reassignment configuration');
    expect(current.partitions.map((p) => p.replicas)).toEqual([[1, 2, 3], [2, 3, 1]]);
    // The unchanged partition 1 is left out; log_dirs are dropped (the tool's "any" is its default).
    expect(changedOnly(current, proposed)).toEqual({ version: 1, partitions: [{ topic: 't', partition: 0, replicas: [4, 5, 1] }] });
    expect(() => assignmentAfter('Status of partition reassignment:', 'Proposed partition reassignment configuration')).toThrow(/no "Proposed partition reassignment configuration" in its output/);
  });

  it('counts the moves --verify still sees in progress', () => {
    const moving = 'Status of partition reassignment:\nReassignment of partition t-0 is still in progress.\nReassignment of partition t-1 is completed.\n';
    expect(stillMoving(moving)).toBe(1);
    const done = 'Status of partition reassignment:\nReassignment of partition t-0 is completed.\nReassignment of partition t-1 is completed.\n\nClearing broker-level throttles on brokers 1,2,3,4,5\nClearing topic-level throttles on topic t\n';
    expect(stillMoving(done)).toBe(0);
  });

  it('condenses the tools\' output for the evidence: assignments, per-partition lines and partition lists become counts', () => {
    expect(condenseReassignOutput(GENERATED)).toBe(['Current partition replica assignment', '{"version":1,"partitions":[… 2 partitions …]}', 'Proposed partition reassignment configuration', '{"version":1,"partitions":[… 2 partitions …]}'].join('\n'));
    expect(condenseReassignOutput('Status of partition reassignment:\nReassignment of partition t-0 is completed.\nReassignment of partition t-1 is completed.\nClearing broker-level throttles on brokers 1,2,3')).toBe(
      'Status of partition reassignment:\nReassignment of 2 partition(s) is completed. (one line each, condensed)\nClearing broker-level throttles on brokers 1,2,3',
    );
    expect(condenseReassignOutput('Successfully started partition reassignments for t-0,t-1,t-2')).toBe('Successfully started partition reassignments for 3 partitions');
    expect(condenseReassignOutput('Successfully completed leader election (PREFERRED) for partitions t-0, t-1')).toBe('Successfully completed leader election (PREFERRED) for 2 partitions');
    // A line still in progress is kept as printed.
    expect(condenseReassignOutput('Reassignment of partition t-0 is still in progress.')).toBe('Reassignment of partition t-0 is still in progress.');
  });

  it('finds partitions off their planned replicas (order included: it picks the preferred leader) and replicas outside the brokers', () => {
    const placement = [at('t', 0, [4, 5, 1]), at('t', 1, [1, 2, 3])];
    expect(misplaced(placement, { version: 1, partitions: [{ topic: 't', partition: 0, replicas: [4, 5, 1] }] })).toEqual([]);
    expect(misplaced(placement, { version: 1, partitions: [{ topic: 't', partition: 0, replicas: [5, 4, 1] }, { topic: 'u', partition: 0, replicas: [1] }] })).toEqual([
      't-0 on [4,5,1], wanted [5,4,1]',
      'u-0 on [missing], wanted [1]',
    ]);
    expect(outside(placement, [1, 2, 3])).toEqual(['t-0 [4,5,1]']);
    expect(outside(placement, [1, 2, 3, 4, 5])).toEqual([]);
  });

  it('reads the partitions --list says are still moving', () => {
    expect(parseOngoing('No partition reassignments found.\n')).toEqual([]);
    expect(parseOngoing('Current partition reassignments:\nt-0: replicas: 1,2,3,4. adding: 4. removing: 3.\n__consumer_offsets-12: replicas: 2,5,1. adding: 5. removing: .\n')).toEqual([
      't-0: replicas: 1,2,3,4. adding: 4. removing: 3.',
      '__consumer_offsets-12: replicas: 2,5,1. adding: 5. removing: .',
    ]);
  });

  it('knows when there is nothing to do, and says why otherwise: nodes to add or remove, stray replicas, an added node still empty', () => {
    const onThree = [at('t', 0, [1, 2, 3]), at('t', 1, [2, 3, 1])];
    expect(scaleWork(onThree, [1, 2, 3], [1, 2, 3])).toEqual([]);
    expect(scaleWork(onThree, [1, 2, 3], [1, 2, 3, 4, 5])).toEqual(['add kafka-4, kafka-5']);
    // Nodes 4 and 5 were added, then the run stopped before moving anything: a rerun must still move.
    expect(scaleWork(onThree, [1, 2, 3, 4, 5], [1, 2, 3, 4, 5])).toEqual(['kafka-4, kafka-5 hold(s) no replica (an earlier run stopped before moving?)']);
    const spread = [at('t', 0, [4, 5, 1]), at('t', 1, [2, 3, 4]), at('t', 2, [5, 1, 2])];
    expect(scaleWork(spread, [1, 2, 3, 4, 5], [1, 2, 3, 4, 5])).toEqual([]);
    expect(scaleWork(spread, [1, 2, 3, 4, 5], [1, 2, 3])).toEqual(['remove kafka-4, kafka-5', '3 partition(s) with a replica outside 1,2,3']);
  });

  it('tabulates leaders and replicas per broker before and after, listing a broker that holds nothing', () => {
    const before = loadPerBroker([at('t', 0, [1, 2, 3]), at('t', 1, [2, 3, 1])], [1, 2, 3]);
    const after = loadPerBroker([at('t', 0, [4, 5, 1]), at('t', 1, [2, 3, 1])], [1, 2, 3, 4, 5]);
    expect(before).toEqual([{ broker: 1, leaders: 1, replicas: 2 }, { broker: 2, leaders: 1, replicas: 2 }, { broker: 3, leaders: 0, replicas: 2 }]);
    expect(after.find((b) => b.broker === 4)).toEqual({ broker: 4, leaders: 1, replicas: 1 });
    const table = loadTable(before, after).split('\n');
    expect(table[0]).toMatch(/^broker\s+leaders \(before → after\)\s+replicas \(before → after\)$/);
    expect(table.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['kafka-1', '1 → 0', '2 → 2'],
      ['kafka-2', '1 → 1', '2 → 1'],
      ['kafka-3', '0 → 0', '2 → 1'],
      ['kafka-4', '0 → 1', '0 → 1'],
      ['kafka-5', '0 → 0', '0 → 1'],
    ]);
  });
});

describe('make scale: broker-only nodes in the native runtime', () => {
  it('renders a broker-only node: process.roles=broker, no CONTROLLER listener, the same voters', () => {
    const shared = readFileSync(join(CONFIG_DIR, 'kafka', 'server.properties'), 'utf8');
    const p4 = renderNodeProperties(shared, stack, 4, '/data/k4');
    const props = new Map(p4.split('\n').filter((l) => /^[a-z][\w.]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    // One process.roles line, the node's own: Java's Properties would take the last, but no reader should have to know.
    expect(p4.match(/^process\.roles=/gm)).toHaveLength(1);
    expect(props.get('process.roles')).toBe('broker');
    expect(props.get('node.id')).toBe('4');
    expect(props.get('listeners')).toBe(`INTERNAL://127.0.0.1:${stack.ports.controller.of(4) + 100},EXTERNAL://127.0.0.1:${stack.ports.kafka.of(4)}`);
    expect(props.get('controller.quorum.voters')).toBe(quorumVoters(stack));
    expect(quorumVoters(stack)).not.toContain('4@');
    // A voter keeps the shared roles and its CONTROLLER listener.
    const p1 = renderNodeProperties(shared, stack, 1, '/data/k1');
    expect(p1).toMatch(/^process\.roles=broker,controller$/m);
    expect(p1).toContain(`CONTROLLER://127.0.0.1:${stack.ports.controller.of(1)}`);
  });

  it('counts a broker-only node as part of the instance once its storage is formatted: processes, ports, scrape targets', () => {
    const home = mkdtempSync(join(tmpdir(), 'rastro-scale-'));
    const rt = new NativeRuntime(stack, home, 'off');
    expect(rt.nodes()).toEqual([1, 2, 3]);
    // A directory without formatted storage (an add that failed before the format) is not a node.
    mkdirSync(join(home, 'kafka-5', 'data'), { recursive: true });
    mkdirSync(join(home, 'kafka-4', 'data'), { recursive: true });
    writeFileSync(join(home, 'kafka-4', 'data', 'meta.properties'), 'node.id=4\n');
    expect(rt.nodes()).toEqual([1, 2, 3, 4]);
    const ports = rt.allPorts().filter((p) => p.name === 'kafka-4').map((p) => p.port);
    expect(ports).toEqual([stack.ports.kafka.of(4), stack.ports.controller.of(4) + 100, stack.ports.jmxExporter.of(4)]);
    const targets = scrapeTargets(stack, 'native', rt.nodes()).kafka ?? [];
    expect(targets.map((t) => t.labels.service)).toEqual(['kafka-1', 'kafka-2', 'kafka-3', 'kafka-4']);
    expect(targets[3]?.targets).toEqual([`127.0.0.1:${stack.ports.jmxExporter.of(4)}`]);
    expect(scrapeTargets(stack, 'native').kafka).toHaveLength(3);
  });

  it('make down stops a broker-only node too (make up starts it again: test/integration/scale.test.ts)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'rastro-scale-'));
    const dir = join(home, 'kafka-4');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'meta.properties'), 'node.id=4\n');
    // A process that is kafka-4 by the launcher's own test: its pid file, and its cwd in kafka-4's directory.
    const child = spawn('sleep', ['300'], { cwd: dir, stdio: 'ignore' });
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    writeFileSync(join(dir, 'kafka-4.pid'), `${child.pid}\n`);
    const rt = new NativeRuntime(stack, home, 'off');
    expect(await rt.isNodeRunning(4)).toBe(true);
    const said: string[] = [];
    await rt.down({ wipe: false }, (l) => said.push(l));
    await gone;
    expect(said).toEqual(['stopped kafka-4']);
    expect(await rt.isNodeRunning(4)).toBe(false);
  });

  it('refuses to add a voter or an id above MAX_NODES, and to remove a voter', async () => {
    const rt = new NativeRuntime(stack, mkdtempSync(join(tmpdir(), 'rastro-scale-')), 'off');
    await expect(rt.addBroker(2)).rejects.toThrow(`add broker 2: broker-only ids run from 4 to MAX_NODES (${stack.maxNodes})`);
    await expect(rt.addBroker(stack.maxNodes + 1)).rejects.toThrow(/broker-only ids run from 4/);
    await expect(rt.removeBroker(3)).rejects.toThrow('remove broker 3: it is a KRaft voter (1..NODE_COUNT), which make scale never removes');
  });
});

describe('kafka-cluster: connection options after its subcommand', () => {
  it('withClientOptions puts them first for most tools, after the subcommand for kafka-cluster', () => {
    expect(withClientOptions('kafka-topics', ['--command-config', 'c'], ['--list'])).toEqual(['--command-config', 'c', '--list']);
    expect(withClientOptions('kafka-cluster', ['--command-config', 'c'], ['unregister', '--id', '4'])).toEqual(['unregister', '--command-config', 'c', '--id', '4']);
    expect(withClientOptions('kafka-cluster', ['--command-config', 'c'], [])).toEqual(['--command-config', 'c']);
  });

  it('the kafka-cluster wrapper inserts --bootstrap-server and --command-config after the subcommand, as the tool reads them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rastro-wrappers-'));
    writeToolWrappers({ dir, what: 'test', bootstrap: 'b:1', commandConfig: () => '/s/admin.properties', launch: () => 'printf "%s\\n" "$@"' });
    const run = (tool: string, args: string[]) => spawnSync(join(dir, tool), args, { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(run('kafka-cluster', ['unregister', '--id', '4'])).toEqual(['unregister', '--command-config', '/s/admin.properties', '--bootstrap-server', 'b:1', '--id', '4']);
    // Given options are kept, none added twice; with no argument at all, nothing is added (the tool prints its usage).
    expect(run('kafka-cluster', ['unregister', '--bootstrap-server', 'x:2', '--id', '4'])).toEqual(['unregister', '--command-config', '/s/admin.properties', '--bootstrap-server', 'x:2', '--id', '4']);
    expect(run('kafka-cluster', [])).toEqual(['']);
    // Other tools are unchanged: options first.
    expect(run('kafka-topics', ['--list'])).toEqual(['--command-config', '/s/admin.properties', '--bootstrap-server', 'b:1', '--list']);
  });
});
