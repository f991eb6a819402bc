import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Evidence } from '../evidence.ts';
import { NODE_IDS, ROOT } from '../../../shared/stack.ts';
import { narration, parseNumbers } from '../video/narration.ts';
import { evidenceDirOf, recordScript } from '../video/record.ts';
import { openRuntime } from '../runtime/index.ts';
import { LiveCapture, type Shot } from '../video/capture.ts';
import { readStopFrames } from '../video/frame-check.ts';
import { ffprobe, renderVideo, type Slide, type VideoChapter } from '../video/render.ts';
import { chapterSlides, chapterWindows, onTimeline } from '../video/storyboard.ts';
import { CHAPTERS, splitChapters, type ChapterId, type Line } from '../video/transcript.ts';
import { numberOption, parseCommand, type CommandSpec } from '../../../shared/cli.ts';

interface RunRecording {
  code: number;
  lines: Line[];
  text: string;
  dir?: string;
  /** when the script started (ms), the origin of its lines' times; absent in recordings made before the live pictures */
  startedAt?: number;
  /** the live dashboard and map pictures taken while it ran */
  shots?: Shot[];
}

interface Recording {
  demo: RunRecording;
  chaos: RunRecording;
}

/** The pictures the two scripts saved, per chapter: the "during" one is taken while a broker is down. */
const PICTURES: Partial<Record<ChapterId, Array<{ run: 'demo' | 'chaos'; file: string; caption: string; fit?: 'contain' | 'top' }>>> = {
  redis: [
    { run: 'demo', file: 'map.png', caption: 'The live map after the demo (Redis GEOSEARCH)' },
    { run: 'demo', file: 'dashboard.png', caption: 'The demo on the dashboard' },
  ],
  chaos: [
    { run: 'chaos', file: 'dashboard-1-before.png', caption: `Dashboard before the stop: ${NODE_IDS.length} brokers`, fit: 'top' },
    { run: 'chaos', file: 'dashboard-2-during.png', caption: `Dashboard during the stop: ${NODE_IDS.length - 1} brokers up`, fit: 'top' },
    { run: 'chaos', file: 'map-2-during.png', caption: 'Live map during the stop: the drivers keep moving' },
    { run: 'chaos', file: 'dashboard-3-after.png', caption: 'Dashboard after the restart: ISR full', fit: 'top' },
  ],
  verdict: [{ run: 'chaos', file: 'timeline.png', caption: 'Timeline around the stop' }],
};

/**
 * make video: runs make demo and make chaos on the native stack, records their terminal output and
 * live pictures of the dashboard and the map taken meanwhile, and turns them, the pictures the scripts
 * saved and a narration from their numbers into evidence/<run>/demo.mp4 with chapters and demo.srt,
 * then reads the stop chapter's frames back (2 brokers online during the stop, 3 around it).
 * --from <dir> renders again from a previous run's recording.
 */
