// The map (Leaflet, vendored, global L): the scenario's layers, reception centres, and a
// marker per settlement coloured by its status.
import { api } from './api.js';
import { state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { currentLang, fmt, t } from './i18n.js';

export const COLOURS = { mandatory: '#c62828', advisory: '#ef8f00', outside: '#90a4ae', beyond_line: '#4a148c', evacuating: '#1565c0', cleared: '#2e7d32', refused: '#6a1b9a' };
// Share of the people evacuated (on their way or arrived): from none to all.
export const SHARES = [[0, '#ffffff'], [0.25, '#bbdefb'], [0.5, '#64b5f6'], [0.75, '#1e88e5'], [0.99, '#0d47a1'], [1, '#2e7d32']];

let map = null;
let markers = {};
let fitted = false;
let labels = null;
let labelled = [];

// The share of a settlement's people evacuated (on their way or arrived), 0..1: the whole
// settlement's progress, so one refusal does not paint the village.
export function shareOf(s) {
  const away = (s.boarded ?? 0) + (s.departed ?? 0) + (s.arrived ?? 0);
  return s.population > 0 ? Math.min(1, away / s.population) : 0;
}

// Fill by the share evacuated, outline by the zone (grey outside it).
export function colourOf(s) {
  if (s.zone === 'outside' && shareOf(s) === 0) return { fill: COLOURS.outside, line: '#ffffff' };
  const share = s.remaining === 0 && s.population > 0 ? 1 : shareOf(s);
  const bin = share === 0 ? 0 : share < 0.5 ? 1 : share < 0.75 ? 2 : share < 0.99 ? 3 : share < 1 ? 4 : 5;
  return { fill: SHARES[bin][1], line: COLOURS[s.zone] || '#000' };
}

function style(f) {
  const p = f.properties;
  switch (p.layer) {
    case 'boundary': return { color: '#616161', weight: 1.5, fillColor: '#ffffff', fillOpacity: 0.7 };
    case 'zone': return { color: COLOURS[p.zone], weight: 1, fillColor: COLOURS[p.zone], fillOpacity: 0.15 };
    case 'hazard': return { color: '#5d0000', weight: 3, dashArray: '8 4' };
    case 'roads': return { color: '#9e9e9e', weight: ['motorway', 'trunk', 'primary'].includes(p.class) ? 2.5 : ['secondary', 'tertiary'].includes(p.class) ? 1.6 : 0.7 };
    case 'rail': return { color: '#212121', weight: 1.5, dashArray: '4 3' };
    case 'load': return { color: '#1565c0', weight: Math.min(9, 1 + Math.sqrt(p.vehicles) / 6), opacity: 0.6 };
    default: return {};
  }
}

// Leaflet puts a string tooltip in as HTML: give it escaped markup only.
const tooltip = (markup) => String(markup);

// Settlement names on the map, drawn here (no tile server): the larger places first, a
// name left out where it would cover one already placed, so that the map stays readable
// at every zoom; in the page's language. Not tappable (the marker under it is).
const LABEL_HEIGHT = 16;
const labelText = (s) => (currentLang() === 'uk' ? s.name_uk || s.name : s.name);

export function drawLabels() {
  if (!map || !labels) return;
  labels.clearLayers();
  const size = map.getSize();
  if (!size.x || !size.y) return; // hidden (a phone's tab without the map): drawn when shown
  const placed = [];
  const overlaps = (a) => placed.some((b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h);
  [...labelled].sort((a, b) => b.population - a.population).forEach((s) => {
    const p = map.latLngToContainerPoint([s.lat, s.lon]);
    if (p.x < -50 || p.y < -20 || p.x > size.x + 50 || p.y > size.y + 20) return;
    const text = labelText(s);
    const r = Math.min(4 + Math.sqrt(s.population) / 12, 14);
    const box = { x: p.x + r + 2, y: p.y - LABEL_HEIGHT / 2, w: 7 * text.length + 6, h: LABEL_HEIGHT };
    // The marker itself is kept clear too.
    if (overlaps(box) || overlaps({ x: p.x - r, y: p.y - r, w: 2 * r, h: 2 * r })) return;
    placed.push(box);
    const icon = L.divIcon({ className: 'place-label', html: String(html`<span>${text}</span>`), iconSize: null, iconAnchor: [-r - 2, LABEL_HEIGHT / 2] });
    L.marker([s.lat, s.lon], { icon, interactive: false, keyboard: false, pane: 'labels' }).addTo(labels);
  });
}

export async function drawMap() {
  if (map) { map.remove(); markers = {}; }
  fitted = false;
  map = L.map('map', { preferCanvas: false, attributionControl: true });
  map.createPane('labels').style.zIndex = 450;
  labels = L.layerGroup().addTo(map);
  map.on('zoomend moveend resize', drawLabels);
  map.attributionControl.setPrefix('').addAttribution('© OpenStreetMap contributors (ODbL); GeoNames (CC BY 4.0)');
  const layers = await api('/api/map/layers');
  const geo = L.geoJSON(layers, {
    style,
    pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 7, color: '#000', weight: 2, fillColor: '#ffeb3b', fillOpacity: 0.9 }),
    onEachFeature: (f, l) => {
      const p = f.properties;
      if (p.layer === 'bottleneck') l.bindTooltip(tooltip(html`${p.label} — ${p.saturated_steps} full steps`));
      if (p.layer === 'load') l.bindTooltip(tooltip(html`${p.name}: ${fmt(p.vehicles)} ${t('vehicles')}`));
      if (p.layer === 'hazard' && p.name) l.bindTooltip(tooltip(html`${p.name}`));
    },
  }).addTo(map);
  const legend = L.control({ position: 'bottomright' });
  legend.onAdd = () => {
    // A key that folds away: on a phone it would cover a third of the map.
    const d = L.DomUtil.create('details', 'legend');
    if (window.matchMedia('(min-width: 900px)').matches) d.open = true;
    L.DomEvent.disableClickPropagation(d);
    // Labels carry data-i18n so that switching the language re-labels the key too.
    const ring = (k) => html`<div><i style="background:#fff;border:3px solid ${COLOURS[k]}"></i><span data-i18n="${k}">${t(k)}</span></div>`;
    const shares = [['0', SHARES[0][1]], ['1–49', SHARES[1][1]], ['50–74', SHARES[2][1]], ['75–98', SHARES[3][1]], ['99', SHARES[4][1]], ['100', SHARES[5][1]]];
    setHTML(d, html`<summary data-i18n="legend">${t('legend')}</summary>${ring('mandatory')}${ring('advisory')}${ring('beyond_line')}<div><i style="background:${COLOURS.outside}"></i><span data-i18n="outside">${t('outside')}</span></div>
      <div><span data-i18n="legend_share">${t('legend_share')}</span>, %:</div>${join(shares.map(([k, c]) => html`<div><i style="background:${c};border:1px solid #90a4ae"></i>${k}</div>`))}`);
    return d;
  };
  legend.addTo(map);
  const b = geo.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [10, 10] });
  state.centres = await api('/api/centres');
  state.centres.forEach((c) => {
    L.marker([c.lat, c.lon], { title: c.name }).addTo(map).bindTooltip(tooltip(html`${c.name}: ${fmt(c.occupancy)} / ${fmt(c.capacity)}`));
  });
}

