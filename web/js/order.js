// The order panel: the draft, issuing it, the issued orders and their printable copies.
import { api } from './api.js';
import { $ } from './dom.js';
import { html, join, setHTML } from './html.js';
import { errorText, fmt, t } from './i18n.js';

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

export function initOrder() {
  $('issue-order').addEventListener('click', async () => {
    // One key per click: a retried request returns the order this click issued, and the
    // button is off while the request is out, so a double click issues one order.
    const button = $('issue-order');
    if (button.disabled) return;
    button.disabled = true;
    const key = (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`;
    try {
      const o = await api('/api/orders', { method: 'POST', headers: { 'Idempotency-Key': key } });
      setHTML($('issue-result'), html`<span class="ok">${t('issued')}: ${t('order_no')} ${o.number}</span>`);
      await loadOrders();
    } catch (e) { setHTML($('issue-result'), html`<span class="error">${e.status === 409 && !e.code ? t('e_identical_order') : errorText(e)}</span>`); } finally { button.disabled = false; }
  });
}
