// The settlement panel: its counts, and for registrars its households with event buttons.
import { api } from './api.js';
import { $, state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { fmt, t } from './i18n.js';

export function renderSettlement(s) {
  if (!s) return;
  $('st-title').textContent = `${s.name_uk || s.name} (${s.name})`;
  setHTML($('st-counts'), html`${['population', 'registered', 'departed', 'arrived', 'refused', 'remaining']
    .map((k) => html`<tr><th>${t(k)}</th><td class="n" data-count="${k}">${fmt(s[k])}</td></tr>`)}<tr><th>${t('zone')}</th><td class="n">${t(s.zone)}, ${s.distance_km.toFixed(1)} ${t('km')}</td></tr>`);
}

// onEvent() runs after an event is recorded, before the panel is shown again.
export async function showSettlement(id, onEvent) {
  const s = await api(`/api/settlements/${encodeURIComponent(id)}`);
  renderSettlement(s);
  if (state.me.role === 'viewer') return;
  const rows = await api(`/api/households?settlement_id=${encodeURIComponent(id)}`);
  const centreOptions = join(state.centres.map((c) => html`<option value="${c.id}">${c.name}</option>`));
  setHTML($('st-households'), join(rows.map((h) => html`<div class="household" data-household="${h.id}" data-version="${h.version}">
      <b>${h.head_name}</b> ×${h.members} <span>${t(h.status)}</span>
      <button data-ev="departed">${t('depart')}</button>
      <select class="centre">${centreOptions}</select>
      <button data-ev="arrived">${t('arrive')}</button>
      <button data-ev="refused">${t('refuse')}</button> <span class="error" role="alert"></span></div>`)));
  $('st-households').querySelectorAll('button[data-ev]').forEach((b) => b.addEventListener('click', async () => {
    const row = b.closest('.household');
    const body = { kind: b.dataset.ev };
    if (b.dataset.ev === 'arrived') body.centre_id = row.querySelector('.centre').value;
    // If-Match: the change applies to the household as shown here, or is refused (412)
    // when someone changed it since; an impossible step (409) says why.
    const headers = { 'If-Match': `"v${row.dataset.version}"` };
    row.querySelectorAll('button').forEach((x) => { x.disabled = true; });
    try {
      await api(`/api/households/${row.dataset.household}/events`, { method: 'POST', headers, body: JSON.stringify(body) });
    } catch (e) {
      row.querySelector('.error').textContent = e.message;
      row.querySelectorAll('button').forEach((x) => { x.disabled = false; });
      return;
    }
    await onEvent();
    await showSettlement(id, onEvent);
  }));
}
