// A household as a card with its status and the steps a registrar can record: check in at
// the pickup point, board (vehicle, trip), arrived (centre), refused (reason), cannot be
// reached, undo. The steps offered are the ones the server's API document lists. A step
// that ends the household's evacuation or takes one back asks to be confirmed first. Each
// step goes through the outbox, so a tap without a connection waits on the device.
import { clientId } from './api.js';
import { state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { errorText, needLabel, t } from './i18n.js';
import { submit } from './outbox.js';

// The order the buttons come in, and what each needs before it is sent.
const STEPS = ['checked_in', 'boarded', 'departed', 'arrived', 'refused', 'unreachable', 'returned', 'undo'];
const FORM = { boarded: ['vehicle', 'trip'], arrived: ['centre_id'], refused: ['reason'], unreachable: [], undo: [] };
const DESTRUCTIVE = new Set(['refused', 'unreachable', 'undo']);

export const eventKinds = () => STEPS.filter((k) => state.eventKinds.includes(k));

// Runs after any step the server took, wherever the card was (the map's counts).
let afterStep = async () => {};
export function onStep(f) { afterStep = f; }

const COUNTS = ['cannot_walk', 'needs_oxygen', 'needs_bed', 'needs_escort', 'children', 'pets'];

function details(h) {
  const people = h.people ?? h.members;
  const counts = COUNTS.filter((k) => h[k] > 0).map((k) => `${t(`c_${k}`)}: ${h[k]}`);
  const needs = (h.needs || []).map(needLabel);
  return [`${people} ${t('people_short')}`, ...counts, ...needs].join(' · ');
}

function stepForm(kind) {
  const fields = FORM[kind] || [];
  const centreOptions = join(state.centres.map((c) => html`<option value="${c.id}">${c.name}</option>`));
  const inputs = fields.map((f) => (f === 'centre_id'
    ? html`<label><span>${t('centre')}</span><select name="centre_id">${centreOptions}</select></label>`
    : html`<label><span>${t(f)}</span><input name="${f}" maxlength="100" autocomplete="off"></label>`));
  const question = DESTRUCTIVE.has(kind) ? html`<p class="warn">${t(`confirm_${kind}`)}</p>` : '';
  return html`<div class="more" data-for="${kind}">${question}${inputs}
    <button type="button" class="${DESTRUCTIVE.has(kind) ? 'danger confirm' : 'primary'}" data-confirm="${kind}">${t('confirm')}: ${t(`ev_${kind}`)}</button>
    <button type="button" data-cancel>${t('cancel')}</button></div>`;
}

export function householdCard(h) {
  const steps = eventKinds();
  return html`<div class="household" data-household="${h.id}" data-version="${h.version}">
    <div class="who"><b>${h.head_name}</b> <span class="status" data-status="${h.status}">${t(h.status)}</span> <span>${details(h)}</span>${h.phone ? html` <span>☎ ${h.phone}</span>` : ''}</div>
    <div class="acts">${steps.map((k) => html`<button type="button" data-ev="${k}" class="${DESTRUCTIVE.has(k) ? 'danger' : ''}">${t(`ev_${k}`)}</button>`)}</div>
    <div class="step"></div>
    <p class="error" role="alert"></p></div>`;
}

// Cards for households in `container`; onChanged() runs after a step the server took.
export function renderHouseholds(container, rows, onChanged) {
  setHTML(container, join(rows.map(householdCard)));
  container.querySelectorAll('.household').forEach((card) => wire(card, onChanged));
}

function wire(card, onChanged) {
  const step = card.querySelector('.step');
  const error = card.querySelector('.error');
  card.querySelectorAll('button[data-ev]').forEach((b) => b.addEventListener('click', () => {
    const kind = b.dataset.ev;
    error.textContent = '';
    if (FORM[kind]) { setHTML(step, stepForm(kind)); return; }
    record(card, kind, {}, onChanged);
  }));
  step.addEventListener('click', (ev) => {
    if (ev.target.closest('[data-cancel]')) { step.textContent = ''; return; }
    const confirm = ev.target.closest('[data-confirm]');
    if (!confirm) return;
    const extra = {};
    step.querySelectorAll('input, select').forEach((i) => { if (i.value.trim()) extra[i.name] = i.value.trim(); });
    record(card, confirm.dataset.confirm, extra, onChanged);
  });
}

async function record(card, kind, extra, onChanged) {
  const error = card.querySelector('.error');
  const buttons = card.querySelectorAll('button');
  buttons.forEach((x) => { x.disabled = true; });
  const name = card.querySelector('.who b').textContent;
  // If-Match: the step applies to the household as shown here, or is refused (412) when
  // someone changed it since; an impossible step (409) says why.
  const item = {
    client_id: clientId(),
    kind: 'event',
    path: `/api/households/${card.dataset.household}/events`,
    headers: { 'If-Match': `"v${card.dataset.version}"` },
    body: Object.assign({ kind }, extra),
    label: `${t(`ev_${kind}`)} — ${name}`,
    label_key: `ev_${kind}`,
    name,
    household: Number(card.dataset.household),
  };
  try {
    const r = await submit(item);
    if (r.queued) {
      card.querySelector('.step').textContent = '';
      setHTML(error, html`<span class="pending">${t(`ev_${kind}`)}: ${t('waiting')}</span>`);
      return;
    }
    await afterStep();
    await onChanged();
  } catch (e) {
    error.textContent = errorText(e);
    buttons.forEach((x) => { x.disabled = false; });
  }
}
