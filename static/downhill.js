// Downhill's page glue: draw the pre-rendered figures at once, then upgrade demos to live
// ones. It maps controls → spec → worker → figure and knows nothing about gradient descent.

const script = document.querySelector("script[data-worker]");
const WORKER_URL = `${script.dataset.worker}?${new URLSearchParams(Object.entries({
  pyodide: script.dataset.pyodide,
  lock: script.dataset.engineLock,
  // self-hosted: the runtime's packed files and their decoder (see worker.js)
  wasm: script.dataset.wasm,
  stdlib: script.dataset.stdlib,
  xz: script.dataset.xz,
  unxz: script.dataset.unxz,
}).filter(([, value]) => value))}`;
const TIME_LIMIT_MS = 20000; // a request running longer than this restarts the worker
const BOOT_LIMIT_MS = 90000; // a runtime that has not started by then is reported as failed
const PLOT_CONFIG = { responsive: true, displaylogo: false };
const dark = window.matchMedia("(prefers-color-scheme: dark)");
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

const clone = (value) => JSON.parse(JSON.stringify(value));

/** One Pyodide worker per page, started on first need and shared by every demo. */
class Engine {
  constructor(url) {
    this.url = url;
    this.listeners = new Map(); // demo id → callback(message)
    this.worker = null;
    this.ready = null;
    this.timers = new Map(); // demo id → runaway timer
    this.pending = new Map(); // demo id → [seq, spec] sent and not yet answered
  }

  start() {
    if (this.ready) return this.ready;
    this.pending.clear();
    this.ready = new Promise((resolve, reject) => {
      try {
        this.worker = new Worker(this.url, { type: "module" });
      } catch (err) {
        reject(err);
        return;
      }
      this.worker.onmessage = ({ data }) => {
        if (data.type === "ready") resolve();
        else if (data.type === "failed") reject(new Error(data.message));
        else if (data.type === "result") {
          clearTimeout(this.timers.get(data.demo));
          this.pending.delete(data.demo);
          this.listeners.get(data.demo)?.(data);
        } else if (data.type === "broken") this.restart(null); // Python died in the worker
      };
      this.worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message || "the engine's worker could not start"));
      };
      setTimeout(() => reject(new Error("the Python runtime took too long to start")),
        BOOT_LIMIT_MS);
    });
    this.ready.catch(() => this.stop()); // each demo reports it; never unhandled
    document.dispatchEvent(new CustomEvent("downhill:engine-start"));
    return this.ready;
  }

  stop() {
    this.worker?.terminate();
    this.worker = null;
    this.ready = null;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * A fresh worker after a runaway request (`culprit`, told it timed out) or a runtime that
   * died: every other demo's unanswered request is sent again to the new worker.
   */
  restart(culprit) {
    const lost = [...this.pending].filter(([demo]) => demo !== culprit);
    this.stop();
    if (culprit) this.listeners.get(culprit)?.({ type: "timeout", demo: culprit });
    for (const [demo, [seq, spec]] of lost) this.render(demo, seq, spec);
  }

  forget(demo) {
    this.worker?.postMessage({ type: "forget", demo });
  }

  /** Send a spec, (re)starting the worker if it was stopped; a failed start is an answer. */
  render(demo, seq, original) {
    const spec = clone(original); // as it is now: the demo may change it before the worker starts
    this.start().then(() => {
      this.pending.set(demo, [seq, spec]);
      this.worker.postMessage({ type: "render", demo, seq, spec });
      clearTimeout(this.timers.get(demo));
      this.timers.set(demo, setTimeout(() => this.restart(demo), TIME_LIMIT_MS));
    }, (err) => this.listeners.get(demo)?.({ type: "failed", demo, seq, message: err.message }));
  }
}

