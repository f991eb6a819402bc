import { formatValue } from '../render/svg-chart.ts';
import type { NearestAnswer } from './drivers.ts';

/** Columns aligned by character count; the last column is not padded. */
/** Rows as aligned columns (the first row is the header), two spaces apart. */
export function aligned(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - [...c].length))).join('  ').trimEnd()).join('\n');
}

/** ./scripts/nearest.mjs's table: the same answer as GET /drivers/nearest, one driver a line. */
export function nearestTable(a: NearestAnswer): string {
  const q = a.query;
  const head = `${a.drivers.length} of at most ${q.limit} ${q.status === 'any' ? 'drivers (any status)' : `${q.status.join('/')} drivers`} within ${q.radius_km} km of ${q.lat}, ${q.lon}`;
  if (a.drivers.length === 0) return head;
  const rows = a.drivers.map((d, i) => [String(i + 1), d.driver_id, d.distance_km.toFixed(3), d.status, String(d.latitude), String(d.longitude), formatValue(d.age_ms, 'ms'), d.delivery_id ?? '']);
  return `${head}\n${aligned([['#', 'driver', 'km', 'status', 'latitude', 'longitude', 'age', 'delivery'], ...rows])}`;
}
