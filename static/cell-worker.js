// The cells' home in the browser: a Pyodide worker of their own, so that a reader's endless
// loop or huge allocation never blocks the demos (Stop ends this worker; the demos' worker
// goes on). It boots on the whole standard library, and fetches a package the runtime
// lacks (numpy) from the lock's address, hash-checked, only when a cell imports it.
// Protocol: {type: "run", seq, cells: [code, …], overrides} or
//   {type: "grade", seq, exercise, answer} (an exercise's answer, engine.exercises) →
//   {type: "status", seq, text}  (a package download, said before it starts),
//   {type: "stream", seq, name, text}  (printed text, as it is printed),
//   {type: "done", seq, output} | {type: "done", seq, verdict} | {type: "done", seq, failed}.
// It knows nothing about what cells compute: engine.cells runs them.
import { bootPyodide, loadedFiles, plainFetch } from "./pyodide-boot.js";

const ready = bootPyodide().then(({ pyodide, lock }) => {
  const byImport = new Map();
  for (const entry of Object.values(lock.packages)) {
    for (const name of entry.imports || []) byImport.set(name, entry);
  }
  return {
    pyodide,
    lock,
    byImport,
    runCells: pyodide.runPython("from engine.cells import run_cells_json\nrun_cells_json"),
    grade: pyodide.runPython("from engine.exercises import grade_json\ngrade_json"),
    findImports: pyodide.runPython("from pyodide.code import find_imports\nfind_imports"),
  };
});

ready.then(
  () => postMessage({ type: "ready", loaded: loadedFiles() }),
  (err) => postMessage({ type: "failed", message: String((err && err.message) || err) }),
);

/** The lock's packages that `code` imports and are not loaded yet, with what they need. */
function missingPackages(runtime, code) {
  let found;
  try {
    found = runtime.findImports(code);
  } catch {
    return []; // not Python (a typed answer), or a syntax error the run will report
  }
  const names = found.toJs();
  found.destroy();
  const wanted = new Map();
  const add = (entry) => {
    if (!entry || wanted.has(entry.name) || runtime.pyodide.loadedPackages[entry.name]) return;
    wanted.set(entry.name, entry);
    for (const dep of entry.depends || []) add(runtime.lock.packages[dep]);
  };
  for (const name of names) add(runtime.byImport.get(name));
  return [...wanted.values()];
}

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Load `entries`, saying first what and how much; resolves with an error message or null. */
async function loadPackages(runtime, entries, seq) {
  const sizes = await Promise.all(entries.map((entry) =>
    plainFetch(entry.file_name, { method: "HEAD" }).then(
      (response) => (response.ok ? Number(response.headers.get("Content-Length")) || 0
        : Promise.reject(new Error(`HTTP ${response.status}`))),
    )));
  const total = sizes.reduce((a, b) => a + b, 0);
  const names = entries.map((entry) => entry.name);
  postMessage({ type: "status", seq, text: `Downloading ${names.join(", ")} (${megabytes(total)}) ` +
    `from ${new URL(entries[0].file_name).host}…` });
  const problems = [];
  await runtime.pyodide.loadPackage(names, {
    messageCallback: () => {},
    errorCallback: (message) => problems.push(message),
  });
  const missing = names.filter((name) => !runtime.pyodide.loadedPackages[name]);
  if (!missing.length) return null;
  const why = problems.find((p) => /integrity|sha256|hash/i.test(p))
    ? "its file did not match the hash the page was built with"
    : "it could not be downloaded (offline, or blocked?)";
  return `This cell needs ${missing.join(", ")}, which could not be loaded: ${why}.`;
}

onmessage = async (event) => {
  const { type, seq, cells, overrides, exercise, answer } = event.data;
  if (type !== "run" && type !== "grade") return;
  let runtime;
  try {
    runtime = await ready;
  } catch {
    return; // "failed" was already reported
  }
  const code = type === "run" ? cells.join("\n") : answer;
  const entries = missingPackages(runtime, code);
  if (entries.length) {
    let problem;
    try {
      problem = await loadPackages(runtime, entries, seq);
    } catch (err) {
      problem = `This cell needs ${entries.map((e) => e.name).join(", ")}, which could not be ` +
        `loaded: it could not be downloaded (${err.message || err}; offline, or blocked?).`;
    }
    if (problem) {
      postMessage({ type: "done", seq, failed: problem, kind: "package" });
      return;
    }
  }
  const stream = (name, text) => postMessage({ type: "stream", seq, name, text });
  try {
    if (type === "grade") {
      const text = runtime.grade(JSON.stringify({ exercise, answer }), stream);
      postMessage({ type: "done", seq, verdict: JSON.parse(text) });
    } else {
      const text = runtime.runCells(JSON.stringify({ cells, overrides: overrides || null }), stream);
      postMessage({ type: "done", seq, output: JSON.parse(text) });
    }
  } catch (err) {
    // run_cells_json catches what a cell raises, so this is Python itself failing.
    postMessage({ type: "done", seq, failed: `Python stopped: ${(err && err.message) || err}`,
      kind: "broken" });
  }
};
