// The map (Leaflet, vendored, global L): the scenario's layers, reception centres, and a
// marker per settlement coloured by its status.
import { api } from './api.js';
import { state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { fmt, t } from './i18n.js';

export const COLOURS = { mandatory: '#c62828', advisory: '#ef8f00', outside: '#90a4ae', evacuating: '#1565c0', cleared: '#2e7d32', refused: '#6a1b9a' };

let map = null;
let markers = {};

// The colour key of a settlement: its zone until people leave, then how far it has got.
export function statusOf(s) {
  if (s.zone === 'outside') return 'outside';
  if (s.remaining === 0 && s.population > 0) return 'cleared';
  if (s.refused > 0) return 'refused';
  if (s.departed + s.arrived > 0) return 'evacuating';
  return s.zone;
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

export async function drawMap() {
  if (map) { map.remove(); markers = {}; }
  map = L.map('map', { preferCanvas: false, attributionControl: true });
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
    const d = L.DomUtil.create('div', 'legend');
    setHTML(d, join(['mandatory', 'advisory', 'evacuating', 'cleared', 'refused', 'outside'].map((k) =>
      html`<div><i style="background:${COLOURS[k]}"></i>${t(k === 'mandatory' || k === 'advisory' ? k : 'legend_' + k)}</div>`)));
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

// A marker per settlement (created once, recoloured after); a click calls onSelect(id).
export function updateMarkers(settlements, onSelect) {
  settlements.forEach((s) => {
    const colour = COLOURS[statusOf(s)];
    const radius = 3 + Math.sqrt(s.population) / 12;
    if (markers[s.id]) {
      markers[s.id].setStyle({ fillColor: colour });
    } else {
      const m = L.circleMarker([s.lat, s.lon], { radius: Math.min(radius, 14), color: '#fff', weight: 1, fillColor: colour, fillOpacity: 0.9, className: 'settlement-marker' });
      m.bindTooltip(() => tooltip(html`${s.name_uk || s.name} (${s.name})`));
      m.on('click', () => onSelect(s.id));
      m.addTo(map);
      markers[s.id] = m;
    }
    markers[s.id].getElement && markers[s.id].getElement() && markers[s.id].getElement().setAttribute('data-settlement', s.id);
  });
}
