// Offline reading is off for this site (--no-offline, 'offline: false', or the dev
// server). A reader's browser that kept a worker of an earlier build fetches this one in
// its place: it deletes what that worker kept (this site's cache, and this site's entries of
// the cache every site of an origin once shared) and unregisters itself (an open page then
// fetches from the network; the next is not controlled at all). Other sites under the same
// origin keep theirs.
const SCOPE = new URL({{ base_url | tojson }}, self.location).href;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    await caches.delete(`downhill-offline ${SCOPE}`);
    await leaveSharedCache(SCOPE);
    await self.registration.unregister();
  })());
});

{% include "sw-shared.js" %}