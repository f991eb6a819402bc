import { describe, expect, it } from 'vitest';
import { thresholdColor } from '../../scripts/lib/render/dashboard.ts';
import { escapeXml, formatValue, niceTicks, statSvg, timeseriesSvg } from '../../scripts/lib/render/svg-chart.ts';

describe('svg charts', () => {
  it('formats values with units compactly', () => {
    expect(formatValue(1234, 'ops')).toBe('1.23k/s');
    expect(formatValue(350, 'ms')).toBe('350 ms');
    expect(formatValue(2500, 'ms')).toBe('2.50 s');
    expect(formatValue(0.0081, 's')).toBe('8.10 ms');
    expect(formatValue(3 * 1024 * 1024, 'bytes')).toBe('3 MiB');
    expect(formatValue(Number.NaN)).toBe('–');
  });
  it('picks round ticks that cover the range', () => {
    expect(niceTicks(0, 100)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(0, 3.2)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });
  it('draws one path per series, gaps at NaN, markers inside the range only', () => {
    const svg = timeseriesSvg(
      [
        { name: 'a', points: [[0, 1], [10, 2], [20, Number.NaN], [30, 3]] },
        { name: 'b<c>', points: [[0, 0], [30, 1]] },
      ],
      { title: 'T & U', width: 400, height: 200, from: 0, to: 30, markers: [{ t: 15, label: 'stop kafka-2', color: 'red' }, { t: 99, label: 'outside', color: 'red' }] },
    );
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect((svg.match(/<path d="([^"]+)"/)?.[1] ?? '').match(/M/g)).toHaveLength(2);
    expect(svg).toContain('stop kafka-2');
    expect(svg).not.toContain('outside');
    expect(svg).toContain('T &amp; U');
    expect(svg).toContain('b&lt;c&gt;');
  });
  it('does not join points across a gap in the data (a stopped target)', () => {
    const pts: Array<[number, number]> = [[0, 1], [5, 1], [60, 2], [65, 2]];
    const joined = timeseriesSvg([{ name: 'a', points: pts }], { title: 't', width: 300, height: 150, from: 0, to: 65 });
    const split = timeseriesSvg([{ name: 'a', points: pts }], { title: 't', width: 300, height: 150, from: 0, to: 65, gapS: 7.5 });
    expect((/<path d="([^"]+)"/.exec(joined)?.[1] ?? '').match(/M/g)).toHaveLength(1);
    expect((/<path d="([^"]+)"/.exec(split)?.[1] ?? '').match(/M/g)).toHaveLength(2);
  });
  it('says No data for an empty panel', () => {
    expect(timeseriesSvg([], { title: 't', width: 300, height: 150, from: 0, to: 60 })).toContain('No data');
    expect(statSvg([], { title: 't', width: 300, height: 150 })).toContain('No data');
  });
  it('colours stats by Grafana thresholds', () => {
    const steps = [{ color: 'red', value: null }, { color: 'orange', value: 2 }, { color: 'green', value: 3 }];
    expect(thresholdColor(steps, 1)).toBe('#c4162a');
    expect(thresholdColor(steps, 2)).toBe('#fa6400');
    expect(thresholdColor(steps, 3)).toBe('#37872d');
    expect(escapeXml(`"'`)).toBe('&quot;&#39;');
  });
});
