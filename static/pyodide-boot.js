// Start Pyodide in a worker from the files the page names; shared by the demos' worker
// (worker.js, whose URL carries them) and the cells' sandboxed worker (cell-worker.js, which
// gets them in its start message and loads every module through the page). Knows nothing of
// what they run.

/** The page's parameters in the worker's own URL (self.location, not this module's). */
const ownURL = () => new URL(self.location.href).searchParams;

// Pyodide starts its downloads before it awaits them, so a failed one can reject with
// nothing yet listening. Until the runtime is up, such a rejection is the boot's failure
// (or a leftover of one already reported), shown in the page, never an uncaught error.
let booting = true;
let bootFailed;
const bootFailure = new Promise((_, reject) => {
  bootFailed = reject;
});
self.addEventListener("unhandledrejection", (event) => {
  if (!booting) return;
  event.preventDefault();
  const reason = event.reason;
  bootFailed(new Error(`the Python runtime could not start: ${(reason && reason.message) || reason}`));
});

// Self-hosted sites ship the runtime's WebAssembly and standard library packed with xz
// (scripts/pack-runtime.py): `wasm` and `stdlib` name the packed files, each URL's fragment
// its unpacked size. Pyodide fetches them by their plain names; this worker's fetch answers
// those two requests with the packed file, decoded as it arrives. A stream that does not
// decode fails the boot with a message instead of leaving Pyodide waiting.
export const plainFetch = self.fetch.bind(self);

/** The files this worker loaded (its script, the runtime): the page's offline reading keeps them. */
export const loadedFiles = () => [
  self.location.href, ...performance.getEntriesByType("resource").map((entry) => entry.name),
];
const here = self.location.href;

function unpackingFetch(packed, config, load) {
  const decoder = load(new URL(config.get("unxz"), here).href)
    .then(({ xzDecoder }) => xzDecoder(plainFetch(new URL(config.get("xz"), here).href)));
  decoder.catch((err) => bootFailed(new Error(`the Python runtime's decoder could not load: ${err.message || err}`)));
  return async (resource, init) => {
    const entry = packed.get(String(resource instanceof Request ? resource.url : resource));
    if (!entry) return plainFetch(resource, init);
    const response = await plainFetch(entry.url);
    if (!response.ok) return response;
    const decoded = response.body.pipeThrough((await decoder)(entry.size)).getReader();
    const body = new ReadableStream({
      async pull(controller) {
        try {
          const { done, value } = await decoded.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          bootFailed(new Error(`the Python runtime could not be unpacked: ${err.message || err}`));
          controller.error(err);
        }
      },
      cancel: (reason) => decoded.cancel(reason),
    });
    return new Response(body, { headers: { "Content-Type": entry.type } });
  };
}

/**
 * Pyodide with the engine installed, from the files `config` names (URLSearchParams: the
 * worker URL's by default), each module imported by `load` (the cells' sandbox imports
 * through the page); resolves with `{pyodide, lock}` (the lock file's contents) or rejects
 * with a message for the reader.
 */
export async function bootPyodide(config = ownURL(), load = null) {
  const indexURL = new URL(config.get("pyodide"), here).href;
  const importer = load || ((url) => import(url));
  const { loadPyodide } = await importer(`${indexURL}pyodide.mjs`);
  // Pyodide imports its own module by URL unless given it: a sandbox hands it over.
  const own = load ? { createPyodideModule: (await load(`${indexURL}pyodide.asm.mjs`)).default } : {};
  const resolve = (name) => {
    const url = new URL(config.get(name), here);
    return { url: url.href.split("#")[0], size: Number(url.hash.slice(1)) };
  };
  let wasmURL = `${indexURL}pyodide.asm.wasm`;
  let stdLibURL = `${indexURL}python_stdlib.zip`; // Pyodide's own (with --assets cdn)
  if (config.get("wasm")) {
    // Downhill's runtime: a standard library (of only what the engine imports, precompiled,
    // for the demos; whole, for cells), and both files packed.
    const wasm = resolve("wasm");
    const stdlib = resolve("stdlib");
    self.fetch = unpackingFetch(new Map([
      [wasmURL, { ...wasm, type: "application/wasm" }],
      [stdlib.url, { ...stdlib, type: "application/zip" }],
    ]), config, importer);
    [wasmURL, stdLibURL] = [wasm.url, stdlib.url];
  }
  // Pyodide logs a failed download of its WebAssembly or standard library but never
  // rejects; a parallel check of the same files turns that into an error the page can show.
  const unreachable = Promise.all([wasmURL, stdLibURL].map((url) =>
    plainFetch(url, { method: "HEAD" }).then(
      (response) => (response.ok ? undefined : Promise.reject(
        new Error(`the Python runtime could not be downloaded (HTTP ${response.status})`))),
      () => Promise.reject(new Error("the Python runtime could not be downloaded (offline?)")),
    ))).then(() => new Promise(() => {}));
  // The engine's lock file, fetched here: a failure is the boot's, and Pyodide, which would
  // leave its rejection unhandled, never sees one.
  const lockURL = new URL(config.get("lock"), here).href;
  const lock = plainFetch(lockURL)
    .then((response) => (response.ok ? response.json() : Promise.reject(
      new Error(`its lock file could not be downloaded (HTTP ${response.status})`))))
    .catch((err) => {
      bootFailed(new Error(`the engine could not be found: ${err.message || err}`));
      return new Promise(() => {});
    });
  const pyodide = await Promise.race([unreachable, bootFailure, loadPyodide({
    ...own,
    indexURL,
    stdLibURL,
    lockFileContents: lock,
    packageBaseUrl: new URL(".", lockURL).href,
    packages: ["downhill-engine"],
  })]);
  booting = false;
  return { pyodide, lock: await lock };
}
