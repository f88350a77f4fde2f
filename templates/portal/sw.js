{% load static %}// The service worker: today's routine opens without a connection. Pages are fetched from the network first and a
// copy of the patient's own pages is kept for when there is none; logging in or out forgets those copies. Sessions
// logged offline are kept and sent by static/patients/offline.js, not here.
"use strict";
const VERSION = "{{ version }}";
const STATIC_CACHE = "static-" + VERSION;
const PAGE_CACHE = "pages";
const STATIC_URL = "{% get_static_prefix %}";
const PRECACHE = {{ precache|safe }};
const OFFLINE_PAGES = {{ offline_pages|safe }};
const FORGET_ON = {{ forget_on|safe }};

self.addEventListener("install", (event) => {
  // The files, and a first copy of the patient's pages (a page that is not theirs, such as the login page a
  // logged-out visit is sent to, is not kept).
  const pages = caches.open(PAGE_CACHE).then((cache) => Promise.all(OFFLINE_PAGES.map((page) =>
    fetch(page, { credentials: "same-origin" })
      .then((response) => (response.ok && !response.redirected ? cache.put(page, response) : null))
      .catch(() => null)
  )));
  const files = caches.open(STATIC_CACHE).then((cache) => cache.addAll(PRECACHE));
  event.waitUntil(Promise.all([files, pages]).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("static-") && key !== STATIC_CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

function networkFirst(event, key, cacheName) {  // and keep a copy of a good answer
  return fetch(event.request).then((response) => {
    if (response.ok && !response.redirected) {
      const copy = response.clone();
      event.waitUntil(caches.open(cacheName).then((cache) => cache.put(key, copy)));
    }
    return response;
  }).catch(() => caches.match(key, { ignoreVary: true, ignoreSearch: true }).then((cached) => cached || Response.error()));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && FORGET_ON.includes(url.pathname)) {
    event.waitUntil(caches.delete(PAGE_CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith(STATIC_URL)) {
    // The network as usual; without one, the copy taken at install (the same file names, hashed after a deploy).
    event.respondWith(fetch(request).catch(() => caches.match(url.pathname).then((cached) => cached || Response.error())));
  } else if (request.mode === "navigate" && OFFLINE_PAGES.includes(url.pathname)) {
    event.respondWith(networkFirst(event, url.pathname, PAGE_CACHE));
  }
});
