import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFullyReplicated } from '../../scripts/lib/cluster.ts';
import { PrometheusClient } from '../../scripts/lib/prometheus.ts';
import { waitForBrokers } from '../../scripts/lib/readiness.ts';
import { waitFor } from '../../scripts/lib/wait.ts';
import { LiveCapture } from '../../scripts/lib/video/capture.ts';
import { readStopFrames } from '../../scripts/lib/video/frame-check.ts';
import { ffprobe, renderVideo } from '../../scripts/lib/video/render.ts';
import { chapterSlides, onTimeline } from '../../scripts/lib/video/storyboard.ts';
import type { Line } from '../../scripts/lib/video/transcript.ts';
import { testRuntime } from './stack.ts';

// make video's live dashboard pictures on the real pipeline: taken every 2 s while kafka-3 is really
// stopped and started again, placed on the terminal's time line, encoded, and read back from the video.
describe('the course video on the real pipeline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rastro-video-it-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a frame of the stop shows two brokers up, the frame before it three', async () => {
    const rt = await testRuntime();
    const prom = new PrometheusClient(rt.addresses.prometheusUrl);
    const brokersUp = async () => (await prom.query('count(up{job="kafka"} == 1) or vector(0)'))[0]?.value;
    await waitFor(async () => (await brokersUp()) === 3, { what: 'Prometheus to count 3 brokers up', timeoutMs: 60_000 });

    const capture = new LiveCapture(rt, dir, { everyMs: 2000, mapEveryMs: 0 });
    const startedAt = Date.now();
    const lines: Line[] = [];
    const say = (text: string) => lines.push({ t: Date.now() - startedAt, text });
    const victim = 3 as const;
    const pictureAfter = (fromMs: number, up: number, what: string) =>
      waitFor(async () => capture.shots.some((s) => s.at > fromMs && s.brokersUp === up), { what, timeoutMs: 60_000 });
    let stoppedAt = 0;
    let restartedAt = 0;
    let recoveredAt = 0;
    await capture.start();
    try {
      say('== Load');
      await pictureAfter(startedAt, 3, 'a live dashboard picture of 3 brokers');
      say(`== Stop broker ${victim}`);
      stoppedAt = Date.now();
      await rt.stopNode(victim);
      say(`kafka-${victim} stopped`);
      await waitFor(async () => (await brokersUp()) === 2, { what: 'Prometheus to count 2 brokers up', timeoutMs: 60_000 });
      await pictureAfter(Date.now(), 2, 'a live dashboard picture of 2 brokers');
      say(`== Restart broker ${victim}`);
      restartedAt = Date.now();
      await rt.startNode(victim);
      await waitFor(async () => (await brokersUp()) === 3, { what: 'Prometheus to count 3 brokers up again', timeoutMs: 120_000 });
      recoveredAt = Date.now();
      await pictureAfter(Date.now(), 3, 'a live dashboard picture of 3 brokers after the restart');
      say(`kafka-${victim} back`);
    } finally {
      await capture.stop();
      if (!(await rt.isNodeRunning(victim))) await rt.startNode(victim);
    }
    // Leave the shared stack whole for the next file.
    await waitForBrokers(rt.access.kafka('admin'), 120_000);
    await waitFullyReplicated(rt, rt.stack.topics.locations, 120_000);
    expect(capture.stats.taken).toBeGreaterThanOrEqual(3);

    const title = '6. Broker stop and recovery';
    const slides = chapterSlides(lines, { title, fromT: 0, toT: Number.POSITIVE_INFINITY, shots: onTimeline(capture.shots, startedAt), rows: 20, maxTerminal: 3, maxDashboard: 6 });
    const out = join(dir, 'short.mp4');
    const { timeline } = await renderVideo([{ title, slides, sentences: [`Kafka ${victim} is stopped; two brokers stay up.`] }], {
      workDir: dir, out, srt: join(dir, 'short.srt'), title: 'rastro video test', terminalS: 0.6,
    });

    const p = await ffprobe(out);
    const end = timeline.at(-1)?.endS ?? 0;
    expect(p.durationS).toBeGreaterThan(end - 0.5);
    expect(p.durationS).toBeLessThan(Math.min(end + 0.5, 20));
    expect(p.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 1280, height: 720 });
    expect(p.streams.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(p.chapters.map((c) => c.tags?.title)).toEqual([title]);

    // Read back from the encoded frames: the picture taken while kafka-3 was really down reads 2.
    const readings = await readStopFrames(out, timeline, capture.shots, dir);
    const at = (file: string) => capture.shots.find((s) => s.file === file)?.at ?? 0;
    // The live page redraws every 5 s: a picture shows the data of its last redraw, not of the instant it was taken.
    const dataAt = (file: string) => capture.shots.find((s) => s.file === file)?.dataAt ?? 0;
    const down = readings.filter((r) => r.expected === 2);
    expect(down.length).toBeGreaterThanOrEqual(1);
    // The first was taken before the restart; any later one before Prometheus saw kafka-3 back.
    expect(at(down[0]?.file ?? '')).toBeLessThan(restartedAt);
    for (const r of down) {
      expect(at(r.file)).toBeGreaterThan(stoppedAt);
      // Data of a redraw before Prometheus was seen counting 3 again (its end is rounded up to the second).
      expect(dataAt(r.file)).toBeLessThanOrEqual(recoveredAt + 1000);
      expect(at(r.file) - dataAt(r.file)).toBeLessThan(10_000);
      expect({ frame: r.atS, read: r.read, text: r.text }).toEqual({ frame: r.atS, read: 2, text: '2' });
    }
    // And the frame just before them (Prometheus still counting 3) reads 3.
    const before = readings.find((r) => r.expected === 3 && at(r.file) < at(down[0]?.file ?? ''));
    expect(before?.read).toBe(3);
  });
});
