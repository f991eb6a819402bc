import { describe, expect, it } from 'vitest';
import { encodeArgs, espeakArgs, filterPath } from '../../scripts/lib/video/ffmpeg-args.ts';
import { narration, parseNumbers } from '../../scripts/lib/video/narration.ts';
import { ansiToHtml, dashboardStrip, pictureHtml, terminalHtml } from '../../scripts/lib/video/terminal-html.ts';
import { concatList, ffmetadata, layout, shotWindow, srtTime, TITLE_CARD_S, toSrt } from '../../scripts/lib/video/timeline.ts';
import { dashboardRow } from '../../scripts/lib/metrics/dashboard-file.ts';
import { brokersStatBox, parseBrokersOnline } from '../../scripts/lib/video/frame-check.ts';
import { chapterSlides, chapterWindows, clock, onTimeline, thinShots } from '../../scripts/lib/video/storyboard.ts';
import { chapterOf, LineSplitter, splitChapters, type Line } from '../../scripts/lib/video/transcript.ts';

const header = (s: string) => `\n\u001b[1m\u001b[36m== ${s}\u001b[39m\u001b[22m`.trim();

describe('video transcript', () => {
  it('maps the scripts\' sections to the course chapters; the chaos start-up repeats are left out', () => {
    expect(chapterOf('Start the native stack', 'demo')).toBe('topology');
    expect(chapterOf('Topics (config/topics.yaml)', 'demo')).toBe('topic');
    expect(chapterOf('Connector redis-sink (config/connectors/redis-sink.json)', 'demo')).toBe('connector');
    expect(chapterOf('Produce 20000 events from 200 simulated drivers', 'demo')).toBe('producer');
    expect(chapterOf('Mirror check: x vs Redis', 'demo')).toBe('redis');
    expect(chapterOf('Start the native stack', 'chaos')).toBeUndefined();
    expect(chapterOf('Stop broker 2 (leads the most partitions)', 'chaos')).toBe('chaos');
    expect(chapterOf('Restart broker 2', 'chaos')).toBe('chaos');
    expect(chapterOf('Verdict', 'chaos')).toBe('verdict');
  });
  it('splits lines by section header, ANSI colours and all', () => {
    const lines: Line[] = [header('Start the native stack'), 'a', header('Topics (x)'), 'b', header('Produce 5 events'), 'c', header('Redis: one'), 'd'].map((text, t) => ({ t, text }));
    const m = splitChapters(lines, 'demo');
    expect([...m.keys()]).toEqual(['topology', 'topic', 'producer', 'redis']);
    expect(m.get('topic')?.map((l) => l.text)).toEqual([header('Topics (x)'), 'b']);
    const chaos = splitChapters([header('Start the native stack'), 'x', header('Load'), 'y', header('Verdict'), 'z'].map((text, t) => ({ t, text })), 'chaos');
    expect([...chaos.keys()]).toEqual(['chaos', 'verdict']);
  });
  it('splits a stream into lines, keeping the last redraw of a \\r line', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.push('one\ntw');
    s.push('o\rTWO\r\nthree');
    s.end();
    expect(out).toEqual(['one', 'TWO', 'three']);
  });
});

describe('video narration', () => {
  const demo = ['runtime            native', 'events produced    20000 (998 events/s)', 'drivers            200', 'sink caught up in  0.4 s', 'mirror check       PASS (200/200 drivers match)'].join('\n');
  const chaos = ['broker stopped          kafka-2', 'events acknowledged     31000 (3 batches retried)', 'records lost            0 (acknowledged by Kafka, not current in Redis)', 'writes resumed after    1.52 s', 'fully replicated after  4.10 s from the restart', 'verdict                 PASS: no acknowledged update was lost'].join('\n');
  it('reads the numbers from the summary and verdict blocks', () => {
    expect(parseNumbers(demo, chaos)).toEqual({ brokers: 3, events: 20000, eventRate: 998, drivers: 200, mirror: 'PASS', victim: 'kafka-2', chaosEvents: 31000, lost: 0, resumedS: 1.52, replicatedS: 4.1, verdict: 'PASS' });
  });
  it('speaks only the numbers it has', () => {
    const n = narration(parseNumbers(demo, chaos));
    expect(n.topology.join(' ')).toContain('3 nodes');
    expect(n.producer.join(' ')).toContain('20000 events from 200 drivers');
    expect(n.chaos.join(' ')).toContain('kafka-2 is stopped');
    expect(n.chaos.join(' ')).toContain('1.5 seconds');
    expect(n.verdict.join(' ')).toBe('Records lost: 0. The verdict is pass.');
    expect(narration(parseNumbers('', '')).verdict.join(' ')).toBe('Records lost: unknown. The verdict is unknown.');
  });
});

