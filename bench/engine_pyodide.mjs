// Run bench/engine_bench.py inside Pyodide under Node, with the engine installed from
// the wheel the site builder writes. Usage: node engine_pyodide.mjs SITE_ASSETS_DIR
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const here = path.dirname(fileURLToPath(import.meta.url));
const lockFile = path.resolve(process.argv[2], "engine", "pyodide-lock.json");
const pyodide = await loadPyodide({
  lockFileURL: lockFile,
  packageBaseUrl: path.dirname(lockFile) + "/",
  packages: ["downhill-engine"],
});
pyodide.runPython(readFileSync(path.join(here, "engine_bench.py"), "utf8"));
