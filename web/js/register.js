// The registration panel: the settlement (type-ahead), the head of household, the number
// of people and how many of them cannot walk, need oxygen, a bed or an escort, children
// and pets; the other needs as labelled boxes. The registration goes through the outbox:
// with no connection it is kept on the device and sent later; the server's duplicate
// warnings are shown with a button to open the household named.
import { clientId } from './api.js';
import { $, state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { errorText, needLabel, t } from './i18n.js';
import { discard, items, retry, submit, flush } from './outbox.js';
import { chosenSettlement, fillPicker, initPicker } from './picker.js';

// Counts per person; `people` is the household's size (the old API's `members`).
export const COUNTS = ['people', 'cannot_walk', 'needs_oxygen', 'needs_bed', 'needs_escort', 'children', 'pets'];
// The household-level need each count implies, for a server that knows only needs.
const IMPLIES = { cannot_walk: 'wheelchair', needs_bed: 'stretcher', needs_oxygen: 'medical', children: 'children', pets: 'pets' };

const schemaProps = () => (state.schema && state.schema.components.schemas.NewHousehold.properties) || {};

export function fillRegisterForm() {
  // Drawn again when the language changes: what was typed stays.
  const typed = COUNTS.map((k) => $(`reg-${k}`) && $(`reg-${k}`).value);
  const ticked = new Set([...$('reg-needs').querySelectorAll('input:checked')].map((i) => i.value));
  setHTML($('reg-counts'), join(COUNTS.map((k) => html`<div class="count"><span id="lbl-${k}">${t(`c_${k}`)}</span>
    <button type="button" data-step="-1" data-for="${k}" aria-label="${t(`c_${k}`)}: ${t('less')}">−</button>
    <input id="reg-${k}" name="${k}" type="number" inputmode="numeric" min="${k === 'people' ? 1 : 0}" max="50" value="${k === 'people' ? 1 : 0}" aria-labelledby="lbl-${k}">
    <button type="button" data-step="1" data-for="${k}" aria-label="${t(`c_${k}`)}: ${t('more')}">+</button></div>`)));
  const implied = new Set(Object.values(IMPLIES));
  setHTML($('reg-needs'), join(state.needs.filter((n) => !implied.has(n))
    .map((n) => html`<label><input type="checkbox" value="${n}"><span>${needLabel(n)}</span></label>`)));
  COUNTS.forEach((k, i) => { if (typed[i]) $(`reg-${k}`).value = typed[i]; });
  $('reg-needs').querySelectorAll('input').forEach((i) => { i.checked = ticked.has(i.value); });
  fillPicker();
}

function resetForm() {
  $('reg-name').value = '';
  $('reg-phone').value = '';
  COUNTS.forEach((k) => { $(`reg-${k}`).value = k === 'people' ? 1 : 0; });
  $('reg-needs').querySelectorAll('input:checked').forEach((i) => { i.checked = false; });
}

function body() {
  const props = schemaProps();
  const counts = Object.fromEntries(COUNTS.map((k) => [k, Number($(`reg-${k}`).value) || 0]));
  const needs = [...$('reg-needs').querySelectorAll('input:checked')].map((i) => i.value);
  Object.entries(IMPLIES).forEach(([k, need]) => { if (counts[k] > 0 && state.needs.includes(need) && !needs.includes(need)) needs.push(need); });
  const b = { settlement_id: $('reg-settlement-id').value, head_name: $('reg-name').value.trim(), needs, phone: $('reg-phone').value.trim() || null };
  if (!('people' in props) || 'members' in props) b.members = counts.people;
  // The counts go as the server's document names them; a server without them gets the
  // implied needs above, and the counts are kept in the outbox item for the record.
  COUNTS.forEach((k) => { if (k in props) b[k] = counts[k]; });
  return b;
}

// What the result line says about a saved registration.
function savedLine(r) {
  const duplicates = (r.possible_duplicates || []).length
    ? html`<br><span class="warn">${t('duplicate')}: ${join(r.possible_duplicates.map((d) => html`${d.head_name} (№ ${d.id}) <button type="button" data-open="${d.id}">${t('open')}</button>`), '; ')}</span>`
    : '';
  return html`<span class="ok">${r.replayed ? t('already_saved') : t('saved')} ${r.id}</span>${duplicates}`;
}

// The outbox on this device, above the form (folds away) and as a count in the header. A
// refused item offers to try again, or, for a step on a household that changed since, to
// open that household.
export async function renderOutbox() {
  const all = await items();
  const badge = $('outbox-badge');
  badge.hidden = all.length === 0;
  badge.textContent = `${t('outbox_badge')}${all.length}`;
  $('outbox-section').hidden = all.length === 0;
  $('outbox-count').textContent = String(all.length);
  if (all.some((i) => i.state === 'failed')) $('outbox-section').open = true;
  setHTML($('outbox-list'), join(all.map((i) => html`<li class="${i.state}" data-client-id="${i.client_id}">
    <span class="what">${i.kind === 'register' ? t('registration') : t(i.label_key || 'event_of')} — ${i.name || ''}
      <small>${i.created_at.slice(11, 16)}</small><br>
      ${i.state === 'failed' ? html`<span class="error">${t('failed')}: ${errorText(i.error)}</span>` : html`<span class="pending">${t('waiting')}</span>`}</span>
    ${i.state !== 'failed' ? '' : i.household && [409, 412].includes(i.error && i.error.status)
    ? html`<button type="button" data-open="${i.household}">${t('open')}</button>`
    : html`<button type="button" data-retry>${t('retry')}</button>`}
    <button type="button" class="danger" data-discard>${t('discard')}</button></li>`)));
}

// onRegistered(settlementId) runs after a household is saved; onOpen(id) opens one.
export function initRegister(onRegistered, onOpen) {
  initPicker();
  $('reg-counts').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-step]');
    if (!b) return;
    const input = $(`reg-${b.dataset.for}`);
    input.value = Math.max(Number(input.min), Math.min(Number(input.max), (Number(input.value) || 0) + Number(b.dataset.step)));
  });
  $('reg-result').addEventListener('click', (ev) => { const b = ev.target.closest('button[data-open]'); if (b) onOpen(Number(b.dataset.open)); });
  $('outbox-list').addEventListener('click', async (ev) => {
    const li = ev.target.closest('li[data-client-id]');
    if (!li) return;
    if (ev.target.closest('[data-retry]')) await retry(li.dataset.clientId);
    // A step refused because the household changed is not sent again as it was: the
    // registrar opens the household as it is now and decides.
    const open = ev.target.closest('[data-open]');
    if (open) onOpen(Number(open.dataset.open));
    if (ev.target.closest('[data-discard]') && window.confirm(t('confirm_discard'))) await discard(li.dataset.clientId);
  });
  $('outbox-send').addEventListener('click', () => flush());
  $('outbox-badge').addEventListener('click', () => document.querySelector('#tabs button[data-tab=register]').click());
  $('register-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const s = chosenSettlement();
    if (!s) { setHTML($('reg-result'), html`<span class="error">${t('choose_settlement_first')}</span>`); $('reg-settlement').focus(); return; }
    const b = body();
    const button = $('reg-submit');
    if (button.disabled) return;
    button.disabled = true;
    try {
      const r = await submit({ client_id: clientId(), kind: 'register', path: '/api/households', body: b, name: b.head_name, settlement: s.id });
      if (r.queued) {
        setHTML($('reg-result'), html`<span class="pending">${t('queued')}: ${b.head_name}</span>`);
        resetForm();
        return;
      }
      setHTML($('reg-result'), savedLine(r.sent));
      resetForm();
      await onRegistered(b.settlement_id);
    } catch (e) {
      setHTML($('reg-result'), html`<span class="error">${errorText(e)}</span>`);
    } finally { button.disabled = false; }
  });
}
