// The registration panel: a household with its needs, and the server's duplicate warnings.
import { api } from './api.js';
import { $, state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { t } from './i18n.js';

// Settlements in the zone first, then the rest, each by name; the needs the API knows.
export function fillRegisterForm() {
  const byName = (a, b) => a.name.localeCompare(b.name);
  const ordered = state.settlements.filter((s) => s.zone !== 'outside').sort(byName);
  const rest = state.settlements.filter((s) => s.zone === 'outside').sort(byName);
  setHTML($('reg-settlement'), join(ordered.concat(rest).map((s) => html`<option value="${s.id}">${s.name_uk || s.name} — ${s.name}</option>`)));
  setHTML($('reg-needs'), join(state.needs.map((n) => html`<label><input type="checkbox" value="${n}">${n}</label>`)));
}

// onRegistered(settlementId) runs after a household is saved.
export function initRegister(onRegistered) {
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
      const duplicates = r.possible_duplicates.length
        ? html`<br><span class="warn">${t('duplicate')}: ${join(r.possible_duplicates.map((d) => html`${d.head_name} (#${d.id}, ${d.reason})`), '; ')}</span>`
        : '';
      setHTML($('reg-result'), html`<span class="ok">${t('saved')} ${r.id}</span>${duplicates}`);
      $('register-form').reset();
      await onRegistered(body.settlement_id);
    } catch (e) {
      const fields = (e.body && e.body.fields) || {};
      setHTML($('reg-result'), html`<span class="error">${e.message} ${join(Object.entries(fields).map(([k, v]) => html`${k}: ${v}`), '; ')}</span>`);
    }
  });
}
