// evac operations UI: plain JavaScript modules, no build step, no network but this server.
// Installable (manifest, service worker at /sw.js): the app and the scenario's aggregate
// data open offline, and writes wait in the outbox (outbox.js) until they can be sent.
import { loadAudit, loadUsers, initUsers } from './admin.js';
import { api, endSession, hasSession, onUnauthorized, serverReachable, startSession } from './api.js';
import { loadCentres } from './centres.js';
import { initDashboard, loadDashboard } from './dashboard.js';
import { $, state } from './dom.js';
import { errorText, t, toggleLang, translate } from './i18n.js';
import { drawMap, refreshMapSize, updateMarkers } from './map.js';
import { initOrder, loadOrders, renderDraft } from './order.js';
import { flush, onOutboxChange, setOutboxUser, startOutbox } from './outbox.js';
import { loadPlan } from './plan.js';
import { fillRegisterForm, initRegister, renderOutbox } from './register.js';
import { onStep } from './households.js';
import { initSearch, openHousehold, showSearch } from './search.js';
import { renderSettlement, showSettlement } from './settlement.js';
import { initTrips, showTrips } from './trips.js';

// Whether the user picked a panel (then loading the data does not switch it under them).
let tabChosen = false;

const TAB_LOADERS = {
  order: loadOrders,
  centres: loadCentres,
  plan: loadPlan,
  audit: loadAudit,
  users: loadUsers,
  dashboard: async () => { await refreshSettlements(); await loadDashboard(); },
  search: showSearch,
  trips: showTrips,
  register: renderOutbox,
  settlement: () => state.current && showSettlement(state.current, refreshSettlements),
};

// A panel whose data cannot be fetched offline says so instead of failing silently.
function showTab(name) {
  document.body.dataset.tab = name;
  document.querySelectorAll('.tab').forEach((s) => { s.hidden = s.id !== `tab-${name}`; });
  document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === name));
  const active = document.querySelector('#tabs button.active');
  if (active && active.scrollIntoView) active.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  refreshMapSize();
  Promise.resolve((TAB_LOADERS[name] || (() => {}))()).catch((e) => {
    if (e.status === 401) return;
    const tab = $(`tab-${name}`);
    let note = tab.querySelector('.tab-error');
    if (!note) { note = document.createElement('p'); note.className = 'error tab-error'; note.setAttribute('role', 'alert'); tab.append(note); }
    note.textContent = errorText(e);
  });
  const note = $(`tab-${name}`).querySelector('.tab-error');
  if (note) note.textContent = '';
}

function applyRole() {
  const role = state.me.role;
  document.querySelectorAll('.needs-coordinator').forEach((el) => { el.hidden = role !== 'coordinator'; });
  document.querySelectorAll('.needs-registrar').forEach((el) => { el.hidden = role === 'viewer'; });
  $('whoami').textContent = `${state.me.username} (${role})`;
  $('logout').hidden = false;
}

function logout() {
  tabChosen = false;
  endSession();
  state.me = null;
  setOutboxUser(null);
  $('outbox-badge').hidden = true;
  sessionStorage.removeItem('evac-me');
  $('app-view').hidden = true; $('login-view').hidden = false; $('logout').hidden = true; $('whoami').textContent = '';
}

// The settlements' counts on the map, the settlement on show, and the draft order.
async function refreshSettlements() {
  state.settlements = await api('/api/settlements');
  updateMarkers(state.settlements, (id) => { state.current = id; showTab('settlement'); });
  if (state.current) renderSettlement(state.settlements.find((s) => s.id === state.current));
  await renderDraft().catch(() => {});
}

// What the API document says a registration and an event may carry (needs, counts, event
// kinds): the form offers what this server takes.
async function loadSchema() {
  state.schema = await api('/api/openapi.json');
  const schemas = state.schema.components.schemas;
  state.needs = schemas.NewHousehold.properties.needs.items.enum;
  state.eventKinds = schemas.Event.properties.kind.enum;
}

// Who is logged in: the server's answer, or offline the answer kept for this tab.
async function whoAmI() {
  try {
    const me = await api('/api/me');
    sessionStorage.setItem('evac-me', JSON.stringify(me));
    return me;
  } catch (e) {
    const kept = sessionStorage.getItem('evac-me');
    if (e.offline && kept) return JSON.parse(kept);
    throw e;
  }
}

async function start() {
  state.me = await whoAmI();
  setOutboxUser(state.me.username);
  $('login-view').hidden = true; $('app-view').hidden = false;
  applyRole();
  const sc = await api('/api/scenario');
  $('scenario-name').textContent = sc.name;
  $('scenario-name').title = sc.name;
  if (sc.illustrative) { $('illustrative').hidden = false; $('illustrative').textContent = sc.illustrative; $('illustrative').title = sc.illustrative; }
  await drawMap();
  await refreshSettlements();
  await loadSchema();
  fillRegisterForm();
  // The first screen, unless the user has already picked one while the data loaded.
  if (!tabChosen) showTab(state.me.role === 'viewer' ? 'dashboard' : 'register');
  renderOutbox();
  flush().catch(() => {});
}

// The first time the service worker takes over, the data the app opened with went past
// it: ask again, so that it is on the device for the next time there is no connection.
const DATA = ['/api/scenario', '/api/settlements', '/api/map/layers', '/api/centres', '/api/openapi.json', '/api/orders/draft'];
function warmCache() {
  if (!('serviceWorker' in navigator)) return;
  if (!navigator.serviceWorker.controller) {
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (state.me) DATA.forEach((p) => api(p).catch(() => {}));
    }, { once: true });
  }
}

// "No connection" when the device has no network or the server did not answer last time.
function online() {
  $('net').hidden = navigator.onLine && serverReachable();
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('login-error').textContent = '';
  let r;
  try {
    r = await api('/api/session', { method: 'POST', body: JSON.stringify({ username: $('login-user').value, password: $('login-pass').value }) });
  } catch (e) {
    // Only a refusal means a wrong password; no answer means no connection.
    $('login-error').textContent = e.offline ? t('no_connection') : e.status === 401 ? t('wrong_login') : errorText(e);
    return;
  }
  startSession(r.token);
  try { await start(); } catch (e) { $('login-error').textContent = errorText(e); }
});

initRegister(async (settlementId) => { state.current = settlementId; await refreshSettlements(); }, (id) => { showTab('search'); openHousehold(id); });
initSearch();
onStep(() => refreshSettlements().catch(() => {}));
initDashboard();
initOrder();
initUsers();
initTrips();
onUnauthorized(logout);
onOutboxChange(() => { renderOutbox(); });
startOutbox(() => { if (state.me) refreshSettlements().catch(() => {}); });
document.querySelectorAll('#tabs button').forEach((b) => b.addEventListener('click', () => { tabChosen = true; showTab(b.dataset.tab); }));
$('lang').addEventListener('click', () => {
  toggleLang(); translate();
  if (state.me) { refreshSettlements().catch(() => {}); fillRegisterForm(); showTab(document.body.dataset.tab || 'register'); renderOutbox(); }
});
$('logout').addEventListener('click', logout);
window.addEventListener('online', online);
window.addEventListener('offline', online);
window.addEventListener('evac-reach', online);
window.addEventListener('resize', refreshMapSize);
online();
translate();
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('service worker', e));
warmCache();
if (hasSession()) start().catch((e) => { if (!e.offline) logout(); else $('login-error').textContent = t('no_connection'); });
