import chalk from 'chalk';
import { parseArgs } from 'node:util';
import { Ledger } from '../../../producer/src/ledger.ts';
import { Evidence } from '../evidence.ts';
import { lostUpdates } from '../mirror-check.ts';
import { mirrorCheck, redisSnapshot, type MirrorCheck } from '../pipeline.ts';
import { openRuntime } from '../runtime/index.ts';
import type { Runtime } from '../runtime/types.ts';

/** Prints the mirror check's verdict; true when Redis mirrors the topic exactly. */
export async function reportMirror(rt: Runtime, ev: Evidence, ledger?: Ledger): Promise<{ ok: boolean; check: MirrorCheck; lost: number }> {
  ev.section(`Mirror check: ${rt.stack.topics.locations} folded to its last value per key vs Redis`);
  const check = await mirrorCheck(rt);
  ev.step(`read ${check.records} records: ${check.tombstones} tombstones, ${check.unreadable} the sink rejects (DLQ), ${check.superseded} older than an event already seen → ${check.expected} live drivers`);
  ev.step(`Redis holds ${check.inRedis} driver keys; ${check.matching} match field by field`);
  const kinds = ['missing', 'extra', 'stale', 'mismatch', 'duplicate'] as const;
  ev.step(kinds.map((k) => `${k}: ${check.differences.filter((d) => d.kind === k).length}`).join(', '));
  for (const d of check.differences.slice(0, 20)) ev.fail(`${d.kind} ${d.driver}: ${d.detail}`);
  let ok = check.differences.length === 0 && check.matching === check.expected;
  let lostCount = 0;
  if (ledger !== undefined) {
    const lost = lostUpdates(ledger.entries(), check.state, rt.stack.redisKeyPrefix);
    ev.step(`producer ledger: ${ledger.size} drivers whose last event Kafka acknowledged; ${lost.length} of them not current in Redis`);
    for (const d of lost.slice(0, 20)) ev.fail(`lost update ${d.driver}: ${d.detail}`);
    ok &&= lost.length === 0;
    lostCount = lost.length;
  }
  if (ok) ev.ok(`Redis mirrors the topic: ${check.matching}/${check.expected} drivers, one current record each`);
  else ev.fail(`Redis differs from the topic in ${check.differences.length} places`);
  return { ok, check, lost: lostCount };
}

/** ./scripts/validate-redis.mjs: the redis-cli snapshot and the full mirror check. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ledger: { type: 'string' }, samples: { type: 'string' } } });
  const rt = await openRuntime();
  const ev = Evidence.create('validate-redis');
  await redisSnapshot(rt, ev, Number(values.samples ?? '3'));
  const { ok } = await reportMirror(rt, ev, values.ledger === undefined ? undefined : Ledger.read(values.ledger));
  ev.deliverable('(5) redis-cli snapshot + mirror check', `"Redis" and "Mirror check" sections: ${ok ? 'PASS' : 'FAIL'}`);
  console.log(chalk.dim(`evidence: ${ev.save()}`));
  return ok ? 0 : 1;
}
