// The settlement panel: its counts, and for registrars its households with their steps.
import { api } from './api.js';
import { $, state } from './dom.js';
import { html, setHTML } from './html.js';
import { fmt, t } from './i18n.js';
import { renderHouseholds } from './households.js';

export function renderSettlement(s) {
  if (!s) return;
  $('st-title').textContent = `${s.name_uk || s.name} (${s.name})`;
  const keys = ['population', 'registered', 'checked_in', 'boarded', 'departed', 'arrived', 'refused', 'unreachable', 'remaining'].filter((k) => k in s);
  setHTML($('st-counts'), html`${keys.map((k) => html`<tr><th>${t(k)}</th><td class="n" data-count="${k}">${fmt(s[k])}</td></tr>`)}
    ${s.hromada ? html`<tr><th>${t('hromada')}</th><td class="n">${s.hromada}</td></tr>` : ''}
    <tr><th>${t('zone')}</th><td class="n">${t(s.zone)}, ${s.distance_km.toFixed(1)} ${t('km')}</td></tr>`);
}

// onEvent() runs after an event is recorded, before the panel is shown again.
export async function showSettlement(id, onEvent) {
  const s = await api(`/api/settlements/${encodeURIComponent(id)}`);
  renderSettlement(s);
  if (state.me.role === 'viewer') return;
  const rows = await api(`/api/households?settlement_id=${encodeURIComponent(id)}`);
  // The map's counts are refreshed after every step (households.js onStep): show the list again.
  renderHouseholds($('st-households'), rows, () => showSettlement(id, onEvent));
}
