import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ephemeralConflicts, readEphemeralRange } from '../../scripts/lib/native/ports.ts';
import { exitWatch, startDetached, stopProcess, type ProcessSpec } from '../../scripts/lib/native/processes.ts';
import { NativeRuntime } from '../../scripts/lib/native/runtime.ts';
import { waitForRedis } from '../../scripts/lib/readiness.ts';
import { loadStack } from '../../shared/stack.ts';

// Not pure logic: a real redis-server that cannot start. Kept with the unit tests because it needs no
// stack and takes a second.
const dirs: string[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A port held by this test: it accepts and drops connections, so a probe fails fast instead of hanging. */
async function holdPort(): Promise<number> {
  const server = net.createServer((sock) => sock.destroy());
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

describe('a service that dies while up waits for it', () => {
  it('is reported at once, named, with the last lines of its log', async () => {
    const port = await holdPort();
    const dir = mkdtempSync(join(tmpdir(), 'rastro-start-failure-'));
    dirs.push(dir);
    // No `ports` pre-check on purpose: the port is taken between the check and the bind (what an
    // outgoing connection in the ephemeral range does).
    const spec: ProcessSpec = {
      name: 'redis', command: 'redis-server', args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      cwd: dir, marker: dir, logFile: join(dir, 'redis.log'), pidFile: join(dir, 'redis.pid'),
    };
    await startDetached(spec);
    const t0 = Date.now();
    const err = await waitForRedis({ url: `redis://127.0.0.1:${port}` }, 60_000, { guard: exitWatch([spec]) }).then(() => undefined, (e: Error) => e);
    await stopProcess(spec, 5_000);
    expect(err?.message).toMatch(/^redis exited while starting; last lines of .*redis\.log:\n/);
    expect(err?.message).toMatch(/\| .*Address already in use/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('up refuses ports in the kernel\'s ephemeral range before starting anything', async () => {
    const range = readEphemeralRange();
    if (range === undefined) return; // not Linux: nothing to check against
    const offset = range[0] - 19_000; // puts the highest ports (kafka's, ~19xxx) inside the range
    const dir = mkdtempSync(join(tmpdir(), 'rastro-ephemeral-'));
    dirs.push(dir);
    const rt = new NativeRuntime(loadStack({ portOffset: offset }), dir);
    expect(ephemeralConflicts(rt.allPorts(), range).length).toBeGreaterThan(0);
    await expect(rt.up(() => {})).rejects.toThrow(/lie in the kernel's ephemeral port range .*choose RASTRO_PORT_OFFSET \(now \d+\) so every port stays below \d+: at most \d+/);
  });
});
