import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fmtBytes, fmtDuration, mavenDownloaded, Progress } from '../progress.ts';
import { ROOT, type Stack } from '../../../shared/stack.ts';

/** The project's Maven Wrapper: Maven itself is not a prerequisite (it downloads the pinned Maven once). */
export const MVNW = join(ROOT, 'mvnw');

/** Git-ignored cache of everything the native runtime downloads or builds. */
export const CACHE_DIR = join(ROOT, '.rastro', 'cache');

/**
 * ./mvnw with its downloads shown as they happen (files, bytes and rate, from Maven's own "Downloaded from"
 * lines; the first run also fetches Maven itself, shown as time). Fails naming the goal, with Maven's last lines.
 */
export async function maven(args: string[], what: string): Promise<void> {
  const progress = new Progress();
  const t0 = Date.now();
  let files = 0;
  let bytes = 0;
  const tail: string[] = [];
  const show = () => {
    const s = (Date.now() - t0) / 1000;
    progress.update(`${what}: ${files === 0 ? 'starting Maven' : `${files} files, ${fmtBytes(bytes)} downloaded at ${fmtBytes(bytes / Math.max(s, 0.1))}/s`} (${fmtDuration(Date.now() - t0)})`);
  };
  const ticker = setInterval(show, 1000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      // Batch mode prints one "Downloaded from" line per file (no -q, no -ntp: both drop them).
      const child = spawn(MVNW, ['-B', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      const onLine = (line: string) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        const n = mavenDownloaded(line);
        if (n !== undefined) {
          files++;
          bytes += n;
        }
      };
      for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', onLine);
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`${what} (./mvnw ${args.join(' ')}) failed (exit ${code}); Maven's last lines:\n${tail.join('\n')}`);
  } finally {
    clearInterval(ticker);
    progress.done();
  }
}

/** Kafka server, tools and Connect runtime jars from Maven Central, for the pinned version. */
export async function ensureKafkaLibs(stack: Stack, log: (s: string) => void): Promise<string> {
  const dir = join(CACHE_DIR, `kafka-${stack.versions.kafka}`);
  const done = join(dir, '.complete');
  if (existsSync(done)) return dir;
  log(`resolving Kafka ${stack.versions.kafka} jars from Maven Central into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await maven(['-f', 'native/pom.xml', `-Dkafka.version=${stack.versions.kafka}`, 'dependency:copy-dependencies', `-DoutputDirectory=${dir}`, '-DincludeScope=runtime'], `Kafka ${stack.versions.kafka} jars`);
  writeFileSync(done, new Date().toISOString());
  return dir;
}

/** The Prometheus JMX exporter java agent, one jar from Maven Central. */
export async function ensureJmxAgent(stack: Stack, log: (s: string) => void): Promise<string> {
  const v = stack.versions.jmxExporter;
  const dir = join(CACHE_DIR, `jmx-exporter-${v}`);
  const jar = join(dir, `jmx_prometheus_javaagent-${v}.jar`);
  if (existsSync(jar)) return jar;
  log(`resolving the Prometheus JMX exporter agent ${v} from Maven Central`);
  mkdirSync(dir, { recursive: true });
  await maven(['dependency:copy', `-Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:${v}`, `-DoutputDirectory=${dir}`], `the JMX exporter agent ${v}`);
  return jar;
}

/**
 * Kafka's basic-auth REST extension for Connect, as a classes directory for Connect's classpath, built by
 * native/rest-auth.sh (the recipe the docker image uses too) from Kafka's own sources of
 * CONNECT_BASIC_AUTH_VERSION against the pinned Kafka jars.
 */
export async function ensureConnectAuthExtension(stack: Stack, log: (s: string) => void): Promise<string> {
  const v = stack.versions.connectBasicAuth;
  const dir = join(CACHE_DIR, `connect-basic-auth-extension-${v}-for-kafka-${stack.versions.kafka}`);
  const classes = join(dir, 'classes');
  if (existsSync(join(dir, '.complete'))) return classes;
  log(`building Kafka's Connect basic-auth REST extension ${v} (sources from Maven Central) against Kafka ${stack.versions.kafka}`);
  const libs = await ensureKafkaLibs(stack, log);
  await $({ cwd: ROOT, quiet: true })`sh native/rest-auth.sh ${MVNW} ${stack.versions.kafka} ${v} ${libs} ${dir}`;
  writeFileSync(join(dir, '.complete'), new Date().toISOString());
  return classes;
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, f) => Math.max(m, newestMtime(join(path, f))), st.mtimeMs);
}

/** The Redis sink plugin directory, rebuilt with Maven when its sources are newer than the build. */
export async function ensureSinkPlugin(stack: Stack, log: (s: string) => void): Promise<string> {
  const pluginRoot = join(ROOT, 'connector', 'target', 'plugin');
  const marker = join(pluginRoot, '.built');
  const sources = Math.max(newestMtime(join(ROOT, 'connector', 'src', 'main')), newestMtime(join(ROOT, 'connector', 'pom.xml')));
  if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return pluginRoot;
  log('building the Redis sink plugin (connector/) with Maven');
  await maven(['-f', 'connector/pom.xml', `-Dkafka.version=${stack.versions.kafka}`, '-DskipTests', 'package'], 'the Redis sink plugin');
  writeFileSync(marker, new Date().toISOString());
  return pluginRoot;
}
