// The coordinator's dashboard: totals, a sortable table per settlement, centre occupancy.
// From /api/dashboard; a server without it is answered from the settlement list (and the
// panel says so).
import { api } from './api.js';
import { $, state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { errorText, fmt, t } from './i18n.js';
import { renderTimeline } from './timeline.js';

const COLUMNS = ['ordered', 'registered', 'checked_in', 'boarded', 'arrived', 'refused', 'unreachable', 'people', 'cannot_walk', 'share'];
let sort = { key: 'share', desc: false };
let data = null;

const byId = () => Object.fromEntries(state.settlements.map((s) => [s.id, s]));

// The share of a settlement's people on their way or arrived, 0..1.
export function shareEvacuated(s) {
  const away = (s.boarded ?? 0) + (s.departed ?? 0) + (s.arrived ?? 0);
  return s.population > 0 ? Math.min(1, away / s.population) : 0;
}

function fromSettlements() {
  // Ordered: the mandatory and advisory zones (not 'outside', not 'beyond_line').
  const isOrdered = (s) => s.zone === 'mandatory' || s.zone === 'advisory';
  const rows = state.settlements.filter((s) => isOrdered(s) || s.registered > 0).map((s) => ({
    settlement: s.id, ordered: isOrdered(s) ? s.population : 0, registered: s.registered, checked_in: null,
    boarded: s.departed, arrived: s.arrived, refused: s.refused, unreachable: null, people: null, cannot_walk: null,
  }));
  return { rows, fallback: true };
}

async function load() {
  try {
    return await api('/api/dashboard');
  } catch (e) {
    if ([404, 405].includes(e.status)) return fromSettlements();
    throw e;
  }
}

function rowsWithNames() {
  const settlements = byId();
  return (data.rows || data.settlements || []).map((r) => {
    const id = typeof r.settlement === 'object' ? r.settlement.id : (r.settlement ?? r.settlement_id ?? r.id);
    const s = settlements[id] || {};
    const population = s.population || r.people || 0;
    const away = (r.boarded ?? 0) + (r.departed ?? s.departed ?? 0) + (r.arrived ?? s.arrived ?? 0);
    return Object.assign({}, r, { id, name: s.name_uk || s.name || id, share: population ? Math.min(1, away / population) : 0 });
  });
}

function render() {
  const rows = rowsWithNames();
  const dir = sort.desc ? -1 : 1;
  rows.sort((a, b) => (sort.key === 'name' ? a.name.localeCompare(b.name, 'uk') : ((a[sort.key] ?? -1) - (b[sort.key] ?? -1))) * dir);
  // Totals as the server counts them; without a dashboard, the sum of the known figures.
  const sum = (k) => (rows.some((r) => typeof r[k] === 'number') ? rows.reduce((n, r) => n + (r[k] || 0), 0) : null);
  const totals = data.totals || Object.fromEntries(COLUMNS.filter((k) => k !== 'share').map((k) => [k, sum(k)]));
  setHTML($('dash-totals'), join(COLUMNS.filter((k) => k !== 'share' && totals[k] !== undefined).map((k) => html`<div data-total="${k}"><b>${totals[k] === null ? '–' : fmt(totals[k])}</b>${t(k)}</div>`)));
  const arrow = (k) => (sort.key === k ? (sort.desc ? ' ▼' : ' ▲') : '');
  setHTML($('dash-head'), html`<tr><th><button type="button" data-sort="name">${t('settlement')}${arrow('name')}</button></th>${COLUMNS.map((k) => html`<th class="n"><button type="button" data-sort="${k}">${t(k)}${arrow(k)}</button></th>`)}</tr>`);
  setHTML($('dash-rows'), join(rows.map((r) => html`<tr data-settlement="${r.id}"><td>${r.name}</td>${COLUMNS.map((k) => html`<td class="n" data-col="${k}">${k === 'share' ? Math.round(100 * r.share) : (r[k] === null || r[k] === undefined ? '–' : fmt(r[k]))}</td>`)}</tr>`)));
  const centres = data.centres || state.centres;
  setHTML($('dash-centres'), join(centres.map((c) => {
    const share = c.capacity ? Math.min(100, 100 * c.occupancy / c.capacity) : 100;
    return html`<div><b>${c.name || c.id}</b> ${fmt(c.occupancy)} / ${fmt(c.capacity)}<div class="bar ${share >= 90 ? 'full' : ''}"><div style="width:${share}%"></div></div></div>`;
  })));
  $('dash-note').textContent = data.fallback ? t('dash_fallback') : '';
  renderTimeline($('dash-timeline'), data.timeline);
}

// A coordinator's download of every household (the token goes in a header, so the file is
// fetched and handed to the browser as a blob).
async function download(path, name) {
  $('export-note').textContent = '';
  try {
    const r = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem('evac-token')}` } });
    if (!r.ok) {
      let body = {};
      try { body = await r.json(); } catch (e) { /* no JSON body */ }
      throw Object.assign(new Error(body.error || r.statusText), { status: r.status, code: body.code || null, body });
    }
    const url = URL.createObjectURL(await r.blob());
    const a = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    $('export-note').textContent = errorText(e.status === undefined ? { status: 0, code: 'offline' } : e);
  }
}

export async function loadDashboard() {
  try { data = await load(); render(); } catch (e) { $('dash-note').textContent = errorText(e); }
}

export function initDashboard() {
  $('export-csv').addEventListener('click', () => download('/api/households/export.csv', 'households.csv'));
  $('export-xlsx').addEventListener('click', () => download('/api/households/export.xlsx', 'households.xlsx'));
  // The chart is drawn for its box's width: again when that changes.
  let wait = null;
  window.addEventListener('resize', () => {
    clearTimeout(wait);
    wait = setTimeout(() => { if (data && !$('tab-dashboard').hidden) renderTimeline($('dash-timeline'), data.timeline); }, 200);
  });
  $('dash-head').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-sort]');
    if (!b) return;
    sort = { key: b.dataset.sort, desc: sort.key === b.dataset.sort ? !sort.desc : b.dataset.sort !== 'name' };
    render();
  });
}
