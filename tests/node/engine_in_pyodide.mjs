// Run engine calls inside Pyodide under Node, installing the engine exactly as the browser
// does: the wheel named in the site's lock file, passed through `packages`.
// Usage: node engine_in_pyodide.mjs SITE_ASSETS_DIR CASES.json  → prints a JSON list.
import { readFileSync } from "node:fs";
import path from "node:path";
import { loadPyodide } from "pyodide";

const [assets, casesFile] = process.argv.slice(2);
const lockFile = path.resolve(assets, "engine", "pyodide-lock.json");
const pyodide = await loadPyodide({
  lockFileURL: lockFile,
  packageBaseUrl: path.dirname(lockFile) + "/",
  packages: ["downhill-engine"],
  stdout: () => {},
});
const call = pyodide.runPython(`
import json, engine.api as api
def call(text):
    out = []
    for case in json.loads(text):
        ns = {}
        exec(case, {"engine": __import__("engine"), "api": api}, ns)
        out.append(ns["result"])
    return api.to_json(out)
call
`);
process.stdout.write(call(readFileSync(casesFile, "utf8")));
