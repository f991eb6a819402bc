#!/usr/bin/env node
// @ts-check
// The prerequisite check `make up|demo|test` run first: probes this machine, installs what is missing
// (Debian packages through apt-get, node_modules through npm ci) and names what the user must install
// (Java, Node) with the exact command. Plain Node, no packages: it runs before npm ci.
//   node scripts/setup.mjs <npm|java|up|demo|test|bench|video> [--dry-run]
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, realpathSync, statSync, writeSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planSetup } from './lib/prereqs.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where apt-get's output goes (ignored by git, like every other state under .rastro/). */
const APT_LOG = process.env.RASTRO_SETUP_LOG ?? join(ROOT, '.rastro', 'setup-apt.log');

/** @param {string} file the path relative to the working directory when it lies below it */
function shown(file) {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

/** @param {string} file @param {number} n the last n lines of a file, indented */
function tail(file, n) {
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).map((l) => `  | ${l}`).join('\n');
}
const GOALS = ['npm', 'java', 'up', 'demo', 'test', 'bench', 'video'];

/** @param {string} cmd */
function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      if (statSync(join(dir, cmd)).isFile()) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** @param {string} cmd @param {string[]} args */
function quiet(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function javaMajor() {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  if (!process.env.JAVA_HOME && !onPath('java')) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(quiet(java, ['-version']).out);
  if (!m) return undefined;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

function osIds() {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return [...text.matchAll(/^(?:ID|ID_LIKE)="?([^"\n]*)"?$/gm)].flatMap((m) => (m[1] ?? '').toLowerCase().split(/\s+/)).filter(Boolean);
  } catch {
    return [];
  }
}

/** node_modules as npm ci left it for the current lock file (npm writes node_modules/.package-lock.json). */
function nodeModulesFresh() {
  const hidden = join(ROOT, 'node_modules', '.package-lock.json');
  return existsSync(hidden) && statSync(hidden).mtimeMs >= statSync(join(ROOT, 'package-lock.json')).mtimeMs;
}

/** The runtime `make up` will run: native unless RUNTIME=docker (runtime/pick.mjs; the scripts check Docker). */
function runtime() {
  return process.env.RUNTIME === 'docker' ? 'docker' : 'native';
}

/** The `chromium` on PATH is Ubuntu's launcher of the snap (a link into /snap, or the wrapper script that runs it). */
function chromiumIsSnap() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, 'chromium');
    if (dir === '' || !existsSync(file)) continue;
    try {
      if (realpathSync(file).startsWith('/snap/')) return true;
      return statSync(file).size < 65536 && /\/snap\/bin\/chromium|snap run/.test(readFileSync(file, 'latin1'));
    } catch {
      return false;
    }
  }
  return false;
}

function probe(/** @type {string} */ goal) {
  return {
    platform: process.platform,
    osIds: osIds(),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    has: onPath,
    javaMajor: javaMajor(),
    javac: !!process.env.JAVA_HOME ? existsSync(join(process.env.JAVA_HOME, 'bin', 'javac')) : onPath('javac'),
    nodeVersion: process.versions.node,
    nodeModulesFresh: nodeModulesFresh(),
    runtime: /** @type {'native' | 'docker'} */ (goal === 'up' || goal === 'demo' ? runtime() : 'native'),
    chromiumPath: process.env.CHROMIUM_PATH || undefined,
    chromiumSnap: chromiumIsSnap(),
  };
}

