import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { withAdmin } from '../../scripts/lib/kafka-admin.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { CONSUME_CLIENT } from '../../shared/security.ts';
import { ROOT } from '../../shared/stack.ts';
import { runScript } from './exec.ts';
import { findInTopic, sendRaw } from './helpers.ts';
import { TEST_ENV, testRuntime } from './stack.ts';

/** A command on a terminal (util-linux `script` gives it a pseudo-terminal), as a user runs it. */
function onTerminal(command: string, env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('colour', () => {
  it('make status on a terminal is coloured, and with NO_COLOR=1 holds no escape sequence at all', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...TEST_ENV, TERM: 'xterm-256color' };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const coloured = onTerminal('./scripts/status.mjs', env);
    expect(coloured.status, coloured.output).toBe(0);
    expect(coloured.output).toContain('\x1b[');
    const plain = onTerminal('./scripts/status.mjs', { ...env, NO_COLOR: '1' });
    expect(plain.status, plain.output).toBe(0);
    expect(plain.output).toContain('== Services');
    expect(plain.output).not.toContain('\x1b');
  });
});

describe('make consume, make groups, make dlq on the real stack', () => {
  const env = { ...process.env, ...TEST_ENV, NO_COLOR: '1' };
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime();
  });
  const event = (id: string, ts: number) => JSON.stringify({ driver_id: id, latitude: -23.55, longitude: -46.63, timestamp: ts, status: 'AVAILABLE' });

  it('consume shows one key\'s records from the beginning, from an offset, and new ones from the end', async () => {
    const key = `consume-${Date.now()}`;
    const sent = await sendRaw(rt, rt.stack.topics.locations, [1, 2, 3].map((i) => ({ key, value: event(key, Date.now() + i) })));
    const offsets = sent.map((m) => String(m.baseOffset));
    const all = await runScript('scripts/consume.mjs', ['--key', key, '--limit', '10'], { env, timeoutMs: 120_000 });
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.stdout).toContain(`driver-locations: 3 record(s) from beginning with key ${key}`);
    const rows = all.stdout.split('\n').filter((l) => l.includes(key) && l.includes('{'));
    expect(rows.map((l) => l.trim().split(/\s+/)[1])).toEqual(offsets);
    // From the second record's offset: that partition starts there.
    const partial = await runScript('scripts/consume.mjs', ['--key', key, '--from', offsets[1] as string], { env, timeoutMs: 120_000 });
    expect(partial.stdout).toContain('2 record(s)');
    // From the end: only what arrives while it waits.
    const later = `${key}-later`;
    const follow = runScript('scripts/consume.mjs', ['--key', later, '--from', 'end', '--limit', '1', '--wait', '60'], { env, timeoutMs: 120_000 });
    // Its group exists once it has read the end offsets (before it joins): anything sent now is after them.
    await waitFor(async () => (await groupIds(rt)).some((g) => g.startsWith(`${CONSUME_CLIENT}-`)), { what: 'make consume to join', timeoutMs: 60_000 });
    await sendRaw(rt, rt.stack.topics.locations, [{ key: later, value: event(later, Date.now()) }]);
    const got = await follow;
    expect(got.exitCode, got.stderr).toBe(0);
    expect(got.stdout).toContain(`1 record(s) from end with key ${later}`);
    // Its throw-away groups are gone.
    expect((await groupIds(rt)).filter((g) => g.startsWith(`${CONSUME_CLIENT}-`))).toEqual([]);
    const bad = await runScript('scripts/consume.mjs', ['--from', 'yesterday'], { env, timeoutMs: 60_000 });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--from yesterday: expected beginning, end or an offset');
  });

  it("groups lists the sink's group per partition with its lag", async () => {
    const r = await runScript('scripts/groups.mjs', [], { env, timeoutMs: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const sink = r.stdout.split('\n').filter((l) => l.startsWith(`connect-${rt.stack.connect.connectorName} `) && l.includes(rt.stack.topics.locations));
    expect(sink).toHaveLength(6);
    // The partitions it committed on: lag = end − committed ('-' where it has committed nothing yet).
    const committed = sink.map((l) => l.trim().split(/\s+/)).filter((f) => f[5] !== '-');
    expect(committed.length).toBeGreaterThan(0);
    for (const f of committed) expect(Number(f[7])).toBe(Number(f[6]) - Number(f[5]));
  });

  it('dlq shows a bad record with its reason and where it came from', async () => {
    const key = `dlq-${Date.now()}`;
    const [sent] = await sendRaw(rt, rt.stack.topics.locations, [{ key, value: `not json ${key}` }]);
    await findInTopic(rt, rt.stack.topics.dlq, key, 1);
    const r = await runScript('scripts/dlq.mjs', ['--limit', '100000'], { env, timeoutMs: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes(key));
    expect(line).toBeDefined();
    expect(line).toContain(`${rt.stack.topics.locations}-${sent?.partition}@${sent?.baseOffset}`);
    expect(line).toMatch(/JSON|json|parse/);
  });
});

async function groupIds(rt: Runtime): Promise<string[]> {
  return withAdmin(rt.access.kafka('admin'), async (a) => (await a.listGroups()).groups.map((g) => g.groupId));
}
