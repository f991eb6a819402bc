// @ts-check
// What `make up|demo|test` need on this machine and what to run when something is missing: pure logic,
// fed by probes (scripts/setup.mjs) or by tests. Plain JavaScript on purpose: it runs before `npm ci`,
// when neither tsx nor any other package is there yet.

/** @typedef {'npm' | 'java' | 'up' | 'demo' | 'test' | 'bench' | 'video'} Goal */
/** @typedef {'apt' | 'brew' | 'dnf' | 'other'} PackageSystem */

/**
 * @typedef {object} Tool
 * @property {string} cmd        command looked up on PATH
 * @property {string[]} [alternatives]  other commands that do the same job (any one suffices)
 * @property {string} why
 * @property {Goal[]} goals      goals that need it (native runtime)
 * @property {Record<PackageSystem, string>} pkg  package that provides it, per package system
 */

/** Services and tools the native runtime and the tests run; Java and Node are checked apart (the user installs them). */
/** @type {Tool[]} */
export const TOOLS = [
  { cmd: 'redis-server', why: 'Redis for the native stack and the sink tests', goals: ['up', 'demo', 'test', 'bench', 'video'], pkg: { apt: 'redis-server', brew: 'redis', dnf: 'redis', other: 'redis' } },
  { cmd: 'redis-cli', why: 'the redis-cli evidence (redis-benchmark for make bench)', goals: ['up', 'demo', 'test', 'bench', 'video'], pkg: { apt: 'redis-tools', brew: 'redis', dnf: 'redis', other: 'redis' } },
  { cmd: 'prometheus', why: 'metrics and alerts of the native stack', goals: ['up', 'demo', 'test', 'bench', 'video'], pkg: { apt: 'prometheus', brew: 'prometheus', dnf: 'golang-github-prometheus', other: 'prometheus' } },
  { cmd: 'promtool', why: 'the Prometheus config and rule checks in the tests', goals: ['test'], pkg: { apt: 'prometheus', brew: 'prometheus', dnf: 'golang-github-prometheus', other: 'prometheus (promtool)' } },
  { cmd: 'prometheus-redis-exporter', why: 'Redis metrics of the native stack', goals: ['up', 'demo', 'test', 'bench', 'video'], pkg: { apt: 'prometheus-redis-exporter', brew: 'redis_exporter', dnf: 'golang-github-oliver006-redis_exporter', other: 'redis_exporter (oliver006)' } },
  { cmd: 'chromium', why: 'the dashboard pictures', goals: ['demo', 'test', 'bench', 'video'], pkg: { apt: 'chromium', brew: '--cask chromium', dnf: 'chromium', other: 'chromium' } },
  { cmd: 'kcat', why: 'the librdkafka producer make bench compares ours with', goals: ['bench'], pkg: { apt: 'kcat', brew: 'kcat', dnf: 'kcat', other: 'kcat (librdkafka)' } },
  { cmd: 'ffmpeg', why: 'make video encodes the course video', goals: ['test', 'video'], pkg: { apt: 'ffmpeg', brew: 'ffmpeg', dnf: 'ffmpeg-free', other: 'ffmpeg' } },
  { cmd: 'ffprobe', why: 'make video measures the narration and checks the video', goals: ['test', 'video'], pkg: { apt: 'ffmpeg', brew: 'ffmpeg', dnf: 'ffmpeg-free', other: 'ffmpeg (ffprobe)' } },
  { cmd: 'espeak-ng', why: 'the narration of make video', goals: ['test', 'video'], pkg: { apt: 'espeak-ng', brew: 'espeak-ng', dnf: 'espeak-ng', other: 'espeak-ng' } },
  { cmd: 'tesseract', why: 'make video and its tests read the brokers-online stat back from the encoded frames', goals: ['test', 'video'], pkg: { apt: 'tesseract-ocr', brew: 'tesseract', dnf: 'tesseract', other: 'tesseract (OCR)' } },
  { cmd: 'busybox', why: "the tests run the docker healthchecks under BusyBox's wget, the one in the Alpine images", goals: ['test'], pkg: { apt: 'busybox-static', brew: 'busybox', dnf: 'busybox', other: 'busybox' } },
  { cmd: 'curl', alternatives: ['wget'], why: './mvnw downloads Maven once', goals: ['java', 'up', 'demo', 'test', 'bench', 'video'], pkg: { apt: 'curl', brew: 'curl', dnf: 'curl', other: 'curl' } },
];

