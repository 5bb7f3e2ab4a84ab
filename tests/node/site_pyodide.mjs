// Boot Pyodide under Node as a built site's worker does in the browser: with the site's
// standard library (vendor/pyodide-downhill-*/python_stdlib.zip.xz, unpacked by the
// worker's own decoder, static/unxz.js) and the engine wheel named in the site's lock file,
// passed through `packages`. The WebAssembly is Pyodide's, read from node_modules.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";
import { xzDecoder } from "../../static/unxz.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export async function loadSitePyodide(assets, options = {}) {
  const vendor = path.resolve(assets, "vendor");
  const runtime = readdirSync(vendor).find((name) => name.startsWith("pyodide-downhill-"));
  if (!runtime) throw new Error(`${vendor}: no pyodide-downhill-* folder`);
  const packed = path.join(vendor, runtime, "python_stdlib.zip.xz");
  const manifest = path.join(root, "node_modules", "pyodide-downhill", "packed.json");
  const { size } = JSON.parse(readFileSync(manifest, "utf8"))["python_stdlib.zip.xz"];
  const decode = await xzDecoder(readFileSync(path.join(vendor, runtime, "xz-decompress.wasm")));
  const stream = new Response(readFileSync(packed)).body.pipeThrough(decode(size));
  const stdlib = path.join(mkdtempSync(path.join(tmpdir(), "downhill-stdlib-")), "python_stdlib.zip");
  writeFileSync(stdlib, new Uint8Array(await new Response(stream).arrayBuffer()));
  const lockFile = path.resolve(assets, "engine", "pyodide-lock.json");
  return loadPyodide({
    stdLibURL: stdlib,
    lockFileURL: lockFile,
    packageBaseUrl: path.dirname(lockFile) + "/",
    packages: ["downhill-engine"],
    ...options,
  });
}
