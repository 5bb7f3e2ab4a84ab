// The engine's home in the browser: Pyodide in a module worker, shared by every demo on a page.
// Protocol: {type: "render", demo, seq, spec} → {type: "result", demo, seq, ok|error}.
// It knows nothing about gradient descent: it hands a JSON spec to engine.render_json, and
// leaves out of each reply the traces identical to those it last sent for that demo.

// The page passes where the Pyodide core and the engine's lock file live in the worker's URL.
const config = new URL(import.meta.url).searchParams;
const lastSent = new Map(); // demo id → figures → traces as JSON text

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
const plainFetch = self.fetch.bind(self);

function unpackingFetch(packed) {
  const decoder = import(new URL(config.get("unxz"), import.meta.url).href)
    .then(({ xzDecoder }) => xzDecoder(plainFetch(new URL(config.get("xz"), import.meta.url).href)));
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

const ready = (async () => {
  const indexURL = new URL(config.get("pyodide"), import.meta.url).href;
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  const resolve = (name) => {
    const url = new URL(config.get(name), import.meta.url);
    return { url: url.href.split("#")[0], size: Number(url.hash.slice(1)) };
  };
  let wasmURL = `${indexURL}pyodide.asm.wasm`;
  let stdLibURL = `${indexURL}python_stdlib.zip`; // Pyodide's own (with --assets cdn)
  if (config.get("wasm")) {
    // Downhill's runtime: a standard library of only what the engine imports, precompiled,
    // and both files packed.
    const wasm = resolve("wasm");
    const stdlib = resolve("stdlib");
    self.fetch = unpackingFetch(new Map([
      [wasmURL, { ...wasm, type: "application/wasm" }],
      [stdlib.url, { ...stdlib, type: "application/zip" }],
    ]));
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
  const lockURL = new URL(config.get("lock"), import.meta.url).href;
  const lockFileContents = plainFetch(lockURL)
    .then((response) => (response.ok ? response.json() : Promise.reject(
      new Error(`its lock file could not be downloaded (HTTP ${response.status})`))))
    .catch((err) => {
      bootFailed(new Error(`the engine could not be found: ${err.message || err}`));
      return new Promise(() => {});
    });
  const pyodide = await Promise.race([unreachable, bootFailure, loadPyodide({
    indexURL,
    stdLibURL,
    lockFileContents,
    packageBaseUrl: new URL(".", lockURL).href,
    packages: ["downhill-engine"],
  })]);
  const render = pyodide.runPython("import engine\nengine.render_json");
  return (specText) => render(specText);
})();

ready.then(
  () => {
    booting = false;
    postMessage({ type: "ready" });
  },
  (err) => postMessage({ type: "failed", message: String((err && err.message) || err) }),
);

function withoutRepeats(demo, figures) {
  const previous = lastSent.get(demo) || [];
  const texts = figures.map((figure) => figure.data.map((trace) => JSON.stringify(trace)));
  lastSent.set(demo, texts);
  return figures.map((figure, i) => ({
    layout: figure.layout,
    data: figure.data.map((trace, k) =>
      previous[i] && previous[i].length === texts[i].length && previous[i][k] === texts[i][k]
        ? null : trace),
  }));
}

onmessage = async (event) => {
  const { type, demo, seq, spec } = event.data;
  if (type === "forget") lastSent.delete(demo); // the page went back to its static figures
  if (type !== "render") return;
  let render;
  try {
    render = await ready;
  } catch {
    return; // "failed" was already reported
  }
  let reply;
  let broken = null;
  try {
    reply = JSON.parse(render(JSON.stringify(spec)));
  } catch (err) {
    // render_json answers every spec, so this is Python itself failing (a stack overflow
    // in WebAssembly leaves Pyodide unusable): answer, then ask for a fresh worker.
    reply = { error: { message: "the engine stopped on this input and is being restarted" } };
    broken = String((err && err.message) || err);
  }
  if (reply.ok) reply.ok.figures = withoutRepeats(demo, reply.ok.figures);
  postMessage({ type: "result", demo, seq, ...reply });
  if (broken !== null) postMessage({ type: "broken", detail: broken });
};