/** The value a control had in the page as built (a reader may have moved it since). */
function initialValue(input) {
  if (input.tagName === "SELECT") {
    return [...input.options].find((option) => option.defaultSelected)?.value ?? input.value;
  }
  // The built value as the browser shows it (a range snaps it to min, max and step).
  const untouched = document.createElement("input");
  for (const { name, value } of input.attributes) untouched.setAttribute(name, value);
  return untouched.value;
}

function setPath(target, path, value) {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = value;
}

const SOLID = new Set(["surface", "scatter3d", "mesh3d", "cone", "isosurface", "streamtube",
  "volume"]);

const isSolid = (figure) => figure.data.some((trace) => SOLID.has(trace.type));

/** The Plotly bundle that draws this figure, or null while its bundle is still loading. */
function plotlyFor(figure) {
  if (!isSolid(figure) || !script.dataset.plotly3d) return window.Plotly;
  return window.Plotly3D ?? null;
}

// A chart narrower than this takes its figure's narrow layout (layout.meta.narrow, e.g.
// small multiples stacked), merged in key by key.
const NARROW = 600;
const isNarrow = (chart) => chart.clientWidth > 0 && chart.clientWidth < NARROW;

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

function pathLength(figures) {
  let longest = 0;
  for (const figure of figures) for (const trace of figure.data) {
    if (trace.meta && trace.meta.path) longest = Math.max(longest, trace.x.length);
  }
  return longest;
}

/** The figures each demo embeds, by demo id, for the arrays later demos share. */
const embedded = new Map();

/**
 * Put back the arrays the builder left out as {$same: "DEMO/FIGURE/TRACE/KEY"}: each names
 * an earlier place, in an earlier demo or earlier in this one (`id`).
 */
function withShared(id, figures) {
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
  return figures;
}

/** Values from the URL: ?DEMO.KEY=VALUE for each control a reader moved. */
const urlState = new URLSearchParams(window.location.search);

/** A demo: static figures at once; live once the engine is ready. */
class Demo {
  constructor(element, engine) {
    this.el = element;
    this.engine = engine;
    this.id = element.id;
    this.initialSpec = JSON.parse(element.querySelector(".demo-spec").textContent);
    this.spec = clone(this.initialSpec);
    this.initialFigures = withShared(
      this.id, JSON.parse(element.querySelector(".demo-figures").textContent));
    embedded.set(this.id, this.initialFigures);
    this.figures = this.initialFigures;
    this.answered = this.initialFigures; // what the worker last sent (see receive)
    // The engine's answers computed at build time, fetched once the demo is drawn: a large
    // set comes with a first, coarse one (a few positions per control), fetched beside it,
    // which answers until the whole set is in. `keyframes` resolves with the first set to
    // arrive, `keyframesLoaded` once both are in; `frameSet` is the best set so far.
    const urls = [element.dataset.keyframesFirst, element.dataset.keyframes].filter(Boolean);
    this.frameSet = null;
    this.frameRank = -1;
    let loaded;
    this.keyframesLoaded = new Promise((resolve) => {
      loaded = resolve;
    });
    this.keyframes = new Promise((resolve) => {
      this.fetchKeyframes = () => {
        if (this.keyframesAsked) return;
        this.keyframesAsked = true;
        const sets = urls.map((url) => fetch(new URL(url, window.location.href))
          .then((response) => (response.ok ? response.json() : null)).catch(() => null));
        sets.forEach((set, rank) => set.then((frames) => {
          if (!frames || rank < this.frameRank) return;
          [this.frameSet, this.frameRank] = [frames, rank];
          resolve(frames);
        }));
        Promise.all(sets).then(() => {
          resolve(this.frameSet);
          loaded();
        });
      };
    });
    this.charts = [...element.querySelectorAll(".demo-chart")];
    this.summary = element.querySelector(".demo-summary");
    this.initialSummary = this.summary.textContent;
    this.status = element.querySelector(".demo-status");
    this.inputs = [...element.querySelectorAll(".demo-controls [data-path]")];
    this.play = element.querySelector(".control-play");
    this.latest = 0; // sequence number of the newest request
    this.inFlight = false;
    this.pending = false;
    this.frame = null; // null: whole paths; a number: paths revealed up to that step
    this.timer = null;
    engine.listeners.set(this.id, (message) => this.receive(message));
    element.querySelector(".demo-controls")?.addEventListener("submit", (e) => e.preventDefault());
    for (const input of this.inputs) {
      input.dataset.initial = initialValue(input);
      const event = input.type === "text" ? "change" : "input";
      input.addEventListener(event, () => this.changed(input));
      // A control moved while the page was still loading counts as soon as we listen.
      if (input.value !== input.dataset.initial) this.changed(input, { fromUrl: true });
    }
    for (const type of ["focusin", "pointerdown"]) {
      element.addEventListener(type, () => this.wake(), { once: true });
    }
    if (this.play) this.setUpPlay();
    this.setUpTaps();
    element.querySelector(".download-csv").addEventListener("click", () => this.downloadCsv());
    this.restoreFromUrl();
    dark.addEventListener("change", () => this.draw());
    // Redraw when a chart crosses the narrow breakpoint (a phone turned, a window resized).
    this.narrow = this.charts.map(isNarrow);
    new ResizeObserver(() => {
      const now = this.charts.map(isNarrow);
      if (now.some((narrow, i) => narrow !== this.narrow[i])) {
        this.narrow = now;
        this.draw().catch(() => {});
      }
    }).observe(element);
    if (engine.ready) this.wake(); // the engine already started for an earlier demo
  }

