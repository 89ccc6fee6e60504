// Calls to this server's API with the session's bearer token.

let token = sessionStorage.getItem('evac-token');
let unauthorized = () => {};

export const hasSession = () => Boolean(token);

export function startSession(newToken) {
  token = newToken;
  sessionStorage.setItem('evac-token', token);
}

// Tell the server the token is done with (best effort), and forget it.
export function endSession() {
  if (token) fetch('/api/session', { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  token = null;
  sessionStorage.removeItem('evac-token');
}

// What to do when the server no longer knows the session (it expired): log out.
export function onUnauthorized(f) { unauthorized = f; }

// JSON (or text) of a successful call; otherwise throws an Error with the server's
// message, its body (with field-level errors) and status.
export async function api(path, options = {}) {
  const headers = Object.assign({ 'Content-Type': 'application/json' }, options.headers || {});
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(path, Object.assign({}, options, { headers }));
  if (r.status === 401 && path !== '/api/session') { unauthorized(); throw new Error('401'); }
  const type = r.headers.get('content-type') || '';
  const body = type.includes('json') ? await r.json() : await r.text();
  if (!r.ok) { const e = new Error(body.error || r.statusText); e.body = body; e.status = r.status; throw e; }
  return body;
}
