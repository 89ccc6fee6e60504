// evac operations UI: plain JavaScript modules, no build step, no network but this server.
import { loadAudit, loadUsers, initUsers } from './admin.js';
import { api, endSession, hasSession, onUnauthorized, startSession } from './api.js';
import { loadCentres } from './centres.js';
import { $, state } from './dom.js';
import { t, toggleLang, translate } from './i18n.js';
import { drawMap, updateMarkers } from './map.js';
import { initOrder, loadOrders, renderDraft } from './order.js';
import { loadPlan } from './plan.js';
import { fillRegisterForm, initRegister } from './register.js';
import { renderSettlement, showSettlement } from './settlement.js';

const TAB_LOADERS = {
  order: loadOrders,
  centres: loadCentres,
  plan: loadPlan,
  audit: loadAudit,
  users: loadUsers,
  settlement: () => state.current && showSettlement(state.current, refreshSettlements),
};

function showTab(name) {
  document.querySelectorAll('.tab').forEach((s) => { s.hidden = s.id !== `tab-${name}`; });
  document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', b.dataset.tab === name));
  (TAB_LOADERS[name] || (() => {}))();
}

function applyRole() {
  const role = state.me.role;
  document.querySelectorAll('.needs-coordinator').forEach((el) => { el.hidden = role !== 'coordinator'; });
  document.querySelectorAll('.needs-registrar').forEach((el) => { el.hidden = role === 'viewer'; });
  $('whoami').textContent = `${state.me.username} (${role})`;
  $('logout').hidden = false;
}

function logout() {
  endSession();
  state.me = null;
  $('app-view').hidden = true; $('login-view').hidden = false; $('logout').hidden = true; $('whoami').textContent = '';
}

// The settlements' counts on the map, the settlement on show, and the draft order.
async function refreshSettlements() {
  state.settlements = await api('/api/settlements');
  updateMarkers(state.settlements, (id) => { state.current = id; showTab('settlement'); });
  if (state.current) renderSettlement(state.settlements.find((s) => s.id === state.current));
  await renderDraft();
}

// The needs a registration may name, as the API documents them (one list, in the server).
async function loadNeeds() {
  const doc = await api('/api/openapi.json');
  return doc.components.schemas.NewHousehold.properties.needs.items.enum;
}

async function start() {
  state.me = await api('/api/me');
  $('login-view').hidden = true; $('app-view').hidden = false;
  applyRole();
  const sc = await api('/api/scenario');
  $('scenario-name').textContent = sc.name;
  if (sc.illustrative) { $('illustrative').hidden = false; $('illustrative').textContent = sc.illustrative; $('illustrative').title = sc.illustrative; }
  await drawMap();
  await refreshSettlements();
  state.needs = await loadNeeds();
  fillRegisterForm();
  showTab('order');
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('login-error').textContent = '';
  try {
    const r = await api('/api/session', { method: 'POST', body: JSON.stringify({ username: $('login-user').value, password: $('login-pass').value }) });
    startSession(r.token);
    await start();
  } catch (e) { $('login-error').textContent = t('wrong_login'); }
});

initRegister(async (settlementId) => { state.current = settlementId; await refreshSettlements(); });
initOrder();
initUsers();
onUnauthorized(logout);
document.querySelectorAll('#tabs button').forEach((b) => b.addEventListener('click', () => showTab(b.dataset.tab)));
$('lang').addEventListener('click', () => { toggleLang(); translate(); if (state.me) refreshSettlements(); });
$('logout').addEventListener('click', logout);
translate();
if (hasSession()) start().catch(() => logout());