  /**
   * Draw every chart; with `only`, just the flat (2-D) or just the solid (3-D) ones.
   * Resolves when Plotly has drawn them.
   */
  draw(only = null) {
    const drawn = [];
    this.figures.forEach((figure, i) => {
      if (only !== null && isSolid(figure) !== (only === "solid")) return;
      const shown = reveal(figure, this.frame);
      const plotly = plotlyFor(figure);
      if (!this.charts[i] || !plotly) return;
      try {
        const layout = themed(fitted(shown.layout, isNarrow(this.charts[i])));
        drawn.push(plotly.react(this.charts[i], shown.data, layout, PLOT_CONFIG));
      } catch (err) {
        drawn.push(Promise.reject(err));
      }
    });
    return Promise.all(drawn);
  }

  solidChartsFailed(err) {
    this.figures.forEach((figure, i) => {
      if (isSolid(figure) && this.charts[i]) {
        this.charts[i].textContent = `This 3-D chart could not be drawn: ${err.message} did not load.`;
      }
    });
  }

  setState(state, words) {
    this.el.dataset.state = state;
    this.status.textContent = words;
    this.el.querySelector(".retry")?.remove();
    if (state === "error") {
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "retry";
      retry.textContent = "Retry";
      retry.addEventListener("click", () => {
        this.el.dataset.state = "static";
        this.wake();
      });
      this.status.append(" ", retry);
    }
  }

  wake() {
    if (this.el.dataset.state !== "static") return;
    this.setState("loading", "Loading the Python engine… the controls already work.");
    this.engine.start().then(
      () => {
        this.setState("ready", "Interactive: every change is recomputed by the engine.");
        this.send();
      },
      (err) => this.setState("error", `The interactive engine could not load (${err.message}). ` +
        "The charts show the pre-computed results."),
    );
  }

  valueOf(input) {
    if (input.type === "range") {
      const raw = Number(input.value);
      const value = input.dataset.scale === "log" ? Number((10 ** raw).toPrecision(4)) : raw;
      return value;
    }
    return input.value;
  }

  changed(input, { fromUrl = false } = {}) {
    this.apply(input);
    if (!fromUrl) this.saveToUrl();
    this.request();
    if (this.el.dataset.state !== "ready") this.fromKeyframes({ snap: !fromUrl });
  }

