// The cells' home in the browser: a Pyodide worker of their own, so that a reader's endless
// loop or huge allocation never blocks the demos (Stop ends this worker; the demos' worker
// goes on). It boots on the whole standard library, and fetches a package the runtime
// lacks (numpy) from the lock's address, hash-checked, only when a cell imports it.
//
// It runs a stranger's code (an edited cell, an exercise's answer), so it lives in a sandbox
// (sandbox.html: an iframe with an opaque origin and a CSP that allows no connection): it
// cannot reach the site's storage, the page or the network. Started from a blob (a classic
// worker: no static imports) with the page's settings and a MessagePort, it asks the page
// for every file it needs, modules included; the page fetches only the site's files, the
// runtime's and the lock's packages (cell-sandbox.js).
// Protocol, over the port: {type: "run", seq, cells: [code, …], overrides, files} (files:
//   the content files the cells read, path → address) or
//   {type: "grade", seq, exercise, answer} (an exercise's answer, engine.exercises) →
//   {type: "status", seq, text}  (a package download, said before it starts),
//   {type: "stream", seq, name, text}  (printed text, as it is printed),
//   {type: "done", seq, output} | {type: "done", seq, verdict} | {type: "done", seq, failed};
//   and {type: "fetch", id, url, method, integrity} → {type: "fetched", id, …} (files).
// It knows nothing about what cells compute: engine.cells runs them.

let port = null;
const post = (message) => port.postMessage(message);
const asked = new Map(); // fetch id → {resolve, reject}
let lastAsk = 0;

/** fetch() through the page: a Response, or a TypeError as fetch would reject with. */
function askPage(resource, init = {}) {
  const url = String(resource instanceof Request ? resource.url : resource);
  const method = init.method || (resource instanceof Request ? resource.method : "GET");
  lastAsk += 1;
  const id = lastAsk;
  return new Promise((resolve, reject) => {
    asked.set(id, { resolve, reject });
    post({ type: "fetch", id, url, method, integrity: init.integrity || "" });
  });
}

function answered({ id, error, status, statusText, headers, body }) {
  const waiting = asked.get(id);
  if (!waiting) return;
  asked.delete(id);
  if (error) waiting.reject(new TypeError(error));
  else waiting.resolve(new Response(body ?? null, { status, statusText, headers }));
}

/** A module from its URL, fetched through the page and imported from a blob. */
async function importThroughPage(url) {
  const response = await askPage(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const blob = new Blob([await response.arrayBuffer()], { type: "text/javascript" });
  return import(URL.createObjectURL(blob));
}

let ready = null;

addEventListener("message", ({ data, ports }) => {
  if (port || data?.type !== "start" || !ports[0]) return;
  port = ports[0];
  port.onmessage = ({ data: message }) => {
    if (message?.type === "fetched") answered(message);
    else request(message);
  };
  self.fetch = askPage; // before pyodide-boot.js takes it as its plain fetch
  const config = new URLSearchParams(data.config);
  ready = importThroughPage(config.get("boot"))
    .then(({ bootPyodide }) => bootPyodide(config, importThroughPage))
    .then(({ pyodide, lock }) => {
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
        // The engine's stand-ins for Jupyter's modules: no package is fetched for them.
        provided: new Set(pyodide.runPython("from engine.cells import PROVIDED\nPROVIDED").toJs()),
      };
    });
  ready.then(
    () => post({ type: "ready", loaded: [] }), // the page fetched every file itself
    (err) => post({ type: "failed", message: String((err && err.message) || err) }),
  );
});

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
  for (const name of names) if (!runtime.provided.has(name)) add(runtime.byImport.get(name));
  return [...wanted.values()];
}

const fileBytes = new Map(); // a content file's address → its bytes, fetched once

/**
 * Put the content files the cells read (path under content/ → address) into the working
 * folder, afresh for every run (a run's writes never reach the next, as at build time);
 * resolves with an error message, or null.
 */
async function provideFiles(runtime, files) {
  const { FS } = runtime.pyodide;
  for (const [path, url] of Object.entries(files || {})) {
    const parts = String(path).split("/");
    if (parts.some((part) => part === "" || part === "." || part === "..")) continue;
    if (!fileBytes.has(url)) {
      const response = await askPage(url).catch(() => null);
      if (!response?.ok) {
        return `This cell reads ${path}, which could not be downloaded (offline, or blocked?).`;
      }
      fileBytes.set(url, new Uint8Array(await response.arrayBuffer()));
    }
    const folder = [FS.cwd(), ...parts.slice(0, -1)].join("/");
    FS.mkdirTree(folder);
    FS.writeFile(`${folder}/${parts.at(-1)}`, fileBytes.get(url));
  }
  return null;
}

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Load `entries`, saying first what and how much; resolves with an error message or null. */
async function loadPackages(runtime, entries, seq) {
  const sizes = await Promise.all(entries.map((entry) =>
    askPage(entry.file_name, { method: "HEAD" }).then(
      (response) => (response.ok ? Number(response.headers.get("Content-Length")) || 0
        : Promise.reject(new Error(`HTTP ${response.status}`))),
    )));
  const total = sizes.reduce((a, b) => a + b, 0);
  const names = entries.map((entry) => entry.name);
  post({ type: "status", seq, text: `Downloading ${names.join(", ")} (${megabytes(total)}) ` +
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

async function request(message) {
  const { type, seq, cells, overrides, exercise, answer, files } = message || {};
  if ((type !== "run" && type !== "grade") || !ready) return;
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
      post({ type: "done", seq, failed: problem, kind: "package" });
      return;
    }
  }
  const unreadable = type === "run" ? await provideFiles(runtime, files) : null;
  if (unreadable) {
    post({ type: "done", seq, failed: unreadable, kind: "package" });
    return;
  }
  const stream = (name, text) => post({ type: "stream", seq, name, text });
  try {
    if (type === "grade") {
      const text = runtime.grade(JSON.stringify({ exercise, answer }), stream);
      post({ type: "done", seq, verdict: JSON.parse(text) });
    } else {
      const text = runtime.runCells(JSON.stringify({ cells, overrides: overrides || null }), stream);
      post({ type: "done", seq, output: JSON.parse(text) });
    }
  } catch (err) {
    // run_cells_json catches what a cell raises, so this is Python itself failing.
    post({ type: "done", seq, failed: `Python stopped: ${(err && err.message) || err}`,
      kind: "broken" });
  }
}
