// Boot Pyodide under Node as a built site's worker does in the browser: with the site's
// standard library (vendor/pyodide-downhill-stdlib-*) and the engine wheel named in the
// site's lock file, passed through `packages`.
import { readdirSync } from "node:fs";
import path from "node:path";
import { loadPyodide } from "pyodide";

export function loadSitePyodide(assets, options = {}) {
  const vendor = path.resolve(assets, "vendor");
  const stdlib = readdirSync(vendor).find((name) => name.startsWith("pyodide-downhill-stdlib-"));
  if (!stdlib) throw new Error(`${vendor}: no pyodide-downhill-stdlib-* folder`);
  const lockFile = path.resolve(assets, "engine", "pyodide-lock.json");
  return loadPyodide({
    stdLibURL: path.join(vendor, stdlib, "python_stdlib.zip"),
    lockFileURL: lockFile,
    packageBaseUrl: path.dirname(lockFile) + "/",
    packages: ["downhill-engine"],
    ...options,
  });
}
