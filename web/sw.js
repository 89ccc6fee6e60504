// The service worker (served at /sw.js so that its scope is the whole app): keeps the app
// shell and the scenario's aggregate data on the device so the app opens and works offline.
// Network first (the server's copy is the current one), the cached copy when there is no
// answer within a few seconds. Personal data (households, the session, users, audit) is
// never cached: only the GET requests listed here are. Writes are not handled here: the
// page keeps them in its IndexedDB outbox (js/outbox.js) and sends them when online.
const CACHE = 'evac-v1';
const SHELL = [
  '/', '/index.html', '/style.css', '/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png',
  '/js/main.js', '/js/admin.js', '/js/api.js', '/js/centres.js', '/js/dashboard.js', '/js/dom.js', '/js/households.js',
  '/js/html.js', '/js/i18n.js', '/js/map.js', '/js/order.js', '/js/outbox.js', '/js/picker.js', '/js/plan.js',
  '/js/register.js', '/js/search.js', '/js/settlement.js', '/js/translit.js', '/js/trips.js',
  '/js/timeline.js',
  '/vendor/leaflet-1.9.4/leaflet.js', '/vendor/leaflet-1.9.4/leaflet.css',
  '/vendor/leaflet-1.9.4/images/layers.png', '/vendor/leaflet-1.9.4/images/layers-2x.png',
  '/vendor/leaflet-1.9.4/images/marker-icon.png', '/vendor/leaflet-1.9.4/images/marker-icon-2x.png',
  '/vendor/leaflet-1.9.4/images/marker-shadow.png',
];
// Aggregate scenario data (no personal data), cached as last seen.
const DATA = ['/api/scenario', '/api/settlements', '/api/map/layers', '/api/centres', '/api/openapi.json', '/api/orders/draft',
  '/api/orders', '/api/plan', '/api/plan/chart.svg', '/api/dashboard'];
const TIMEOUT_MS = 6000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith('/api/')) return DATA.includes(url.pathname);
  return true;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  // A data answer is cached by its path: one copy per call, whoever asked (it is aggregate).
  const url = new URL(request.url);
  const key = url.pathname.startsWith('/api/') ? url.pathname : request;
  try {
    const answer = await Promise.race([
      fetch(request),
      new Promise((resolve, reject) => { setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS); }),
    ]);
    if (answer.ok) await cache.put(key, answer.clone());
    return answer;
  } catch (e) {
    const cached = (await cache.match(key)) || (request.mode === 'navigate' ? await cache.match('/') : undefined);
    if (!cached) throw e;
    // Marked, so that the page knows the server did not answer (and says so).
    const headers = new Headers(cached.headers);
    headers.set('X-Evac-Cached', '1');
    return new Response(cached.body, { status: cached.status, statusText: cached.statusText, headers });
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (!cacheable(url)) return;
  event.respondWith(networkFirst(request));
});