  /** Write the control's value into the spec and beside the control. */
  apply(input) {
    const value = this.valueOf(input);
    setPath(this.spec, JSON.parse(input.dataset.path), value);
    const output = input.parentElement.querySelector("output");
    if (output) output.textContent = String(value);
    if (input.type === "range") input.setAttribute("aria-valuetext", String(value));
  }

  /**
   * Before the engine is ready: draw the precomputed frame of the controls' state, if there
   * is one (one control moved from its built value); else keep the chart, marked as not
   * showing these values, and say so. A slider whose positions were thinned snaps to the
   * nearest one, so the value shown is always the value drawn; a state restored from the
   * link (`snap` false) is never moved: it is drawn only if the whole set holds it.
   */
  async fromKeyframes({ snap = true } = {}) {
    const seq = this.latest;
    await (snap ? this.keyframes : this.keyframesLoaded);
    const frames = this.frameSet;
    if (seq !== this.latest || this.el.dataset.state === "ready") return; // newer news
    this.keyframeSeq = seq; // (for tests: the state of request `seq` is shown)
    const moved = this.inputs.filter((input) => input.value !== input.dataset.initial);
    if (!moved.length) return this.showFrame(null);
    const entry = moved.length === 1 && frames && frames.controls[moved[0].name];
    if (!entry) return this.notPrecomputed();
    const input = moved[0];
    let k = entry.positions.indexOf(input.value);
    if (input.tagName !== "SELECT" && !snap) k = entry.positions.indexOf(Number(input.value));
    if (k < 0 && !snap) return this.notPrecomputed();
    if (input.tagName !== "SELECT" && snap) {
      const u = Number(input.value);
      k = entry.positions.reduce((best, p, i) =>
        (Math.abs(p - u) < Math.abs(entry.positions[best] - u) ? i : best), 0);
      if (entry.positions[k] !== u) {
        input.value = String(entry.positions[k]);
        this.apply(input);
        this.saveToUrl();
      }
    }
    return this.showFrame(entry.frames[k] === null ? null : frames.frames[entry.frames[k]]);
  }

  /** Keep the chart, marked as not showing the controls' values, and say so. */
  notPrecomputed() {
    this.charts.forEach((chart) => chart.classList.add("demo-stale"));
    this.summary.textContent = this.el.dataset.state === "error"
      ? "This setting has no precomputed chart, and the engine could not load."
      : "Not drawn yet: this setting is computed when the engine is ready.";
  }

  showFrame(frame) {
    this.charts.forEach((chart) => chart.classList.remove("demo-stale"));
    this.figures = frame === null ? this.initialFigures : this.initialFigures.map((figure, i) => {
      const part = frame.figures[i] || {};
      return {
        layout: part.layout ?? figure.layout,
        data: part.data ?? figure.data.map((trace, k) => part.traces?.[k] ?? trace),
      };
    });
    this.frame = null;
    this.summary.textContent = frame === null ? this.initialSummary : frame.summary;
    this.el.dispatchEvent(new CustomEvent("downhill:keyframe"));
    return this.draw();
  }

  request() {
    this.latest += 1;
    this.pending = true;
    this.wake();
    if (this.el.dataset.state === "ready") this.send();
  }

  /** Latest wins: at most one request in flight; only the newest spec is ever sent next. */
  send() {
    if (this.inFlight || !this.pending || this.el.dataset.state !== "ready") return;
    this.pending = false;
    this.inFlight = true;
    this.engine.render(this.id, this.latest, this.spec);
  }

