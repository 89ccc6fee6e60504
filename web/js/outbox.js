// The outbox: every write a registrar makes (a registration, a status event) is first kept
// on the device (IndexedDB), with a client id, then sent. Without a connection it waits and
// is sent when the device is back online (the `online` event and a retry every 30 s); the
// client id makes a resend after a lost answer return the first record, not a second one.
// An answer that refuses the write (invalid, conflict) keeps it on the device as failed,
// shown with the reason, until the registrar retries or discards it: nothing is lost.
import { api } from './api.js';

const DB = 'evac-outbox';
const STORE = 'items';
const RETRY_MS = 30000;

let dbPromise = null;
let listeners = [];
let flushing = null;
let sentHandler = () => {};
// Who is logged in: a write is sent only in the session of the user who made it (the
// audit names who did what), and each user sees only their own waiting writes.
let user = null;
export function setOutboxUser(name) { user = name; }
const mine = (item) => !item.user || item.user === user;
// Items being sent by submit() now: flush() leaves them alone (one request at a time each).
const inFlight = new Set();

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'client_id' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

async function tx(mode, f) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const result = f(t.objectStore(STORE));
    t.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
    t.onerror = () => reject(t.error);
  });
}

const changed = () => listeners.forEach((f) => { try { f(); } catch (e) { console.error(e); } });

// f() runs after every change of the outbox.
export function onOutboxChange(f) { listeners.push(f); }

// Every item, oldest first: {client_id, kind, path, body, headers, label, created_at,
// state: 'waiting' | 'failed', error: {status, code, message, fields}}.
export async function items() {
  const all = (await tx('readonly', (s) => s.getAll())) || [];
  return all.filter(mine).sort((a, b) => a.created_at.localeCompare(b.created_at));
}

async function put(item) { await tx('readwrite', (s) => s.put(item)); changed(); }

export async function discard(clientId) { await tx('readwrite', (s) => s.delete(clientId)); changed(); }

// A failed item tried again.
export async function retry(clientId) {
  const item = await tx('readonly', (s) => s.get(clientId));
  if (item) { item.state = 'waiting'; item.error = null; await put(item); }
  return flush();
}

// Transient: no answer, or the server asks to come back later. The item stays waiting.
const transient = (e) => e.offline || [401, 408, 429, 500, 502, 503, 504].includes(e.status);

async function send(item) {
  return api(item.path, { method: 'POST', headers: item.headers || {}, body: JSON.stringify(item.body) });
}

const errorOf = (e) => ({ status: e.status, code: e.code || null, message: e.message, fields: (e.body && e.body.fields) || null });

// Keep a write and send it now. Answers {sent: answer} when the server took it,
// {queued: item} when it waits for a connection; throws the server's refusal (and keeps
// nothing: the form that made it still shows it and says why).
export async function submit(item) {
  const full = Object.assign({ state: 'waiting', error: null, created_at: new Date().toISOString(), user }, item);
  full.body = Object.assign({ client_id: full.client_id }, full.body);
  await put(full);
  inFlight.add(full.client_id);
  try {
    const answer = await send(full);
    await discard(full.client_id);
    return { sent: answer };
  } catch (e) {
    if (transient(e)) return { queued: full };
    await discard(full.client_id);
    throw e;
  } finally { inFlight.delete(full.client_id); }
}

// Send what waits, oldest first; stops at the first item that cannot be sent for want of a
// connection. onSent(item, answer) runs for each item the server took.
export function flush(onSent = sentHandler) {
  if (flushing) return flushing;
  if (!user) return Promise.resolve(0);
  flushing = (async () => {
    let sent = 0;
    try {
      for (const item of await items()) {
        if (item.state !== 'waiting' || inFlight.has(item.client_id)) continue;
        try {
          const answer = await send(item);
          await discard(item.client_id);
          sent += 1;
          onSent(item, answer);
        } catch (e) {
          if (transient(e)) break;
          item.state = 'failed';
          item.error = errorOf(e);
          await put(item);
        }
      }
    } finally { flushing = null; }
    return sent;
  })();
  return flushing;
}

// Send when the device comes back online, and every 30 s while anything waits.
export function startOutbox(onSent) {
  sentHandler = onSent;
  const go = () => flush(onSent).catch((e) => console.error(e));
  window.addEventListener('online', go);
  setInterval(async () => { if ((await items()).some((i) => i.state === 'waiting')) go(); }, RETRY_MS);
  go();
}
