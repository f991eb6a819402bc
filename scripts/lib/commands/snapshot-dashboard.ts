import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Evidence } from '../evidence.ts';
import { openRuntime } from '../runtime/index.ts';
import { snapshotDashboard } from '../snapshot.ts';

/** ./scripts/snapshot-dashboard.mjs [--minutes 15] [--out file.png]: a picture of the dashboard now. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { minutes: { type: 'string', default: '15' }, out: { type: 'string' } } });
  const minutes = Number(values.minutes);
  if (!(minutes > 0)) throw new Error(`--minutes ${values.minutes}: expected a positive number`);
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
