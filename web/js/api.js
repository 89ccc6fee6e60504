// Calls to this server's API with the session's bearer token.

let token = sessionStorage.getItem('evac-token');
let unauthorized = () => {};

// Whether the server answered the last call (navigator.onLine says only that there is a
// network, not that the server can be reached): the page shows it.
let reachable = true;
export const serverReachable = () => reachable;
function reach(yes) {
  if (yes === reachable) return;
  reachable = yes;
  window.dispatchEvent(new Event('evac-reach'));
}

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
// message, its body (with field-level errors and the stable `code`), and status. No answer
// at all (offline, server down) throws an Error with `offline` set and status 0.
export async function api(path, options = {}) {
  const headers = Object.assign({ 'Content-Type': 'application/json' }, options.headers || {});
  if (token) headers.Authorization = `Bearer ${token}`;
  let r;
  try {
    r = await fetch(path, Object.assign({}, options, { headers }));
  } catch (cause) {
    reach(false);
    const e = new Error('offline'); e.offline = true; e.status = 0; e.code = 'offline'; e.cause = cause;
    throw e;
  }
  // An answer the service worker kept from before is not a sign that the server is there.
  reach(!r.headers.get('X-Evac-Cached'));
  if (r.status === 401 && path !== '/api/session') { unauthorized(); const e = new Error('401'); e.status = 401; e.code = 'unauthorized'; throw e; }
  const type = r.headers.get('content-type') || '';
  let body;
  try { body = type.includes('json') ? await r.json() : await r.text(); } catch (cause) { body = ''; }
  if (!r.ok) {
    const e = new Error((body && body.error) || r.statusText);
    e.body = body; e.status = r.status; e.code = (body && body.code) || null;
    throw e;
  }
  return body;
}

// A client id for a write (8-64 of [A-Za-z0-9-]): a retry with it never makes a second
// record. crypto.randomUUID needs a secure context; getRandomValues does not.
export function clientId() {
  if (globalThis.crypto && crypto.randomUUID) {
    try { return crypto.randomUUID(); } catch (e) { /* not a secure context */ }
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}
