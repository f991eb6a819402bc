/** The video's time line: chapters one after the other, SRT cues and the ffmpeg chapter metadata. */

export interface ChapterPlan {
  title: string;
  /** seconds of narration audio for this chapter */
  speechS: number;
  /** the narration, one cue per sentence */
  sentences: string[];
  /** visual slides after the title card (terminal frames, pictures) with their minimum seconds */
  slides: Array<{ file: string; minS: number; tag?: string }>;
}

export interface TimedChapter {
  title: string;
  startS: number;
  endS: number;
  /** the title card's image and every slide, with how long each is shown */
  shots: Array<{ file: string; durationS: number; tag?: string }>;
  cues: Array<{ startS: number; endS: number; text: string }>;
}

export const TITLE_CARD_S = 2;

/**
 * Lays out the chapters: each lasts the longer of its slides and its narration (plus the title card);
 * when the narration is longer, the slides are stretched evenly. Cues share the narration's time in
 * proportion to their length, starting after the title card.
 */
export function layout(chapters: readonly ChapterPlan[], titleCards: readonly string[]): TimedChapter[] {
  if (titleCards.length !== chapters.length) throw new Error(`video layout: ${chapters.length} chapters but ${titleCards.length} title cards`);
  let at = 0;
  return chapters.map((c, i) => {
    const slidesMin = c.slides.reduce((s, x) => s + x.minS, 0);
    const body = Math.max(slidesMin, c.speechS + 0.5, 1);
    const stretch = slidesMin > 0 ? body / slidesMin : 0;
    const shots = [{ file: titleCards[i] ?? '', durationS: TITLE_CARD_S }, ...c.slides.map((s) => ({ file: s.file, durationS: s.minS * stretch, tag: s.tag }))];
    if (c.slides.length === 0) shots[0] = { file: titleCards[i] ?? '', durationS: TITLE_CARD_S + body };
    const startS = at;
    const endS = startS + TITLE_CARD_S + body;
    const total = c.sentences.reduce((s, x) => s + x.length, 0) || 1;
    let cueAt = startS + TITLE_CARD_S;
    const cues = c.sentences.map((text) => {
      const d = (c.speechS * text.length) / total;
      const cue = { startS: cueAt, endS: cueAt + d, text };
      cueAt += d;
      return cue;
    });
    at = endS;
    return { title: c.title, startS, endS, shots, cues };
  });
}

/** When the slide tagged `tag` is on screen, in seconds from the video's start. */
export function shotWindow(chapters: readonly TimedChapter[], tag: string): { startS: number; endS: number } | undefined {
  let at = 0;
  for (const s of chapters.flatMap((c) => c.shots)) {
    if (s.tag === tag) return { startS: at, endS: at + s.durationS };
    at += s.durationS;
  }
  return undefined;
}

/** 00:01:02,345 */
export function srtTime(s: number): string {
  const ms = Math.max(0, Math.round(s * 1000));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
}

export function toSrt(chapters: readonly TimedChapter[]): string {
  const cues = chapters.flatMap((c) => c.cues);
  return cues.map((c, i) => `${i + 1}\n${srtTime(c.startS)} --> ${srtTime(c.endS)}\n${c.text}\n`).join('\n');
}

/** ffmpeg's metadata file: the MP4 chapters. */
export function ffmetadata(chapters: readonly TimedChapter[], title: string): string {
  const esc = (s: string) => s.replace(/[=;#\\\n]/g, (m) => `\\${m}`);
  return [
    ';FFMETADATA1',
    `title=${esc(title)}`,
    ...chapters.flatMap((c) => ['', '[CHAPTER]', 'TIMEBASE=1/1000', `START=${Math.round(c.startS * 1000)}`, `END=${Math.round(c.endS * 1000)}`, `title=${esc(c.title)}`]),
    '',
  ].join('\n');
}

/** The concat demuxer's list: each image for its duration (the last one repeated, as the demuxer needs). */
export function concatList(chapters: readonly TimedChapter[]): string {
  const shots = chapters.flatMap((c) => c.shots);
  const q = (f: string) => `file '${f.replace(/'/g, "'\\''")}'`;
  const last = shots[shots.length - 1];
  return [...shots.flatMap((s) => [q(s.file), `duration ${s.durationS.toFixed(3)}`]), ...(last ? [q(last.file)] : []), ''].join('\n');
}