  receive(message) {
    this.inFlight = false;
    if (message.type === "timeout") {
      this.setState("error", "The engine took too long on this setting and was restarted.");
      return;
    }
    if (message.type === "failed") {
      this.setState("error", `The interactive engine could not load (${message.message}). ` +
        "The charts show the pre-computed results.");
      return;
    }
    if (message.ok) {
      // The worker leaves out traces identical to the last ones it sent, stale or not, so
      // every answer updates this mirror of what it sent; only the newest is drawn.
      this.answered = message.ok.figures.map((figure, i) => ({
        layout: figure.layout,
        data: figure.data.map((trace, k) => trace ?? this.answered[i].data[k]),
      }));
    }
    if (message.seq === this.latest) {
      const textError = this.el.querySelector(".control-error");
      if (textError) textError.textContent = "";
      if (message.error) {
        this.summary.textContent = `Cannot compute this: ${message.error.message}`;
        if (textError) textError.textContent = message.error.message;
      } else {
        this.figures = this.answered;
        this.charts.forEach((chart) => chart.classList.remove("demo-stale"));
        this.frame = null;
        this.draw();
        this.summary.textContent = message.ok.summary;
      }
      this.el.dispatchEvent(new CustomEvent("downhill:drawn", { detail: { seq: message.seq } }));
    }
    this.send();
  }

  /**
   * A click (or tap) in the plot area of a figure with layout.meta.tap moves the controls
   * of the spec paths it names to the point under the pointer (each input snaps to its own
   * steps and range, then reports the change like a moved slider).
   */
  setUpTaps() {
    this.charts.forEach((chart, i) => {
      chart.addEventListener("click", (event) => {
        const tap = this.figures[i]?.layout?.meta?.tap;
        const full = chart._fullLayout; // Plotly's computed axes: pixel ↔ data
        const area = chart.querySelector(".draglayer .nsewdrag")?.getBoundingClientRect();
        if (!tap || !full || !area) return;
        const inside = event.clientX >= area.left && event.clientX <= area.right
          && event.clientY >= area.top && event.clientY <= area.bottom;
        if (!inside) return;
        const at = {
          x: full.xaxis.p2c(event.clientX - area.left),
          y: full.yaxis.p2c(event.clientY - area.top),
        };
        for (const [axis, path] of Object.entries(tap)) {
          const input = this.inputs.find((candidate) =>
            candidate.type === "range"
            && JSON.stringify(JSON.parse(candidate.dataset.path)) === JSON.stringify(path));
          if (!input || !Number.isFinite(at[axis])) continue;
          input.value = String(input.dataset.scale === "log" ? Math.log10(at[axis]) : at[axis]);
          input.dispatchEvent(new Event("input", { bubbles: true }));
        }
      });
    });
  }

  setUpPlay() {
    const button = this.play.querySelector(".play");
    const frameText = this.play.querySelector(".frame");
    const interval = Number(this.play.dataset.interval) || 120;
    const show = (frame) => {
      this.frame = frame;
      frameText.textContent = frame === null ? "" : `step ${frame}`;
      this.draw();
    };
    const stop = () => {
      clearInterval(this.timer);
      this.timer = null;
      button.textContent = "Play";
      button.setAttribute("aria-pressed", "false");
    };
    const advance = () => {
      const last = pathLength(this.figures) - 1;
      const next = this.frame === null || this.frame >= last ? 0 : this.frame + 1;
      show(next);
      if (next >= last) stop();
    };
    button.addEventListener("click", () => {
      if (this.timer) return stop();
      button.textContent = "Pause";
      button.setAttribute("aria-pressed", "true");
      if (reducedMotion.matches) {
        show(pathLength(this.figures) - 1); // no animation: show the whole run at once
        return stop();
      }
      if (this.frame === null || this.frame >= pathLength(this.figures) - 1) show(0);
      this.timer = setInterval(advance, interval);
    });
    this.play.querySelector(".step").addEventListener("click", () => {
      stop();
      advance();
    });
    this.play.querySelector(".reset").addEventListener("click", () => {
      stop();
      this.reset();
      show(null);
    });
  }

