// @ts-check
// The live map (browser module, served as is): drivers from GET /events (server-sent events), the
// banner from the same stream, nearest AVAILABLE drivers on a click (GET /drivers/nearest).
// For tests: svg#map carries data-drivers (dots drawn) and data-ready (first snapshot drawn); each dot
// carries data-driver-id, data-lat, data-lon and data-status; #nearest carries data-count once answered.
import { gridValues, projection } from './projection.mjs';

/** @typedef {{ id: string, lat: number, lon: number, status: string, ts: number }} LiveDriver */
/** @typedef {{ bounds: import('./projection.mjs').Bounds, statuses: string[], poll_ms: number, geo_key: string }} MapConfig */
/** @typedef {{ brokersUp: number | null, brokersTotal: number, underReplicated: number | null, sinkLag: number | null, error?: string }} Banner */
/** @typedef {{ redisError?: string, problems: string[], banner?: Banner }} LiveStatus */

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 1000;
const GRID_STEP = 0.05;
/** @type {Record<string, string>} */
const COLORS = { AVAILABLE: '#2b8a3e', PICKING_UP: '#f08c00', DELIVERING: '#1c7ed6' };
const OTHER = '#868e96';

/** @param {string} id @returns {HTMLElement} */
function el(id) {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`map page: #${id} is missing`);
  return e;
}

/**
 * @param {string} name
 * @param {Record<string, string | number>} attrs
 * @returns {SVGElement}
 */
function svgEl(name, attrs) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** @param {number | null} n */
const fmt = (n) => (n === null ? '?' : Number.isInteger(n) ? String(n) : n.toFixed(1));

