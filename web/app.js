// evac operations UI: plain JavaScript, no build step, no network but this server.
'use strict';

const T = {
  uk: {
    logout: 'Вийти', login_title: 'Вхід', username: 'Користувач', password: 'Пароль', login: 'Увійти',
    tab_order: 'Розпорядження', tab_register: 'Реєстрація', tab_settlement: 'Населений пункт', tab_centres: 'Центри',
    tab_plan: 'План', tab_audit: 'Журнал', tab_users: 'Користувачі', draft_order: 'Проєкт розпорядження',
    issue: 'Видати розпорядження', issued_orders: 'Видані розпорядження', ordered_settlements: 'Населені пункти в зоні',
    settlement: 'Нас. пункт', zone: 'Зона', km: 'км', population: 'Населення', register_household: 'Реєстрація домогосподарства',
    head_name: 'ПІБ голови домогосподарства', members: 'Осіб', needs: 'Потреби', phone: 'Телефон', register: 'Зареєструвати',
    choose_settlement: 'Оберіть населений пункт на карті', households: 'Домогосподарства', centres: 'Пункти прийому',
    plan: 'План евакуації', audit: 'Журнал дій', when: 'Коли', who: 'Хто', action: 'Дія', target: "Об'єкт", users: 'Користувачі',
    add_user: 'Додати', mandatory: 'обов’язкова', advisory: 'рекомендована', outside: 'поза зоною',
    registered: 'зареєстровано', departed: 'виїхали', arrived: 'прибули', refused: 'відмовились', remaining: 'залишаються',
    returned: 'повернулись', print: 'друк', order_no: 'Розпорядження №', issued: 'Видано', saved: 'Збережено, №',
    duplicate: 'Можливий дублікат', depart: 'виїхав', arrive: 'прибув', refuse: 'відмова', free: 'вільно',
    wrong_login: 'Невірний користувач або пароль', clearance: 'Остання машина в безпеці', optimum: 'Оптимум',
    baseline: 'Без плану', bottlenecks: 'Вузькі місця', transit_done: 'Транспорт: остання людина в безпеці',
    no_plan: 'План ще не розраховано (evac up / evac plan).', legend_ordered: 'у зоні', legend_evacuating: 'евакуація триває',
    legend_cleared: 'евакуйовано', legend_refused: 'є відмови', legend_outside: 'поза зоною', vehicles: 'машин',
  },
  en: {
    logout: 'Log out', login_title: 'Log in', username: 'User', password: 'Password', login: 'Log in',
    tab_order: 'Order', tab_register: 'Register', tab_settlement: 'Settlement', tab_centres: 'Centres', tab_plan: 'Plan',
    tab_audit: 'Audit', tab_users: 'Users', draft_order: 'Draft order', issue: 'Issue order', issued_orders: 'Issued orders',
    ordered_settlements: 'Settlements in the zone', settlement: 'Settlement', zone: 'Zone', km: 'km', population: 'Population',
    register_household: 'Register a household', head_name: 'Head of household', members: 'People', needs: 'Needs', phone: 'Phone',
    register: 'Register', choose_settlement: 'Choose a settlement on the map', households: 'Households', centres: 'Reception centres',
    plan: 'Evacuation plan', audit: 'Audit log', when: 'When', who: 'Who', action: 'Action', target: 'Target', users: 'Users',
    add_user: 'Add', mandatory: 'mandatory', advisory: 'advisory', outside: 'outside', registered: 'registered',
    departed: 'departed', arrived: 'arrived', refused: 'refused', remaining: 'remaining', returned: 'returned', print: 'print',
    order_no: 'Order No.', issued: 'Issued', saved: 'Saved, id', duplicate: 'Possible duplicate', depart: 'departed',
    arrive: 'arrived', refuse: 'refused', free: 'free', wrong_login: 'Wrong user or password', clearance: 'Last vehicle safe',
    optimum: 'Optimum', baseline: 'Without a plan', bottlenecks: 'Bottlenecks', transit_done: 'Transit: last person safe',
    no_plan: 'No plan computed yet (evac up / evac plan).', legend_ordered: 'in the zone', legend_evacuating: 'evacuating',
    legend_cleared: 'cleared', legend_refused: 'refusals', legend_outside: 'outside', vehicles: 'vehicles',
  },
};
const NEEDS = ['wheelchair', 'stretcher', 'medical', 'children', 'elderly', 'pets', 'no_car', 'hearing'];
const COLOURS = { mandatory: '#c62828', advisory: '#ef8f00', outside: '#90a4ae', evacuating: '#1565c0', cleared: '#2e7d32', refused: '#6a1b9a' };

