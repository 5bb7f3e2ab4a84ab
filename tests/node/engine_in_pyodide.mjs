// Run engine calls inside Pyodide under Node, booted as the site's worker boots it.
// Usage: node engine_in_pyodide.mjs SITE_ASSETS_DIR CASES.json  → prints a JSON list.
import { readFileSync } from "node:fs";
import { loadSitePyodide } from "./site_pyodide.mjs";

const [assets, casesFile] = process.argv.slice(2);
const pyodide = await loadSitePyodide(assets, { stdout: () => {} });
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
