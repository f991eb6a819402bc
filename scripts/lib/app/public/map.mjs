// @ts-check
// The live map (browser module, served as is): Leaflet over the shipped São Paulo basemap (GET /geo/…),
// drivers from GET /events (server-sent events) clustered at low zoom, the banner from the same
// stream, a driver search, status filters, and the nearest AVAILABLE drivers on a click
// (GET /drivers/nearest).
// For tests: #map carries data-ready (first snapshot drawn), data-drivers (drivers shown, after the
// filters) and data-total (drivers held); a shown, unclustered driver's element carries
// data-driver-id; #nearest carries data-count once answered; window.rastroMap reads the page's state.

/** @typedef {{ id: string, lat: number, lon: number, status: string, ts: number }} LiveDriver */
/** @typedef {{ minLat: number, maxLat: number, minLon: number, maxLon: number }} Bounds */
/** @typedef {{ bounds: Bounds, statuses: string[], poll_ms: number, geo_key: string, tiles: { url: string, attribution: string } | null, basemap_attribution: string }} MapConfig */
/** @typedef {{ brokersUp: number | null, brokersTotal: number, underReplicated: number | null, sinkLag: number | null, error?: string }} Banner */
/** @typedef {{ redisError?: string, problems: string[], banner?: Banner }} LiveStatus */

/** Leaflet and Leaflet.markercluster, loaded by index.html as classic scripts (window.L). */
const L = /** @type {any} */ (window).L;

/** Hidden until asked for: an OFFLINE driver is not tracked, its position is where it stopped. */
const HIDDEN_BY_DEFAULT = new Set(['OFFLINE']);
/** District names from this zoom on (at the default zoom they are readable, below they are a blur). */
const LABEL_ZOOM = 11;
const DEFAULT_VIEW = { center: [-23.585, -46.615], zoom: 11 };
/** Beyond this zoom every driver is its own marker. */
const CLUSTER_UNTIL_ZOOM = 15;
const COLORS = /** @type {Record<string, string>} */ ({ AVAILABLE: '#2b8a3e', PICKING_UP: '#f08c00', DELIVERING: '#1c7ed6', OFFLINE: '#868e96' });

/** @param {string} id @returns {HTMLElement} */
function el(id) {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`map page: #${id} is missing`);
  return e;
}

/** @param {number | null} n */
const fmt = (n) => (n === null ? '?' : Number.isInteger(n) ? String(n) : n.toFixed(1));

/** @param {string} path */
async function getJson(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return res.json();
}

/** The basemap layers: districts with their names, water over them, the municipality's outline on top. */
async function basemap(/** @type {any} */ map) {
  const [boundary, districts, water] = await Promise.all(['boundary', 'districts', 'water'].map((l) => getJson(`/geo/${l}.geojson`)));
  const districtLayer = L.geoJSON(districts, {
    style: { color: '#adb5bd', weight: 1, fillColor: '#f8f9fa', fillOpacity: 0.55 },
    interactive: false,
  });
  const waterLayer = L.geoJSON(water, { style: { color: '#74c0fc', weight: 1, fillColor: '#a5d8ff', fillOpacity: 0.9 }, interactive: false });
  const outline = L.geoJSON(boundary, { style: { color: '#495057', weight: 2, fill: false }, interactive: false });
  for (const layer of [districtLayer, waterLayer, outline]) layer.addTo(map);
  // A name at each district's centroid (Leaflet computes it only for a polygon on the map).
  const labels = L.layerGroup();
  districtLayer.eachLayer((/** @type {any} */ layer) => {
    const name = String(layer.feature.properties.name);
    const icon = L.divIcon({ className: 'district-label', html: `<span>${name.replace(/[<>&]/g, '')}</span>`, iconSize: null });
    labels.addLayer(L.marker(layer.getCenter(), { icon, interactive: false, keyboard: false, title: name }));
  });
  const showLabels = () => (map.getZoom() >= LABEL_ZOOM ? labels.addTo(map) : labels.remove());
  map.on('zoomend', showLabels);
  showLabels();
  return { Districts: districtLayer, 'District names': labels, Water: waterLayer, 'City limit': outline };
}

