import { join } from 'node:path';
import { Evidence } from '../evidence.ts';
import { openRuntime } from '../runtime/index.ts';
import { snapshotDashboard } from '../snapshot.ts';
import { numberOption, parseCommand, type CommandSpec } from '../../../shared/cli.ts';

/** ./scripts/snapshot-dashboard.mjs [--minutes 15] [--out file.png]: a picture of the dashboard now. */
export const SPEC: CommandSpec = {
  name: './scripts/snapshot-dashboard.mjs',
  summary: 'a PNG of the dashboard now (make snapshot): Grafana where it runs (docker), else the dashboard JSON rendered over Prometheus',
  options: {
    minutes: { type: 'string', value: 'N', default: '15', description: 'the time span shown, ending now' },
    out: { type: 'string', value: 'FILE', description: 'where to write the PNG (default evidence/<run>/dashboard.png)' },
  },
  examples: ['make snapshot', './scripts/snapshot-dashboard.mjs --minutes 5 --out /tmp/dash.png'],
};

export async function main(argv: string[]): Promise<number> {
  const args = parseCommand<{ minutes: string; out?: string }>(SPEC, argv);
  if (args === undefined) return 0;
  const { values } = args;
  const minutes = numberOption('minutes', values.minutes, { min: 1 }) as number;
  const rt = await openRuntime();
  const ev = Evidence.create('snapshot');
  const to = Math.ceil(Date.now() / 1000);
  const file = values.out ?? join(ev.dir, 'dashboard.png');
  ev.section('Dashboard');
  const source = await snapshotDashboard(rt, file, { from: to - minutes * 60, to });
  ev.ok(`${file} (${source === 'grafana' ? 'screenshot of Grafana' : 'rendered from the dashboard JSON over Prometheus data'})`);
  ev.step(`![dashboard](${file.startsWith(ev.dir) ? file.slice(ev.dir.length + 1) : file})`);
  ev.save();
  return 0;
}
