// Build Downhill's Plotly bundles: Plotly's core with only the trace types the engine draws,
// one bundle for 2-D charts and one for 3-D ones. Plotly's smallest prebuilt bundles with
// those traces (cartesian, gl3d) register a dozen trace types each and take longer to start
// on a small machine: 0.3 s more before a reader sees the first chart, 0.35 s more before
// the first 3-D one.
//
// Run by `npm ci` (the "postinstall" script), and by scripts/setup when this file changed.
// Each bundle is written as a package of its own (node_modules/plotly.js-downhill-2d and
// -3d), so the builder publishes it like the pinned npm bundles: its version is Plotly's,
// and the same inputs give the same bytes.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

// Keep in step with FLAT_BUNDLES and SOLID_BUNDLES in downhill/assets.py. The core itself
// registers scatter.
const BUNDLES = {
  "2d": ["scatter", "contour", "heatmap"],
  "3d": ["surface", "scatter3d"],
};
// Plotly refines a surface of fewer than 120 points a side by linear interpolation until it
// has at least that many (src/traces/surface/convert.js, refineData): a 50×50 grid becomes
// 200×200, the same shape in sixteen times the triangles. Drawn in software, as WebGL is on
// a machine without a GPU, those were 70 of a 3-D frame's 105 ms, and the mesh's making
// most of a move's JavaScript; the shapes and colours look the same. So Downhill's 3-D
// bundle draws a surface from the points it is given. The patch must apply: a Plotly that
// no longer has this line fails the build, not the charts.
const SURFACE_AS_GIVEN = {
  name: "surface-as-given",
  setup(build) {
    build.onLoad({ filter: /traces[\\/]surface[\\/]convert\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const patched = source.replace("this.refineData = true;", "this.refineData = false;");
      if (patched === source) throw new Error(`${args.path}: refineData's default not found`);
      return { contents: patched, loader: "js" };
    });
  },
};

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const plotly = JSON.parse(readFileSync(join(modules, "plotly.js", "package.json"), "utf8"));

for (const [name, traces] of Object.entries(BUNDLES)) {
  const entry = [
    "var Plotly = require('plotly.js/lib/core');",
    `Plotly.register([${traces.map((t) => `require('plotly.js/lib/${t}')`).join(", ")}]);`,
    "module.exports = Plotly;",
  ].join("\n");
  // The options of Plotly's own build (esbuild-config.js in the plotly.js package), less the
  // plugins only its regl-based 2-D WebGL and map traces need (the 3-D traces come with
  // their shaders compiled, in plotly.js/stackgl_modules).
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
    plugins: name === "3d" ? [SURFACE_AS_GIVEN] : [],
    write: false,
    logLevel: "warning",
  });
  const out = join(modules, `plotly.js-downhill-${name}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `plotly-downhill-${name}.min.js`), result.outputFiles[0].contents);
  writeFileSync(
    join(out, "package.json"),
    `${JSON.stringify({
      name: `plotly.js-downhill-${name}`,
      version: plotly.version,
      description: `Plotly ${plotly.version} with the ${traces.join(", ")} traces, built by scripts/plotly-bundles.mjs`,
      license: plotly.license,
      private: true,
    }, null, 2)}\n`,
  );
  console.log(`plotly-bundles: ${out}/plotly-downhill-${name}.min.js (${traces.join(", ")})`);
}
