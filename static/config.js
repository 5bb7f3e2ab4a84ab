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

/** The cells' worker: the engine on the whole standard library, and every Pyodide package. */
export const CELL_WORKER_URL = data.cellWorker ? `${data.cellWorker}?${query({
  ...runtime, lock: data.cellsLock, stdlib: data.stdlibFull,
})}` : null;

export const EDITOR_URL = data.editor || null;
export const PLOTLY3D = { url: data.plotly3d || null, integrity: data.plotly3dIntegrity || "" };
