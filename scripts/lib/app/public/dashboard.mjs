// @ts-check
// The live dashboard (browser module, served as is): the Grafana dashboard's panels, drawn by the app
// from Prometheus (GET /dashboard/panels), placed as Grafana places them and redrawn in place every
// REFRESH_MS. For tests: #panels carries data-refreshes (answers drawn) and data-to (their end, unix s);
// each panel is a div.panel with data-title.

/** @typedef {{ title: string, type: string, left: number, top: number, width: number, height: number, svg?: string }} DrawnPanel */
/** @typedef {{ title: string, header: number, width: number, height: number, from: number, to: number, range: string, panels: DrawnPanel[] }} Drawn */

const REFRESH_MS = 5000;

/** @param {string} id @returns {HTMLElement} */
function el(id) {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`dashboard page: #${id} is missing`);
  return e;
}

const root = el('panels');
const header = el('header');
const range = /** @type {HTMLSelectElement} */ (el('range'));
// ?range=5m|15m|1h picks the range; ?row=<a row's title> shows that row only.
const params = new URLSearchParams(location.search);
if (params.has('range')) range.value = params.get('range') ?? range.value;
const row = params.get('row');
/** @type {Map<string, HTMLElement>} */
const drawn = new Map();
let refreshes = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
/** @type {AbortController | undefined} */
let inFlight;

/** Places each panel once, then only swaps its SVG: the page never reloads or jumps. @param {Drawn} d */
function draw(d) {
  document.title = `${d.title} — live`;
  el('title').textContent = d.title;
  root.style.width = `${d.width}px`;
  root.style.height = `${d.height - d.header}px`;
  // The header takes the room the pictures leave above the panels (render/dashboard.ts), so both place a panel alike.
  header.style.height = `${d.header}px`;
  d.panels.forEach((p, i) => {
    const key = `${i}:${p.title}`;
    let div = drawn.get(key);
    if (div === undefined) {
      div = document.createElement('div');
      div.className = p.svg === undefined ? 'panel row' : 'panel';
      div.dataset.title = p.title;
      Object.assign(div.style, { left: `${p.left}px`, top: `${p.top - d.header}px` });
      if (p.svg === undefined) div.textContent = p.title;
      root.append(div);
      drawn.set(key, div);
    }
    if (p.svg !== undefined) div.innerHTML = p.svg;
  });
  root.dataset.refreshes = String(++refreshes);
  root.dataset.to = String(d.to);
  el('updated').textContent = `last ${d.range}, updated ${new Date(d.to * 1000).toLocaleTimeString('en-GB')} · every ${REFRESH_MS / 1000} s`;
}

async function refresh() {
  clearTimeout(timer);
  inFlight?.abort();
  const ctl = new AbortController();
  inFlight = ctl;
  try {
    const q = new URLSearchParams({ range: range.value, ...(row === null ? {} : { row }) });
    const res = await fetch(`/dashboard/panels?${q}`, { signal: ctl.signal });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
    draw(body);
    el('error').textContent = '';
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return;
    // Keep the last panels; say why they are not moving.
    el('error').textContent = err instanceof Error ? err.message : String(err);
  }
  if (inFlight === ctl) timer = setTimeout(() => void refresh(), REFRESH_MS);
}

range.addEventListener('change', () => void refresh());
void refresh();
