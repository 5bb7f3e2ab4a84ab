// Build the standard library Downhill's worker boots Pyodide with: only the modules that
// booting Pyodide, installing the engine's wheel and running the engine import, compiled
// to bytecode. Pyodide ships its whole standard library as source: 2.5 MB (gzip) that a
// reader downloads and some 130 modules that their browser compiles before the engine is
// ready. Nothing else is in the file, so a module the engine starts to import and this
// recording missed fails loudly: the parity tests boot from this file and check that.
//
// The bytecode must come from the exact Python that runs it, so Pyodide itself compiles it,
// here under Node (the engine wheel it installs comes from the host's python3, or $PYTHON).
// Run by `npm ci` (the "postinstall" script) and by scripts/setup when the engine or its
// wheel changes; written as a package of its own, node_modules/pyodide-downhill, which the
// builder publishes like the pinned npm files. The zip is stored uncompressed:
// scripts/pack-runtime.py (run at the end) packs it with xz, a third smaller than the
// zip's own deflate. The same inputs give the same bytes.
import { execFileSync } from "node:child_process";
import {
  mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const pyodideDir = join(modules, "pyodide");
const version = JSON.parse(readFileSync(join(pyodideDir, "package.json"), "utf8")).version;
const out = join(modules, "pyodide-downhill");

// Without column ranges in code objects (PEP 657) the bytecode is a fifth smaller; a
// traceback then marks no columns, which no reader sees.
const pyodide = await loadPyodide({ env: { PYTHONNODEBUGRANGES: "1" }, stdout: () => {} });
pyodide.FS.mkdirTree("/downhill");
pyodide.FS.writeFile("/downhill/original.zip", readFileSync(join(pyodideDir, "python_stdlib.zip")));

// The worker installs the engine as the builder's wheel, which imports modules of its own:
// install the same wheel, written by downhill/assets.py (stdlib-only, so any Python 3 runs it).
const scratch = mkdtempSync(join(tmpdir(), "pyodide-stdlib-"));
const wheel = execFileSync(process.env.PYTHON ?? "python3", ["-c", `
import sys
from pathlib import Path
root, scratch = map(Path, sys.argv[1:])
sys.path.insert(0, str(root))
from downhill.assets import engine_wheel
name, data = engine_wheel(root / "engine")
(scratch / name).write_bytes(data)
print(scratch / name, end="")
`, root, scratch], { encoding: "utf8" });
await pyodide.loadPackage(wheel, { messageCallback: () => {} });
rmSync(scratch, { recursive: true });

const engineFiles = readdirSync(join(root, "engine")).filter((name) => name.endsWith(".py"));
// The engine's modules, less its command line (never run in the browser).
pyodide.globals.set("engine_modules", engineFiles
  .filter((name) => !["__init__.py", "__main__.py"].includes(name))
  .map((name) => `engine.${name.slice(0, -3)}`));
const precompiled = pyodide.runPython(`
import importlib, importlib.util, json, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

# What the worker imports: Pyodide's start-up and the wheel's installation (above), every
# engine module, and whatever rendering and reporting an error import on first use.
import engine
for name in engine_modules:
    importlib.import_module(name)
engine.render_json(json.dumps({"function": "peaks", "optimizer": ["gd", "adam"],
    "plots": ["contour", "surface", "basins", "sweep", "field", "directional", "loss"]}))
engine.render_json(json.dumps({"function": "x**2 +", "start": [0]}))

prefix = f"/lib/python{sys.version_info.major}{sys.version_info.minor}.zip/"
# Frozen modules (their spec's origin is "frozen") are bytecode inside the core already.
origins = [getattr(m.__spec__, "origin", None) or "" for m in list(sys.modules.values())]
used = sorted(o.removeprefix(prefix) for o in origins if o.startswith(prefix) and o.endswith(".py"))

def entry(name, attributes=0o644 << 16):
    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = attributes
    return info

# Unchecked hash-based pycs: no timestamps (reproducible) and no source to check against.
compiled = set(used)
with zipfile.ZipFile("/downhill/original.zip") as original, zipfile.ZipFile(
    "/downhill/python_stdlib.zip", "w"
) as rewritten:
    for info in original.infolist():
        data = original.read(info)
        if info.filename in compiled:
            code = compile(data, prefix + info.filename, "exec", dont_inherit=True, optimize=2)
            pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
            rewritten.writestr(entry(info.filename + "c"), bytes(pyc))
"\\n".join(used)
`);

// Built sites hard-link these files: write new ones, never rewrite them in place.
const write = (name, data) => {
  writeFileSync(join(out, `.${name}.tmp`), data);
  renameSync(join(out, `.${name}.tmp`), join(out, name));
};
mkdirSync(out, { recursive: true });
write("python_stdlib.zip", pyodide.FS.readFile("/downhill/python_stdlib.zip"));
write("precompiled.txt", `${precompiled}\n`);
write(
  "package.json",
  `${JSON.stringify({
    name: "pyodide-downhill",
    version,
    description: `Pyodide ${version}'s runtime as Downhill ships it: the standard library with only what the worker imports, precompiled (scripts/pyodide-stdlib.mjs), and the files readers download packed with xz (scripts/pack-runtime.py)`,
    license: "MPL-2.0 AND PSF-2.0",
    private: true,
  }, null, 2)}\n`,
);
console.log(`pyodide-stdlib: ${out}/python_stdlib.zip (${precompiled.split("\n").length} modules precompiled)`);
execFileSync(process.env.PYTHON ?? "python3", [join(root, "scripts", "pack-runtime.py")], { stdio: "inherit" });