describe('video timeline', () => {
  const plans = [
    { title: 'A', speechS: 3, sentences: ['One.', 'Two two.'], slides: [{ file: '/f/a1.png', minS: 1 }, { file: '/f/a2.png', minS: 1 }] },
    { title: 'B=x', speechS: 1, sentences: ['Three.'], slides: [{ file: "/f/it's.png", minS: 4 }] },
  ];
  const t = layout(plans, ['/f/ta.png', '/f/tb.png']);
  it('lasts the longer of slides and narration, chapters back to back', () => {
    expect(t[0]).toMatchObject({ startS: 0, endS: TITLE_CARD_S + 3.5 });
    expect(t[0]?.shots.map((s) => s.durationS)).toEqual([2, 1.75, 1.75]);
    expect(t[1]).toMatchObject({ startS: 5.5, endS: 11.5 });
    const total = t.flatMap((c) => c.shots).reduce((s, x) => s + x.durationS, 0);
    expect(total).toBeCloseTo(11.5, 6);
    expect(t[0]?.cues.map((c) => [c.startS, c.endS])).toEqual([[2, 3], [3, 5]]);
  });
  it('writes SRT, the chapter metadata and the concat list', () => {
    expect(srtTime(3723.4567)).toBe('01:02:03,457');
    expect(toSrt(t)).toBe('1\n00:00:02,000 --> 00:00:03,000\nOne.\n\n2\n00:00:03,000 --> 00:00:05,000\nTwo two.\n\n3\n00:00:07,500 --> 00:00:08,500\nThree.\n');
    const meta = ffmetadata(t, 'rastro');
    expect(meta.startsWith(';FFMETADATA1\n')).toBe(true);
    expect(meta).toContain('[CHAPTER]\nTIMEBASE=1/1000\nSTART=5500\nEND=11500\ntitle=B\\=x');
    const list = concatList(t);
    expect(list).toContain("file '/f/it'\\''s.png'\nduration 4.000");
    expect(list.trim().split('\n').at(-1)).toBe("file '/f/it'\\''s.png'");
  });
  it('refuses title cards that do not match the chapters', () => {
    expect(() => layout(plans, ['/x.png'])).toThrow(/2 chapters but 1 title cards/);
  });
});

describe('video ffmpeg and html', () => {
  it('builds argv arrays: inputs, audio padded per chapter, chapters mapped from the metadata', () => {
    const chapters = layout([{ title: 'A', speechS: 1, sentences: ['x'], slides: [] }, { title: 'B', speechS: 1, sentences: ['y'], slides: [] }], ['/a.png', '/b.png']);
    const args = encodeArgs({ concatList: '/w/list.txt', speech: ['/w/1.wav', '/w/2.wav'], metadata: '/w/m.txt', out: '/w/o.mp4', chapters, width: 1280, height: 720, burnSrt: '/w/a:b.srt' });
    expect(args.filter((a) => a === '-i')).toHaveLength(4);
    expect(args[args.indexOf('-map_chapters') + 1]).toBe('3');
    const graph = args[args.indexOf('-filter_complex') + 1] ?? '';
    expect(graph).toContain('[1:a]aresample=44100,aformat=channel_layouts=mono,apad=whole_dur=3.500');
    expect(graph).toContain('[a0][a1]concat=n=2:v=0:a=1[aout]');
    expect(graph).toContain('subtitles=/w/a\\:b.srt');
    expect(args).toContain('yuv420p');
    expect(args.at(-1)).toBe('/w/o.mp4');
    expect(() => encodeArgs({ concatList: 'l', speech: [], metadata: 'm', out: 'o', chapters, width: 1, height: 1 })).toThrow(/2 chapters but 0 narration/);
    expect(filterPath("a'b,c")).toBe("a\\'b\\,c");
    expect(espeakArgs('Hi.', '/w/x.wav')).toEqual(['-v', 'en-us', '-s', '165', '-w', '/w/x.wav', 'Hi.']);
  });
  it('turns ANSI colours into escaped HTML', () => {
    expect(ansiToHtml('\u001b[32m✔\u001b[39m a<b')).toBe('<span style="color:#73bf69">✔</span> a&lt;b');
    expect(ansiToHtml('\u001b[1m\u001b[36m== T\u001b[39m\u001b[22m')).toBe('<span style="color:#4fc3d9;font-weight:bold">== T</span>');
    expect(terminalHtml(['', 'x'], 'cap', 100, 50)).toContain('<div class="l">&nbsp;</div><div class="l">x</div>');
    expect(pictureHtml('AAAA', 'During & after', 1280, 720, 'top')).toContain('<div style="height:680px;overflow:hidden"><img style="width:100%;display:block" src="data:image/png;base64,AAAA">');
    expect(pictureHtml('AAAA', 'x', 1280, 720)).toContain('max-height:100%');
    expect(pictureHtml('AAAA', 'During & after', 1280, 720)).toContain('During &amp; after');
  });
});

