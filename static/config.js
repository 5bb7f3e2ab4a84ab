// Where the page's runtime files are: the builder writes their URLs on the page's script
// element (templates/article.html). Every module reads them here.

export const script = document.querySelector("script[data-worker]");
const data = script.dataset;

const query = (entries) => new URLSearchParams(Object.entries(entries).filter(([, value]) => value));

/** The Pyodide runtime's files, as the workers take them in their URL. */
const runtime = {
  pyodide: data.pyodide,
  // self-hosted: the runtime's packed files and their decoder (see pyodide-boot.js)
  wasm: data.wasm,
  xz: data.xz,
  unxz: data.unxz,
};

/** The demos' worker: the engine, on the standard library the engine needs. */
export const WORKER_URL = `${data.worker}?${query({
  ...runtime, lock: data.engineLock, stdlib: data.stdlib,
})}`;

const absolute = (url) => (url ? new URL(url, location.href).href : "");

/**
 * The cells' worker (the engine on the whole standard library, and every Pyodide package),
 * in its sandbox (cell-sandbox.js): its source, the sandbox document, and the files it may
 * ask for, every URL absolute (the sandbox's worker has no address of its own).
 */
export const CELLS = data.cellWorker ? {
  worker: absolute(data.cellWorker),
  sandbox: data.sandbox,
  config: Object.fromEntries(Object.entries({
    ...runtime, boot: data.boot, lock: data.cellsLock, stdlib: data.stdlibFull,
  }).filter(([, value]) => value).map(([key, value]) => [key, absolute(value)])),
  files: { site: absolute(data.site), runtime: absolute(data.pyodide), lock: absolute(data.cellsLock) },
} : null;

export const EDITOR_URL = data.editor || null;
export const PLOTLY3D = { url: data.plotly3d || null, integrity: data.plotly3dIntegrity || "" };