async function main() {
  /** @type {MapConfig} */
  const config = await getJson('/config');
  const b = config.bounds;
  const pad = 0.1;
  const map = L.map('map', {
    minZoom: 9,
    maxZoom: 18,
    maxBounds: [[b.minLat - pad, b.minLon - pad], [b.maxLat + pad, b.maxLon + pad]],
    attributionControl: false,
  }).setView(DEFAULT_VIEW.center, DEFAULT_VIEW.zoom);
  L.control.attribution({ prefix: '<a href="https://leafletjs.com">Leaflet</a>' }).addTo(map).addAttribution(config.basemap_attribution);
  // Top left, under the zoom buttons: the attribution takes the bottom's width.
  L.control.scale({ imperial: false, position: 'topleft' }).addTo(map);
  /** @type {Record<string, any>} */
  const overlays = {};
  if (config.tiles !== null) overlays.Tiles = L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  Object.assign(overlays, await basemap(map));

  const clusters = L.markerClusterGroup({ chunkedLoading: true, disableClusteringAtZoom: CLUSTER_UNTIL_ZOOM, maxClusterRadius: 50, showCoverageOnHover: false, spiderfyOnMaxZoom: false });
  clusters.addTo(map);
  const near = L.layerGroup().addTo(map);
  overlays.Drivers = clusters;
  L.control.layers(undefined, overlays, { collapsed: true }).addTo(map);

  /** @type {Map<string, { d: LiveDriver, marker: any }>} */
  const fleet = new Map();
  const statuses = [...config.statuses];
  const shownStatuses = new Set(statuses.filter((s) => !HIDDEN_BY_DEFAULT.has(s)));
  /** @type {Map<string, any>} */
  const icons = new Map();
  /** @param {string} status */
  const iconFor = (status) => {
    const key = status in COLORS ? status : 'other';
    if (!icons.has(key)) icons.set(key, L.divIcon({ className: `driver ${key}`, iconSize: [12, 12] }));
    return icons.get(key);
  };
  /** A status the page does not know is always shown (it has no filter). @param {string} status */
  const wanted = (status) => !(status in COLORS) || shownStatuses.has(status);

  /** A driver's popup, built as text: an id comes from a Kafka record and must never become markup. @param {LiveDriver} d */
  const popupContent = (d) => {
    const div = document.createElement('div');
    const id = document.createElement('b');
    id.textContent = d.id;
    div.append(id);
    for (const line of [d.status, `${d.lat.toFixed(6)}, ${d.lon.toFixed(6)}`, new Date(d.ts).toISOString()]) div.append(document.createElement('br'), line);
    return div;
  };

  /**
   * One poll's changes, applied to the clusters in bulk (markercluster regroups once per call, but
   * once per marker for a member's setLatLng): members that move are taken out, moved, put back.
   * @typedef {{ add: Set<any>, remove: Set<any>, move: Array<[any, [number, number]]> }} Batch
   */
  /** @returns {Batch} */
  const batch = () => ({ add: new Set(), remove: new Set(), move: [] });

  /** @param {LiveDriver} d @param {Batch} b */
  function place(d, b) {
    const held = fleet.get(d.id);
    if (held === undefined) {
      const marker = L.marker([d.lat, d.lon], { icon: iconFor(d.status), title: d.id, keyboard: false });
      // The element exists only while the marker is drawn on its own (not inside a cluster).
      marker.on('add', () => marker.getElement()?.setAttribute('data-driver-id', d.id));
      marker.bindPopup(() => popupContent(fleet.get(d.id)?.d ?? d));
      fleet.set(d.id, { d, marker });
      if (wanted(d.status)) b.add.add(marker);
      return;
    }
    const { marker } = held;
    const was = held.d;
    held.d = d;
    if (was.status !== d.status) marker.setIcon(iconFor(d.status));
    const inGroup = clusters.hasLayer(marker);
    const moved = was.lat !== d.lat || was.lon !== d.lon;
    if (inGroup && (moved || !wanted(d.status))) b.remove.add(marker);
    if (wanted(d.status) && (moved || !inGroup)) b.add.add(marker);
    if (moved) b.move.push([marker, [d.lat, d.lon]]);
  }

  /** @param {string} id @param {Batch} b */
  function drop(id, b) {
    const held = fleet.get(id);
    if (held === undefined) return;
    if (clusters.hasLayer(held.marker)) b.remove.add(held.marker);
    b.add.delete(held.marker);
    fleet.delete(id);
  }

  let rebuilds = 0;
  /** @param {Batch} b */
  function apply(b) {
    if (b.remove.size > fleet.size / 2) {
      // Most of the fleet changed (a busy fleet moves every poll): rebuilding the clusters costs about a
      // tenth of taking each one out and back (2,000 drivers all moving every poll: page long tasks
      // ~4 % of the time instead of 46 %, and 69 % when each marker was moved on its own).
      rebuilds++;
      clusters.clearLayers();
      for (const [marker, at] of b.move) marker.setLatLng(at);
      clusters.addLayers([...fleet.values()].filter(({ d }) => wanted(d.status)).map(({ marker }) => marker));
    } else {
      if (b.remove.size > 0) clusters.removeLayers([...b.remove]);
      for (const [marker, at] of b.move) marker.setLatLng(at);
      if (b.add.size > 0) clusters.addLayers([...b.add]);
    }
    counted();
  }

  function counted() {
    /** @type {Map<string, number>} */
    const by = new Map();
    for (const { d } of fleet.values()) {
      const key = d.status in COLORS ? d.status : 'other';
      by.set(key, (by.get(key) ?? 0) + 1);
    }
    let shown = 0;
    for (const [s, n] of by) if (s === 'other' || shownStatuses.has(s)) shown += n;
    const mapEl = el('map');
    mapEl.dataset.drivers = String(shown);
    mapEl.dataset.total = String(fleet.size);
    bannerItem('b-drivers', String(fleet.size), '');
    const rows = [...statuses, ...(by.has('other') ? ['other'] : [])];
    const legend = el('legend');
    if (legend.children.length !== rows.length) legend.replaceChildren(...rows.map(legendRow));
    for (const li of legend.children) {
      const s = /** @type {HTMLElement} */ (li).dataset.status ?? '';
      /** @type {HTMLElement} */ (li.querySelector('.count')).textContent = String(by.get(s) ?? 0);
    }
    const hidden = statuses.filter((s) => !shownStatuses.has(s) && (by.get(s) ?? 0) > 0);
    const shownEl = el('shown');
    shownEl.dataset.shown = String(shown);
    shownEl.dataset.total = String(fleet.size);
    shownEl.textContent = `showing ${shown} of ${fleet.size} drivers${hidden.length > 0 ? ` (${hidden.join(', ')} hidden)` : ''}`;
  }

  /** A legend row with its filter: checked statuses are on the map. @param {string} s */
  function legendRow(s) {
    const li = document.createElement('li');
    li.dataset.status = s;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = s === 'other' || shownStatuses.has(s);
    box.disabled = s === 'other';
    box.setAttribute('aria-label', `show ${s}`);
    box.addEventListener('change', () => {
      if (box.checked) shownStatuses.add(s);
      else shownStatuses.delete(s);
      const markers = new Set([...fleet.values()].filter(({ d }) => d.status === s).map(({ marker }) => marker));
      apply(box.checked ? { add: markers, remove: new Set(), move: [] } : { add: new Set(), remove: markers, move: [] });
    });
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = COLORS[s] ?? '#e64980';
    const name = document.createElement('span');
    name.textContent = s;
    const count = document.createElement('span');
    count.className = 'count';
    li.append(box, sw, name, count);
    return li;
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
    el('map').classList.toggle('stale', s.redisError !== undefined);
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
    const b = batch();
    for (const id of [...fleet.keys()]) if (!keep.has(id)) drop(id, b);
    for (const d of snap.drivers) place(d, b);
    apply(b);
    el('map').dataset.ready = 'true';
  });
  events.addEventListener('update', (e) => {
    /** @type {{ upsert: LiveDriver[], remove: string[] }} */
    const diff = JSON.parse(/** @type {MessageEvent} */ (e).data);
    const b = batch();
    for (const id of diff.remove) drop(id, b);
    for (const d of diff.upsert) place(d, b);
    apply(b);
  });
  events.addEventListener('status', (e) => showStatus(JSON.parse(/** @type {MessageEvent} */ (e).data)));

  // Search by id: zoom to the driver (out of its cluster) and open its popup.
  el('search').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = /** @type {HTMLInputElement} */ (el('search-id')).value.trim();
    const hint = el('search-hint');
    const held = fleet.get(id);
    if (held === undefined) {
      hint.className = 'hint error';
      hint.textContent = id === '' ? 'Type a driver id.' : `${id} is not on the map (${fleet.size} drivers held)`;
      return;
    }
    // A driver of a hidden status: turn its filter on (the legend says so).
    if (!clusters.hasLayer(held.marker)) legendRowFor(held.d.status)?.querySelector('input')?.click();
    hint.className = 'hint';
    hint.textContent = `${id}: ${held.d.status} at ${held.d.lat.toFixed(5)}, ${held.d.lon.toFixed(5)}`;
    clusters.zoomToShowLayer(held.marker, () => held.marker.openPopup());
  });
  /** @param {string} s @returns {Element | null} */
  const legendRowFor = (s) => el('legend').querySelector(`li[data-status="${CSS.escape(s)}"]`);

  // A click on the map: the nearest AVAILABLE drivers within the radius, ranked, and the circle searched.
  /** @type {AbortController | undefined} */
  let pending;
  map.on('click', async (/** @type {any} */ e) => {
    const lat = Number(e.latlng.lat.toFixed(6));
    const lon = Number(e.latlng.lng.toFixed(6));
    const radius = /** @type {HTMLSelectElement} */ (el('radius')).value;
    near.clearLayers();
    near.addLayer(L.circle([lat, lon], { radius: Number(radius) * 1000, color: '#212529', weight: 1.5, dashArray: '6 4', fill: false, interactive: false }));
    near.addLayer(L.circleMarker([lat, lon], { radius: 3, color: '#212529', fillOpacity: 1, interactive: false }));
    pending?.abort();
    pending = new AbortController();
    const list = el('nearest');
    const hint = el('nearest-hint');
    list.removeAttribute('data-count');
    try {
      const r = await fetch(`/drivers/nearest?${new URLSearchParams({ lat: String(lat), lon: String(lon), radius_km: radius, status: 'AVAILABLE', limit: '10' })}`, { signal: pending.signal });
      const body = await r.json();
      if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
      /** @type {Array<{ driver_id: string, distance_km: number, latitude: number, longitude: number }>} */
      const drivers = body.drivers;
      drivers.forEach((d, i) => {
        near.addLayer(
          L.circleMarker([d.latitude, d.longitude], { radius: 9, color: '#212529', weight: 2, fill: false, interactive: false })
            .bindTooltip(String(i + 1), { permanent: true, direction: 'right', className: 'rank' }),
        );
      });
      list.replaceChildren(
        ...drivers.map((d) => {
          const li = document.createElement('li');
          li.dataset.driverId = d.driver_id;
          li.textContent = `${d.driver_id} — ${d.distance_km.toFixed(2)} km`;
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

  // Read-only view of the page's state, for tests and the curious (browser console).
  /** @type {any} */ (window).rastroMap = {
    map,
    clusters,
    /** How many polls rebuilt the clusters (most of the fleet changed at once). */
    get rebuilds() {
      return rebuilds;
    },
    /** @param {string} id */
    driver(id) {
      const held = fleet.get(id);
      if (held === undefined) return undefined;
      const at = held.marker.getLatLng();
      return { ...held.d, marker: [at.lat, at.lng], shown: clusters.hasLayer(held.marker) };
    },
  };
}

main().catch((err) => {
  const note = document.getElementById('b-note');
  if (note !== null) note.textContent = `map failed to start: ${err instanceof Error ? err.message : String(err)}`;
  throw err;
});
