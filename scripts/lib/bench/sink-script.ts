import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { ROOT } from '../../../shared/stack.ts';
import { javaIntConstant } from './redis-bench.ts';

const SINK_SRC = join(ROOT, 'connector', 'src', 'main', 'java', 'dev', 'rastro', 'connect', 'redis');
const PRINTER = join(ROOT, 'scripts', 'lib', 'bench', 'PrintWriteScript.java');

export interface SinkScript {
  source: string;
  sha1: string;
  /** Where the text came from: the built plugin's class (what the sink runs) or its Java source. */
  via: string;
}

export const sha1Hex = (text: string): string => createHash('sha1').update(text, 'utf8').digest('hex');

/**
 * The sink's Lua write script, read at run time from the built plugin (never copied), by reflection
 * on WriteScript.UPSERT: the text the sink really runs.
 */
export async function loadSinkScript(pluginDir: string): Promise<SinkScript> {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const r = await $({ quiet: true, nothrow: true, timeout: '60s' })`${java} -cp ${`${pluginDir}/*`} ${PRINTER}`;
  if (r.exitCode !== 0 || r.stdout.trim() === '') throw new Error(`read the sink's Lua script from ${pluginDir} (java ${PRINTER}): exit ${r.exitCode}: ${r.stderr.trim().split('\n')[0] ?? 'no output'}`);
  return { source: r.stdout, sha1: sha1Hex(r.stdout), via: 'WriteScript.UPSERT of the built plugin (reflection)' };
}

/** The sink's pipeline chunk: redis.batch.size from the connector config, else the Java default. */
export function sinkPipelineChunk(connectorConfig: Record<string, string>): { size: number; from: string } {
  const set = connectorConfig['redis.batch.size'];
  if (set !== undefined) return { size: Number(set), from: 'redis.batch.size in the connector config' };
  const dflt = javaIntConstant(readFileSync(join(SINK_SRC, 'RedisSinkConfig.java'), 'utf8'), 'BATCH_SIZE_DEFAULT');
  return dflt === undefined ? { size: 500, from: 'assumed 500 (no default found in RedisSinkConfig.java)' } : { size: dflt, from: 'BATCH_SIZE_DEFAULT in RedisSinkConfig.java' };
}
