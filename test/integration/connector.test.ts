import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectClient, loadConnectorConfig } from '../../scripts/lib/connect.ts';
import { Evidence } from '../../scripts/lib/evidence.ts';
import { deployConnector } from '../../scripts/lib/steps.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { runScript, stderrProblems } from './exec.ts';
import { forceStaleUnassigned, readWholeTopic } from './helpers.ts';
import { TEST_ENV, testRuntime } from './stack.ts';

let rt: Runtime;
let client: ConnectClient;
let name: string;
let tasks: number;

beforeAll(async () => {
  rt = await testRuntime();
  client = new ConnectClient(rt.access.connect());
  name = rt.stack.connect.connectorName;
  tasks = Number(loadConnectorConfig(rt.stack)['tasks.max']);
});

/** Offset of the newest connector status record: it moves whenever the worker (re)starts the connector. */
async function lastConnectorStatusOffset(): Promise<bigint> {
  const key = `status-connector-${name}`;
  const mine = (await readWholeTopic(rt, rt.stack.connect.statusTopic)).filter((r) => r.key?.toString() === key);
  const last = mine.at(-1);
  if (last === undefined) throw new Error(`no ${key} record in ${rt.stack.connect.statusTopic}`);
  return last.offset;
}

describe('connector deployment (make up)', () => {
  it('a second make up finds the config unchanged, sends nothing and does not restart the connector', async () => {
    const before = await lastConnectorStatusOffset();
    const r = await runScript('scripts/up.mjs', [], { env: { ...process.env, ...TEST_ENV }, timeoutMs: 240_000 });
    expect(stderrProblems(r.stderr)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('connector config unchanged');
    expect(r.stdout).toContain(`connector ${name} RUNNING with ${tasks} tasks`);
    expect(await lastConnectorStatusOffset()).toBe(before);
  });

  it('sends a changed config, names the change, and Connect restarts the connector', async () => {
    const config = loadConnectorConfig(rt.stack);
    const before = await lastConnectorStatusOffset();
    try {
      const changed = await client.applyConfig(name, { ...config, 'errors.log.include.messages': 'false' });
      expect(changed).toEqual({ outcome: 'updated', changes: [{ key: 'errors.log.include.messages', from: 'true', to: 'false' }] });
      // The measure the test above relies on does see a restart: a new status record appears...
      await waitFor(async () => (await lastConnectorStatusOffset()) > before, { what: `a new status record of connector ${name}`, timeoutMs: 60_000 });
      // ...and only then is RUNNING the restarted connector's state, not the one from before the PUT.
      await client.waitRunning(name, tasks);
    } finally {
      // Restores the file's config whatever happened above; asserting here would hide the first error.
      await client.applyConfig(name, config);
      await client.waitRunning(name, tasks);
    }
    expect(await client.applyConfig(name, config)).toEqual({ outcome: 'unchanged', changes: [] });
  });

  it('resumes a connector left STOPPED (an interrupted rebuild-redis) and says so', async () => {
    await client.stop(name);
    await client.waitStopped(name);
    try {
      await deployConnector(rt, Evidence.silent('connector-test'), { timeoutMs: 30_000 });
      const s = await client.status(name);
      expect([s.connector.state, ...s.tasks.map((t) => t.state)]).toEqual(['RUNNING', ...Array(tasks).fill('RUNNING')]);
    } finally {
      // The files after this one need a running sink, whatever happened above.
      await client.resume(name);
      await client.waitRunning(name, tasks);
    }
  });

  it('recovers from a stale UNASSIGNED connector status by restarting the connector, and says so', async () => {
    await forceStaleUnassigned(rt, client, name, tasks);
    // Stuck, not slow: without the recovery the wait times out on exactly the failure of issue 8.
    await expect(client.waitRunning(name, tasks, { staleAfterMs: Number.POSITIVE_INFINITY, timeoutMs: 8000 })).rejects.toThrow(/timed out .* \(last: connector UNASSIGNED, tasks \[0:RUNNING 1:RUNNING 2:RUNNING\]\)/);
    const logged: string[] = [];
    const { status, recoveries } = await client.waitRunning(name, tasks, { staleAfterMs: 2000, timeoutMs: 60_000, log: (l) => logged.push(l) });
    expect(status.connector.state).toBe('RUNNING');
    expect(status.tasks.map((t) => t.state)).toEqual(Array(tasks).fill('RUNNING'));
    expect(recoveries).toHaveLength(1);
    expect(logged).toEqual(recoveries);
    expect(recoveries[0]).toMatch(new RegExp(`connector ${name} read UNASSIGNED for \\d+ s while its ${tasks} tasks were RUNNING .*POST /connectors/${name}/restart`));
  });
});
