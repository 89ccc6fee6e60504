// The search panel: households by name, phone or document, in the chosen settlement or
// everywhere (the server's search: the best few candidates). A server without the search
// call is answered from the settlement's list, filtered here, and says so.
import { api } from './api.js';
import { $ } from './dom.js';
import { html, setHTML } from './html.js';
import { errorText, fmt, t } from './i18n.js';
import { renderHouseholds } from './households.js';
import { chosenSettlement } from './picker.js';
import { coarse } from './translit.js';

let last = null;

function hereLabel() {
  const s = chosenSettlement();
  $('search-here-label').textContent = s ? `${t('search_here')}: ${s.name_uk || s.name}` : t('search_here');
  $('search-here').disabled = !s;
}

async function find(q, settlement) {
  const params = new URLSearchParams({ q });
  if (settlement) params.set('settlement', settlement);
  try {
    return await api(`/api/households/search?${params}`);
  } catch (e) {
    // Not there yet: /api/households/{id} refuses "search" as an id (400) or 404/405.
    // (A server that has the call answers its own errors with a code: those are shown.)
    if (e.code || ![400, 404, 405].includes(e.status)) throw e;
    if (!settlement) return { results: [], total_candidates: 0, fallback: true };
    const rows = await api(`/api/households?settlement_id=${encodeURIComponent(settlement)}`);
    const key = coarse(q);
    const digits = q.replace(/\D/g, '');
    const results = rows.filter((h) => coarse(h.head_name).includes(key) || (digits.length >= 3 && (h.phone || '').replace(/\D/g, '').includes(digits)));
    return { results: results.slice(0, 5), total_candidates: results.length, fallback: true };
  }
}

export async function runSearch() {
  const q = $('search-q').value.trim();
  if (!q) return;
  const s = chosenSettlement();
  const settlement = $('search-here').checked && s ? s.id : null;
  last = { q, settlement };
  setHTML($('search-info'), html``);
  try {
    const r = await find(q, settlement);
    const note = r.fallback ? html`<br><span class="warn">${t('search_unavailable')}</span>` : '';
    setHTML($('search-info'), html`${t('found')}: ${r.results.length} (${fmt(r.total_candidates)} ${t('of_candidates')})${note}`);
    renderHouseholds($('search-results'), r.results, runSearch);
  } catch (e) {
    setHTML($('search-info'), html`<span class="error">${errorText(e)}</span>`);
  }
}

// One household, as opened from a duplicate warning.
export async function openHousehold(id) {
  try {
    const h = await api(`/api/households/${id}`);
    setHTML($('search-info'), html`№ ${h.id}`);
    renderHouseholds($('search-results'), [h], () => openHousehold(id));
  } catch (e) { setHTML($('search-info'), html`<span class="error">${errorText(e)}</span>`); }
}

export function initSearch() {
  $('search-form').addEventListener('submit', (ev) => { ev.preventDefault(); runSearch(); });
  $('reg-settlement').addEventListener('settlement-chosen', hereLabel);
}

export function showSearch() {
  hereLabel();
  if (last) runSearch();
}
