import { describe, expect, it } from 'vitest';
import { ephemeralConflicts, parsePortRange } from '../../scripts/lib/native/ports.ts';
import { parseJavaMajor, planSetup, type Probe } from '../../scripts/lib/prereqs.mjs';
import { decideRuntime, RUNTIME_LINE } from '../../scripts/lib/runtime/pick.mjs';

/** A machine described by what is on its PATH; defaults: a fresh Debian 12 as root with Java 17 and Node 20. */
function machine(onPath: string[], over: Partial<Probe> = {}): Probe {
  const cmds = new Set(onPath);
  return {
    platform: 'linux', osIds: ['debian'], isRoot: true, has: (c: string) => cmds.has(c), javaMajor: 17, javac: true,
    nodeVersion: '20.19.2', nodeModulesFresh: true, runtime: 'native', ...over,
  };
}
const EVERYTHING = ['apt-get', 'npm', 'redis-server', 'redis-cli', 'prometheus', 'promtool', 'prometheus-redis-exporter', 'chromium', 'ffmpeg', 'ffprobe', 'espeak-ng', 'tesseract', 'busybox', 'curl'];

describe('prerequisite check: what is missing → what to run', () => {
  it('installs every Debian package on a fresh machine, after one apt-get update, then npm ci', () => {
    const plan = planSetup('test', machine(['apt-get', 'npm'], { nodeModulesFresh: false }));
    expect(plan.fatal).toEqual([]);
    expect(plan.missing.map((m) => m.cmd)).toEqual(['redis-server', 'redis-cli', 'prometheus', 'promtool', 'prometheus-redis-exporter', 'chromium', 'ffmpeg', 'ffprobe', 'espeak-ng', 'tesseract', 'busybox', 'curl']);
    expect(plan.commands).toEqual([
      ['apt-get', 'update', '-qq'],
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'redis-server', 'redis-tools', 'prometheus', 'prometheus-redis-exporter', 'chromium', 'ffmpeg', 'espeak-ng', 'tesseract-ocr', 'busybox-static', 'curl'],
      ['npm', 'ci', '--no-audit', '--no-fund'],
    ]);
  });

  it('runs nothing when everything is there', () => {
    expect(planSetup('test', machine(EVERYTHING))).toEqual({ missing: [], commands: [], fatal: [] });
  });

  it('installs only the package of the one missing command, and wget will do for curl', () => {
    const plan = planSetup('up', machine([...EVERYTHING.filter((c) => c !== 'redis-cli' && c !== 'curl'), 'wget']));
    expect(plan.commands).toEqual([['apt-get', 'update', '-qq'], ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'redis-tools']]);
  });

  it('asks for chromium and promtool only where they are used', () => {
    const bare = ['apt-get', 'npm', 'redis-server', 'redis-cli', 'prometheus', 'prometheus-redis-exporter', 'curl'];
    expect(planSetup('up', machine(bare)).missing).toEqual([]);
    expect(planSetup('demo', machine(bare)).missing.map((m) => m.cmd)).toEqual(['chromium']);
    expect(planSetup('test', machine(bare)).missing.map((m) => m.cmd)).toEqual(['promtool', 'chromium', 'ffmpeg', 'ffprobe', 'espeak-ng', 'tesseract', 'busybox']);
  });

  it('make video: the demo\'s tools plus ffmpeg, espeak-ng and tesseract, on the native stack even where docker runs', () => {
    const bare = ['apt-get', 'npm', 'redis-server', 'redis-cli', 'prometheus', 'prometheus-redis-exporter', 'chromium', 'curl'];
    const plan = planSetup('video', machine(bare, { runtime: 'docker' }));
    expect(plan.missing.map((m) => m.cmd)).toEqual(['ffmpeg', 'ffprobe', 'espeak-ng', 'tesseract']);
    expect(plan.commands[1]?.slice(-3)).toEqual(['ffmpeg', 'espeak-ng', 'tesseract-ocr']);
    expect(planSetup('video', machine(EVERYTHING, { javaMajor: undefined })).fatal[0]).toMatch(/^Java 17/);
  });

  it('make bench: kcat and the stack\'s tools, on its private native stack even where docker runs', () => {
    const plan = planSetup('bench', machine(['apt-get', 'npm', 'curl'], { runtime: 'docker' }));
    expect(plan.missing.map((m) => m.cmd)).toEqual(['redis-server', 'redis-cli', 'prometheus', 'prometheus-redis-exporter', 'chromium', 'kcat']);
    expect(plan.commands.at(-1)).toContain('kcat');
    expect(planSetup('bench', machine(EVERYTHING, { javaMajor: undefined })).fatal[0]).toMatch(/^Java 17/);
  });

  it('goes through sudo when not root, and says what to run as root when there is no sudo', () => {
    const withSudo = planSetup('up', machine(['apt-get', 'npm', 'sudo', 'curl'], { isRoot: false }));
    expect(withSudo.commands[0]).toEqual(['sudo', 'apt-get', 'update', '-qq']);
    expect(withSudo.commands[1]?.slice(0, 3)).toEqual(['sudo', 'env', 'DEBIAN_FRONTEND=noninteractive']);
    const noSudo = planSetup('up', machine(['apt-get', 'npm', 'curl'], { isRoot: false }));
    expect(noSudo.commands).toEqual([]);
    expect(noSudo.fatal[0]).toContain('apt-get install -y redis-server redis-tools prometheus prometheus-redis-exporter');
  });

  it('on macOS and Fedora names the missing tools and that system\'s packages instead of running anything', () => {
    const mac = planSetup('demo', machine(['npm', 'curl'], { platform: 'darwin', osIds: [] }));
    expect(mac.commands).toEqual([]);
    expect(mac.fatal[0]).toMatch(/^missing: redis-server .*chromium/);
    expect(mac.fatal[0]).toContain('brew install redis prometheus redis_exporter && brew install --cask chromium');
    // A Mac with only Docker Desktop (no Java either): the compose stack is named as the way out.
    const dockerOnly = planSetup('demo', machine(['npm', 'curl', 'docker'], { platform: 'darwin', osIds: [], javaMajor: undefined }));
    expect(dockerOnly.fatal.at(-1)).toBe('the native runtime (the default) needs the above on this machine; or run the compose stack instead: RUNTIME=docker make demo');
    expect(planSetup('demo', machine(['npm', 'curl', 'docker'], { platform: 'darwin', osIds: [], javaMajor: undefined, runtime: 'docker' })).fatal).toEqual([]);
    const fedora = planSetup('up', machine(['npm', 'dnf', 'curl'], { osIds: ['fedora'] }));
    expect(fedora.fatal[0]).toContain('sudo dnf install -y redis golang-github-prometheus golang-github-oliver006-redis_exporter');
  });

  it("on Ubuntu installs no chromium through apt (it only brings the snap) and names CHROMIUM_PATH", () => {
    const ubuntu = { osIds: ['ubuntu', 'debian'] };
    const plan = planSetup('demo', machine(['apt-get', 'npm', 'redis-server', 'redis-cli', 'prometheus', 'prometheus-redis-exporter', 'curl'], ubuntu));
    expect(plan.missing).toEqual([]);
    expect(plan.fatal).toEqual([expect.stringMatching(/^chromium \(the dashboard pictures\): Ubuntu's chromium package only installs the snap, .* set CHROMIUM_PATH to it$/)]);
    // A chromium on PATH that only launches the snap is named the same way; CHROMIUM_PATH settles it.
    expect(planSetup('demo', machine(EVERYTHING, { ...ubuntu, chromiumSnap: true })).fatal[0]).toMatch(/CHROMIUM_PATH/);
    expect(planSetup('demo', machine(EVERYTHING.filter((c) => c !== 'chromium'), { ...ubuntu, chromiumPath: '/opt/google/chrome/chrome' }))).toEqual({ missing: [], commands: [], fatal: [] });
    // Debian's chromium is a real package.
    expect(planSetup('demo', machine(EVERYTHING.filter((c) => c !== 'chromium'))).missing.map((m) => m.pkg)).toEqual(['chromium']);
  });

  it('names Java and Node when missing or too old, with the command to install them', () => {
    expect(planSetup('test', machine(EVERYTHING, { javaMajor: undefined })).fatal).toEqual(['Java 17+ (a JDK) is required and not installed: sudo apt-get install -y openjdk-17-jdk-headless']);
    expect(planSetup('test', machine(EVERYTHING, { javaMajor: 11 })).fatal[0]).toMatch(/^Java 17\+ is required, found Java 11: sudo apt-get install -y openjdk-17-jdk-headless/);
    expect(planSetup('test', machine(EVERYTHING, { javac: false })).fatal[0]).toContain('javac is missing');
    expect(planSetup('test', machine(EVERYTHING, { nodeVersion: '18.19.0' })).fatal[0]).toMatch(/^Node\.js 20\.19\+ is required, found 18\.19\.0/);
    expect(planSetup('test', machine(EVERYTHING, { nodeVersion: '20.18.0' })).fatal).toHaveLength(1);
    expect(planSetup('test', machine(EVERYTHING, { nodeVersion: '22.1.0' })).fatal).toEqual([]);
    expect(planSetup('npm', machine(EVERYTHING.filter((c) => c !== 'npm'))).fatal[0]).toMatch(/^npm is missing/);
  });

  it('needs neither Java nor native services for the docker runtime, but the tests always run native', () => {
    const none = machine(['npm'], { javaMajor: undefined });
    expect(planSetup('demo', { ...none, runtime: 'docker' })).toEqual({ missing: [], commands: [], fatal: [] });
    expect(planSetup('test', { ...none, runtime: 'docker' }).fatal[0]).toMatch(/^Java/);
  });

  it('reads java -version', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('java version "1.8.0_401"')).toBe(8);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('bash: java: command not found')).toBeUndefined();
  });
});