let lang = localStorage.getItem('evac-lang') || 'uk';
let token = sessionStorage.getItem('evac-token');
let me = null;
let map = null;
let markers = {};
let settlements = [];
let centres = [];
let current = null;

const $ = (id) => document.getElementById(id);
const t = (k) => (T[lang] && T[lang][k]) || k;
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const fmt = (n) => Number(n || 0).toLocaleString(lang === 'uk' ? 'uk-UA' : 'en-GB');
const hm = (steps, stepS) => { const m = Math.round(steps * stepS / 60); return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`; };

async function api(path, options = {}) {
  const headers = Object.assign({ 'Content-Type': 'application/json' }, options.headers || {});
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(path, Object.assign({}, options, { headers }));
  if (r.status === 401 && path !== '/api/session') { logout(); throw new Error('401'); }
  const type = r.headers.get('content-type') || '';
  const body = type.includes('json') ? await r.json() : await r.text();
  if (!r.ok) { const e = new Error(body.error || r.statusText); e.body = body; e.status = r.status; throw e; }
  return body;
}

function translate() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $('lang').textContent = lang === 'uk' ? 'EN' : 'UA';
}

function showTab(name) {
  document.querySelectorAll('.tab').forEach((s) => { s.hidden = s.id !== `tab-${name}`; });
  document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === name));
  ({ order: loadOrders, centres: loadCentres, plan: loadPlan, audit: loadAudit, users: loadUsers, settlement: () => current && showSettlement(current) }[name] || (() => {}))();
}

function applyRole() {
  const role = me.role;
  document.querySelectorAll('.needs-coordinator').forEach((el) => { el.hidden = role !== 'coordinator'; });
  document.querySelectorAll('.needs-registrar').forEach((el) => { el.hidden = role === 'viewer'; });
  $('whoami').textContent = `${me.username} (${role})`;
  $('logout').hidden = false;
}

function logout() {
  if (token) fetch('/api/session', { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  token = null; me = null; sessionStorage.removeItem('evac-token');
  $('app-view').hidden = true; $('login-view').hidden = false; $('logout').hidden = true; $('whoami').textContent = '';
}

function statusOf(s) {
  if (s.zone === 'outside') return 'outside';
  if (s.remaining === 0 && s.population > 0) return 'cleared';
  if (s.refused > 0) return 'refused';
  if (s.departed + s.arrived > 0) return 'evacuating';
  return s.zone;
}

async function start() {
  me = await api('/api/me');
  $('login-view').hidden = true; $('app-view').hidden = false;
  applyRole();
  const sc = await api('/api/scenario');
  $('scenario-name').textContent = sc.name;
  if (sc.illustrative) { $('illustrative').hidden = false; $('illustrative').textContent = sc.illustrative; $('illustrative').title = sc.illustrative; }
  await drawMap();
  await refreshSettlements();
  fillRegisterForm();
  showTab('order');
}

async function drawMap() {
  if (map) { map.remove(); markers = {}; }
  map = L.map('map', { preferCanvas: false, attributionControl: true });
  map.attributionControl.setPrefix('').addAttribution('© OpenStreetMap contributors (ODbL); GeoNames (CC BY 4.0)');
  const layers = await api('/api/map/layers');
  const style = (f) => {
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
  };
  const geo = L.geoJSON(layers, {
    style,
    pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 7, color: '#000', weight: 2, fillColor: '#ffeb3b', fillOpacity: 0.9 }),
    onEachFeature: (f, l) => {
      const p = f.properties;
      if (p.layer === 'bottleneck') l.bindTooltip(`${esc(p.label)} — ${p.saturated_steps} full steps`);
      if (p.layer === 'load') l.bindTooltip(`${esc(p.name)}: ${fmt(p.vehicles)} ${t('vehicles')}`);
      if (p.layer === 'hazard' && p.name) l.bindTooltip(esc(p.name));
    },
  }).addTo(map);
  const legend = L.control({ position: 'bottomright' });
  legend.onAdd = () => {
    const d = L.DomUtil.create('div', 'legend');
    d.innerHTML = ['mandatory', 'advisory', 'evacuating', 'cleared', 'refused', 'outside'].map((k) =>
      `<div><i style="background:${COLOURS[k]}"></i>${esc(t(k === 'mandatory' || k === 'advisory' ? k : 'legend_' + k))}</div>`).join('');
    return d;
  };
  legend.addTo(map);
  const b = geo.getBounds();
  if (b.isValid()) map.fitBounds(b, { padding: [10, 10] });
  centres = await api('/api/centres');
  centres.forEach((c) => {
    L.marker([c.lat, c.lon], { title: c.name }).addTo(map).bindTooltip(`${esc(c.name)}: ${fmt(c.occupancy)} / ${fmt(c.capacity)}`);
  });
}

async function refreshSettlements() {
  settlements = await api('/api/settlements');
  settlements.forEach((s) => {
    const status = statusOf(s);
    const colour = COLOURS[status];
    const radius = 3 + Math.sqrt(s.population) / 12;
    if (markers[s.id]) {
      markers[s.id].setStyle({ fillColor: colour });
    } else {
      const m = L.circleMarker([s.lat, s.lon], { radius: Math.min(radius, 14), color: '#fff', weight: 1, fillColor: colour, fillOpacity: 0.9, className: 'settlement-marker' });
      m.bindTooltip(() => `${esc(s.name_uk || s.name)} (${esc(s.name)})`);
      m.on('click', () => { current = s.id; showTab('settlement'); });
      m.addTo(map);
      markers[s.id] = m;
    }
    markers[s.id].getElement && markers[s.id].getElement() && markers[s.id].getElement().setAttribute('data-settlement', s.id);
  });
  if (current) renderSettlement(settlements.find((s) => s.id === current));
  const draft = await api('/api/orders/draft');
  const tt = draft.totals;
  $('draft-summary').textContent = `${t('mandatory')}: ${tt.mandatory.settlements} / ${fmt(tt.mandatory.population)}; ${t('advisory')}: ${tt.advisory.settlements} / ${fmt(tt.advisory.population)} (≤ ${draft.mandatory_km} / ${draft.advisory_km} ${t('km')})`;
  $('draft-rows').innerHTML = draft.settlements.map((e) => `<tr><td>${esc(e.name_uk || e.name)}</td><td>${esc(t(e.zone))}</td><td class="n">${e.distance_km.toFixed(1)}</td><td class="n">${fmt(e.population)}</td></tr>`).join('');
}

function renderSettlement(s) {
  if (!s) return;
  $('st-title').textContent = `${s.name_uk || s.name} (${s.name})`;
  $('st-counts').innerHTML = ['population', 'registered', 'departed', 'arrived', 'refused', 'remaining']
    .map((k) => `<tr><th>${esc(t(k))}</th><td class="n" data-count="${k}">${fmt(s[k])}</td></tr>`).join('')
    + `<tr><th>${esc(t('zone'))}</th><td class="n">${esc(t(s.zone))}, ${s.distance_km.toFixed(1)} ${t('km')}</td></tr>`;
}

async function showSettlement(id) {
  const s = await api(`/api/settlements/${encodeURIComponent(id)}`);
  renderSettlement(s);
  if (me.role === 'viewer') return;
  const rows = await api(`/api/households?settlement_id=${encodeURIComponent(id)}`);
  $('st-households').innerHTML = rows.map((h) => `<div class="household" data-household="${h.id}">
      <b>${esc(h.head_name)}</b> ×${h.members} <span>${esc(t(h.status))}</span>
      <button data-ev="departed">${esc(t('depart'))}</button>
      <select class="centre">${centres.map((c) => `<option value="${esc(c.id)}">${esc(c.name)}</option>`).join('')}</select>
      <button data-ev="arrived">${esc(t('arrive'))}</button>
      <button data-ev="refused">${esc(t('refuse'))}</button></div>`).join('');
  $('st-households').querySelectorAll('button[data-ev]').forEach((b) => b.addEventListener('click', async () => {
    const row = b.closest('.household');
    const body = { kind: b.dataset.ev };
    if (b.dataset.ev === 'arrived') body.centre_id = row.querySelector('.centre').value;
    await api(`/api/households/${row.dataset.household}/events`, { method: 'POST', body: JSON.stringify(body) });
    await refreshSettlements();
    await showSettlement(id);
  }));
}

function fillRegisterForm() {
  const ordered = settlements.filter((s) => s.zone !== 'outside').sort((a, b) => a.name.localeCompare(b.name));
  const rest = settlements.filter((s) => s.zone === 'outside').sort((a, b) => a.name.localeCompare(b.name));
  $('reg-settlement').innerHTML = ordered.concat(rest).map((s) => `<option value="${esc(s.id)}">${esc(s.name_uk || s.name)} — ${esc(s.name)}</option>`).join('');
  $('reg-needs').innerHTML = NEEDS.map((n) => `<label><input type="checkbox" value="${n}">${n}</label>`).join('');
}

async function loadOrders() {
  const orders = await api('/api/orders');
  $('orders').innerHTML = orders.map((o) => `<li data-order="${o.number}">${esc(t('order_no'))} ${o.number} — ${esc(o.issued_at.slice(0, 16).replace('T', ' '))}, ${esc(o.issued_by)}: ${o.settlements} / ${fmt(o.population)} <a href="#" data-print="${o.number}">${esc(t('print'))}</a></li>`).join('');
  $('orders').querySelectorAll('a[data-print]').forEach((a) => a.addEventListener('click', async (ev) => {
    ev.preventDefault();
    const html = await api(`/api/orders/${a.dataset.print}/print`);
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
    window.open(url, '_blank');
  }));
}

async function loadCentres() {
  centres = await api('/api/centres');
  $('centre-list').innerHTML = centres.map((c) => {
    const share = c.capacity ? Math.min(100, 100 * c.occupancy / c.capacity) : 100;
    return `<div><b>${esc(c.name)}</b> ${fmt(c.occupancy)} / ${fmt(c.capacity)} (${esc(t('free'))} ${fmt(c.free)})<div class="bar ${share >= 90 ? 'full' : ''}"><div style="width:${share}%"></div></div></div>`;
  }).join('');
}

async function loadPlan() {
  const p = await api('/api/plan');
  if (!p.car) { $('plan-summary').textContent = t('no_plan'); return; }
  const c = p.car;
  let html = `<table class="grid"><tr><th>${esc(t('clearance'))}</th><td class="n">${hm(c.clearance_steps, c.step_s)}</td></tr>
    <tr><th>90%</th><td class="n">${hm(c.clearance_90_steps, c.step_s)}</td></tr>
    <tr><th>${esc(t('optimum'))} / bound</th><td class="n">${hm(c.lower_bound_steps, c.step_s)} (${esc(c.bound_kind)}, gap ${(100 * c.gap).toFixed(1)}%)</td></tr>
    <tr><th>${esc(t('baseline'))}</th><td class="n">${c.baseline_clearance_steps ? hm(c.baseline_clearance_steps, c.step_s) : '-'}</td></tr></table>
    <h3>${esc(t('bottlenecks'))}</h3><ol>${(c.bottlenecks || []).map((b) => `<li>${esc(b.label)} (${b.saturated_steps})</li>`).join('')}</ol>`;
  if (p.transit) html += `<p>${esc(t('transit_done'))}: ${hm(p.transit.completion_s, 1)}</p>`;
  $('plan-summary').innerHTML = html;
  try { $('plan-chart').innerHTML = await api('/api/plan/chart.svg'); } catch (e) { $('plan-chart').textContent = ''; }
}

async function loadAudit() {
  const rows = await api('/api/audit?limit=200');
  $('audit-rows').innerHTML = rows.map((a) => `<tr><td>${esc(a.at.slice(0, 19).replace('T', ' '))}</td><td>${esc(a.username)}</td><td>${esc(a.action)}</td><td>${esc(a.target)}</td><td>${esc(a.ip)}</td></tr>`).join('');
}

async function loadUsers() {
  const rows = await api('/api/users');
  $('user-list').innerHTML = rows.map((u) => `<li>${esc(u.username)} — ${esc(u.role)}</li>`).join('');
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('login-error').textContent = '';
  try {
    const r = await api('/api/session', { method: 'POST', body: JSON.stringify({ username: $('login-user').value, password: $('login-pass').value }) });
    token = r.token; sessionStorage.setItem('evac-token', token);
    await start();
  } catch (e) { $('login-error').textContent = t('wrong_login'); }
});

$('register-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const body = {
    settlement_id: $('reg-settlement').value,
    head_name: $('reg-name').value,
    members: Number($('reg-members').value),
    needs: [...$('reg-needs').querySelectorAll('input:checked')].map((i) => i.value),
    phone: $('reg-phone').value || null,
  };
  try {
    const r = await api('/api/households', { method: 'POST', body: JSON.stringify(body) });
    let msg = `<span class="ok">${esc(t('saved'))} ${r.id}</span>`;
    if (r.possible_duplicates.length) msg += `<br><span class="warn">${esc(t('duplicate'))}: ${r.possible_duplicates.map((d) => `${esc(d.head_name)} (#${d.id}, ${esc(d.reason)})`).join('; ')}</span>`;
    $('reg-result').innerHTML = msg;
    $('register-form').reset();
    current = body.settlement_id;
    await refreshSettlements();
  } catch (e) {
    const fields = (e.body && e.body.fields) || {};
    $('reg-result').innerHTML = `<span class="error">${esc(e.message)} ${Object.entries(fields).map(([k, v]) => `${esc(k)}: ${esc(v)}`).join('; ')}</span>`;
  }
});

$('issue-order').addEventListener('click', async () => {
  try {
    const o = await api('/api/orders', { method: 'POST' });
    $('issue-result').innerHTML = `<span class="ok">${esc(t('issued'))}: ${esc(t('order_no'))} ${o.number}</span>`;
    await loadOrders();
  } catch (e) { $('issue-result').innerHTML = `<span class="error">${esc(e.message)}</span>`; }
});

$('user-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  try {
    await api('/api/users', { method: 'POST', body: JSON.stringify(Object.fromEntries(f)) });
    ev.target.reset(); $('user-result').textContent = ''; loadUsers();
  } catch (e) { $('user-result').textContent = `${e.message} ${JSON.stringify((e.body && e.body.fields) || {})}`; }
});

document.querySelectorAll('#tabs button').forEach((b) => b.addEventListener('click', () => showTab(b.dataset.tab)));
$('lang').addEventListener('click', () => { lang = lang === 'uk' ? 'en' : 'uk'; localStorage.setItem('evac-lang', lang); translate(); if (me) refreshSettlements(); });
$('logout').addEventListener('click', logout);
translate();
if (token) start().catch(() => logout());
