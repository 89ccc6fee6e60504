// Pickup lists on the phone: choose a pickup point, then one of the transit plan's trips
// from it; the trip's list shows each household with its code and status. "Boarded" on a
// household boards it on this trip; the code field takes a code typed by hand or by a
// hardware scanner (which types it and presses Enter) and boards that household.
// "Arrived" records the arrival at the trip's centre, whose arrival count (people, from
// the database) is shown (a trip to a train: on the household's own screen). Every step goes through the outbox like the other steps.
import { api, clientId } from './api.js';
import { $, state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { currentLang, errorText, fmt, t } from './i18n.js';
import { submit } from './outbox.js';

// Seconds after the order as h:mm.
const hm = (s) => { const m = Math.round(s / 60); return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`; };

// A settlement's name in the user's language (the plan names it in Latin).
function placeName(id, fallback) {
  const s = (state.settlements || []).find((x) => x.id === id);
  return (s && currentLang() === 'uk' && s.name_uk) || (s && s.name) || fallback;
}

// Where a trip takes its people: the plan's name for it, else the centre's.
function dropoffName(tr) {
  const c = (state.centres || []).find((x) => x.id === tr.dropoff);
  return tr.dropoff_name || (c && c.name) || tr.dropoff;
}

let points = null;
let trip = null;

export async function showTrips() {
  let list;
  try {
    list = await api('/api/trips');
  } catch (e) {
    // No transit plan on the server: say what to do instead of "not found".
    if (e.status !== 404) throw e;
    setHTML($('trip-point'), html`<option value="">${t('choose_point')}</option>`);
    $('trip-list').textContent = t('no_transit_plan');
    return;
  }
  points = list.pickup_points;
  const options = points
    .map((p) => ({ p, name: placeName(p.settlement, p.name) }))
    .sort((a, b) => a.name.localeCompare(b.name, currentLang()));
  const chosen = $('trip-point').value || (points.some((p) => p.settlement === state.current) ? state.current : '');
  setHTML($('trip-point'), html`<option value="">${t('choose_point')}</option>${join(options.map(({ p, name }) => html`<option value="${p.settlement}">${name} (${t('trips_n')}: ${p.trips})</option>`))}`);
  $('trip-point').value = chosen;
  if (chosen) await showPoint(chosen);
  if (trip) await showTrip(trip);
}

async function showPoint(settlement) {
  if (!settlement) { $('trip-list').textContent = ''; return; }
  const list = await api(`/api/trips?settlement=${encodeURIComponent(settlement)}`);
  setHTML($('trip-list'), join(list.trips.map((tr) => {
    const stop = tr.stops.find((s) => s.settlement === settlement);
    return html`<li><button type="button" data-trip="${tr.id}" class="${tr.id === trip ? 'active' : ''}">
      <b>${hm(stop.at_s)}</b> ${tr.id} · ${stop.people} ${t('seats')}${stop.immobile ? html` (♿ ${stop.immobile})` : ''} → ${dropoffName(tr)}</button></li>`;
  })));
}

function statusText(h) { return t(h.status === 'registered' ? 'registered_status' : h.status === 'returned' ? 'returned_status' : h.status); }

function row(h, list) {
  const onThis = h.trip === list.trip.id;
  const canBoard = ['registered', 'checked_in', 'returned'].includes(h.status);
  // Arrival at the trip's own centre; a train's passengers arrive where their household's
  // screen records it.
  const canArrive = ['boarded', 'departed'].includes(h.status) && onThis && list.dropoff.centre;
  const walk = h.cannot_walk > 0 ? html` · ♿ ${h.cannot_walk}` : '';
  return html`<li class="rider" data-household="${h.id}" data-version="${h.version}" data-name="${h.head_name}">
    <span class="code">${h.code}</span>
    <span class="who"><b>${h.head_name}</b> <span>${h.people} ${t('people_short')}${walk}</span>${h.phone ? html` <span>☎ ${h.phone}</span>` : ''}
      <span class="status" data-status="${h.status}">${statusText(h)}</span></span>
    ${canBoard ? html`<button type="button" class="primary" data-board="${h.code}">${t('ev_boarded')}</button>` : ''}
    ${canArrive ? html`<button type="button" data-arrive="${h.id}">${t('ev_arrived')}</button>` : ''}</li>`;
}

async function showTrip(id) {
  trip = id;
  const list = await api(`/api/trips/${encodeURIComponent(id)}`);
  const tr = list.trip;
  const d = list.dropoff;
  const arrivals = d.centre
    ? html`<p class="arrivals">${t('centre_arrivals')} ${d.name}: <b>${fmt(d.arrived_people)}</b> ${t('people_short')}${d.capacity ? html` / ${fmt(d.capacity)}` : ''}</p>`
    : html`<p>${t('to_train')}: ${d.name || d.id}</p>`;
  const stops = list.stops.map((s) => html`<h3>${placeName(s.settlement, s.name)}${s.point ? html` — ${s.point}` : ''} · ${hm(s.at_s)}</h3>
    <p>${s.seats} ${t('seats')}, ${s.seated_people} ${t('people_listed')}${s.unseated ? html` · <span class="warn">${s.unseated} ${t('unseated')}</span>` : ''}</p>
    <ul class="riders">${s.households.length ? join(s.households.map((h) => row(h, list))) : html`<li>${t('nobody_listed')}</li>`}</ul>`);
  setHTML($('trip-detail'), html`<h3>${t('trip')} ${tr.id} · ${tr.vehicle} (${tr.kind}, ${tr.seats} ${t('seats')})</h3>
    <p>${t('boarded_n')}: <b>${fmt(list.boarded_people)}</b> · ${t('arrived_n')}: <b>${fmt(list.arrived_people)}</b></p>
    ${arrivals}
    <form id="board-form" autocomplete="off"><label><span>${t('board_code')}</span>
      <input id="board-code" name="code" inputmode="numeric" enterkeyhint="go" autocomplete="off" required></label>
      <button type="submit">${t('ev_boarded')}</button></form>
    <p id="board-result" role="status"></p>
    <button type="button" id="trip-print">${t('print_list')}</button>
    ${join(stops)}`);
  $('trip-list').querySelectorAll('button[data-trip]').forEach((b) => b.classList.toggle('active', b.dataset.trip === id));
  wire(list);
}

// Send one step through the outbox; afterwards show the list again.
async function send(item) {
  // The list is drawn again after a step the server took: the answer goes in the new one.
  const say = (className, text) => { const p = $('board-result'); p.className = className; p.textContent = text; };
  try {
    const r = await submit(Object.assign({ client_id: clientId() }, item));
    if (!r.queued) await showTrip(trip);
    say(r.queued ? 'pending' : 'ok', `${item.label}${r.queued ? `: ${t('waiting')}` : ''}`);
  } catch (e) {
    say('error', `${item.label}: ${errorText(e)}`);
  }
}

function wire(list) {
  const tr = list.trip;
  const board = (code, version, name) => send({
    kind: 'event',
    path: `/api/trips/${encodeURIComponent(tr.id)}/board`,
    headers: version ? { 'If-Match': `"v${version}"` } : {},
    body: { code },
    label: `${t('ev_boarded')} — ${name || `${t('code')} ${code}`} (${tr.id})`,
    label_key: 'ev_boarded',
    name: name || code,
    // A refused step (changed since, 412/409) offers to open the household in the outbox.
    household: Number(code.trim().replace(/^#/, '').replace(/^[HhНн]/, '')) || undefined,
  });
  $('board-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('board-code');
    const code = input.value.trim();
    if (!code) return;
    const known = list.stops.flatMap((s) => s.households).find((h) => h.code === code.replace(/^[#HhНн]/, ''));
    // Ready for the next scan: an empty field after a boarding (the list is drawn again),
    // the refused code selected, so that the next scan replaces it.
    board(code, null, known && known.head_name).then(() => { const i = $('board-code'); i.focus(); i.select(); });
  });
  $('trip-detail').querySelectorAll('li.rider').forEach((li) => {
    const b = li.querySelector('button[data-board]');
    if (b) b.addEventListener('click', () => { b.disabled = true; board(b.dataset.board, li.dataset.version, li.dataset.name); });
    const a = li.querySelector('button[data-arrive]');
    const centre = list.dropoff.id;
    if (a) {
      a.addEventListener('click', () => {
        a.disabled = true;
        send({
          kind: 'event',
          path: `/api/households/${li.dataset.household}/events`,
          headers: { 'If-Match': `"v${li.dataset.version}"` },
          body: { kind: 'arrived', centre_id: centre },
          label: `${t('ev_arrived')} — ${li.dataset.name}`,
          label_key: 'ev_arrived',
          name: li.dataset.name,
          household: Number(li.dataset.household),
        });
      });
    }
  });
  $('trip-print').addEventListener('click', async () => {
    const printable = await api(`/api/trips/${encodeURIComponent(tr.id)}/print`);
    const url = URL.createObjectURL(new Blob([printable], { type: 'text/html' }));
    window.open(url, '_blank');
  });
}

export function initTrips() {
  $('trip-point').addEventListener('change', () => {
    trip = null;
    $('trip-detail').textContent = '';
    showPoint($('trip-point').value).catch((e) => { $('trip-list').textContent = errorText(e); });
  });
  $('trip-list').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-trip]');
    if (b) showTrip(b.dataset.trip).catch((e) => { $('trip-detail').textContent = errorText(e); });
  });
}
