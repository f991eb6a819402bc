import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../scripts/lib/commands/video.ts';
import { ROOT } from '../../shared/stack.ts';
import { ffprobe } from '../../scripts/lib/video/render.ts';

// make video's assembly from a recording (./scripts/video.mjs --from): the scripts' output is synthetic and
// the live pictures are fixtures, so no Kafka is needed (test/integration/video.test.ts takes real ones).
describe('make video from a recording', () => {
  const root = mkdtempSync(join(tmpdir(), 'rastro-video-cmd-'));
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(root, { recursive: true, force: true });
  });

  const h = (s: string) => `\u001b[1m\u001b[36m== ${s}\u001b[39m\u001b[22m`;
  const timed = (texts: Array<[number, string]>) => texts.map(([t, text]) => ({ t, text }));
  const text = (l: Array<{ text: string }>) => l.map((x) => x.text).join('\n');
  const demo = timed([[0, h('Start the native stack')], [100, 'kafka-1 broker+controller'], [200, h('Topics (config/topics.yaml)')], [300, 'created'], [400, h('Connector redis-sink (x)')], [500, 'RUNNING'], [600, h('Produce 100 events from 10 simulated drivers')], [700, 'ok'], [800, h('Summary')], [900, 'events produced    100 (50 events/s)'], [1000, 'drivers            10'], [1100, 'mirror check       PASS (10/10 drivers match)']]);
  const chaos = timed([[0, h('Start the native stack')], [100, 'again'], [1000, h('Load')], [2000, 'producing'], [3000, h('Stop broker 2')], [4000, 'kafka-2 stopped'], [6000, h('Restart broker 2')], [7000, 'kafka-2 back'], [8000, h('Verdict')], [8100, 'broker stopped          kafka-2'], [8200, 'records lost            0 (x)'], [8300, 'writes resumed after    1.20 s'], [8400, 'fully replicated after  3.40 s from the restart'], [8500, 'verdict                 PASS: fine']]);

  /**
   * A recording as make video saves it, with live dashboard pictures in the stop chapter: real ones from
   * a make video run here (test/fixtures, Prometheus counted 3 and 2 brokers when they were taken);
   * `during` is the picture shown for the moment Prometheus counted 2.
   */
  function recording(name: string, during: string): string {
    const from = join(root, name);
    const live = join(from, 'live', 'chaos');
    mkdirSync(live, { recursive: true });
    const chaosDir = join(from, 'chaos-run');
    mkdirSync(chaosDir);
    copyFileSync(join(ROOT, 'docs', 'map.png'), join(chaosDir, 'dashboard-2-during.png'));
    const startedAt = 1_000_000;
    const shot = (n: number, at: number, brokersUp: number, picture: string) => {
      const file = join(live, `dashboard-000${n}.png`);
      copyFileSync(join(ROOT, 'test', 'fixtures', picture), file);
      return { at: startedAt + at, kind: 'dashboard', file, brokersUp };
    };
    const shots = [shot(1, 2500, 3, 'dashboard-health-3.png'), shot(2, 5000, 2, during), shot(3, 7500, 3, 'dashboard-health-3.png')];
    writeFileSync(join(from, 'recording.json'), JSON.stringify({
      demo: { code: 0, lines: demo, text: text(demo), dir: join(root, 'demo-run'), startedAt, shots: [] },
      chaos: { code: 0, lines: chaos, text: text(chaos), dir: chaosDir, startedAt, shots },
    }));
    return from;
  }

  async function render(from: string): Promise<{ code: number; dir: string }> {
    const evidence = join(root, `evidence-${basename(from)}`);
    vi.stubEnv('RASTRO_EVIDENCE_DIR', evidence);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const code = await main(['--from', from]);
      const [run] = readdirSync(evidence);
      return { code, dir: join(evidence, run ?? '') };
    } finally {
      log.mockRestore();
    }
  }

  it('renders every course chapter with the numbers of the run, and reads 3 → 2 → 3 brokers back from the stop chapter', async () => {
    const { code, dir } = await render(recording('previous', 'dashboard-health-2.png'));
    expect(code).toBe(0);
    const p = await ffprobe(join(dir, 'demo.mp4'));
    expect(p.chapters.map((c) => c.tags?.title)).toEqual(['1. Topology: three KRaft nodes', '2. The compacted topic', '3. The Redis sink connector', '4. The producer', '5. Redis check: one record per driver', '6. Broker stop and recovery', '7. Verdict']);
    expect(p.streams.some((s) => s.codec_type === 'audio')).toBe(true);
    const srt = readFileSync(join(dir, 'demo.srt'), 'utf8');
    expect(srt).toContain('The producer sent 100 events from 10 drivers');
    expect(srt).toContain('Writes resumed after 1.2 seconds, with two brokers up.');
    expect(srt).toContain('Records lost: 0.');
    const report = readFileSync(join(dir, 'REPORT.md'), 'utf8');
    expect(report).toMatch(/dashboard-0001\.png, Prometheus: 3 brokers online\) reads "Brokers online 3"/);
    expect(report).toMatch(/dashboard-0002\.png, Prometheus: 2 brokers online\) reads "Brokers online 2"/);
    expect(report).toMatch(/dashboard-0003\.png, Prometheus: 3 brokers online\) reads "Brokers online 3"/);
  }, 240_000);

  it('fails when the frame of the stop does not show two brokers up', async () => {
    const { code, dir } = await render(recording('wrong', 'dashboard-health-3.png'));
    expect(code).toBe(1);
    expect(readFileSync(join(dir, 'REPORT.md'), 'utf8')).toMatch(/dashboard-0002\.png, Prometheus: 2 brokers online\) reads "Brokers online 3"/);
  }, 240_000);
});