  reset() {
    for (const input of this.inputs) {
      input.value = input.dataset.initial;
      const output = input.parentElement.querySelector("output");
      if (output) output.textContent = String(this.valueOf(input));
    }
    this.spec = clone(this.initialSpec);
    this.figures = this.initialFigures;
    this.charts.forEach((chart) => chart.classList.remove("demo-stale"));
    this.engine.forget(this.id);
    this.latest += 1; // results still in flight are now stale
    this.pending = false;
    this.summary.textContent = this.initialSummary;
    this.saveToUrl();
    this.draw();
  }

  saveToUrl() {
    const params = new URLSearchParams(window.location.search);
    for (const input of this.inputs) {
      const key = `${this.id}.${input.name}`;
      if (input.value === input.dataset.initial) params.delete(key);
      else params.set(key, input.value);
    }
    const query = params.toString();
    const url = `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`;
    window.history.replaceState(null, "", url);
    this.el.querySelector(".demo-link").href = `${url.split("#")[0]}#${this.id}`;
  }

  restoreFromUrl() {
    let restored = false;
    for (const input of this.inputs) {
      const value = urlState.get(`${this.id}.${input.name}`);
      if (value === null) continue;
      input.value = value;
      this.changed(input, { fromUrl: true });
      restored = true;
    }
    if (restored) this.saveToUrl();
  }

  downloadCsv() {
    const rows = [["figure", "trace", "step", "x", "y", "z"]];
    this.figures.forEach((figure, i) => {
      for (const trace of figure.data) {
        if (!trace.meta || !trace.meta.path) continue;
        trace.x.forEach((x, k) => rows.push([i + 1, trace.name, k, x, trace.y[k], trace.z ? trace.z[k] : ""]));
      }
    });
    const blob = new Blob([rows.map((r) => r.join(",")).join("\n") + "\n"], { type: "text/csv" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${this.id}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }
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

/**
 * On a page with 2-D and 3-D charts, load the 3-D bundle once the 2-D charts are drawn and
 * keep it as Plotly3D beside the 2-D bundle (both call themselves Plotly).
 */
function loadPlotly3D() {
  return new Promise((resolve, reject) => {
    const flat = window.Plotly;
    const bundle = scriptElement(script.dataset.plotly3d, script.dataset.plotly3dIntegrity);
    bundle.addEventListener("load", () => {
      window.Plotly3D = window.Plotly;
      window.Plotly = flat;
      resolve();
    });
    bundle.addEventListener("error", () => reject(new Error("the 3-D chart library")));
    document.head.append(bundle);
  });
}

const engine = new Engine(WORKER_URL);
const demos = [];
// Once the engine starts for one demo, every demo on the page goes live with it.
document.addEventListener("downhill:engine-start", () => demos.forEach((d) => d.wake()));

const NEAR_PX = 200; // a demo this close to the viewport starts the engine

/** How far `element` is from the viewport, in px; `top` is where the viewport starts. */
function distanceFromViewport(element, top = 0) {
  const box = element.getBoundingClientRect();
  if (box.bottom < top) return top - box.bottom;
  return Math.max(0, box.top - top - window.innerHeight);
}

/** Where the viewport will start: the browser scrolls to a #fragment only once loaded. */
function comingViewportTop() {
  let id = "";
  try {
    id = decodeURIComponent(window.location.hash.slice(1));
  } catch {
    return 0; // a malformed fragment (#%) names no element
  }
  const target = id && document.getElementById(id);
  return target && window.scrollY === 0 ? target.getBoundingClientRect().top : 0;
}

/** Start the engine now if a demo is near the viewport (`nearNow`), else when one comes near. */
function startNearViewport(nearNow) {
  // Asked to save data, the page leaves the 4 MB runtime to the reader's first touch of a
  // demo (wake); until then, and meanwhile, the keyframes answer.
  if (navigator.connection?.saveData) return;
  if (nearNow) {
    engine.start().catch(() => {}); // each demo reports a failure
    return;
  }
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    engine.start().catch(() => {});
  }, { rootMargin: `${NEAR_PX}px` });
  for (const demo of demos) observer.observe(demo.el);
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const KEYFRAMES_FIRST_MS = 3000; // the runtime waits at most this long for them

/**
 * Draws demos one at a time, in the order asked, each painted before the next starts: its
 * 2-D charts, then its 3-D ones (slow to set up; their bundle is loaded on first need).
 */
class Painter {
  constructor() {
    this.queue = Promise.resolve();
    this.plotly3d = null;
    this.painted = new Map(); // demo → promise of its 2-D charts drawn
  }

  /** Queue `demo` (once); resolves when its 2-D charts are drawn. */
  paint(demo) {
    if (this.painted.has(demo)) return this.painted.get(demo);
    let flatDone;
    const flat = new Promise((resolve) => {
      flatDone = resolve;
    });
    this.painted.set(demo, flat);
    this.queue = this.queue.then(async () => {
      await demo.draw("flat").catch(() => {}); // a chart Plotly cannot draw stays empty
      await nextTask();
      flatDone();
      demo.fetchKeyframes();
      if (!demo.figures.some(isSolid)) return;
      if (script.dataset.plotly3d) {
        this.plotly3d ??= loadPlotly3D();
        try {
          await this.plotly3d;
        } catch (err) {
          demo.solidChartsFailed(err);
          return;
        }
      }
      await demo.draw("solid").catch(() => {});
      await nextTask();
    });
    return flat;
  }
}

/**
 * Paint each of `demos` when it comes near the viewport; one that is only a viewport ahead
 * waits for the engine's start-up to end, so that drawing ahead never slows the boot.
 */
function paintOnApproach(demos, painter) {
  const byElement = new Map(demos.map((demo) => [demo.el, demo]));
  const settled = () => (engine.ready ? engine.ready.catch(() => {}) : Promise.resolve());
  const watch = (margin, when) => {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        when().then(() => painter.paint(byElement.get(entry.target)));
      }
    }, { rootMargin: `${margin} 0px` });
    for (const demo of demos) observer.observe(demo.el);
  };
  watch(`${NEAR_PX}px`, () => Promise.resolve());
  watch("100%", settled);
}

