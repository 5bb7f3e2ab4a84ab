// Downhill's service worker: the articles a reader opened, and the files they used, stay
// readable offline. Written by the build (downhill/offline.py) with this build's files.
//
// - The site's files under assets/ (listed below with their content hashes) and the demos'
//   keyframes (a hash in their names) do not change under their address: they come from the
//   cache, fetched and kept on first use.
// - Pages come from the network when it answers, so a new build's page replaces the kept
//   one at once; the kept copy answers when the network does not.
// - A new build's worker brings what a reader kept up to its build: files it changed under
//   the same address are dropped at once (activate); renamed ones are fetched under their
//   new names, and kept pages and their keyframes refreshed (upgrade, when a page asks).
const BUILD = {{ build | tojson }};
const SCOPE = new URL({{ base_url | tojson }}, self.location).href;
const FILES = {{ files | tojson }}; // path → [content hash, name without hashes]
const KEYFRAMES = new RegExp({{ keyframes | tojson }});
const CACHE = "downhill-offline";

const pathOf = (url) => new URL(url).pathname;
const isFile = (url) => pathOf(url) in FILES || KEYFRAMES.test(pathOf(url));
const pageKey = (url) => { const u = new URL(url); return u.origin + u.pathname; };
const fileKey = pageKey; // a file's query (the worker's settings) does not change the file
const absolute = (path) => new URL(path, self.location).href;
const isPage = (response) => (response.headers.get("content-type") || "").startsWith("text/html");

/** Put ``response`` in the cache under ``url``, marked with what it is; return it. */
async function keep(cache, url, response) {
  if (!response.ok || response.type !== "basic") return response;
  const headers = new Headers(response.headers);
  const [hash, name] = FILES[pathOf(url)] || [];
  if (hash) headers.set("x-downhill-file", JSON.stringify([hash, name]));
  if (isPage(response)) headers.set("x-downhill-build", BUILD);
  const { status, statusText } = response;
  await cache.put(url, new Response(await response.clone().blob(), { status, statusText, headers }));
  return response;
}

/** A file: the kept copy, else the network's, kept. */
async function file(url, init) {
  const cache = await caches.open(CACHE);
  return (await cache.match(fileKey(url))) || keep(cache, fileKey(url), await fetch(url, init));
}

/** A page: the network's, kept; the kept one when the network fails. */
async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    return isPage(response) ? keep(cache, pageKey(request.url), response) : response;
  } catch (error) {
    return (await cache.match(pageKey(request.url))) || offlinePage(cache);
  }
}

/** What an unkept page shows offline: the kept ones, by title. */
async function offlinePage(cache) {
  const escape = (text) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const links = [];
  for (const request of await cache.keys()) {
    const kept = await cache.match(request);
    if (!kept.headers.get("x-downhill-build")) continue;
    const title = (await kept.text()).match(/<title>([^<]*)<\/title>/)?.[1] || request.url;
    links.push(`<li><a href="${escape(request.url)}">${title}</a></li>`);
  }
  return new Response(
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
    + "<title>Offline</title><p>You are offline, and this page was not opened here before."
    + (links.length ? ` These were, and are kept:</p><ul>${links.join("")}</ul>` : "</p>"),
    { status: 503, headers: { "content-type": "text/html; charset=utf-8" } },
  );
}

/** A HEAD request for a file (the runtime's check that it can be downloaded): a kept
 * file's headers, else the network's answer. */
async function head(request) {
  const kept = await (await caches.open(CACHE)).match(fileKey(request.url));
  if (!kept) return fetch(request);
  return new Response(null, { status: kept.status, headers: kept.headers });
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (!request.url.startsWith(SCOPE)) return;
  if (request.method === "GET" && request.mode === "navigate") event.respondWith(page(request));
  else if (!isFile(request.url) || request.headers.has("range")) return;
  else if (request.method === "GET") event.respondWith(file(request.url));
  else if (request.method === "HEAD") event.respondWith(head(request));
});

// A page, once this worker controls it, names the files it loaded before: keep them, and
// bring what was kept under an older build up to this one.
self.addEventListener("message", (event) => {
  const urls = Array.isArray(event.data?.keep) ? event.data.keep : [];
  event.waitUntil(keepUsed(urls).then(upgrade));
});

async function keepUsed(urls) {
  const cache = await caches.open(CACHE);
  const inScope = urls.filter((url) => typeof url === "string" && url.startsWith(SCOPE));
  await Promise.allSettled(inScope.map(async (url) => {
    if (isFile(url)) return file(url, { cache: "force-cache" }); // (the HTTP cache has it)
    if (await cache.match(pageKey(url))) return undefined;
    const response = await fetch(pageKey(url), { cache: "force-cache" });
    return isPage(response) ? keep(cache, pageKey(url), response) : undefined;
  }));
}

async function upgrade() {
  const cache = await caches.open(CACHE);
  const byName = Object.fromEntries(Object.entries(FILES).map(([path, [, name]]) => [name, path]));
  const requests = await cache.keys();
  const keyframes = requests.filter((r) => KEYFRAMES.test(pathOf(r.url)));
  await Promise.allSettled(requests.map(async (request) => {
    const path = pathOf(request.url);
    if (path in FILES || KEYFRAMES.test(path)) return;
    const kept = await cache.match(request);
    const marked = kept?.headers.get("x-downhill-file");
    if (marked) { // a file this build renamed (or dropped): its successor replaces it
      const renamed = byName[JSON.parse(marked)[1]];
      if (renamed) await file(absolute(renamed));
      await cache.delete(request);
      return;
    }
    if (!kept || kept.headers.get("x-downhill-build") === BUILD) return;
    // a page of an older build: this build's copy and its keyframes, or gone with it
    const response = await fetch(request.url, { cache: "no-cache" });
    if (response.status === 404) {
      await cache.delete(request);
      return;
    }
    if (!response.ok || !isPage(response)) return;
    const html = await (await keep(cache, request.url, response)).text();
    const fresh = [...html.matchAll(/data-keyframes(?:-first)?="([^"]+)"/g)]
      .map((m) => new URL(m[1], request.url).href);
    const folder = new URL(".", request.url).href;
    const stale = keyframes.filter((r) => r.url.startsWith(folder) && !fresh.includes(r.url));
    if (!stale.length) return; // its keyframes were never kept: they are not fetched now
    await Promise.allSettled(fresh.map((url) => file(url)));
    await Promise.all(stale.map((r) => cache.delete(r)));
  }));
}

self.addEventListener("install", () => self.skipWaiting());

// A file this build changed under the same address (a vendor bundle, the engine's wheel)
// must not be served from the cache a moment longer.
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const request of await cache.keys()) {
      const expected = FILES[pathOf(request.url)];
      if (!expected) continue;
      const marked = (await cache.match(request))?.headers.get("x-downhill-file");
      if (!marked || JSON.parse(marked)[0] !== expected[0]) await cache.delete(request);
    }
    await self.clients.claim();
  })());
});
