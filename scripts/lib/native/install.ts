import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { ROOT, type Stack } from '../../../shared/stack.ts';

/** The project's Maven Wrapper: Maven itself is not a prerequisite (it downloads the pinned Maven once). */
export const MVNW = join(ROOT, 'mvnw');

/** Git-ignored cache of everything the native runtime downloads or builds. */
export const CACHE_DIR = join(ROOT, '.rastro', 'cache');

/** Kafka server, tools and Connect runtime jars from Maven Central, for the pinned version. */
export async function ensureKafkaLibs(stack: Stack, log: (s: string) => void): Promise<string> {
  const dir = join(CACHE_DIR, `kafka-${stack.versions.kafka}`);
  const done = join(dir, '.complete');
  if (existsSync(done)) return dir;
  log(`resolving Kafka ${stack.versions.kafka} jars from Maven Central into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await $({ cwd: ROOT, quiet: true })`${MVNW} -B -q -f native/pom.xml ${`-Dkafka.version=${stack.versions.kafka}`} dependency:copy-dependencies ${`-DoutputDirectory=${dir}`} -DincludeScope=runtime`;
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
  await $({ cwd: ROOT, quiet: true })`${MVNW} -B -q dependency:copy ${`-Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:${v}`} ${`-DoutputDirectory=${dir}`}`;
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
  await $({ cwd: ROOT, quiet: true })`${MVNW} -B -q -f connector/pom.xml ${`-Dkafka.version=${stack.versions.kafka}`} -DskipTests package`;
  writeFileSync(marker, new Date().toISOString());
  return pluginRoot;
}
