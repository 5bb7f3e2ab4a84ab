// The engine's home in the browser: Pyodide in a module worker, shared by every demo on a page.
// Protocol: {type: "render", demo, seq, spec} → {type: "result", demo, seq, result|error}.
// It knows nothing about gradient descent: it hands a JSON spec to engine.render_json.
// The page passes where the Pyodide core and the engine's lock file live in the worker's URL.
const config = new URL(import.meta.url).searchParams;

const ready = (async () => {
  const indexURL = new URL(config.get("pyodide"), import.meta.url).href;
  const { loadPyodide } = await import(`${indexURL}pyodide.mjs`);
  const pyodide = await loadPyodide({
    indexURL,
    lockFileURL: new URL(config.get("lock"), import.meta.url).href,
    packages: ["downhill-engine"],
  });
  const render = pyodide.runPython("import engine\nengine.render_json");
  return (specText) => render(specText);
})();

ready.then(
  () => postMessage({ type: "ready" }),
  (err) => postMessage({ type: "failed", message: String(err && err.message || err) }),
);

onmessage = async (event) => {
  const { type, demo, seq, spec } = event.data;
  if (type !== "render") return;
  let render;
  try {
    render = await ready;
  } catch {
    return; // "failed" was already reported
  }
  let reply;
  try {
    reply = JSON.parse(render(JSON.stringify(spec)));
  } catch (err) {
    reply = { error: { message: String(err && err.message || err) } };
  }
  postMessage({ type: "result", demo, seq, ...reply });
};
