import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ffprobe, renderVideo } from '../../scripts/lib/video/render.ts';
import { ROOT } from '../../shared/stack.ts';

// A short video from synthetic terminal text and a picture from the repository: no Kafka needed.
// Needs chromium, ffmpeg and espeak-ng (the test and video set-up goals install them).
describe('video rendering', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rastro-video-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('encodes a short H.264 video with narration, chapters and subtitles', async () => {
    const out = join(dir, 'demo.mp4');
    const srt = join(dir, 'demo.srt');
    const { timeline } = await renderVideo([
      { title: '1. Topology', slides: [{ kind: 'terminal', lines: ['\u001b[1m\u001b[36m== Start the native stack\u001b[39m\u001b[22m', '\u001b[32m✔\u001b[39m 3 brokers up'], caption: 'terminal' }], sentences: ['Three nodes.'] },
      { title: '6. Broker stop', slides: [
        { kind: 'terminal', lines: ['kafka-2 stopped'], caption: 'terminal', dashboard: { file: join(ROOT, 'docs', 'map.png'), caption: 'live dashboard' }, tag: 'strip' },
        { kind: 'picture', file: join(ROOT, 'docs', 'map.png'), caption: 'During: kafka-2 down' },
      ], sentences: ['Kafka 2 is down.', 'Records lost: 0.'] },
    ], { workDir: dir, out, srt, title: 'rastro test', terminalS: 0.5, pictureS: 1, burnSubtitles: true });

    const p = await ffprobe(out);
    const end = timeline.at(-1)?.endS ?? 0;
    expect(p.durationS).toBeGreaterThan(end - 0.5);
    expect(p.durationS).toBeLessThan(end + 0.5);
    const video = p.streams.find((s) => s.codec_type === 'video');
    expect(video).toMatchObject({ codec_name: 'h264', width: 1280, height: 720, pix_fmt: 'yuv420p' });
    expect(p.streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac')).toBe(true);
    expect(p.chapters.map((c) => c.tags?.title)).toEqual(['1. Topology', '6. Broker stop']);
    expect(Number(p.chapters[1]?.start_time)).toBeCloseTo(timeline[1]?.startS ?? -1, 1);
    expect(readFileSync(srt, 'utf8')).toContain('Records lost: 0.');
    expect(statSync(out).size).toBeLessThan(50 * 1024 * 1024);
  }, 120_000);
});
