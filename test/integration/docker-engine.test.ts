import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProducerMetrics } from '../../producer/src/index.ts';
import { composeModel } from '../../scripts/lib/docker/compose-model.ts';
import { engineView, metricsHostFor } from '../../scripts/lib/docker/host-gateway.ts';
import { composeLocalVars, SECRETS_DIR_REL } from '../../scripts/lib/docker/runtime.ts';
import { SECRETS_MOUNT, secretVolumes, writeSecretsManifest, type SecretVolume } from '../../scripts/lib/docker/secret-volumes.ts';
import { ensureSecrets } from '../../scripts/lib/secrets-setup.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { loadStack, ROOT } from '../../shared/stack.ts';

/**
 * What the docker runtime relies on, in a real Docker Engine (Debian's docker.io; no registry, so the
 * image is BusyBox imported from busybox-static). A private daemon: its own socket, data and exec roots,
 * its own default bridge (so it never touches a docker0 the machine may have), no iptables.
 * - The secrets volumes: secrets-init runs with compose.secure.yml's user, entrypoint and mounts, then
 *   each volume is mounted as its service mounts it and read as that service's image user.
 * - The producer's /metrics, bound where the runtime binds it, answers a container on a compose-like network.
 * Where no daemon can start (not root, no dockerd) the tests are skipped with the reason; CI sets
 * RASTRO_REQUIRE_DOCKERD=1, which turns that skip into a failure.
 */
const stack = loadStack();
const model = composeModel(true, new Map([...stack.vars, ...composeLocalVars(stack, 'on')]));
const volumes = secretVolumes(stack);
const base = mkdtempSync(join(tmpdir(), 'rastro-dockerd-'));
const sock = join(base, 'docker.sock');
const IMAGE = 'rastro-test/busybox:secrets';
const prefix = `rastro-test-${process.pid}-`;
/** The daemon's default bridge, made here (Linux names: at most 15 characters). */
const BRIDGE = { name: 'rastrotest0', address: '10.213.77.1', cidr: '10.213.77.1/24' };
let dockerd: ChildProcess | undefined;
let unavailable: string | undefined;
const run = promisify(execFile);

function docker(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DOCKER_HOST: `unix://${sock}` } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error?.message ?? ''}` };
}

function must(args: string[]): string {
  const r = docker(args);
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** A private daemon (own socket, data and exec roots; no bridge, no iptables: the containers need no network). */
async function startDockerd(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'dockerd needs root, and this runs as an ordinary user';
  for (const cmd of ['dockerd', 'docker', 'busybox', 'ip']) if (!which(cmd)) return `${cmd} is not installed (Debian: docker.io, busybox-static, iproute2)`;
  spawnSync('ip', ['link', 'del', BRIDGE.name], { stdio: 'ignore' });
  for (const args of [['link', 'add', 'name', BRIDGE.name, 'type', 'bridge'], ['addr', 'add', BRIDGE.cidr, 'dev', BRIDGE.name], ['link', 'set', BRIDGE.name, 'up']]) {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) return `ip ${args.join(' ')}: ${r.stderr.trim()}`;
  }
  const log = join(base, 'dockerd.log');
  dockerd = spawn('sh', ['-c', `exec dockerd --data-root ${base}/data --exec-root ${base}/exec --pidfile ${base}/docker.pid -H unix://${sock} --iptables=false --ip6tables=false --bridge=${BRIDGE.name} > ${log} 2>&1`], { stdio: 'ignore' });
  try {
    await waitFor(async () => (dockerd?.exitCode !== null ? 'exited' : docker(['info']).status === 0), { what: 'a private dockerd to answer', timeoutMs: 60_000 });
  } catch (err) {
    return `dockerd did not start: ${(err as Error).message}; its log: ${readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ')}`;
  }
  if (dockerd.exitCode !== null) return `dockerd exited at once (${dockerd.exitCode}): ${readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ')}`;
  return undefined;
}