export const SPEC: CommandSpec = {
  name: './scripts/video.mjs',
  summary: 'the course video (make video): records make demo and make chaos with live pictures, narrates, encodes evidence/<run>/rastro.mp4 and checks its frames',
  options: {
    'burn-subtitles': { type: 'boolean', description: 'burn the subtitles into the picture (besides the subtitle track)' },
    from: { type: 'string', value: 'DIR', description: "render again from a previous run's directory (its recording.json)" },
    hold: { type: 'string', value: 'S', default: '20', description: 'seconds the chaos run keeps the broker down' },
    events: { type: 'string', value: 'N', default: '20000', description: "the demo's events" },
    every: { type: 'string', value: 'S', default: '5', description: 'a live dashboard picture every S seconds (0: none)' },
    'map-every': { type: 'string', value: 'S', default: '15', description: 'a live map picture at most every S seconds (0: none)' },
  },
  examples: ['make video', './scripts/video.mjs --from evidence/2026-12-07_10-00-00-video'],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ 'burn-subtitles'?: boolean; from?: string; hold: string; events: string; every: string; 'map-every': string }>(SPEC, argv);
  if (args === undefined) return 0;
  const o = args.values;
  const everyS = numberOption('every', o.every) as number;
  const mapEveryS = numberOption('map-every', o['map-every']) as number;
  numberOption('hold', o.hold);
  numberOption('events', o.events, { integer: true });
  const ev = Evidence.create('video');
  const recordingFile = join(ev.dir, 'recording.json');
  let rec: Recording;
  if (o.from !== undefined) {
    const from = join(o.from, 'recording.json');
    if (!existsSync(from)) throw new Error(`--from ${o.from}: no recording.json there (a make video run directory holds one)`);
    rec = JSON.parse(readFileSync(from, 'utf8')) as Recording;
    ev.step(`rendering again from ${from}`);
  } else {
    // The course video shows the native stack (RASTRO_HOME / RASTRO_PORT_OFFSET choose which one).
    const env = { ...process.env, RUNTIME: process.env.RUNTIME ?? 'native' };
    const rt = await openRuntime(env);
    const recordWithPictures = async (script: 'demo' | 'chaos', args: string[]): Promise<RunRecording> => {
      const capture = new LiveCapture(rt, join(ev.dir, 'live', script), { everyMs: everyS * 1000, mapEveryMs: mapEveryS * 1000 });
      mkdirSync(join(ev.dir, 'live', script), { recursive: true });
      await capture.start();
      let r: Awaited<ReturnType<typeof recordScript>>;
      try {
        r = await recordScript(ROOT, script, args, env);
      } finally {
        await capture.stop();
      }
      const s = capture.stats;
      ev.step(`${script}: ${s.taken} live pictures, ${s.skipped} ticks skipped (previous picture still rendering), ${s.failed} failed${s.lastError ? ` (last: ${s.lastError.split('\n')[0]})` : ''}`);
      return { ...r, dir: evidenceDirOf(r.text), shots: capture.shots };
    };
    ev.section('Recording make demo');
    const demo = await recordWithPictures('demo', ['--events', o.events]);
    ev.section(`Recording make chaos (a broker stopped for ${o.hold} s under load)`);
    const chaos = await recordWithPictures('chaos', ['--hold', o.hold]);
    rec = { demo, chaos };
  }
  writeFileSync(recordingFile, JSON.stringify(rec));
  ev.step(`demo exited ${rec.demo.code} (evidence ${rec.demo.dir ?? 'not found'}), chaos exited ${rec.chaos.code} (evidence ${rec.chaos.dir ?? 'not found'})`);

  const numbers = parseNumbers(rec.demo.text, rec.chaos.text);
  const said = narration(numbers);
  // Each chapter on its script's time line: the terminal with the live dashboard of the same moment.
  const runs = (['demo', 'chaos'] as const).map((run) => {
    const r = rec[run];
    const byChapter = splitChapters(r.lines, run);
    return { run, byChapter, windows: chapterWindows(byChapter), shots: onTimeline(r.shots ?? [], r.startedAt ?? 0) };
  });
  const chapters: VideoChapter[] = CHAPTERS.map(({ id, title }) => {
    const r = runs.find((x) => x.byChapter.has(id));
    const w = r?.windows.get(id);
    const timed = r && w ? chapterSlides(r.byChapter.get(id) ?? [], { title, ...w, shots: r.shots, rows: 20, maxTerminal: 12, maxDashboard: 16 }) : [];
    const saved = (PICTURES[id] ?? [])
      .map((p): Slide => ({ kind: 'picture', file: join((p.run === 'demo' ? rec.demo.dir : rec.chaos.dir) ?? '/nonexistent', p.file), caption: p.caption, fit: p.fit }))
      .filter((p) => p.kind === 'picture' && existsSync(p.file));
    return { title, slides: [...timed, ...saved], sentences: said[id] };
  });
  ev.block('text', CHAPTERS.map((c) => `${c.title}: ${said[c.id].join(' ')}`).join('\n'), 'Narration, from the run\'s numbers');

  ev.section('Rendering');
  const work = join(ev.dir, 'work');
  mkdirSync(work, { recursive: true });
  const out = join(ev.dir, 'demo.mp4');
  const srt = join(ev.dir, 'demo.srt');
  const { timeline } = await renderVideo(chapters, { workDir: work, out, srt, title: `rastro — ${numbers.brokers}-node Kafka to Redis, ${new Date().toISOString().slice(0, 10)}`, burnSubtitles: o['burn-subtitles'] === true });
  // The issue's check, on the encoded video: frames of the stop chapter read back as 3 → 2 → 3 brokers online.
  const chaosShots = runs.find((x) => x.run === 'chaos')?.shots.filter((s) => s.kind === 'dashboard') ?? [];
  const readings = await readStopFrames(out, timeline, chaosShots, work);
  const framesOk = readings.some((r) => r.expected === 2) && readings.every((r) => r.read === r.expected);
  for (const r of readings) {
    const line = `frame at ${r.atS.toFixed(1)} s (${basename(r.file)}, Prometheus: ${r.expected} brokers online) reads "Brokers online ${r.text}"`;
    if (r.read === r.expected) ev.ok(line);
    else ev.fail(line);
  }
  if (!readings.some((r) => r.expected === 2)) ev.fail('no frame of the video shows a dashboard picture taken while a broker was down (Prometheus never counted 2 brokers in a live picture)');
  rmSync(work, { recursive: true, force: true });
  const p = await ffprobe(out);
  const video = p.streams.find((s) => s.codec_type === 'video');
  ev.block('text', timeline.map((c) => `${c.startS.toFixed(1).padStart(6)} s  ${c.title}`).join('\n'), 'Chapters');
  ev.ok(`${out}: ${p.durationS.toFixed(1)} s, ${video?.width}×${video?.height} ${video?.codec_name}, ${(statSync(out).size / 1024 / 1024).toFixed(1)} MB, ${p.chapters.length} chapters, narration ${p.streams.some((s) => s.codec_type === 'audio') ? 'on' : 'missing'}; subtitles ${srt}`);
  ev.deliverable('course video', 'demo.mp4 (chapters per deliverable), demo.srt');
  ev.ok(`evidence: ${ev.save()}`);
  return rec.demo.code === 0 && rec.chaos.code === 0 && framesOk ? 0 : 1;
}
