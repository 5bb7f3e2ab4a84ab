// Run bench/engine_bench.py inside Pyodide under Node, booted as a built site's worker
// boots it (tests/node/site_pyodide.mjs). Usage: node engine_pyodide.mjs SITE_ASSETS_DIR
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadSitePyodide } from "../tests/node/site_pyodide.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const pyodide = await loadSitePyodide(process.argv[2]);
pyodide.runPython(readFileSync(path.join(here, "engine_bench.py"), "utf8"));