describe('video storyboard: the terminal and the live pictures on one time line', () => {
  const lines: Line[] = Array.from({ length: 10 }, (_, i) => ({ t: 1000 + i * 1000, text: `l${i}` }));
  const shots = onTimeline([
    { at: 50_500, kind: 'dashboard', file: '/live/dashboard-0001.png', brokersUp: 3 },
    { at: 53_500, kind: 'dashboard', file: '/live/dashboard-0002.png', brokersUp: 2 },
    { at: 55_200, kind: 'map', file: '/live/map-0003.png' },
    { at: 58_500, kind: 'dashboard', file: '/live/dashboard-0004.png', brokersUp: 3 },
  ], 50_000);
  it('places each picture of the chapter at its moment: the terminal as it was then, with the newest dashboard taken by then', () => {
    const s = chapterSlides(lines, { title: 'T', fromT: 1000, toT: Infinity, shots, rows: 3, maxTerminal: 2, maxDashboard: 10 });
    expect(s.map((x) => (x.kind === 'picture' ? `map@${x.file}` : `${x.lines.at(-1)}+${x.dashboard?.file ?? '-'}${x.tag ? `#${x.tag}` : ''}`))).toEqual([
      'l2+/live/dashboard-0002.png#/live/dashboard-0002.png',
      'l4+/live/dashboard-0002.png',
      'map@/live/map-0003.png',
      'l7+/live/dashboard-0004.png#/live/dashboard-0004.png',
      'l9+/live/dashboard-0004.png',
    ]);
    const first = s[0];
    expect(first?.kind === 'terminal' && first.lines).toEqual(['l0', 'l1', 'l2']);
    expect(first?.kind === 'terminal' && first.caption).toBe('T — terminal at +0:03');
  });
  it('leaves out pictures outside the chapter and uses none taken after a moment', () => {
    const s = chapterSlides(lines.slice(0, 2), { title: 'T', fromT: 1000, toT: 2500, shots, rows: 3, maxTerminal: 5, maxDashboard: 10 });
    expect(s.map((x) => (x.kind === 'terminal' ? [x.lines.at(-1), x.dashboard?.file] : []))).toEqual([['l0', '/live/dashboard-0001.png'], ['l1', '/live/dashboard-0001.png']]);
    expect(chapterSlides([], { title: 'T', fromT: 0, toT: 1, shots, rows: 3, maxTerminal: 5, maxDashboard: 10 })).toEqual([]);
  });
  it('thins the dashboard pictures but keeps every change of the brokers count', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ i, brokersUp: i >= 14 && i < 17 ? 2 : 3 }));
    const kept = thinShots(many, 8).map((x) => x.i);
    expect(kept).toEqual(expect.arrayContaining([13, 14, 16, 17]));
    expect(kept.length).toBeLessThanOrEqual(8);
    expect(kept[0]).toBe(0);
    expect(thinShots(many.slice(0, 3), 8)).toHaveLength(3);
  });
  it('gives each chapter its window up to the next chapter', () => {
    const w = chapterWindows(new Map([['a', [{ t: 5, text: '' }, { t: 9, text: '' }]], ['b', [{ t: 12, text: '' }]]]));
    expect([...w.entries()]).toEqual([['a', { fromT: 5, toT: 12 }], ['b', { fromT: 12, toT: Infinity }]]);
    expect(clock(83_400)).toBe('+1:23');
  });
});

describe('video frame check geometry', () => {
  it('a row of the dashboard (the live pictures show one): its header and panels, moved to the top', () => {
    const json = JSON.stringify({ title: 'x', panels: [{ type: 'row', title: 'A', gridPos: { y: 0 } }, { title: 'a', gridPos: { y: 1 } }, { type: 'row', title: 'B', gridPos: { y: 8 } }, { title: 'b', gridPos: { y: 9 } }] });
    const row = (t: string) => JSON.parse(dashboardRow(json, t) as string) as { title: string; panels: Array<{ title: string; gridPos: { y: number } }> };
    expect(row('A').title).toBe('x');
    expect(row('A').panels.map((p) => [p.title, p.gridPos.y])).toEqual([['A', 0], ['a', 1]]);
    expect(row('B').panels.map((p) => [p.title, p.gridPos.y])).toEqual([['B', 0], ['b', 1]]);
    expect(dashboardRow(json, 'C')).toBeUndefined();
  });
  it('finds the brokers-online value inside the dashboard strip at the bottom of a 1280×720 frame', () => {
    const b = brokersStatBox(1280, 720);
    const strip = dashboardStrip(1280, 720, 1440);
    expect(strip).toMatchObject({ top: 453, height: 267 });
    expect(b.y).toBeGreaterThan(strip.top);
    expect(b.y + b.h).toBeLessThan(720);
    expect(b.x + b.w).toBeLessThan(1280 / 6);
    expect(() => brokersStatBox(1280, 720, JSON.stringify({ panels: [] }))).toThrow(/no "Brokers online" panel/);
  });
  it('accepts one whole number from tesseract, nothing else', () => {
    expect(parseBrokersOnline('2\n\f')).toBe(2);
    expect(parseBrokersOnline('')).toBeUndefined();
    expect(parseBrokersOnline('2 3')).toBeUndefined();
  });
  it('finds a tagged slide in the time line', () => {
    const t = layout([{ title: 'A', speechS: 0, sentences: [], slides: [{ file: '/a', minS: 1 }, { file: '/b', minS: 2, tag: 'b' }] }], ['/t']);
    expect(shotWindow(t, 'b')).toEqual({ startS: TITLE_CARD_S + 1, endS: TITLE_CARD_S + 3 });
    expect(shotWindow(t, 'nope')).toBeUndefined();
  });
});
