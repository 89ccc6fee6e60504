// The plan panel: clearance times, bound, baseline, bottlenecks, and the chart.
import { api } from './api.js';
import { $ } from './dom.js';
import { html, raw, setHTML } from './html.js';
import { t } from './i18n.js';

// h:mm of a number of steps of stepS seconds.
const hm = (steps, stepS) => { const m = Math.round(steps * stepS / 60); return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`; };

export async function loadPlan() {
  const p = await api('/api/plan');
  if (!p.car) { $('plan-summary').textContent = t('no_plan'); return; }
  const c = p.car;
  const transit = p.transit ? html`<p>${t('transit_done')}: ${hm(p.transit.completion_s, 1)}</p>` : '';
  // Places a front line cut off: left out of the plans, listed so nobody is forgotten.
  const cutOff = (list, key, label) => (list && list.length)
    ? html`<p class="warn" role="alert"><strong>${t(label)}: ${list.reduce((n, c) => n + c[key], 0)}</strong> — ${list.map((c) => c.name).join(', ')}; ${t('cut_off_hint')}</p>`
    : '';
  const cut = html`${cutOff(c.cut_off_by_line, 'vehicles', 'cut_off_cars')}${cutOff(p.transit && p.transit.cut_off_by_line, 'people', 'cut_off_people')}`;
  setHTML($('plan-summary'), html`${cut}<table class="grid"><tr><th>${t('clearance')}</th><td class="n">${hm(c.clearance_steps, c.step_s)}</td></tr>
    <tr><th>90%</th><td class="n">${hm(c.clearance_90_steps, c.step_s)}</td></tr>
    <tr><th>${t('optimum')} / bound</th><td class="n">${hm(c.lower_bound_steps, c.step_s)} (${c.bound_kind}, gap ${(100 * c.gap).toFixed(1)}%)</td></tr>
    <tr><th>${t('baseline')}</th><td class="n">${c.baseline_clearance_steps ? hm(c.baseline_clearance_steps, c.step_s) : '-'}</td></tr></table>
    <h3>${t('bottlenecks')}</h3><ol>${(c.bottlenecks || []).map((b) => html`<li>${b.label} (${b.saturated_steps})</li>`)}</ol>${transit}`);
  // The chart is SVG this server rendered from the plan (evac-report), not user input.
  try { setHTML($('plan-chart'), raw(await api('/api/plan/chart.svg'))); } catch (e) { $('plan-chart').textContent = ''; }
}
