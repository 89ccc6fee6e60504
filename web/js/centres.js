// The centres panel: occupancy bars (red from 90 % full).
import { api } from './api.js';
import { $, state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { fmt, t } from './i18n.js';

export async function loadCentres() {
  state.centres = await api('/api/centres');
  setHTML($('centre-list'), join(state.centres.map((c) => {
    const share = c.capacity ? Math.min(100, 100 * c.occupancy / c.capacity) : 100;
    return html`<div><b>${c.name}</b> ${fmt(c.occupancy)} / ${fmt(c.capacity)} (${t('free')} ${fmt(c.free)})<div class="bar ${share >= 90 ? 'full' : ''}"><div style="width:${share}%"></div></div></div>`;
  })));
}
