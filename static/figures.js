// Figures on the page: the theme a dark reader gets, the narrow layout a phone gets, paths
// revealed step by step, and drawing them with the right Plotly bundle. Demos and cells
// draw through `drawFigures`, so their charts look and behave the same.
import { PLOTLY3D, script } from "./config.js";

// On a touch screen Plotly's toolbar stays shown, over the legend's first entries (at
// 360 px it hid one on every chart): there it is left out (a double tap resets the axes).
// A 3-D chart is drawn at the screen's pixel ratio (Plotly's default is 2 on every
// screen: four times the pixels on a 1× one, 40 ms more a frame drawn in software),
// and at most 2, as Plotly draws it on a phone.
const PLOT_CONFIG = { responsive: true, displaylogo: false,
  displayModeBar: window.matchMedia("(pointer: coarse)").matches ? false : "hover",
  plotGlPixelRatio: Math.min(2, Math.max(1, window.devicePixelRatio || 1)) };
export const dark = window.matchMedia("(prefers-color-scheme: dark)");

const SOLID = new Set(["surface", "scatter3d", "mesh3d", "cone", "isosurface", "streamtube",
  "volume"]);

export const isSolid = (figure) => figure.data.some((trace) => SOLID.has(trace.type));

/** The Plotly bundle that draws this figure, or null while its bundle is still loading. */
function plotlyFor(figure) {
  if (!isSolid(figure) || !PLOTLY3D.url) return window.Plotly;
  return window.Plotly3D ?? null;
}

// A chart narrower than this takes its figure's narrow layout (layout.meta.narrow, e.g.
// small multiples stacked), merged in key by key.
const NARROW = 600;
export const isNarrow = (chart) => chart.clientWidth > 0 && chart.clientWidth < NARROW;

function fitted(layout, narrow) {
  const changes = narrow && layout.meta && layout.meta.narrow;
  if (!changes) return layout;
  const out = { ...layout };
  for (const [key, value] of Object.entries(changes)) {
    const merge = value && typeof value === "object" && !Array.isArray(value) && layout[key];
    out[key] = merge ? { ...layout[key], ...value } : value;
  }
  return out;
}

function themed(layout) {
  if (!dark.matches) return layout;
  const axis = { gridcolor: "#3a3a40", zerolinecolor: "#55555c", color: "#d8d8d8" };
  // The page's dark colours (the figure's backgrounds are transparent: the page shows).
  const out = { ...layout, font: { ...layout.font, color: "#e8e8e6" } };
  for (const key of Object.keys(layout)) {
    if (/^[xy]axis\d*$/.test(key)) out[key] = { ...layout[key], ...axis };
  }
  if (layout.scene) {
    out.scene = { ...layout.scene, xaxis: { ...layout.scene.xaxis, ...axis },
      yaxis: { ...layout.scene.yaxis, ...axis }, zaxis: { ...layout.scene.zaxis, ...axis } };
  }
  return out;
}

/** Show only the first `frame` + 1 points of every path trace (for play and step). */
function reveal(figure, frame) {
  if (frame === null) return figure;
  const data = figure.data.map((trace) => {
    if (!trace.meta || !trace.meta.path) return trace;
    const cut = { ...trace };
    for (const axis of ["x", "y", "z"]) if (trace[axis]) cut[axis] = trace[axis].slice(0, frame + 1);
    return cut;
  });
  return { ...figure, data };
}

export function pathLength(figures) {
  let longest = 0;
  for (const figure of figures) for (const trace of figure.data) {
    if (trace.meta && trace.meta.path) longest = Math.max(longest, trace.x.length);
  }
  return longest;
}

/**
 * Draw `figures` into `charts` (one element each); with `only`, just the flat (2-D) or
 * just the solid (3-D) ones; with a `frame`, paths revealed up to it. Resolves when Plotly
 * has drawn them.
 */
export function drawFigures(charts, figures, { only = null, frame = null } = {}) {
  const drawn = [];
  figures.forEach((figure, i) => {
    if (only !== null && isSolid(figure) !== (only === "solid")) return;
    const shown = reveal(figure, frame);
    const plotly = plotlyFor(figure);
    if (!charts[i] || !plotly) return;
    try {
      const layout = themed(fitted(shown.layout, isNarrow(charts[i])));
      drawn.push(plotly.react(charts[i], shown.data, layout, PLOT_CONFIG));
    } catch (err) {
      drawn.push(Promise.reject(err));
    }
  });
  return Promise.all(drawn);
}

/** Say in each 3-D chart's place that it could not be drawn. */
export function solidChartsFailed(charts, figures, err) {
  figures.forEach((figure, i) => {
    if (isSolid(figure) && charts[i]) {
      charts[i].textContent = `This 3-D chart could not be drawn: ${err.message} did not load.`;
    }
  });
}

/**
 * The figures merged with a keyframe's differences (traces by index, or all of a figure's
 * data, and its layout), as the builder made them (downhill/keyframes.py).
 */
export function withFrame(figures, frame) {
  return figures.map((figure, i) => {
    const part = frame.figures[i] || {};
    return {
      layout: part.layout ?? figure.layout,
      data: part.data ?? figure.data.map((trace, k) => part.traces?.[k] ?? trace),
    };
  });
}

/** The figures each demo embeds, by demo id, for the arrays later demos share. */
const embedded = new Map();

/**
 * Put back the arrays the builder left out as {$same: "DEMO/FIGURE/TRACE/KEY"}: each names
 * an earlier place, in an earlier demo or earlier in this one (`id`).
 */
export function withShared(id, figures) {
  for (const figure of figures) {
    for (const trace of figure.data) {
      for (const [key, value] of Object.entries(trace)) {
        if (!value || typeof value !== "object" || !("$same" in value)) continue;
        const [demo, f, t, k] = value.$same.split("/");
        const source = demo === id ? figures : embedded.get(demo);
        trace[key] = source[Number(f)].data[Number(t)][k];
      }
    }
  }
  embedded.set(id, figures);
  return figures;
}

function scriptElement(src, integrity) {
  const element = document.createElement("script");
  element.src = src;
  if (integrity) {
    element.integrity = integrity;
    element.crossOrigin = "anonymous";
  }
  return element;
}

let plotly3d = null;

/**
 * On a page with 2-D and 3-D charts, load the 3-D bundle (once) when a 3-D chart is first
 * drawn, and keep it as Plotly3D beside the 2-D bundle (both call themselves Plotly).
 */
export function loadPlotly3D() {
  if (!PLOTLY3D.url) return Promise.resolve();
  plotly3d ??= new Promise((resolve, reject) => {
    const flat = window.Plotly;
    const bundle = scriptElement(PLOTLY3D.url, PLOTLY3D.integrity);
    bundle.addEventListener("load", () => {
      window.Plotly3D = window.Plotly;
      window.Plotly = flat;
      resolve();
    });
    bundle.addEventListener("error", () => reject(new Error("the 3-D chart library")));
    document.head.append(bundle);
  });
  return plotly3d;
}

