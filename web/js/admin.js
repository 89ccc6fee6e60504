// The coordinators' panels: the audit log and the users.
import { api } from './api.js';
import { $ } from './dom.js';
import { html, join, setHTML } from './html.js';

export async function loadAudit() {
  const rows = await api('/api/audit?limit=200');
  setHTML($('audit-rows'), join(rows.map((a) => html`<tr><td>${a.at.slice(0, 19).replace('T', ' ')}</td><td>${a.username}</td><td>${a.action}</td><td>${a.target}</td><td>${a.ip}</td></tr>`)));
}

export async function loadUsers() {
  const rows = await api('/api/users');
  setHTML($('user-list'), join(rows.map((u) => html`<li>${u.username} — ${u.role}</li>`)));
}

export function initUsers() {
  $('user-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    try {
      await api('/api/users', { method: 'POST', body: JSON.stringify(Object.fromEntries(f)) });
      ev.target.reset(); $('user-result').textContent = ''; loadUsers();
    } catch (e) { $('user-result').textContent = `${e.message} ${JSON.stringify((e.body && e.body.fields) || {})}`; }
  });
}
