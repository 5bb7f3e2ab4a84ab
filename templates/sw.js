// Downhill's service worker: the articles a reader opened, and the files they used, stay
// readable offline. Written by the build (downhill/offline.py) with this build's files.
//
// - The build lists every file it made under assets/, every demo's keyframes and every page,
//   each with its sha256. A kept copy is served, or kept across an update, only if its
//   bytes have that hash: whatever else wrote into the cache is dropped and fetched again.
// - Files and keyframes (a hash in their names) come from the cache, fetched and kept on
//   first use. Pages come from the network when it answers, so a new build's page replaces
//   the kept one at once; the kept copy answers when the network does not.
// - The cache is this site's alone (named by its scope: two sites under one origin keep
//   their own), and the worker touches nothing outside its scope.
// - A new build's worker brings what a reader kept up to its build (upgrade, when a page
//   asks): renamed files are fetched under their new names, kept pages refreshed, and what
//   the build no longer lists (a deleted article, its keyframes) leaves the cache.
const SCOPE = new URL({{ base_url | tojson }}, self.location).href;
const FILES = {{ files | tojson }}; // path → [sha256, name without hashes]
const PAGES = {{ pages | tojson }}; // path → sha256
const CACHE = `downhill-offline ${SCOPE}`;

const pathOf = (url) => new URL(url).pathname;
const keyOf = (url) => { const u = new URL(url); return u.origin + u.pathname; };
const absolute = (path) => new URL(path, self.location).href;
const isPage = (response) => (response.headers.get("content-type") || "").startsWith("text/html");
const listed = (url) => FILES[pathOf(url)]?.[0] || PAGES[pathOf(url)];

async function sha256(response) {
  const digest = await crypto.subtle.digest("SHA-256", await response.clone().arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The kept copy of ``url`` if its bytes are what this build listed; else dropped, null. */
async function checked(cache, url) {
  const kept = await cache.match(url);
  if (!kept) return null;
  const hash = listed(url);
  if (hash && (await sha256(kept)) === hash) return kept;
  await cache.delete(url);
  return null;
}

/** Keep ``response`` under ``url`` if its bytes are what this build listed; return it. */
async function keep(cache, url, response) {
  if (!response.ok || response.type !== "basic") return response;
  const hash = listed(url);
  if (!hash || (await sha256(response)) !== hash) return response; // served, never kept
  const headers = new Headers(response.headers);
  const file = FILES[pathOf(url)];
  if (file) headers.set("x-downhill-name", file[1]); // its successor's, after a rename
  headers.set("x-downhill-hash", hash);
  const { status, statusText } = response;
  await cache.put(url, new Response(await response.clone().blob(), { status, statusText, headers }));
  return response;
}

/** A file: the kept copy, else the network's, kept. */
async function file(url, init) {
  const cache = await caches.open(CACHE);
  const key = keyOf(url);
  return (await checked(cache, key)) || keep(cache, key, await fetch(url, init));
}

/** A page: the network's, kept; the kept one when the network fails. */
async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    return isPage(response) ? keep(cache, keyOf(request.url), response) : response;
  } catch (error) {
    return (await checked(cache, keyOf(request.url))) || offlinePage(cache);
  }
}

/** What an unkept page shows offline: the kept ones, by title. */
async function offlinePage(cache) {
  const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const links = [];
  for (const request of await cache.keys()) {
    if (!(pathOf(request.url) in PAGES)) continue;
    const kept = await checked(cache, request.url);
    if (!kept) continue;
    const title = (await kept.text()).match(/<title>([^<]*)<\/title>/)?.[1] || request.url;
    links.push(`<li><a href="${escape(request.url)}">${escape(title)}</a></li>`);
  }
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
    + "<title>Offline</title><p>You are offline, and this page was not opened here before."
    + (links.length ? ` These were, and are kept:</p><ul>${links.join("")}</ul>` : "</p>"),
    { status: 503, headers: { "content-type": "text/html; charset=utf-8" } },
  );
}

/** A HEAD request for a file (the runtime checks it can be downloaded): a kept file's
 * headers, else the network's answer. */
async function head(request) {
  const kept = await checked(await caches.open(CACHE), keyOf(request.url));
  if (!kept) return fetch(request);
  return new Response(null, { status: kept.status, headers: kept.headers });
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (!request.url.startsWith(SCOPE)) return;
  if (pathOf(request.url) in FILES) {
    if (request.headers.has("range")) return;
    if (request.method === "GET") event.respondWith(file(request.url));
    else if (request.method === "HEAD") event.respondWith(head(request));
  } else if (request.method === "GET" && request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

// A page, once this worker controls it, names the files it loaded before: keep them, and
// bring what was kept under an older build up to this one.
self.addEventListener("message", (event) => {
  const urls = Array.isArray(event.data?.keep) ? event.data.keep : [];
  event.waitUntil(keepUsed(urls).then(upgrade));
});

async function keepUsed(urls) {
  const cache = await caches.open(CACHE);
  const ours = urls.filter((url) => typeof url === "string" && url.startsWith(SCOPE));
  await Promise.allSettled(ours.map(async (url) => {
    if (pathOf(url) in FILES) return file(url, { cache: "force-cache" }); // (the HTTP cache has it)
    if (!(pathOf(url) in PAGES) || (await cache.match(keyOf(url)))) return undefined;
    const response = await fetch(keyOf(url), { cache: "force-cache" });
    return isPage(response) ? keep(cache, keyOf(url), response) : undefined;
  }));
}

/** What was kept under an older build: pages refreshed, renamed files fetched under their
 * new names, and whatever this build does not list dropped. */
async function upgrade() {
  const cache = await caches.open(CACHE);
  const byName = {}; // (a demo's two keyframes files share a name)
  for (const [path, [, name]] of Object.entries(FILES)) (byName[name] ||= []).push(path);
  await Promise.allSettled((await cache.keys()).map(async (request) => {
    const path = pathOf(request.url);
    if (request.url.startsWith(SCOPE) && path in FILES) return; // checked when served
    const kept = await cache.match(request);
    if (request.url.startsWith(SCOPE) && path in PAGES) {
      if (kept?.headers.get("x-downhill-hash") === PAGES[path]) return;
      const response = await fetch(request.url, { cache: "no-cache" }).catch(() => null);
      if (response?.ok && isPage(response)) await keep(cache, request.url, response);
      if (!(await checked(cache, request.url))) await cache.delete(request);
      return;
    }
    const renamed = byName[kept?.headers.get("x-downhill-name")] || [];
    if (request.url.startsWith(SCOPE)) {
      await Promise.allSettled(renamed.map((path) => file(absolute(path))));
    }
    await cache.delete(request);
  }));
}

self.addEventListener("install", () => self.skipWaiting());

// Before this worker answers anything: what it keeps across the update has the bytes this
// build listed, and this site's entries leave the cache every site of an origin once shared.
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const request of await cache.keys()) {
      if (pathOf(request.url) in FILES) await checked(cache, request.url);
    }
    await leaveSharedCache(SCOPE);
    await self.clients.claim();
  })());
});

{% include "sw-shared.js" %}