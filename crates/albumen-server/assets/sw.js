// albumen's service worker (served at /sw.js, scope /): it keeps the page's own static assets
// (the page, its scripts, styles and icons) so the installed app opens without the network.
// It never stores API answers, photos or videos: everything under /api/ goes to the network
// untouched (they depend on the session). The cache is dropped on logout (a message from the
// page) and when a new version activates.
'use strict';
const VERSION = 'albumen-static-v1';
const SHELL = [
  '/',
  '/assets/app.js',
  '/assets/app.css',
  '/assets/manifest.webmanifest',
  '/assets/vendor/leaflet.js',
  '/assets/vendor/leaflet.css',
  '/assets/vendor/topojson-client.min.js',
  '/assets/icons/icon.svg',
  '/assets/icons/icon-192.png',
  '/assets/icons/icon-512.png',
];

self.addEventListener('install', (ev) => {
  ev.waitUntil(caches.open(VERSION).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(caches.keys()
    .then((ks) => Promise.all(ks.filter((k) => k.startsWith('albumen-') && k !== VERSION).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function ownAsset(url) {
  return url.origin === self.location.origin && (url.pathname === '/' || url.pathname.startsWith('/assets/'));
}

// The network first (a new version shows at once); the cache when the network fails.
self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (!ownAsset(url)) return; // /api/… and anything else: not handled, never stored
  const key = url.pathname === '/' ? '/' : url.pathname;
  ev.respondWith(fetch(req).then((res) => {
    if (res.ok && res.type === 'basic') {
      const copy = res.clone();
      caches.open(VERSION).then((c) => c.put(key, copy)).catch(() => {});
    }
    return res;
  }).catch(() => caches.match(key).then((hit) => hit || Response.error())));
});

self.addEventListener('message', (ev) => {
  if (ev.data && ev.data.type === 'logout') {
    ev.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k.startsWith('albumen-')).map((k) => caches.delete(k)))));
  }
});
