import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Evidence } from '../../scripts/lib/evidence.ts';
import type { MirrorVerdict } from '../../scripts/lib/pipeline.ts';
import { CHAOS_PHASES, chaosCaptions, chaosVerdict, mirrorReported, partitionTable } from '../../scripts/lib/report.ts';
import { loadStack } from '../../shared/stack.ts';

const reportOf = (ev: Evidence) => readFileSync(ev.save(), 'utf8');

describe('report: data in, evidence out', () => {
  it('the mirror verdict names each difference and the lost updates, and fails when there are any', () => {
    const ev = Evidence.silent('report-test');
    const verdict: MirrorVerdict = {
      ok: false,
      check: { expected: 2, inRedis: 2, matching: 1, differences: [{ kind: 'stale', driver: 'driver_1', detail: 'timestamp 1 < 2' }], state: new Map(), records: 5, tombstones: 0, unreadable: 1, superseded: 2 },
      ledger: { drivers: 2, lost: [{ kind: 'stale', driver: 'driver_1', detail: 'acknowledged 2, Redis 1' }] },
    };
    mirrorReported(ev, loadStack(), verdict);
    const md = reportOf(ev);
    expect(md).toContain('read 5 records: 0 tombstones, 1 the sink rejects (DLQ), 2 older than an event already seen → 2 live drivers');
    expect(md).toContain('missing: 0, extra: 0, stale: 1,');
    expect(md).toContain('- ❌ lost update driver_1: acknowledged 2, Redis 1');
    expect(md).toContain('- ❌ Redis differs from the topic in 1 places; 1 acknowledged updates lost');
  });

  it("chaos's deliverable lists the pictures its phases write, and its verdict the outcome", () => {
    const ev = Evidence.silent('report-test');
    chaosVerdict(ev, { victim: 'kafka-2', kill: false, controller: false, acknowledged: 900, retriedBatches: 3, lost: 0, resumedAfterMs: 1234, replicatedAfterMs: 5000, moved: { moved: 50, of: 50 }, ok: true }, true);
    const md = reportOf(ev);
    for (const p of CHAOS_PHASES) for (const kind of ['dashboard', 'map']) expect(md).toContain(`${kind}-${p}.png`);
    expect(md).toMatch(/records lost\s+0 /);
    expect(md).toContain('writes resumed after    1.23 s');
    expect(md).toContain('| (6) chaos timeline and verdict | timeline.png and "Verdict" section: PASS, 0 records lost |');
    expect(chaosCaptions('2-during', 'kafka-2', 20).dashboard).toBe('During: kafka-2 down for 20 s');
  });

  it('partition table: one line per partition', () => {
    expect(partitionTable([{ partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 3] }])).toBe('partition 0  leader 1  replicas [1,2,3]  isr [1,3]');
  });
});