describe('runtime choice', () => {
  it('is native unless RUNTIME=docker, whatever Docker this machine has', () => {
    expect(decideRuntime({ forced: undefined, engine: '27.3.1', compose: 'v2.29.1\n' })).toEqual({ name: 'native' });
    expect(decideRuntime({ forced: undefined, engine: undefined, compose: undefined })).toEqual({ name: 'native' });
    expect(decideRuntime({ forced: 'native', engine: '27.3.1', compose: '2.30.0' })).toEqual({ name: 'native' });
    expect(RUNTIME_LINE.native).toBe('runtime: native (RUNTIME=docker for compose)');
  });

  it('takes docker when asked, only with an engine 25+ and a Compose that reads start_interval (2.24.1+)', () => {
    expect(decideRuntime({ forced: 'docker', engine: '27.3.1', compose: 'v2.29.1\n' })).toEqual({ name: 'docker' });
    expect(decideRuntime({ forced: 'docker', engine: '25.0.0', compose: '2.24.1' })).toEqual({ name: 'docker' });
    expect(() => decideRuntime({ forced: 'docker', engine: '27.3.1', compose: '2.24.0' })).toThrow(/^RUNTIME=docker: docker compose 2\.24\.0 is too old \(2\.24\.1\+ is needed for the healthchecks' start_interval/);
    expect(() => decideRuntime({ forced: 'docker', engine: '27.3.1', compose: '2.21.0' })).toThrow(/2\.21\.0 is too old/);
    expect(() => decideRuntime({ forced: 'docker', engine: '27.3.1', compose: undefined })).toThrow(/^RUNTIME=docker: the Docker engine has no Compose v2 plugin/);
    expect(() => decideRuntime({ forced: 'docker', engine: undefined, compose: undefined })).toThrow(/^RUNTIME=docker: no Docker engine answers/);
    expect(() => decideRuntime({ forced: 'podman', engine: '27.3.1', compose: '2.30.0' })).toThrow(/expected docker or native/);
    expect(() => decideRuntime({ forced: 'docker', engine: '20.10.24+dfsg1', compose: '2.29.1' })).toThrow(/^RUNTIME=docker: Docker Engine 20\.10\.24\+dfsg1 is too old/);
  });
});

describe('ephemeral port range', () => {
  it('flags the ports the kernel may hand to outgoing connections', () => {
    const range = parsePortRange('32768\t60999\n');
    expect(range).toEqual([32768, 60999]);
    const ports = [{ name: 'kafka-1', port: 48092 }, { name: 'redis', port: 26379 }, { name: 'kafka-3', port: 32768 }, { name: 'x', port: 61000 }];
    expect(ephemeralConflicts(ports, range as [number, number]).map((p) => p.name)).toEqual(['kafka-1', 'kafka-3']);
    expect(parsePortRange('garbage')).toBeUndefined();
  });
});
