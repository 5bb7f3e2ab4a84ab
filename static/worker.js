// The engine's home in the browser: Pyodide in a module worker, shared by every demo on a page.
// Protocol: {type: "render", demo, seq, spec} → {type: "result", demo, seq, ok|error}.
// It knows nothing about gradient descent: it hands a JSON spec to engine.render_json, and
// leaves out of each reply the traces identical to those it last sent for that demo.
import { bootPyodide, loadedFiles } from "./pyodide-boot.js";

const lastSent = new Map(); // demo id → figures → traces as JSON text

const ready = bootPyodide().then(({ pyodide }) => {
  const render = pyodide.runPython("import engine\nengine.render_json");
  return (specText) => render(specText);
});

ready.then(
  () => postMessage({ type: "ready", loaded: loadedFiles() }),
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
