import { beforeAll, describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { secretVolumes } from '../../scripts/lib/docker/secret-volumes.ts';
import type { Runtime } from '../../scripts/lib/runtime/types.ts';
import { SECRET_FILES } from '../../shared/security.ts';
import { ROOT } from '../../shared/stack.ts';
import { runScript } from './exec.ts';
import { TEST_ENV, TEST_RUNTIME, testRuntime } from './stack.ts';

/**
 * `make test-docker` only (RASTRO_TEST_RUNTIME=docker, on a host with Docker Engine 25+, Compose 2.24.1+
 * and a registry): the compose stack end to end. This project's CI has no registry, so there it is
 * skipped; what it can prove without one is in docker-engine, docker-healthchecks and compose tests.
 */
const docker = TEST_RUNTIME === 'docker';
let rt: Runtime;
const env = { ...process.env, ...TEST_ENV };

beforeAll(async () => {
  rt = await testRuntime();
});

describe.runIf(docker)('the docker runtime, end to end', () => {
  it('gives each container exactly its secrets, as its image user, and the CA key to none', async () => {
    const q = $({ cwd: ROOT, quiet: true });
    for (const v of secretVolumes(rt.stack)) {
      for (const service of v.services) {
        // A scratch image (no shell to look with): docker-engine.test.ts reads its volume as its uid.
        if (service === 'redis-exporter') continue;
        const r = await q`docker compose exec -T ${service} sh -c ${'id -u; ls -A /etc/rastro/secrets; cat /etc/rastro/secrets/* > /dev/null && echo readable'}`;
        const [uid, ...rest] = r.stdout.trim().split('\n');
        // redis's healthcheck and exec run as root; its server, as 999, reads the ACL file at start (it is up).
        if (service !== 'redis') expect(Number(uid), service).toBe(v.owner.uid);
        expect(rest.at(-1), service).toBe('readable');
        expect(rest.slice(0, -1).sort(), service).toEqual([...v.files].sort());
        expect(rest, service).not.toContain(SECRET_FILES.caKey);
      }
    }
  });

  it('make demo: the mirror check passes', async () => {
    const r = await runScript('scripts/demo.mjs', ['--drivers', '50', '--events', '2000', '--rate', '500'], { env, timeoutMs: 600_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PASS/);
  });

  it('make chaos: a broker stopped under load, zero lost updates, and Grafana pictures', async () => {
    const r = await runScript('scripts/chaos.mjs', ['--hold', '10', '--warmup', '10', '--rate', '200', '--drivers', '50'], { env, timeoutMs: 600_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/records lost\s+0 /);
    expect(r.stdout).toMatch(/verdict\s+PASS/);
  });
});

describe.skipIf(docker)('the docker runtime, end to end', () => {
  it.skip('skipped: make test-docker runs it (a host with Docker Engine 25+, Compose 2.24.1+ and a registry)', () => {});
});
