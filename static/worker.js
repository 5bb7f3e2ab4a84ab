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

const ready = (async () => {
  const indexURL = new URL(config.get("pyodide"), import.meta.url).href;
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  // Downhill's standard library, with what the engine imports precompiled (self-hosted
  // sites); else Pyodide's own, beside the core.
  const stdLibURL = config.get("stdlib")
    ? new URL(config.get("stdlib"), import.meta.url).href : `${indexURL}python_stdlib.zip`;
  // Pyodide logs a failed download of its WebAssembly or standard library but never
  // rejects; a parallel check of the same files turns that into an error the page can show.
  const unreachable = Promise.all([`${indexURL}pyodide.asm.wasm`, stdLibURL].map((url) =>
    fetch(url, { method: "HEAD" }).then(
      (response) => (response.ok ? undefined : Promise.reject(
        new Error(`the Python runtime could not be downloaded (HTTP ${response.status})`))),
      () => Promise.reject(new Error("the Python runtime could not be downloaded (offline?)")),
    ))).then(() => new Promise(() => {}));
  const pyodide = await Promise.race([unreachable, bootFailure, loadPyodide({
    indexURL,
    stdLibURL,
    lockFileURL: new URL(config.get("lock"), import.meta.url).href,
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