/** Oldest Java the connector and Kafka 4 accept, and the Node that package.json's engines asks for. */
export const JAVA_MIN = 17;
export const NODE_MIN = [20, 19];

/**
 * @typedef {object} Probe
 * @property {string} platform   process.platform
 * @property {string[]} osIds    ID and ID_LIKE from /etc/os-release (lower case)
 * @property {boolean} isRoot
 * @property {(cmd: string) => boolean} has  whether a command is on PATH
 * @property {number | undefined} javaMajor  `java -version`'s major version, undefined when absent
 * @property {boolean} javac     a JDK, not only a JRE (Maven compiles the connector)
 * @property {string} nodeVersion
 * @property {boolean} nodeModulesFresh  node_modules installed from the current package-lock.json
 * @property {'native' | 'docker'} runtime  the runtime `make up` would use (the tests always run native)
 * @property {string} [chromiumPath]  CHROMIUM_PATH, when set: the browser to use instead of `chromium` on PATH
 * @property {boolean} [chromiumSnap]  the `chromium` on PATH only launches Ubuntu's snap
 */

/**
 * @typedef {object} Plan
 * @property {Array<{ cmd: string, pkg: string, why: string }>} missing
 * @property {string[][]} commands  to run in order (argv)
 * @property {string[]} fatal       what the user must do first (the check cannot), each with the exact command
 */

/** @param {Probe} p @returns {PackageSystem} */
export function packageSystem(p) {
  if (p.has('apt-get')) return 'apt';
  if (p.platform === 'darwin') return 'brew';
  if (p.has('dnf') || p.osIds.some((id) => ['fedora', 'rhel', 'centos'].includes(id))) return 'dnf';
  return 'other';
}

