// The settlement picker: type-ahead over every spelling a settlement has (Ukrainian,
// Latin, the transliteration of either, alternative names), each match shown with its
// hromada and zone so that four villages called Іванівка can be told apart. The choice is
// kept on the device and stays after a registration is saved.
import { $, state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { t } from './i18n.js';
import { latin, matchScore } from './translit.js';

const LAST = 'evac-last-settlement';
const MAX = 8;

const altNames = (s) => (Array.isArray(s.alt_names) ? s.alt_names : String(s.alt_names || '').split('|')).filter(Boolean);
const spellings = (s) => [s.name_uk, s.name, s.name_latin, latin(s.name_uk), ...altNames(s)];

// "Куп'янськ" and, below it, "Kupiansk · Kupianska hromada · mandatory, 2.1 km".
export function settlementLabel(s) {
  const place = [s.name !== s.name_uk ? s.name : null, s.hromada ? `${s.hromada} ${t('hromada')}` : null,
    `${t(s.zone)}${typeof s.distance_km === 'number' ? `, ${s.distance_km.toFixed(1)} ${t('km')}` : ''}`].filter(Boolean);
  return html`${s.name_uk || s.name}<small>${place.join(' · ')}</small>`;
}

export function chosenSettlement() {
  const id = $('reg-settlement-id').value;
  return state.settlements.find((s) => s.id === id) || null;
}

function choose(s, keep = true) {
  $('reg-settlement-id').value = s ? s.id : '';
  $('reg-settlement').value = s ? (s.name_uk || s.name) : '';
  setHTML($('reg-settlement-chosen'), s ? settlementLabel(s) : html``);
  close();
  if (s && keep) localStorage.setItem(LAST, s.id);
  $('reg-settlement').dispatchEvent(new CustomEvent('settlement-chosen', { detail: s }));
}

export const chooseSettlement = (id) => choose(state.settlements.find((s) => s.id === id) || null);

function close() { $('reg-settlement-list').hidden = true; $('reg-settlement').setAttribute('aria-expanded', 'false'); }

// The best matches: better match first, then in the zone before outside, then by name.
export function findSettlements(query, max = MAX) {
  const zoneRank = { mandatory: 0, advisory: 1, outside: 2, beyond_line: 3 };
  return state.settlements
    .map((s) => ({ s, score: matchScore(query, spellings(s)) }))
    .filter((m) => m.score > 0)
    .sort((a, b) => b.score - a.score || (zoneRank[a.s.zone] ?? 3) - (zoneRank[b.s.zone] ?? 3)
      || (a.s.name_uk || a.s.name).localeCompare(b.s.name_uk || b.s.name, 'uk'))
    .slice(0, max)
    .map((m) => m.s);
}

function show() {
  const q = $('reg-settlement').value;
  const list = $('reg-settlement-list');
  if (!q.trim()) { close(); return; }
  const found = findSettlements(q);
  setHTML(list, found.length
    ? join(found.map((s) => html`<li><button type="button" role="option" data-id="${s.id}">${settlementLabel(s)}</button></li>`))
    : html`<li class="pending">${t('no_match')}</li>`);
  list.hidden = false;
  $('reg-settlement').setAttribute('aria-expanded', 'true');
}

// The picker after the settlements are known: the last choice on this device, if any.
export function fillPicker() {
  const last = localStorage.getItem(LAST);
  const s = state.settlements.find((x) => x.id === ($('reg-settlement-id').value || last));
  if (s) choose(s, false);
}

export function initPicker() {
  const input = $('reg-settlement');
  input.addEventListener('input', () => { $('reg-settlement-id').value = ''; $('reg-settlement-chosen').textContent = ''; show(); });
  input.addEventListener('focus', () => { if (!$('reg-settlement-id').value) show(); else input.select(); });
  input.addEventListener('keydown', (ev) => {
    const first = $('reg-settlement-list').querySelector('button[data-id]');
    if (ev.key === 'Enter' && first && !$('reg-settlement-list').hidden) { ev.preventDefault(); first.click(); }
    if (ev.key === 'ArrowDown' && first) { ev.preventDefault(); first.focus(); }
    if (ev.key === 'Escape') close();
  });
  $('reg-settlement-list').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-id]');
    if (b) chooseSettlement(b.dataset.id);
  });
}
