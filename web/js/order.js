// The order panel: the draft, issuing it, the issued orders and their printable copies.
import { api } from './api.js';
import { $, state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { currentLang, errorText, fmt, t } from './i18n.js';

export async function renderDraft() {
  const draft = await api('/api/orders/draft');
  const tt = draft.totals;
  $('draft-summary').textContent = `${t('mandatory')}: ${tt.mandatory.settlements} / ${fmt(tt.mandatory.population)}; ${t('advisory')}: ${tt.advisory.settlements} / ${fmt(tt.advisory.population)} (≤ ${draft.mandatory_km} / ${draft.advisory_km} ${t('km')})`;
  setHTML($('draft-rows'), join(draft.settlements.map((e) => html`<tr><td>${e.name_uk || e.name}</td><td>${t(e.zone)}</td><td class="n">${e.distance_km.toFixed(1)}</td><td class="n">${fmt(e.population)}</td></tr>`)));
}

export async function loadOrders() {
  const orders = await api('/api/orders');
  setHTML($('orders'), join(orders.map((o) => html`<li data-order="${o.number}">${t('order_no')} ${o.number} — ${o.issued_at.slice(0, 16).replace('T', ' ')}, ${o.issued_by}: ${o.settlements} / ${fmt(o.population)} <a href="#" data-print="${o.number}">${t('print')}</a></li>`)));
  $('orders').querySelectorAll('a[data-print]').forEach((a) => a.addEventListener('click', async (ev) => {
    ev.preventDefault();
    const printable = await api(`/api/orders/${a.dataset.print}/print`);
    const url = URL.createObjectURL(new Blob([printable], { type: 'text/html' }));
    window.open(url, '_blank');
  }));
}

const zoneName = (z) => t(z);
// A settlement's name in the page's language (a zone change carries only the Latin name:
// the Ukrainian one is the settlement list's).
const entryName = (e) => {
  const uk = e.name_uk || ((state.settlements || []).find((s) => s.id === e.id) || {}).name_uk;
  return currentLang() === 'uk' ? uk || e.name : e.name;
};

// What issuing the draft would change against the order in force (/api/orders/draft/diff).
function previewMarkup(d) {
  const diff = d.diff;
  if (d.identical) return html`<p class="warn" data-preview="identical">${t('od_identical').replace('{n}', d.previous)}</p>`;
  const head = d.previous === null || d.previous === undefined
    ? html`<p data-preview="first">${t('od_first')}: ${fmt(diff.current_settlements)} ${t('settlements')}, ${fmt(diff.population_added)} ${t('people')}</p>`
    : html`<p data-preview="changes">${t('od_vs')} ${d.previous} (${String(d.previous_issued_at || '').slice(0, 16).replace('T', ' ')})</p>`;
  const list = (key, entries, line) => (entries.length ? html`<h4>${t(key)}: ${entries.length}</h4><ul data-list="${key}">${entries.map((e) => html`<li>${line(e)}</li>`)}</ul>` : '');
  const sign = (n) => (n > 0 ? `+${fmt(n)}` : n < 0 ? `−${fmt(-n)}` : '0');
  const people = d.previous === null || d.previous === undefined ? ''
    : html`<p data-preview="people">${t('od_people')}: +${fmt(diff.population_added)} / −${fmt(diff.population_removed)}; ${t('od_change')} ${sign(diff.population_growth)}</p>`;
  const unchanged = d.previous !== null && d.previous !== undefined && !diff.added.length && !diff.removed.length && !diff.zone_changed.length
    ? html`<p>${t('od_unchanged')}</p>` : '';
  return html`<h3>${t('od_title')}</h3>${head}${people}${unchanged}
    ${d.previous === null || d.previous === undefined ? '' : list('od_added', diff.added, (e) => `${entryName(e)} — ${zoneName(e.zone)}, ${fmt(e.population)} ${t('people')}`)}
    ${list('od_removed', diff.removed, (e) => `${entryName(e)} — ${zoneName(e.zone)}, ${fmt(e.population)} ${t('people')}`)}
    ${list('od_zone_changed', diff.zone_changed, (e) => `${entryName(e)}: ${zoneName(e.from)} → ${zoneName(e.to)}, ${fmt(e.population)} ${t('people')}`)}`;
}

async function issue(button) {
  // One key per confirmation: a retried request returns the order this click issued, and
  // the button is off while the request is out, so a double click issues one order.
  const key = (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`;
  button.disabled = true;
  try {
    const o = await api('/api/orders', { method: 'POST', headers: { 'Idempotency-Key': key } });
    $('issue-preview').hidden = true;
    setHTML($('issue-result'), html`<span class="ok">${t('issued')}: ${t('order_no')} ${o.number}</span>`);
    await loadOrders();
  } catch (e) { setHTML($('issue-result'), html`<span class="error">${e.status === 409 && !e.code ? t('e_identical_order') : errorText(e)}</span>`); } finally { button.disabled = false; }
}

export function initOrder() {
  // "Issue" first shows what changes against the order in force; "confirm" issues it.
  $('issue-order').addEventListener('click', async () => {
    const button = $('issue-order');
    if (button.disabled) return;
    button.disabled = true;
    setHTML($('issue-result'), html``);
    try {
      const d = await api('/api/orders/draft/diff');
      const actions = d.identical
        ? html`<button type="button" data-preview-action="cancel">${t('cancel')}</button>`
        : html`<button type="button" class="primary" data-preview-action="confirm">${t('od_confirm')}</button> <button type="button" data-preview-action="cancel">${t('cancel')}</button>`;
      setHTML($('issue-preview'), html`${previewMarkup(d)}<div class="actions">${actions}</div>`);
      $('issue-preview').hidden = false;
      $('issue-preview').scrollIntoView({ block: 'nearest' });
    } catch (e) { setHTML($('issue-result'), html`<span class="error">${errorText(e)}</span>`); } finally { button.disabled = false; }
  });
  $('issue-preview').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-preview-action]');
    if (!b) return;
    if (b.dataset.previewAction === 'cancel') { $('issue-preview').hidden = true; return; }
    if (!b.disabled) issue(b);
  });
}
