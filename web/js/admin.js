// The coordinators' panels: the audit log and the users.
import { api } from './api.js';
import { $, state } from './dom.js';
import { html, join, setHTML } from './html.js';
import { errorText, t } from './i18n.js';

export async function loadAudit() {
  const rows = await api('/api/audit?limit=200');
  setHTML($('audit-rows'), join(rows.map((a) => html`<tr><td>${a.at.slice(0, 19).replace('T', ' ')}</td><td>${a.username}</td><td>${a.action}</td><td>${a.target}</td><td>${a.ip}</td></tr>`)));
}

// Each account with what a coordinator may do to it; a reset password is shown once.
export async function loadUsers() {
  const rows = await api('/api/users');
  const me = state.me && state.me.username;
  setHTML($('user-list'), join(rows.map((u) => html`<li data-user="${u.username}">${u.username} — ${u.role}${u.disabled ? html` <b>(${t('disabled')})</b>` : ''}
    ${u.username === me ? '' : html`<button data-act="${u.disabled ? 'enable' : 'disable'}">${t(u.disabled ? 'enable' : 'disable')}</button>
    <button data-act="password">${t('reset_password')}</button>
    <button data-act="sessions">${t('end_sessions')}</button>
    <button data-act="delete">${t('delete')}</button>`}</li>`)));
  $('user-list').querySelectorAll('button[data-act]').forEach((b) => b.addEventListener('click', async () => {
    const name = encodeURIComponent(b.closest('li').dataset.user);
    const act = b.dataset.act;
    try {
      if (act === 'delete' && !window.confirm(t('confirm_delete'))) return;
      const call = {
        disable: () => api(`/api/users/${name}/disable`, { method: 'POST' }),
        enable: () => api(`/api/users/${name}/enable`, { method: 'POST' }),
        password: () => api(`/api/users/${name}/password`, { method: 'POST' }),
        sessions: () => api(`/api/users/${name}/sessions`, { method: 'DELETE' }),
        delete: () => api(`/api/users/${name}`, { method: 'DELETE' }),
      }[act];
      const r = await call();
      $('user-result').textContent = act === 'password' ? `${t('new_password')} ${r.username}: ${r.password}` : '';
      loadUsers();
    } catch (e) { $('user-result').textContent = errorText(e); }
  }));
}

export function initUsers() {
  $('user-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    try {
      await api('/api/users', { method: 'POST', body: JSON.stringify(Object.fromEntries(f)) });
      ev.target.reset(); $('user-result').textContent = ''; loadUsers();
    } catch (e) { $('user-result').textContent = errorText(e); }
  });
}
