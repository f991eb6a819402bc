import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../scripts/lib/commands/video.ts';
import { ROOT } from '../../shared/stack.ts';
import { ffprobe } from '../../scripts/lib/video/render.ts';

// make video's assembly from a recording (./scripts/video.mjs --from): the scripts' output and pictures
// are synthetic, so no Kafka is needed; the frame of the stop chapter is the picture taken during the stop.
describe('make video from a recording', () => {
  const root = mkdtempSync(join(tmpdir(), 'rastro-video-cmd-'));
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(root, { recursive: true, force: true });
  });

  it('renders every course chapter with the numbers of the run and the during picture', async () => {
    const chaosDir = join(root, 'chaos-run');
    mkdirSync(chaosDir);
    copyFileSync(join(ROOT, 'docs', 'map.png'), join(chaosDir, 'dashboard-2-during.png'));
    const h = (s: string) => `\u001b[1m\u001b[36m== ${s}\u001b[39m\u001b[22m`;
    const lines = (texts: string[]) => texts.map((text, t) => ({ t: t * 100, text }));
    const demo = lines([h('Start the native stack'), 'kafka-1 broker+controller', h('Topics (config/topics.yaml)'), 'created', h('Connector redis-sink (x)'), 'RUNNING', h('Produce 100 events from 10 simulated drivers'), 'ok', h('Summary'), 'events produced    100 (50 events/s)', 'drivers            10', 'mirror check       PASS (10/10 drivers match)']);
    const chaos = lines([h('Start the native stack'), 'again', h('Load'), 'producing', h('Stop broker 2'), 'stopped', h('Verdict'), 'broker stopped          kafka-2', 'records lost            0 (x)', 'writes resumed after    1.20 s', 'fully replicated after  3.40 s from the restart', 'verdict                 PASS: fine']);
    const from = join(root, 'previous');
    mkdirSync(from);
    const text = (l: Array<{ text: string }>) => l.map((x) => x.text).join('\n');
    writeFileSync(join(from, 'recording.json'), JSON.stringify({ demo: { code: 0, lines: demo, text: text(demo), dir: join(root, 'demo-run') }, chaos: { code: 0, lines: chaos, text: text(chaos), dir: chaosDir } }));
    vi.stubEnv('RASTRO_EVIDENCE_DIR', join(root, 'evidence'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await main(['--from', from])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const [run] = readdirSync(join(root, 'evidence'));
    const dir = join(root, 'evidence', run ?? '');
    const p = await ffprobe(join(dir, 'demo.mp4'));
    expect(p.chapters.map((c) => c.tags?.title)).toEqual(['1. Topology: three KRaft nodes', '2. The compacted topic', '3. The Redis sink connector', '4. The producer', '5. Redis check: one record per driver', '6. Broker stop and recovery', '7. Verdict']);
    expect(p.streams.some((s) => s.codec_type === 'audio')).toBe(true);
    const srt = readFileSync(join(dir, 'demo.srt'), 'utf8');
    expect(srt).toContain('The producer sent 100 events from 10 drivers');
    expect(srt).toContain('Writes resumed after 1.2 seconds, with two brokers up.');
    expect(srt).toContain('Records lost: 0.');
    expect(readFileSync(join(dir, 'REPORT.md'), 'utf8')).toContain('the stop chapter shows');
  }, 180_000);
});