/** An image of BusyBox alone (the Alpine images' shell and tools), made here: no registry is reachable. */
function importBusybox(): void {
  const root = join(base, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  spawnSync('cp', [spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim(), join(root, 'bin', 'busybox')]);
  // nc, not wget, for HTTP: a static glibc BusyBox's wget crashes without the NSS libraries an image would have.
  for (const tool of ['sh', 'cat', 'cp', 'chown', 'chmod', 'mv', 'rm', 'ls', 'wc', 'id', 'nc', 'printf']) symlinkSync('busybox', join(root, 'bin', tool));
  // Whatever umask this process has (a native stack started here sets 077): every image user runs these.
  for (const p of [root, join(root, 'bin'), join(root, 'bin', 'busybox')]) chmodSync(p, 0o755);
  const tar = join(base, 'rootfs.tar');
  spawnSync('tar', ['-C', root, '-cf', tar, '.']);
  must(['import', tar, IMAGE]);
}

/** A compose volume entry with this test's paths: the secrets directory, the repository, the volume names. */
function asRun(mount: string, src: string): string {
  const [from, ...rest] = mount.split(':');
  const host = from === SECRETS_DIR_REL ? src : from?.startsWith('./') ? join(ROOT, from) : `${prefix}${from}`;
  return [host, ...rest].join(':');
}

const src = join(base, 'secrets');

beforeAll(async () => {
  unavailable = await startDockerd();
  if (unavailable !== undefined) {
    if (process.env.RASTRO_REQUIRE_DOCKERD === '1') throw new Error(`RASTRO_REQUIRE_DOCKERD=1, but ${unavailable}`);
    console.warn(`docker engine tests skipped: ${unavailable}`);
    return;
  }
  importBusybox();
  await ensureSecrets(stack, { dir: src, mountedAt: SECRETS_MOUNT, redisHostPort: 'redis:6379' }, () => {});
  writeSecretsManifest(stack, src);
  for (const v of volumes) must(['volume', 'create', `${prefix}${v.name}`]);
  // secrets-init as compose.secure.yml runs it.
  const init = model.services['secrets-init'];
  const [entry, ...args] = init.entrypoint as string[];
  must(['run', '--rm', '--user', init.user, '--network', init.network_mode, ...(init.volumes as string[]).flatMap((m) => ['-v', asRun(m, src)]), '--entrypoint', entry as string, IMAGE, ...args]);
}, 180_000);

afterAll(async () => {
  if (dockerd !== undefined && dockerd.exitCode === null) {
    for (const v of volumes) docker(['volume', 'rm', '-f', `${prefix}${v.name}`]);
    const exited = new Promise((r) => dockerd?.once('exit', r));
    dockerd.kill('SIGTERM');
    await exited;
  }
  spawnSync('ip', ['link', 'del', BRIDGE.name], { stdio: 'ignore' });
  if (existsSync(base)) rmSync(base, { recursive: true, force: true });
}, 60_000);

/** Runs `script` in a container of `service`'s volume, mounted as the service mounts it, as `user`. */
function readAs(service: string, user: { uid: number; gid: number }, script: string): { status: number | null; stdout: string; stderr: string } {
  const mount = (model.services[service].volumes as string[]).find((m) => m.split(':')[1] === SECRETS_MOUNT) as string;
  return docker(['run', '--rm', '--network', 'none', '--user', `${user.uid}:${user.gid}`, '-v', asRun(mount, src), IMAGE, 'sh', '-c', script]);
}

describe('the secrets volumes in a real Docker Engine', () => {
  const consumers = volumes.flatMap((v) => v.services.map((s) => [s, v] as [string, SecretVolume]));

  // Where no daemon could start, each test is reported skipped (not passed).
  it.for(consumers)('%s reads every file of its volume as its image user, and the volume holds nothing else', ([service, v], { skip }) => {
    if (unavailable !== undefined) return skip(unavailable);
    const r = readAs(service, v.owner, `cd ${SECRETS_MOUNT} && for f in ${v.files.join(' ')}; do cat "$f" > /dev/null || exit 1; done && ls -A`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual([...v.files].sort());
  });

  it("no other image user reads a service's volume", ({ skip }) => {
    if (unavailable !== undefined) return skip(unavailable);
    const kafka = volumes.find((v) => v.name === 'secrets-kafka') as SecretVolume;
    const redis = volumes.find((v) => v.name === 'secrets-redis') as SecretVolume;
    const asRedis = readAs('kafka-1', redis.owner, `cat ${SECRETS_MOUNT}/node.pem`);
    expect(asRedis.status).not.toBe(0);
    expect(asRedis.stderr).toMatch(/Permission denied/);
    const asKafka = readAs('redis', kafka.owner, `cat ${SECRETS_MOUNT}/redis-users.acl`);
    expect(asKafka.status).not.toBe(0);
    expect(asKafka.stderr).toMatch(/Permission denied/);
    // Read-only: not even the owner can change what secrets-init put there.
    const write = readAs('redis', redis.owner, `echo x > ${SECRETS_MOUNT}/redis-users.acl`);
    expect(write.status).not.toBe(0);
  });
});

describe("the producer's /metrics for Prometheus in compose", () => {
  it('binds the address host-gateway is, not every interface, and a container on a compose network scrapes it', async ({ skip }) => {
    if (unavailable !== undefined) return skip(unavailable);
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${sock}`;
    let host: string;
    try {
      host = metricsHostFor(await engineView());
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
    expect(host).toBe(BRIDGE.address);
    const metrics = new ProducerMetrics();
    metrics.sent.inc(7);
    const server = await metrics.serve(0, host);
    const port = (server.address() as AddressInfo).port;
    const network = `${prefix}default`;
    must(['network', 'create', network]);
    try {
      // What compose.yml gives Prometheus: host.docker.internal → host-gateway.
      const hosts = must(['run', '--rm', '--network', network, '--add-host', 'host.docker.internal:host-gateway', IMAGE, 'cat', '/etc/hosts']);
      expect(hosts).toMatch(new RegExp(`^${host.replaceAll('.', '\\.')}\\s+host\\.docker\\.internal$`, 'm'));
      // Asynchronously: the server answering is in this process.
      const scrape = (await run('docker', ['run', '--rm', '--network', network, IMAGE, 'sh', '-c', `printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${host} ${port}`], { timeout: 60_000, env: { ...process.env, DOCKER_HOST: `unix://${sock}` } })).stdout;
      expect(scrape).toMatch(/^rastro_producer_events_sent_total 7$/m);
    } finally {
      server.close();
      docker(['network', 'rm', network]);
    }
  });
});