// The map after its box changed size (a phone's tab showed it again, rotation).
export function refreshMapSize() { if (map) map.invalidateSize(); }

// A marker per settlement (created once, recoloured after); a click calls onSelect(id).
export function updateMarkers(settlements, onSelect) {
  settlements.forEach((s) => {
    const colour = colourOf(s);
    const radius = 4 + Math.sqrt(s.population) / 12;
    if (markers[s.id]) {
      markers[s.id].setStyle({ fillColor: colour.fill, color: colour.line });
      markers[s.id].settlement = s;
    } else {
      const m = L.circleMarker([s.lat, s.lon], { radius: Math.min(radius, 14), color: colour.line, weight: 2, fillColor: colour.fill, fillOpacity: 0.9, className: 'settlement-marker' });
      m.settlement = s;
      m.bindTooltip(() => { const x = m.settlement; return tooltip(html`${x.name_uk || x.name} (${x.name}): ${Math.round(100 * shareOf(x))}%`); });
      m.on('click', () => onSelect(s.id));
      m.addTo(map);
      markers[s.id] = m;
    }
    markers[s.id].getElement && markers[s.id].getElement() && markers[s.id].getElement().setAttribute('data-settlement', s.id);
  });
  // The first time: show the settlements in the zone (where the work is), not the whole area.
  const zone = settlements.filter((s) => s.zone === 'mandatory' || s.zone === 'advisory');
  labelled = settlements;
  if (!fitted && zone.length) {
    fitted = true;
    map.fitBounds(L.latLngBounds(zone.map((s) => [s.lat, s.lon])), { padding: [16, 16] });
  }
  drawLabels();
}
