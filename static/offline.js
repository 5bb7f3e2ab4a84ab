// Offline reading: register the site's service worker (sw.js at the site's base URL, so
// that its scope is the whole site, under /repo/ on GitHub Pages too), then tell it what
// this page loaded before the worker was in control, for it to keep. Registering at once
// costs a few kilobytes and lets the worker see the runtime's download: the engine starts
// after the first chart is drawn, by when the worker is usually in control.
const tag = document.querySelector("script[data-service-worker]");

async function register() {
  await navigator.serviceWorker.register(tag.dataset.serviceWorker, { scope: tag.dataset.scope });
  const registration = await navigator.serviceWorker.ready;
  if (document.readyState !== "complete") {
    await new Promise((resolve) => addEventListener("load", resolve, { once: true }));
  }
  const used = performance.getEntriesByType("resource").map((entry) => entry.name);
  registration.active?.postMessage({ keep: [location.href, ...used] });
  return registration;
}

if (tag && "serviceWorker" in navigator) {
  const registered = register();
  registered.catch((error) => console.warn("offline reading is off:", error));
  // A new build's worker takes over (clients.claim): it brings the kept pages up to its build.
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    navigator.serviceWorker.controller?.postMessage({ keep: [location.href] });
  });
  // A worker's runtime (downhill:loaded, from worker-client.js) is kept like the page's files.
  document.addEventListener("downhill:loaded", ({ detail }) => {
    registered.then((registration) => registration.active?.postMessage({ keep: detail }), () => {});
  });
}