// Its own few lines of argument handling, not shared/cli.ts: it runs before npm ci, when no TypeScript loader exists.
const USAGE = `node scripts/setup.mjs: checks what a make goal needs on this machine and installs what is missing
(Debian packages through apt-get, node_modules through npm ci); names what you must install yourself.

Usage: node scripts/setup.mjs <${GOALS.join('|')}> [options]

Options:
      --dry-run  print what it would run, run nothing
  -h, --help     print this help and exit

Examples:
  node scripts/setup.mjs test --dry-run

Exit status:
  0  everything the goal needs is there (or --dry-run)
  1  something is missing that it cannot install, or an install failed
  2  bad usage
`;
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const [goal, ...rest] = args;
const dryRun = rest.includes('--dry-run');
const unknown = rest.filter((a) => a !== '--dry-run');
if (goal === undefined || !GOALS.includes(goal) || unknown.length > 0) {
  console.error(`setup: ${goal === undefined || !GOALS.includes(goal) ? `expected a goal (${GOALS.join('|')}), got ${goal ?? 'none'}` : `unknown option ${unknown[0]}`} (see node scripts/setup.mjs --help)`);
  process.exit(2);
}
const g = /** @type {import('./lib/prereqs.mjs').Goal} */ (goal);
const plan = planSetup(g, probe(g));
if (plan.fatal.length > 0) {
  console.error(`setup (${goal}): cannot continue on this machine yet:`);
  for (const f of plan.fatal) console.error(`  - ${f}`);
  process.exit(1);
}
if (plan.missing.length > 0) console.error(`setup (${goal}): installing what is missing: ${plan.missing.map((m) => `${m.cmd} (${m.pkg})`).join(', ')}`);
/** node_modules as a symlink (worktrees sharing one install): npm ci would empty the directory it points to. */
function sharedNodeModules() {
  try {
    return lstatSync(join(ROOT, 'node_modules')).isSymbolicLink() ? readlinkSync(join(ROOT, 'node_modules')) : undefined;
  } catch {
    return undefined;
  }
}
for (const argv of plan.commands) {
  const [cmd = '', ...args] = argv;
  const shared = cmd === 'npm' && args[0] === 'ci' ? sharedNodeModules() : undefined;
  if (shared !== undefined) {
    console.error(`setup (${goal}): node_modules is a symlink to ${shared}, shared with other checkouts: not running npm ci here (it would empty that directory); run npm ci where it points if it is out of date`);
    continue;
  }
  // apt's output (hundreds of lines) goes to a log file: one line per step here, the whole story there.
  const logged = argv.includes('apt-get') ? APT_LOG : undefined;
  console.error(`setup: $ ${argv.join(' ')}${logged ? ` (output: ${shown(logged)})` : ''}`);
  if (dryRun) continue;
  let out = /** @type {'inherit' | number} */ ('inherit');
  if (logged) {
    mkdirSync(dirname(logged), { recursive: true });
    out = openSync(logged, 'a');
    writeSync(out, `\n=== ${new Date().toISOString()} $ ${argv.join(' ')}\n`);
  }
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', out, out] });
  if (typeof out === 'number') closeSync(out);
  if (r.error) {
    console.error(`setup (${goal}): ${cmd} could not run (${r.error.message})`);
    process.exit(1);
  }
  if (r.status !== 0) {
    console.error(`setup (${goal}): \`${argv.join(' ')}\` failed (exit ${r.status ?? r.signal})${logged ? `; its last lines (all of it in ${logged}):\n${tail(logged, 15)}` : ''}`);
    process.exit(1);
  }
}
if (dryRun) process.exit(0);
// Installed does not mean usable: look again, so a package that did not provide its command is named now.
const after = planSetup(g, probe(g));
if (after.missing.length > 0 || after.fatal.length > 0) {
  console.error(`setup (${goal}): still missing after installing: ${[...after.missing.map((m) => `${m.cmd} (package ${m.pkg})`), ...after.fatal].join('; ')}`);
  process.exit(1);
}
// The producer runs precompiled (producer/build.mjs): build it now, so that no run pays for it. Every goal but
// java has node_modules by now, and esbuild with it.
if (g !== 'java') {
  const r = spawnSync(process.execPath, [join(ROOT, 'producer', 'build.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    console.error(`setup (${goal}): node producer/build.mjs failed (exit ${r.status ?? r.signal}): ${`${r.stdout}${r.stderr}`.trim()}`);
    process.exit(1);
  }
}
