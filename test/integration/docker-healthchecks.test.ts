import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeModel } from '../../scripts/lib/docker/compose-model.ts';
import { composeLocalVars } from '../../scripts/lib/docker/runtime.ts';
import { SECRETS_MOUNT } from '../../scripts/lib/docker/secret-volumes.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { loadStack } from '../../shared/stack.ts';
import { testRuntime } from './stack.ts';

/**
 * compose.yml's healthchecks run where no container can (no registry here): the same command, under
 * Debian's BusyBox wget (the Alpine images' wget), against the live native service of the test stack
 * (security on), with only the container's port and secrets path mapped to the native ones.
 */
let rt: Runtime;
const bin = mkdtempSync(join(tmpdir(), 'rastro-busybox-'));
const stack = loadStack();
const model = composeModel(true, new Map([...stack.vars, ...composeLocalVars(stack, 'on')]));
const plainModel = composeModel(false, new Map([...stack.vars, ...composeLocalVars(stack, 'off')]));

beforeAll(async () => {
  rt = await testRuntime();
  symlinkSync('/usr/bin/busybox', join(bin, 'wget'));
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** A CMD-SHELL healthcheck run here: the container's secrets and port mapped to the native stack's. */
function runCheck(test: string[], containerPort: number, hostPort: number): { status: number | null; output: string } {
  expect(test[0]).toBe('CMD-SHELL');
  const cmd = (test[1] as string).replaceAll(SECRETS_MOUNT, rt.access.secrets.dir).replaceAll(`127.0.0.1:${containerPort}`, `127.0.0.1:${hostPort}`);
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return { status: r.status, output: `${cmd}\n${r.stdout}${r.stderr}` };
}

describe('the docker healthchecks, under BusyBox wget against the live native services', () => {
  it('uses BusyBox wget here', () => {
    const r = spawnSync('sh', ['-c', 'wget --help 2>&1'], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(r.stdout).toMatch(/BusyBox/);
  });

  it('Connect is healthy with the Authorization header read from its file, and not without it', () => {
    const ok = runCheck(model.services.connect.healthcheck.test, 8083, rt.stack.ports.connect);
    expect(ok.status, ok.output).toBe(0);
    // The check without the header (SECURITY=off's) is refused by the secured REST API: the header is what passes.
    const refused = runCheck(plainModel.services.connect.healthcheck.test, 8083, rt.stack.ports.connect);
    expect(refused.status, refused.output).not.toBe(0);
    // What the check used to run: BusyBox wget has no --user/--password.
    const old = runCheck(['CMD-SHELL', `wget -qO- --user admin --password "$(cat ${SECRETS_MOUNT}/connect-rest.password)" http://127.0.0.1:8083/connector-plugins > /dev/null`], 8083, rt.stack.ports.connect);
    expect(old.status, old.output).not.toBe(0);
    expect(old.output).toMatch(/unrecognized option|invalid option/);
  });

  it("Redis answers the exporter's ping as the check sends it", () => {
    const test = model.services.redis.healthcheck.test as string[];
    const withPort = ['CMD-SHELL', (test[1] as string).replace('-h 127.0.0.1', `-h 127.0.0.1 -p ${rt.stack.ports.redis}`)];
    const r = runCheck(withPort, 6379, rt.stack.ports.redis);
    expect(r.status, r.output).toBe(0);
  });
});
