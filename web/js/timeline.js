// People over time on the dashboard (/api/dashboard `timeline`): registered, boarded or
// later, arrived. An inline SVG drawn here (no library), as wide as its box so that its
// text stays 12 px on a phone and on a desktop, and the same figures as a table.
import { html, join, setHTML } from './html.js';
import { currentLang, fmt, t } from './i18n.js';

export const SERIES = [
  { key: 'registered', label: 'tl_registered', colour: '#1565c0', dash: '' },
  { key: 'boarded_or_later', label: 'tl_boarded_or_later', colour: '#ef6c00', dash: '6 4' },
  { key: 'arrived', label: 'tl_arrived', colour: '#2e7d32', dash: '' },
];

// The y axis: a step of 1, 2 or 5 times a power of ten giving at most five steps up to
// `n`, and the top at a whole number of steps.
function axis(n) {
  const want = Math.max(1, n) / 5;
  const p = 10 ** Math.floor(Math.log10(want));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * p).find((m) => m >= want));
  return { step, top: Math.max(step, Math.ceil(n / step) * step) };
}

function timeLabel(at, span) {
  const d = new Date(at);
  const locale = currentLang() === 'uk' ? 'uk-UA' : 'en-GB';
  const hm = { hour: '2-digit', minute: '2-digit' };
  const opts = span > 36 * 3600e3 ? { day: '2-digit', month: '2-digit' } : span > 18 * 3600e3 ? { day: '2-digit', ...hm } : hm;
  return d.toLocaleString(locale, opts);
}

// The chart's markup for `timeline` in a box `width` px wide.
export function timelineSvg(timeline, width) {
  const points = (timeline && timeline.points) || [];
  const W = Math.round(Math.max(280, Math.min(960, width || 360)));
  const H = W < 500 ? 200 : 260;
  const pad = { l: 58, r: 10, t: 16, b: 26 };
  const x0 = new Date(points[0].at).getTime();
  const x1 = Math.max(x0 + 60e3, new Date(points[points.length - 1].at).getTime());
  const { step, top } = axis(Math.max(...points.map((p) => Math.max(p.registered, p.boarded_or_later, p.arrived))));
  const x = (at) => pad.l + ((new Date(at).getTime() - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const y = (n) => pad.t + (1 - n / top) * (H - pad.t - pad.b);
  const ticks = Array.from({ length: top / step + 1 }, (_, i) => i * step);
  const grid = ticks.map((n) => html`<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(n).toFixed(1)}" y2="${y(n).toFixed(1)}" stroke="#e0e0e0"/><text x="${pad.l - 4}" y="${(y(n) + 4).toFixed(1)}" text-anchor="end">${fmt(n)}</text>`);
  const times = W < 500 ? [0, 1] : [0, 0.5, 1];
  const xTicks = times.map((f) => {
    const at = new Date(x0 + f * (x1 - x0)).toISOString();
    const anchor = f === 0 ? 'start' : (f === 1 ? 'end' : 'middle');
    return html`<text x="${x(at).toFixed(1)}" y="${H - 6}" text-anchor="${anchor}">${timeLabel(at, x1 - x0)}</text>`;
  });
  const lines = SERIES.map((s) => {
    const d = points.map((p) => `${x(p.at).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ');
    return html`<polyline data-series="${s.key}" points="${d}" fill="none" stroke="${s.colour}" stroke-width="2.5" stroke-dasharray="${s.dash}" stroke-linejoin="round"/>`;
  });
  const last = points[points.length - 1];
  const summary = SERIES.map((s) => `${t(s.label)}: ${fmt(last[s.key])}`).join(', ');
  return html`<svg class="timeline-svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${t('progress_time')}. ${summary}" font-size="12" fill="#37474f">${grid}${xTicks}<line x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${H - pad.b}" stroke="#90a4ae"/>${lines}</svg>`;
}

// The chart, its key and the figures as a table (newest first) into `box`.
export function renderTimeline(box, timeline) {
  if (!timeline) { setHTML(box, html``); return; }
  const points = timeline.points || [];
  if (points.length < 2) {
    setHTML(box, html`<p class="muted">${t('tl_empty')}</p>`);
    return;
  }
  const key = join(SERIES.map((s) => html`<span class="tl-key"><svg width="22" height="10" aria-hidden="true"><line x1="0" x2="22" y1="5" y2="5" stroke="${s.colour}" stroke-width="3" stroke-dasharray="${s.dash}"/></svg>${t(s.label)}</span>`));
  const when = (at) => new Date(at).toLocaleString(currentLang() === 'uk' ? 'uk-UA' : 'en-GB', { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
  const rows = points.slice(1).reverse().map((p) => html`<tr><td>${when(p.at)}</td>${SERIES.map((s) => html`<td class="n">${fmt(p[s.key])}</td>`)}</tr>`);
  setHTML(box, html`${timelineSvg(timeline, box.clientWidth)}<div class="tl-keys">${key}</div>
    <details class="tl-table"><summary>${t('tl_table')}</summary><div class="scroll-x"><table class="grid"><thead><tr><th>${t('tl_time')}</th>${SERIES.map((s) => html`<th class="n">${t(s.label)}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div></details>`);
}