/** @param {string} text `java -version` output (stderr) @returns {number | undefined} */
export function parseJavaMajor(text) {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  // Java 8 and older print 1.8.0_x.
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

/** @param {string} v e.g. 20.19.2 or v20.19.2 */
export function nodeTooOld(v) {
  const [maj = 0, min = 0] = v.replace(/^v/, '').split('.').map(Number);
  const [wantMaj = 0, wantMin = 0] = NODE_MIN;
  return maj < wantMaj || (maj === wantMaj && min < wantMin);
}

/** @param {PackageSystem} sys @param {string[]} pkgs */
function installCommand(sys, pkgs) {
  switch (sys) {
    case 'apt':
      return `sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`;
    case 'brew': {
      const casks = pkgs.filter((x) => x.startsWith('--cask ')).map((x) => x.slice('--cask '.length));
      const formulae = pkgs.filter((x) => !x.startsWith('--cask '));
      return [formulae.length ? `brew install ${formulae.join(' ')}` : '', casks.length ? `brew install --cask ${casks.join(' ')}` : ''].filter(Boolean).join(' && ');
    }
    case 'dnf':
      return `sudo dnf install -y ${pkgs.join(' ')}`;
    default:
      return `install with your package manager: ${pkgs.join(', ')}`;
  }
}

/** @param {PackageSystem} sys */
function javaInstall(sys) {
  return { apt: 'sudo apt-get install -y openjdk-17-jdk-headless', brew: 'brew install openjdk@17', dnf: 'sudo dnf install -y java-17-openjdk-devel', other: 'install a JDK 17 or newer (e.g. Eclipse Temurin 17)' }[sys];
}

/** @param {PackageSystem} sys */
function nodeInstall(sys) {
  return {
    apt: 'Debian 12 and Ubuntu 24.04 ship an older nodejs; install Node 20 LTS or newer from the Node.js project (for example `nvm install 20`)',
    brew: 'brew install node@20',
    dnf: 'sudo dnf install -y nodejs22',
    other: 'install Node.js 20.19 or newer (for example `nvm install 20`)',
  }[sys];
}

/**
 * What `goal` still needs and how to get it.
 * @param {Goal} goal
 * @param {Probe} p
 * @returns {Plan}
 */
export function planSetup(goal, p) {
  const sys = packageSystem(p);
  /** @type {Plan} */
  const plan = { missing: [], commands: [], fatal: [] };
  // make video runs the demo and the chaos scenario, and make bench its private stack, natively, whatever runtime make up would pick.
  const native = goal === 'test' || goal === 'java' || goal === 'video' || goal === 'bench' || ((goal === 'up' || goal === 'demo') && p.runtime === 'native');

  if (nodeTooOld(p.nodeVersion)) plan.fatal.push(`Node.js ${NODE_MIN.join('.')}+ is required, found ${p.nodeVersion}: ${nodeInstall(sys)}`);
  else if (!p.has('npm')) plan.fatal.push(`npm is missing (it comes with Node.js ${NODE_MIN.join('.')}+): ${nodeInstall(sys)}`);
  if (native) {
    if (p.javaMajor === undefined) plan.fatal.push(`Java ${JAVA_MIN}+ (a JDK) is required and not installed: ${javaInstall(sys)}`);
    else if (p.javaMajor < JAVA_MIN) plan.fatal.push(`Java ${JAVA_MIN}+ is required, found Java ${p.javaMajor}: ${javaInstall(sys)}`);
    else if (!p.javac) plan.fatal.push(`a JDK is required (javac is missing: Maven compiles the connector): ${javaInstall(sys)}`);
  }

  const wanted = native ? TOOLS.filter((t) => t.goals.includes(goal)) : [];
  const ubuntu = p.osIds.includes('ubuntu');
  for (const t of wanted) {
    if (t.cmd === 'chromium') {
      if (p.chromiumPath) continue;
      // Ubuntu's chromium package is a transition to the snap, which headless automation run from a shell
      // (a private profile in /tmp, no sandbox as root) cannot drive: nothing to install through apt.
      if (p.chromiumSnap || (ubuntu && sys === 'apt' && !p.has('chromium'))) {
        plan.fatal.push(`chromium (${t.why}): Ubuntu's chromium package only installs the snap, which the pictures' headless Chromium cannot run; install a Chromium or Chrome outside snap (for example Google Chrome's .deb) and set CHROMIUM_PATH to it`);
        continue;
      }
    }
    if ([t.cmd, ...(t.alternatives ?? [])].some((c) => p.has(c))) continue;
    plan.missing.push({ cmd: t.cmd, pkg: t.pkg[sys], why: t.why });
  }
  const pkgs = [...new Set(plan.missing.map((m) => m.pkg))];
  if (pkgs.length > 0) {
    if (sys !== 'apt') {
      plan.fatal.push(`missing: ${plan.missing.map((m) => `${m.cmd} (${m.why})`).join(', ')}; on this system: ${installCommand(sys, pkgs)}`);
    } else if (!p.isRoot && !p.has('sudo')) {
      plan.fatal.push(`missing: ${plan.missing.map((m) => m.cmd).join(', ')}, and installing needs root (no sudo here): as root run \`apt-get update && apt-get install -y ${pkgs.join(' ')}\``);
    } else {
      const asRoot = p.isRoot ? [] : ['sudo'];
      // DEBIAN_FRONTEND keeps apt from asking questions (CI has no terminal).
      plan.commands.push([...asRoot, 'apt-get', 'update', '-qq']);
      plan.commands.push([...asRoot, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
    }
  }
  if (!p.nodeModulesFresh) plan.commands.push(['npm', 'ci', '--no-audit', '--no-fund']);
  // A machine without apt-get and without Java (a Mac with only Docker Desktop) can still start the compose stack.
  if ((goal === 'up' || goal === 'demo') && native && sys !== 'apt' && p.javaMajor === undefined) {
    plan.fatal.push('the native runtime (the default) needs the above on this machine; or run the compose stack instead: RUNTIME=docker make ' + goal);
  }
  return plan;
}
