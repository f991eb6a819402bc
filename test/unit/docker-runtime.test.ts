import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGrafanaLogin, GRAFANA_ENV_REL, readGrafanaLogin } from '../../scripts/lib/docker/grafana-login.ts';
import { metricsHostFor } from '../../scripts/lib/docker/host-gateway.ts';
import { DockerRuntime } from '../../scripts/lib/docker/runtime.ts';
import { loadStack, ROOT } from '../../shared/stack.ts';

/**
 * The docker runtime's lifecycle against a stand-in `docker` on PATH that records each call and
 * whether compose's .env existed then (no engine runs here). The real .env is set aside and put back.
 */
const bin = mkdtempSync(join(tmpdir(), 'rastro-docker-'));
const calls = join(bin, 'calls.log');
const envFile = join(ROOT, '.env');
const kept = join(bin, 'env.kept');
const path = process.env.PATH;

beforeAll(() => {
  if (existsSync(envFile)) renameSync(envFile, kept);
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\nif [ -f "${envFile}" ]; then e=yes; else e=no; fi\necho "$* .env=$e" >> "${calls}"\ncase "$*" in "compose up"*) exit 1;; esac\nexit 0\n`);
  chmodSync(join(bin, 'docker'), 0o755);
  process.env.PATH = `${bin}:${path}`;
});

afterAll(() => {
  process.env.PATH = path;
  rmSync(envFile, { force: true });
  if (existsSync(kept)) renameSync(kept, envFile);
  rmSync(bin, { recursive: true, force: true });
});

describe('docker runtime: make up on a host that never ran it', () => {
  it('writes everything compose interpolates before its first docker compose call', async () => {
    const rt = new DockerRuntime(loadStack(), 'off');
    // The stand-in fails `compose up`: the calls before it are the ones under test.
    await expect(rt.up(() => {})).rejects.toThrow(/exit code: 1/);
    const lines = readFileSync(calls, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^compose ps .*\.env=yes$/);
    expect(lines.at(-1)).toMatch(/^compose up /);
    expect(lines.every((l) => l.endsWith('.env=yes'))).toBe(true);
    // Grafana's generated login is in its own 0600 file, which compose names; .env holds no password.
    const login = readGrafanaLogin();
    expect(login?.password).toMatch(/^[\w-]{16}$/);
    expect(statSync(join(ROOT, GRAFANA_ENV_REL)).mode & 0o777).toBe(0o600);
    const dotEnv = readFileSync(envFile, 'utf8');
    expect(dotEnv).toContain(`GRAFANA_ENV_FILE=${GRAFANA_ENV_REL}`);
    expect(dotEnv).not.toContain(login?.password as string);
  });

  it("keeps Grafana's login once made, and one an older .env held", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rastro-grafana-'));
    ensureGrafanaLogin(new Map([['GRAFANA_ADMIN_USER', 'ops'], ['GRAFANA_ADMIN_PASSWORD', 'from-old-env']]), dir);
    expect(readGrafanaLogin(dir)).toEqual({ user: 'ops', password: 'from-old-env' });
    ensureGrafanaLogin(new Map(), dir);
    expect(readGrafanaLogin(dir)).toEqual({ user: 'ops', password: 'from-old-env' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the Kafka tools in a broker container with a small JVM', async () => {
    writeFileSync(calls, '');
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$*" >> "${calls}"\ncase "$*" in "compose ps"*) echo kafka-2;; esac\nexit 0\n`);
    const r = await new DockerRuntime(loadStack(), 'off').kafkaCli('kafka-topics', ['--list']);
    expect(r.display).toBe('docker compose exec kafka-2 /opt/kafka/bin/kafka-topics.sh --list');
    expect(readFileSync(calls, 'utf8')).toContain('compose exec -T -e KAFKA_HEAP_OPTS=-Xmx256m -e KAFKA_JVM_PERFORMANCE_OPTS=-XX:TieredStopAtLevel=1 kafka-2 /opt/kafka/bin/kafka-topics.sh --list');
  });

  it('puts kafka-cluster\'s client config after its subcommand, where the tool reads it', async () => {
    writeFileSync(calls, '');
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$*" >> "${calls}"\ncase "$*" in "compose ps"*) echo kafka-1;; esac\nexit 0\n`);
    const r = await new DockerRuntime(loadStack(), 'on').kafkaCli('kafka-cluster', ['unregister', '--id', '4']);
    expect(r.display).toBe('docker compose exec kafka-1 /opt/kafka/bin/kafka-cluster.sh unregister --command-config /etc/rastro/secrets/kafka-admin.properties --id 4');
  });

  it('refuses make scale before anything starts: compose.yml has no broker-only services', async () => {
    const rt = new DockerRuntime(loadStack(), 'off');
    expect(rt.nodes()).toEqual([1, 2, 3]);
    expect(rt.scaleRefusal()).toBe('make scale runs on the native runtime only: compose.yml defines the 3 KRaft voters and no broker-only services (run it without RUNTIME=docker)');
    await expect(rt.addBroker(4)).rejects.toThrow(/^add broker 4: make scale runs on the native runtime only/);
  });

  it('refuses REDIS_MODE=cluster before anything starts: compose.yml has one Redis service', async () => {
    const rt = new DockerRuntime(loadStack({ env: { REDIS_MODE: 'cluster' } }), 'off');
    await expect(rt.up(() => {})).rejects.toThrow('REDIS_MODE=cluster runs on the native runtime only: compose.yml defines one Redis service');
  });
});