async function main() {
  const res = await fetch('/config');
  if (!res.ok) throw new Error(`GET /config: ${res.status}`);
  /** @type {MapConfig} */
  const config = await res.json();
  // The simulator's bounds plus a margin, so drivers on the edge (it turns them back there) are whole dots.
  const b = config.bounds;
  const pad = 0.02 * Math.max(b.maxLat - b.minLat, b.maxLon - b.minLon);
  const view = { minLat: b.minLat - pad, maxLat: b.maxLat + pad, minLon: b.minLon - pad, maxLon: b.maxLon + pad };
  const proj = projection(view, WIDTH);
  const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ (el('map')));
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${proj.height.toFixed(1)}`);

  // Light lat/lon grid with labels; the bounds themselves as a frame.
  const grid = svgEl('g', { class: 'grid' });
  for (const lat of gridValues(view.minLat, view.maxLat, GRID_STEP)) {
    const y = proj.y(lat).toFixed(1);
    grid.append(svgEl('line', { x1: 0, x2: WIDTH, y1: y, y2: y }));
    const t = svgEl('text', { x: 4, y: Number(y) - 3 });
    t.textContent = `${lat.toFixed(2)}°`;
    grid.append(t);
  }
  for (const lon of gridValues(view.minLon, view.maxLon, GRID_STEP)) {
    const x = proj.x(lon).toFixed(1);
    grid.append(svgEl('line', { x1: x, x2: x, y1: 0, y2: proj.height.toFixed(1) }));
    if (Number(x) > WIDTH - 60) continue; // no room for a label
    const t = svgEl('text', { x: Number(x) + 3, y: proj.height - 4 });
    t.textContent = `${lon.toFixed(2)}°`;
    grid.append(t);
  }
  const [x0, y0, x1, y1] = [proj.x(b.minLon), proj.y(b.maxLat), proj.x(b.maxLon), proj.y(b.minLat)];
  grid.append(svgEl('rect', { class: 'frame', x: x0.toFixed(1), y: y0.toFixed(1), width: (x1 - x0).toFixed(1), height: (y1 - y0).toFixed(1) }));
  const dots = svgEl('g', { class: 'dots' });
  const probe = svgEl('g', { class: 'probe-layer' });
  svg.append(grid, dots, probe);

  /** @type {Map<string, SVGElement>} */
  const shown = new Map();
  /** @type {Map<string, LiveDriver>} */
  const fleet = new Map();

  /** @param {LiveDriver} d */
  function place(d) {
    fleet.set(d.id, d);
    let dot = shown.get(d.id);
    if (dot === undefined) {
      dot = svgEl('circle', { class: 'dot', r: 5, 'data-driver-id': d.id });
      const title = svgEl('title', {});
      dot.append(title);
      dots.append(dot);
      shown.set(d.id, dot);
    }
    dot.setAttribute('cx', proj.x(d.lon).toFixed(1));
    dot.setAttribute('cy', proj.y(d.lat).toFixed(1));
    dot.setAttribute('fill', COLORS[d.status] ?? OTHER);
    dot.setAttribute('data-lat', String(d.lat));
    dot.setAttribute('data-lon', String(d.lon));
    dot.setAttribute('data-status', d.status);
    const title = dot.firstElementChild;
    if (title !== null) title.textContent = `${d.id} ${d.status} (${d.lat}, ${d.lon}) at ${new Date(d.ts).toISOString()}`;
  }

  /** @param {string} id */
  function drop(id) {
    shown.get(id)?.remove();
    shown.delete(id);
    fleet.delete(id);
  }

  function counted() {
    svg.setAttribute('data-drivers', String(shown.size));
    bannerItem('b-drivers', String(shown.size), '');
    /** @type {Map<string, number>} */
    const by = new Map();
    let outside = 0;
    for (const d of fleet.values()) {
      const key = d.status in COLORS ? d.status : 'other';
      by.set(key, (by.get(key) ?? 0) + 1);
      if (!proj.inside(d.lat, d.lon)) outside++;
    }
    const legend = el('legend');
    legend.replaceChildren(
      ...[...config.statuses, ...(by.has('other') ? ['other'] : [])].map((s) => {
        const li = document.createElement('li');
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = COLORS[s] ?? OTHER;
        const name = document.createElement('span');
        name.textContent = s;
        const count = document.createElement('span');
        count.className = 'count';
        count.textContent = String(by.get(s) ?? 0);
        li.append(sw, name, count);
        return li;
      }),
    );
    el('outside').textContent = outside > 0 ? `${outside} outside the map's bounds (not visible)` : '';
  }

  /**
   * @param {string} id
   * @param {string} value
   * @param {'good' | 'warn' | 'bad' | ''} level
   */
  function bannerItem(id, value, level) {
    const item = el(id);
    item.className = `item ${level}`;
    /** @type {HTMLElement} */ (item.querySelector('b')).textContent = value;
  }

  /** @param {LiveStatus} s */
  function showStatus(s) {
    bannerItem('b-redis', s.redisError === undefined ? 'ok' : 'unreachable', s.redisError === undefined ? 'good' : 'bad');
    svg.classList.toggle('stale', s.redisError !== undefined);
    const b = s.banner;
    if (b !== undefined) {
      bannerItem('b-brokers', `${fmt(b.brokersUp)}/${b.brokersTotal}`, b.brokersUp === null ? '' : b.brokersUp === b.brokersTotal ? 'good' : b.brokersUp > 0 ? 'warn' : 'bad');
      bannerItem('b-urp', fmt(b.underReplicated), b.underReplicated === null ? '' : b.underReplicated === 0 ? 'good' : 'warn');
      bannerItem('b-lag', fmt(b.sinkLag), b.sinkLag === null ? '' : b.sinkLag < 1000 ? 'good' : 'warn');
    }
    const notes = [s.redisError, b?.error === undefined ? undefined : `monitoring: ${b.error}`, ...s.problems.slice(0, 3)].filter((x) => x !== undefined);
    el('b-note').textContent = notes.join(' · ');
  }

  const events = new EventSource('/events');
  events.addEventListener('snapshot', (e) => {
    /** @type {{ drivers: LiveDriver[] }} */
    const snap = JSON.parse(/** @type {MessageEvent} */ (e).data);
    const keep = new Set(snap.drivers.map((d) => d.id));
    for (const id of [...shown.keys()]) if (!keep.has(id)) drop(id);
    for (const d of snap.drivers) place(d);
    counted();
    svg.setAttribute('data-ready', 'true');
  });
  events.addEventListener('update', (e) => {
    /** @type {{ upsert: LiveDriver[], remove: string[] }} */
    const diff = JSON.parse(/** @type {MessageEvent} */ (e).data);
    for (const id of diff.remove) drop(id);
    for (const d of diff.upsert) place(d);
    counted();
  });
  events.addEventListener('status', (e) => showStatus(JSON.parse(/** @type {MessageEvent} */ (e).data)));

  /** @type {AbortController | undefined} */
  let pending;
  svg.addEventListener('click', async (e) => {
    const ctm = svg.getScreenCTM();
    if (ctm === null) return;
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse());
    const lat = Number(proj.lat(p.y).toFixed(6));
    const lon = Number(proj.lon(p.x).toFixed(6));
    const radius = /** @type {HTMLSelectElement} */ (el('radius')).value;
    const kmPerUnit = ((view.maxLat - view.minLat) * 111.32) / proj.height;
    probe.replaceChildren(
      svgEl('circle', { class: 'probe', cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: (Number(radius) / kmPerUnit).toFixed(1) }),
      svgEl('circle', { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 3, fill: '#212529' }),
    );
    pending?.abort();
    pending = new AbortController();
    const list = el('nearest');
    const hint = el('nearest-hint');
    list.removeAttribute('data-count');
    try {
      const r = await fetch(`/drivers/nearest?${new URLSearchParams({ lat: String(lat), lon: String(lon), radius_km: radius, status: 'AVAILABLE', limit: '10' })}`, { signal: pending.signal });
      const body = await r.json();
      if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
      /** @type {Array<{ driver_id: string, distance_km: number }>} */
      const drivers = body.drivers;
      for (const dot of shown.values()) dot.classList.remove('near');
      list.replaceChildren(
        ...drivers.map((d) => {
          const li = document.createElement('li');
          li.dataset.driverId = d.driver_id;
          li.textContent = `${d.driver_id} — ${d.distance_km.toFixed(2)} km`;
          shown.get(d.driver_id)?.classList.add('near');
          return li;
        }),
      );
      list.dataset.count = String(drivers.length);
      list.dataset.lat = String(lat);
      list.dataset.lon = String(lon);
      hint.className = 'hint';
      hint.textContent = `${drivers.length} within ${radius} km of ${lat.toFixed(4)}, ${lon.toFixed(4)}`;
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') return;
      list.replaceChildren();
      hint.className = 'hint error';
      hint.textContent = err instanceof Error ? err.message : String(err);
    }
  });
}

main().catch((err) => {
  const note = document.getElementById('b-note');
  if (note !== null) note.textContent = `map failed to start: ${err instanceof Error ? err.message : String(err)}`;
  throw err;
});
