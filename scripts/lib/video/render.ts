import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireCommand } from '../native/processes.ts';
import { DASHBOARD_WIDTH } from '../render/dashboard.ts';
import { launch } from '../render/screenshot.ts';
import { encodeArgs, espeakArgs, ffprobeArgs } from './ffmpeg-args.ts';
import { pictureHtml, terminalDashboardHtml, terminalHtml, titleCardHtml } from './terminal-html.ts';
import { concatList, ffmetadata, layout, toSrt, type ChapterPlan, type TimedChapter } from './timeline.ts';

const run = promisify(execFile);

/**
 * One picture of the video: the terminal (lines with ANSI colours) at a moment, with the live dashboard
 * of that moment along the bottom when there is one, or a picture from the run. `tag` finds the slide
 * in the rendered time line (the frame checks); `minS` overrides the default time on screen.
 */
export type Slide =
  | { kind: 'terminal'; lines: string[]; caption: string; dashboard?: { file: string; caption: string }; minS?: number; tag?: string }
  | { kind: 'picture'; file: string; caption: string; fit?: 'contain' | 'top'; minS?: number; tag?: string };

export interface VideoChapter {
  title: string;
  slides: Slide[];
  sentences: string[];
}

export interface VideoOptions {
  workDir: string;
  out: string;
  srt: string;
  title: string;
  width?: number;
  height?: number;
  burnSubtitles?: boolean;
  /** seconds each terminal screen and each picture is shown at least */
  terminalS?: number;
  pictureS?: number;
}

async function tool(cmd: string, args: string[], what: string): Promise<string> {
  const bin = requireCommand(cmd, what);
  try {
    const { stdout } = await run(bin, args, { maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${what}: ${cmd} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

export interface Probe {
  durationS: number;
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; pix_fmt?: string }>;
  chapters: Array<{ start_time: string; end_time: string; tags?: { title?: string } }>;
}

export async function ffprobe(file: string): Promise<Probe> {
  const j = JSON.parse(await tool('ffprobe', ffprobeArgs(file), `probe ${file}`)) as { format: { duration: string }; streams: Probe['streams']; chapters: Probe['chapters'] };
  return { durationS: Number(j.format.duration), streams: j.streams, chapters: j.chapters };
}

/** Renders every frame with one Chromium, speaks each chapter with espeak-ng, and encodes with ffmpeg. */
export async function renderVideo(chapters: readonly VideoChapter[], o: VideoOptions): Promise<{ out: string; srt: string; timeline: TimedChapter[] }> {
  const width = o.width ?? 1280;
  const height = o.height ?? 720;
  const frames = join(o.workDir, 'frames');
  mkdirSync(frames, { recursive: true });
  const titleCards: string[] = [];
  const plans: ChapterPlan[] = [];
  const speech: string[] = [];
  const browser = await launch('video frames');
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    const shoot = async (html: string, file: string) => {
      await page.setContent(html, { waitUntil: 'load' });
      await page.screenshot({ path: file });
      return file;
    };
    for (const [i, c] of chapters.entries()) {
      const base = `c${String(i + 1).padStart(2, '0')}`;
      titleCards.push(await shoot(titleCardHtml(c.title, o.title, width, height), join(frames, `${base}-title.png`)));
      const slides: ChapterPlan['slides'] = [];
      for (const [k, sl] of c.slides.entries()) {
        const file = join(frames, `${base}-${String(k).padStart(3, '0')}.png`);
        const b64 = (f: string) => readFileSync(f).toString('base64');
        const html = sl.kind === 'picture'
          ? pictureHtml(b64(sl.file), sl.caption, width, height, sl.fit)
          : sl.dashboard
            ? terminalDashboardHtml(sl.lines, sl.caption, { pngBase64: b64(sl.dashboard.file), caption: sl.dashboard.caption, dashboardWidth: DASHBOARD_WIDTH }, width, height)
            : terminalHtml(sl.lines, sl.caption, width, height);
        slides.push({ file: await shoot(html, file), minS: sl.minS ?? (sl.kind === 'picture' ? (o.pictureS ?? 4) : (o.terminalS ?? 0.8)), tag: sl.tag });
      }
      const wav = join(o.workDir, `${base}.wav`);
      await tool('espeak-ng', espeakArgs(c.sentences.join(' '), wav), `narration of "${c.title}"`);
      speech.push(wav);
      plans.push({ title: c.title, sentences: c.sentences, slides, speechS: (await ffprobe(wav)).durationS });
    }
  } finally {
    await browser.close();
  }
  const timeline = layout(plans, titleCards);
  writeFileSync(o.srt, toSrt(timeline));
  const list = join(o.workDir, 'slides.txt');
  const meta = join(o.workDir, 'chapters.txt');
  writeFileSync(list, concatList(timeline));
  writeFileSync(meta, ffmetadata(timeline, o.title));
  await tool('ffmpeg', encodeArgs({ concatList: list, speech, metadata: meta, out: o.out, chapters: timeline, width, height, burnSrt: o.burnSubtitles ? o.srt : undefined }), `encode ${o.out}`);
  return { out: o.out, srt: o.srt, timeline };
}
