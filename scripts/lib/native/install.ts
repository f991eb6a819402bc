import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * Kafka's basic-auth REST extension for Connect, as a classes directory for Connect's classpath.
 * Maven Central has no build of it for Kafka 4.4.0, and the 4.3.1 jar does not load in 4.4.0 (it calls
 * org.apache.kafka.common.utils.AppInfoParser, which moved to ...utils.internals). So Kafka's own 4.3.1
 * sources (CONNECT_BASIC_AUTH_VERSION, from Maven Central) are compiled against the pinned Kafka jars,
 * with that import and javax→jakarta for @Priority (Jersey 3) as the only changes.
 */
export async function ensureConnectAuthExtension(stack: Stack, log: (s: string) => void): Promise<string> {
  const v = stack.versions.connectBasicAuth;
  const dir = join(CACHE_DIR, `connect-basic-auth-extension-${v}-for-kafka-${stack.versions.kafka}`);
  const classes = join(dir, 'classes');
  if (existsSync(join(dir, '.complete'))) return classes;
  log(`building Kafka's Connect basic-auth REST extension ${v} (sources from Maven Central) against Kafka ${stack.versions.kafka}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(classes, { recursive: true });
  const src = join(dir, 'src');
  // Through native/pom.xml: without a POM, unpack writes its markers to a literal `${project.basedir}/target/`
  // in the work tree (its markersDirectory has no command-line property); with it, to native/target/.
  await $({ cwd: ROOT, quiet: true })`${MVNW} -B -q -f native/pom.xml ${`-Dkafka.version=${stack.versions.kafka}`} dependency:unpack ${`-Dartifact=org.apache.kafka:connect-basic-auth-extension:${v}:jar:sources`} ${`-DoutputDirectory=${src}`}`;
  const pkg = join(src, 'org', 'apache', 'kafka', 'connect', 'rest', 'basic', 'auth', 'extension');
  const files = readdirSync(pkg).filter((f) => f.endsWith('.java')).map((f) => join(pkg, f));
  for (const f of files) {
    const text = readFileSync(f, 'utf8').replace('import org.apache.kafka.common.utils.AppInfoParser;', 'import org.apache.kafka.common.utils.internals.AppInfoParser;').replace('import javax.annotation.Priority;', 'import jakarta.annotation.Priority;');
    writeFileSync(f, text);
  }
  const libs = await ensureKafkaLibs(stack, log);
  const javac = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'javac') : 'javac';
  await $({ quiet: true })`${javac} -nowarn -d ${classes} -cp ${`${libs}/*`} ${files}`;
  cpSync(join(src, 'META-INF', 'services'), join(classes, 'META-INF', 'services'), { recursive: true });
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
