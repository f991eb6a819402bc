import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../../shared/stack.ts';
import { javaIntConstant } from './redis-bench.ts';

const SINK_SRC = join(ROOT, 'connector', 'src', 'main', 'java', 'dev', 'rastro', 'connect', 'redis');

/** The sink's pipeline chunk: redis.batch.size from the connector config, else the Java default. */
export function sinkPipelineChunk(connectorConfig: Record<string, string>): { size: number; from: string } {
  const set = connectorConfig['redis.batch.size'];
  if (set !== undefined) return { size: Number(set), from: 'redis.batch.size in the connector config' };
  const dflt = javaIntConstant(readFileSync(join(SINK_SRC, 'RedisSinkConfig.java'), 'utf8'), 'BATCH_SIZE_DEFAULT');
  return dflt === undefined ? { size: 500, from: 'assumed 500 (no default found in RedisSinkConfig.java)' } : { size: dflt, from: 'BATCH_SIZE_DEFAULT in RedisSinkConfig.java' };
}
