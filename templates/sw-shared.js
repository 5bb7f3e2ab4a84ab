// Leave the cache every Downhill site of an origin shared before caches were per site:
// this site's entries go, and the cache with them once it is empty. (Included by the
// worker and the retiring worker.)
async function leaveSharedCache(scope) {
  const SHARED = "downhill-offline";
  if (!(await caches.has(SHARED))) return;
  const shared = await caches.open(SHARED);
  const entries = await shared.keys();
  const ours = entries.filter((request) => request.url.startsWith(scope));
  await Promise.all(ours.map((request) => shared.delete(request)));
  if (ours.length === entries.length) await caches.delete(SHARED);
}
