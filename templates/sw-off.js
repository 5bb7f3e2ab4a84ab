// Offline reading is off for this site (--no-offline, 'offline: false', or the dev
// server). A reader's browser that kept a worker of an earlier build fetches this one in
// its place: it deletes what that worker kept and unregisters itself (an open page then
// fetches from the network; the next is not controlled at all).
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    await caches.delete("downhill-offline");
    await self.registration.unregister();
  })());
});
