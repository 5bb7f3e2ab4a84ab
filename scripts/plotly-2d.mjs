// Build Downhill's 2-D Plotly bundle: Plotly's core with only the trace types the engine
// draws in 2-D. Plotly's smallest prebuilt bundle with contours (cartesian) registers a
// dozen trace types and takes 0.3 s longer to start on a small machine, which is 0.3 s
// more before a reader sees the first chart.
//
// Run by `npm ci` (the "postinstall" script). The bundle is written as a package of its own,
// node_modules/plotly.js-downhill-2d, so the builder publishes it like the pinned npm
// bundles: its version is Plotly's, and the same inputs give the same bytes.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const TRACES = ["scatter", "contour", "heatmap"]; // keep in step with downhill/assets.py
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const plotly = JSON.parse(readFileSync(join(modules, "plotly.js", "package.json"), "utf8"));
const out = join(modules, "plotly.js-downhill-2d");

const entry = [
  "var Plotly = require('plotly.js/lib/core');",
  `Plotly.register([${TRACES.map((t) => `require('plotly.js/lib/${t}')`).join(", ")}]);`,
  "module.exports = Plotly;",
].join("\n");

// The options of Plotly's own build (esbuild-config.js in the plotly.js package), less the
// plugins only its WebGL and map traces need.
const result = await build({
  stdin: { contents: entry, resolveDir: root, loader: "js" },
  bundle: true,
  format: "iife",
  globalName: "Plotly",
  minify: true,
  target: "es2016",
  define: { global: "window", "define.amd": "false" },
  alias: { stream: "stream-browserify" },
  loader: { ".css": "empty" }, // maplibre's stylesheet, for map traces only
  legalComments: "inline",
  write: false,
  logLevel: "warning",
});
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "plotly-downhill-2d.min.js"), result.outputFiles[0].contents);
writeFileSync(
  join(out, "package.json"),
  `${JSON.stringify({
    name: "plotly.js-downhill-2d",
    version: plotly.version,
    description: `Plotly ${plotly.version} with the ${TRACES.join(", ")} traces, built by scripts/plotly-2d.mjs`,
    license: plotly.license,
    private: true,
  }, null, 2)}\n`,
);
console.log(`plotly-2d: ${out}/plotly-downhill-2d.min.js (${TRACES.join(", ")})`);
