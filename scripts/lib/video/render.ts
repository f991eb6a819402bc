import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireCommand } from '../native/processes.ts';
import { launch } from '../render/screenshot.ts';
import { encodeArgs, espeakArgs, ffprobeArgs } from './ffmpeg-args.ts';
import { pictureHtml, terminalHtml, titleCardHtml } from './terminal-html.ts';
import { concatList, ffmetadata, layout, toSrt, type ChapterPlan, type TimedChapter } from './timeline.ts';

const run = promisify(execFile);

export interface VideoChapter {
  title: string;
  /** terminal screens (lines with ANSI colours), shown in order */
  terminal: string[][];
  /** pictures from the run, shown after the terminal */
  pictures: Array<{ file: string; caption: string; fit?: 'contain' | 'top' }>;
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
      for (const [k, screen] of c.terminal.entries()) {
        slides.push({ file: await shoot(terminalHtml(screen, `${c.title} — terminal`, width, height), join(frames, `${base}-term-${String(k).padStart(3, '0')}.png`)), minS: o.terminalS ?? 0.8 });
      }
      for (const [k, p] of c.pictures.entries()) {
        const html = pictureHtml(readFileSync(p.file).toString('base64'), p.caption, width, height, p.fit);
        slides.push({ file: await shoot(html, join(frames, `${base}-pic-${k}.png`)), minS: o.pictureS ?? 4 });
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
