import type { TimedChapter } from './timeline.ts';

export interface EncodeInput {
  concatList: string;
  /** one narration WAV per chapter, in chapter order */
  speech: readonly string[];
  metadata: string;
  out: string;
  chapters: readonly TimedChapter[];
  width: number;
  height: number;
  /** an SRT file to burn into the picture (--burn-subtitles) */
  burnSrt?: string;
  threads?: number;
}

/** Escapes a path for a filter argument (subtitles=...): ffmpeg's filter syntax, not a shell. */
export function filterPath(p: string): string {
  return p.replace(/[\\':,;[\]=]/g, (m) => `\\${m}`);
}

/**
 * ffmpeg's argv for the whole video: the slides through the concat demuxer, each chapter's narration
 * padded with silence to its chapter's length and joined, the chapters from the metadata file.
 * An array, never a shell string.
 */
export function encodeArgs(o: EncodeInput): string[] {
  if (o.speech.length !== o.chapters.length) throw new Error(`ffmpeg arguments: ${o.chapters.length} chapters but ${o.speech.length} narration files`);
  const n = o.chapters.length;
  const audio = o.chapters.map((c, i) => {
    const d = (c.endS - c.startS).toFixed(3);
    return `[${i + 1}:a]aresample=44100,aformat=channel_layouts=mono,apad=whole_dur=${d},atrim=0:${d},asetpts=N/SR/TB[a${i}]`;
  });
  const join = `${o.chapters.map((_, i) => `[a${i}]`).join('')}concat=n=${n}:v=0:a=1[aout]`;
  const scale = `scale=${o.width}:${o.height}:force_original_aspect_ratio=decrease,pad=${o.width}:${o.height}:(ow-iw)/2:(oh-ih)/2:color=black`;
  const video = `[0:v]${scale},fps=25${o.burnSrt ? `,subtitles=${filterPath(o.burnSrt)}` : ''},format=yuv420p[vout]`;
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'concat', '-safe', '0', '-i', o.concatList,
    ...o.speech.flatMap((f) => ['-i', f]),
    '-f', 'ffmetadata', '-i', o.metadata,
    '-filter_complex', [video, ...audio, join].join(';'),
    '-map', '[vout]', '-map', '[aout]',
    '-map_metadata', String(n + 1), '-map_chapters', String(n + 1),
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'stillimage', '-crf', '23', '-pix_fmt', 'yuv420p',
    '-threads', String(o.threads ?? 1),
    '-c:a', 'aac', '-b:a', '96k',
    '-movflags', '+faststart',
    o.out,
  ];
}

/** espeak-ng's argv for one chapter's narration as a WAV file. */
export function espeakArgs(text: string, wav: string, voice = 'en-us', wordsPerMinute = 165): string[] {
  return ['-v', voice, '-s', String(wordsPerMinute), '-w', wav, text];
}

/** ffprobe's argv that prints streams, format and chapters as JSON. */
export function ffprobeArgs(file: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', file];
}