// Deferred scripts (Plotly) have run by DOMContentLoaded. Draw the demos near the reader,
// nearest first, each painted as soon as it is drawn; the rest as they come near. The engine
// starts once the first demo's 2-D charts are up: on a small machine its start-up would
// otherwise delay them by half a second, and it still boots while the rest are drawn.
// Off-screen demos wait, so that they do not slow the boot on two cores.
document.addEventListener("DOMContentLoaded", async () => {
  for (const element of document.querySelectorAll(".demo")) demos.push(new Demo(element, engine));
  window.downhill = { demos, engine }; // for tests and the curious
  const top = comingViewportTop();
  const distance = new Map(demos.map((demo) => [demo, distanceFromViewport(demo.el, top)]));
  const near = demos.filter((demo) => distance.get(demo) <= NEAR_PX)
    .sort((a, b) => distance.get(a) - distance.get(b));
  const painter = new Painter();
  // Printing shows every chart: draw the rest now (a 3-D one only if its bundle is loaded).
  window.addEventListener("beforeprint", () => {
    for (const demo of demos) if (!painter.painted.has(demo)) demo.draw().catch(() => {});
  });
  const flat = near.map((demo) => painter.paint(demo));
  if (flat.length) await flat[0];
  // The first demo's keyframes come before the runtime: on a slow link the 4.7 MB download
  // would otherwise share the bandwidth with them, and the reader's first touch would wait.
  if (near.length) await Promise.race([near[0].keyframesLoaded, delay(KEYFRAMES_FIRST_MS)]);
  startNearViewport(near.length > 0);
  paintOnApproach(demos.filter((demo) => !near.includes(demo)), painter);
  await painter.queue;
});
