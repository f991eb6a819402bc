/**
 * What preventing a failover's loss would cost the sink on a Redis Cluster (docs/scale.md, "Redis Cluster"):
 * the sink's write pipeline to one primary (its chunk of FCALL rastro_sink_upsert, as RedisWriter sends it),
 * timed with and without a trailing `WAIT 1 <ms>` (the primary answers once a replica acknowledged every write
 * before it). Runs against a running REDIS_MODE=cluster stack, on keys of its own (bench:*), deleted after:
 *
 *   REDIS_MODE=cluster npx tsx docs/redis-cluster-wait.ts [batches] [chunk]
 *
 * The two modes alternate batch by batch, so both see the same machine.
 */
import calculateSlot from 'cluster-key-slot';
import { bucketTag } from '../shared/key-space.ts';
import { summarize } from '../shared/stats.ts';
import { openRedis } from '../shared/security.ts';
import { clusterNodes } from '../scripts/lib/redis-cluster.ts';
import { openRuntime } from '../scripts/lib/runtime/index.ts';

const WAIT_TIMEOUT_MS = 1000;

/** One chunk of the sink's upserts on bucket `tag`'s keys, as one pipeline; with `wait`, a WAIT after it. Returns ms and replicas acknowledged. */
async function chunk(redis: ReturnType<typeof openRedis>, tag: string, size: number, round: number, wait: boolean): Promise<{ ms: number; replicas?: number }> {
  const pipe = redis.pipeline();
  for (let i = 0; i < size; i++) {
    const id = `w${i}`;
    const ts = String(1_800_000_000_000 + round * size + i);
    pipe.call('FCALL', 'rastro_sink_upsert', 4, `bench:driver:{${tag}}:${id}`, `tombstone:bench:driver:{${tag}}:${id}`, `bench:geo:{${tag}}`, `bench:offsets:{${tag}}`,
      'timestamp', ts, id, '-46.63', '-23.55', 'driver-locations-0', String(round * size + i), 'driver_id', id, 'timestamp', ts, 'status', 'AVAILABLE', 'latitude', '-23.55', 'longitude', '-46.63');
  }
  if (wait) pipe.call('WAIT', 1, WAIT_TIMEOUT_MS);
  const t0 = performance.now();
  const replies = (await pipe.exec()) ?? [];
  const ms = performance.now() - t0;
  const failed = replies.find(([err]) => err !== null);
  if (failed) throw new Error(`pipeline on bucket {${tag}}: ${failed[0]?.message}`);
  return wait ? { ms, replicas: Number(replies.at(-1)?.[1]) } : { ms };
}

async function main(): Promise<void> {
  const batches = Number(process.argv[2] ?? 300);
  const size = Number(process.argv[3] ?? 500);
  const rt = await openRuntime(process.env, { quiet: true });
  if (rt.stack.redis.mode !== 'cluster') throw new Error('run with REDIS_MODE=cluster against a running cluster stack (make up)');
  const admin = rt.access.redis('admin');
  const primary = (await clusterNodes(admin)).find((n) => n.primary && !n.failed && n.slots.length > 0);
  if (primary === undefined) throw new Error(`no primary serving slots at ${admin.url}`);
  // A bucket tag this primary serves (the sink's tags of 1024 buckets: fine-grained enough to land in any range).
  const serves = (slot: number) => primary.slots.some((r) => { const [a, b = a] = r.split('-').map(Number) as [number, number?]; return slot >= a && slot <= (b as number); });
  let tag = '';
  for (let b = 0; tag === '' && b < 1024; b++) if (serves(calculateSlot(bucketTag(b, 1024)))) tag = bucketTag(b, 1024);
  const redis = openRedis({ ...admin, url: `redis://127.0.0.1:${primary.port}` }, { lazyConnect: true });
  await redis.connect();
  const plain: number[] = [];
  const waited: number[] = [];
  let short = 0;
  try {
    for (let round = 0; round < batches; round++) {
      plain.push((await chunk(redis, tag, size, 2 * round, false)).ms);
      const w = await chunk(redis, tag, size, 2 * round + 1, true);
      waited.push(w.ms);
      if ((w.replicas ?? 0) < 1) short++;
    }
  } finally {
    const keys = [`bench:geo:{${tag}}`, `bench:offsets:{${tag}}`, ...Array.from({ length: size }, (_, i) => `bench:driver:{${tag}}:w${i}`)];
    await redis.unlink(...keys);
    redis.disconnect();
  }
  const [p, w] = [summarize(plain), summarize(waited)];
  const fmt = (s: typeof p) => `p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(2)} ms`;
  console.log(`${batches} chunks of ${size} upserts to the primary on ${primary.port} (bucket {${tag}}), alternating:`);
  console.log(`  without WAIT: ${fmt(p)}`);
  console.log(`  with WAIT 1 ${WAIT_TIMEOUT_MS}: ${fmt(w)}; ${short} chunk(s) not acknowledged by a replica in time`);
  console.log(`  added per chunk: p50 ${(w.p50 - p.p50).toFixed(2)} ms, p99 ${(w.p99 - p.p99).toFixed(2)} ms`);
}

main().catch((err: Error) => {
  console.error(`redis-cluster-wait: ${err.message}`);
  process.exit(1);
});
