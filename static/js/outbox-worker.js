// The desk's service worker: keeps the desk page and its static files, so that a reload
// while the connection is down still shows the desk and its outbox (static/js/outbox.js).
// Only GETs of the desk page itself and of /static/ are answered here, network first.
"use strict";

var CACHE = "desk-offline-v1";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// The desk page asks to keep itself and the files it uses (their names carry hashes).
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "forget") {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  var urls = data.urls.filter(kept);
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return cache.addAll(urls);
      })
      .then(
        function () {
          event.source.postMessage({ type: "kept" });
        },
        function () {}
      )
  );
});

function deskPath() {
  return new URL(self.registration.scope).pathname;
}

function kept(url) {
  var parsed = new URL(url, self.location.href);
  return (
    parsed.origin === self.location.origin &&
    (parsed.pathname === deskPath() || parsed.pathname.indexOf("/static/") === 0)
  );
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !kept(request.url)) return;
  var url = new URL(request.url);
  var isDeskPage = url.pathname === deskPath();
  if (isDeskPage && request.mode !== "navigate") return;
  var key = isDeskPage ? deskPath() : request;
  event.respondWith(
    fetch(request).then(
      function (response) {
        if (isDeskPage && (response.redirected || response.type === "opaqueredirect")) {
          // Sent to the login page: the session is over, so the kept copy goes too.
          caches.delete(CACHE);
          return response;
        }
        if (response.ok && response.type === "basic" && !response.redirected) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) {
            cache.put(key, copy);
          });
        }
        return response;
      },
      function () {
        return caches.match(key, { cacheName: CACHE }).then(function (cached) {
          if (!cached) return Response.error();
          if (!isDeskPage) return cached;
          // A kept copy: the page must not take its clock from it (outbox.js).
          return cached.text().then(function (text) {
            return new Response(text.replace('data-fresh="1"', 'data-fresh="0"'), {
              status: cached.status,
              headers: cached.headers,
            });
          });
        });
      }
    )
  );
});