describe("Kafka's tools in docker: the same names, through docker compose exec", () => {
  it('runs the image script in the first running broker, as the tool\'s principal, options first', () => {
    const fake = mkdtempSync(join(tmpdir(), 'rastro-fake-docker-'));
    const log = join(fake, 'calls');
    try {
      // kafka-1 is down (its exec fails), kafka-2 answers.
      writeFileSync(join(fake, 'docker'), `#!/bin/sh\necho "$*" >> "${log}"\ncase "$*" in *"kafka-1 true"*) exit 1;; esac\nexit 0\n`, { mode: 0o755 });
      const rt = new DockerRuntime(loadStack(), 'on');
      rt.writeKafkaTools();
      const r = spawnSync(join(rt.toolsDir, 'kafka-metadata-quorum'), ['describe', '--status'], { env: { ...process.env, PATH: `${fake}:${process.env.PATH ?? ''}` }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const last = readFileSync(log, 'utf8').trim().split('\n').at(-1);
      expect(last).toBe(`compose exec -T -e KAFKA_HEAP_OPTS=-Xmx256m -e KAFKA_JVM_PERFORMANCE_OPTS=-XX:TieredStopAtLevel=1 kafka-2 /opt/kafka/bin/kafka-metadata-quorum.sh --command-config /etc/rastro/secrets/kafka-monitor.properties --bootstrap-server ${rt.cliBootstrap} describe --status`);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});

describe("where the producer serves /metrics for the docker runtime's Prometheus", () => {
  const nic = (address: string) => [{ address, family: 'IPv4', netmask: '255.255.0.0', internal: false, mac: '', cidr: null } as never];
  it("is the host's loopback on Docker Desktop, the default bridge's address on a Linux engine, never 0.0.0.0", () => {
    expect(metricsHostFor({ operatingSystem: 'Docker Desktop' })).toBe('127.0.0.1');
    expect(metricsHostFor({ operatingSystem: 'Debian GNU/Linux 12 (bookworm)', bridgeGateway: '172.17.0.1' })).toBe('172.17.0.1');
    // Engines that leave IPAM's gateway empty (20.10): the address of the bridge's interface.
    expect(metricsHostFor({ operatingSystem: 'Ubuntu 24.04', bridgeInterface: 'docker0' }, { docker0: nic('172.17.0.1'), eth0: nic('192.168.1.20') })).toBe('172.17.0.1');
  });

  it('says what is wrong when the engine has no default bridge on this host', () => {
    expect(() => metricsHostFor({ operatingSystem: 'Fedora', bridgeInterface: 'docker0' }, { eth0: nic('192.168.1.20') })).toThrow(/default bridge \(docker0\) has no IPv4 address on this host/);
  });
});
