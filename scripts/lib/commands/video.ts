import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Evidence } from '../evidence.ts';
import { ROOT } from '../../../shared/stack.ts';
import { narration, parseNumbers } from '../video/narration.ts';
import { evidenceDirOf, recordScript } from '../video/record.ts';
import { ffprobe, renderVideo, type VideoChapter } from '../video/render.ts';
import { CHAPTERS, splitChapters, terminalFrames, type ChapterId, type Line } from '../video/transcript.ts';

interface Recording {
  demo: { code: number; lines: Line[]; text: string; dir?: string };
  chaos: { code: number; lines: Line[]; text: string; dir?: string };
}

/** The pictures the two scripts saved, per chapter: the "during" one is taken while a broker is down. */
const PICTURES: Partial<Record<ChapterId, Array<{ run: 'demo' | 'chaos'; file: string; caption: string; fit?: 'contain' | 'top' }>>> = {
  redis: [
    { run: 'demo', file: 'map.png', caption: 'The live map after the demo (Redis GEOSEARCH)' },
    { run: 'demo', file: 'dashboard.png', caption: 'The demo on the dashboard' },
  ],
  chaos: [
    { run: 'chaos', file: 'dashboard-1-before.png', caption: 'Dashboard before the stop: 3 brokers', fit: 'top' },
    { run: 'chaos', file: 'dashboard-2-during.png', caption: 'Dashboard during the stop: 2 brokers up', fit: 'top' },
    { run: 'chaos', file: 'map-2-during.png', caption: 'Live map during the stop: the drivers keep moving' },
    { run: 'chaos', file: 'dashboard-3-after.png', caption: 'Dashboard after the restart: ISR full', fit: 'top' },
  ],
  verdict: [{ run: 'chaos', file: 'timeline.png', caption: 'Timeline around the stop' }],
};

/**
 * make video: runs make demo and make chaos on the native stack, records their terminal output, and
 * turns it, the pictures they saved and a narration from their numbers into evidence/<run>/demo.mp4
 * with chapters and demo.srt. --from <dir> renders again from a previous run's recording.
 */
export async function main(argv: string[]): Promise<number> {
  const { values: o } = parseArgs({
    args: argv,
    options: { 'burn-subtitles': { type: 'boolean' }, from: { type: 'string' }, hold: { type: 'string', default: '20' }, events: { type: 'string', default: '20000' } },
  });
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
    ev.section('Recording make demo');
    const demo = await recordScript(ROOT, 'demo', ['--events', o.events], env);
    ev.section(`Recording make chaos (a broker stopped for ${o.hold} s under load)`);
    const chaos = await recordScript(ROOT, 'chaos', ['--hold', o.hold], env);
    rec = { demo: { ...demo, dir: evidenceDirOf(demo.text) }, chaos: { ...chaos, dir: evidenceDirOf(chaos.text) } };
  }
  writeFileSync(recordingFile, JSON.stringify(rec));
  ev.step(`demo exited ${rec.demo.code} (evidence ${rec.demo.dir ?? 'not found'}), chaos exited ${rec.chaos.code} (evidence ${rec.chaos.dir ?? 'not found'})`);

  const numbers = parseNumbers(rec.demo.text, rec.chaos.text);
  const said = narration(numbers);
  const lines = new Map([...splitChapters(rec.demo.lines, 'demo'), ...splitChapters(rec.chaos.lines, 'chaos')]);
  const chapters: VideoChapter[] = CHAPTERS.map(({ id, title }) => ({
    title,
    terminal: terminalFrames(lines.get(id) ?? [], 12, 33),
    pictures: (PICTURES[id] ?? [])
      .map((p) => ({ file: join((p.run === 'demo' ? rec.demo.dir : rec.chaos.dir) ?? '/nonexistent', p.file), caption: p.caption, fit: p.fit }))
      .filter((p) => existsSync(p.file)),
    sentences: said[id],
  }));
  // The check: a frame of the stop chapter shows the cluster while a broker is down.
  const during = chapters.find((c) => c.title === CHAPTERS.find((x) => x.id === 'chaos')?.title)?.pictures.find((p) => p.file.endsWith('dashboard-2-during.png'));
  if (during) ev.ok(`the stop chapter shows ${during.file}, taken while ${numbers.victim ?? 'the broker'} was down (two brokers up)`);
  else ev.fail('the stop chapter has no picture taken during the stop (chaos saved no dashboard-2-during.png)');
  ev.block('text', CHAPTERS.map((c) => `${c.title}: ${said[c.id].join(' ')}`).join('\n'), 'Narration, from the run\'s numbers');

  ev.section('Rendering');
  const work = join(ev.dir, 'work');
  mkdirSync(work, { recursive: true });
  const out = join(ev.dir, 'demo.mp4');
  const srt = join(ev.dir, 'demo.srt');
  const { timeline } = await renderVideo(chapters, { workDir: work, out, srt, title: `rastro — ${numbers.brokers}-node Kafka to Redis, ${new Date().toISOString().slice(0, 10)}`, burnSubtitles: o['burn-subtitles'] === true });
  rmSync(work, { recursive: true, force: true });
  const p = await ffprobe(out);
  const video = p.streams.find((s) => s.codec_type === 'video');
  ev.block('text', timeline.map((c) => `${c.startS.toFixed(1).padStart(6)} s  ${c.title}`).join('\n'), 'Chapters');
  ev.ok(`${out}: ${p.durationS.toFixed(1)} s, ${video?.width}×${video?.height} ${video?.codec_name}, ${(statSync(out).size / 1024 / 1024).toFixed(1)} MB, ${p.chapters.length} chapters, narration ${p.streams.some((s) => s.codec_type === 'audio') ? 'on' : 'missing'}; subtitles ${srt}`);
  ev.deliverable('course video', 'demo.mp4 (chapters per deliverable), demo.srt');
  ev.ok(`evidence: ${ev.save()}`);
  return rec.demo.code === 0 && rec.chaos.code === 0 ? 0 : 1;
}
