// A demo: its pre-rendered figures at once, answers from keyframes before the engine is
// ready, then live. It maps controls → spec → engine → figure and knows nothing about
// gradient descent.
import { initialValue, linkedValue, saveState, showValue, valueOf } from "./controls.js";
import {
  dark, drawFigures, isNarrow, pathLength, solidChartsFailed, withFrame, withShared,
} from "./figures.js";
import { csvOf } from "./csv.js";
import { KeyframeSet, frameFor, stepBetweenPositions } from "./keyframes.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const URL_DELAY_MS = 250;
const clone = (value) => JSON.parse(JSON.stringify(value));

function setPath(target, path, value) {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = value;
}

/** Redraw `block` when one of its charts crosses the narrow breakpoint (a phone turned). */
export function redrawOnResize(block) {
  block.narrow = block.charts.map(isNarrow);
  new ResizeObserver(() => {
    const now = block.charts.map(isNarrow);
    if (now.some((narrow, i) => narrow !== block.narrow[i])) {
      block.narrow = now;
      block.draw().catch(() => {});
    }
  }).observe(block.el);
  dark.addEventListener("change", () => block.draw().catch(() => {}));
}

export class Demo {
  constructor(element, engine) {
    this.el = element;
    this.engine = engine;
    this.id = element.id;
    this.initialSpec = JSON.parse(element.querySelector(".demo-spec").textContent);
    this.spec = clone(this.initialSpec);
    this.initialFigures = withShared(
      this.id, JSON.parse(element.querySelector(".demo-figures").textContent));
    this.figures = this.initialFigures;
    this.answered = this.initialFigures; // what the worker last sent (see receive)
    this.frames = new KeyframeSet([element.dataset.keyframesFirst, element.dataset.keyframes]);
    this.keyframes = this.frames.first;
    this.keyframesLoaded = this.frames.loaded;
    this.charts = [...element.querySelectorAll(".demo-chart")];
    this.summary = element.querySelector(".demo-summary");
    this.initialSummary = this.summary.textContent;
    this.status = element.querySelector(".demo-status");
    this.inputs = [...element.querySelectorAll(".demo-controls [data-path]")];
    this.play = element.querySelector(".control-play");
    this.latest = 0; // sequence number of the newest request
    this.inFlight = false; // request `sent` is not answered yet
    this.sent = 0;
    this.pending = false;
    this.drawn = false; // by the painter (painted)
    this.warmed = false; // the engine was asked to compute this demo's own state (warm)
    this.frame = null; // null: whole paths; a number: paths revealed up to that step
    this.timer = null;
    // Once the engine is ready, a state the build precomputed is still drawn from its
    // keyframe: the same figure (the engine made it), without a worker round trip. Tests
    // of the worker itself turn this off.
    this.framesWhenReady = true;
    this.urlTimer = null;
    engine.listeners.set(this.id, (message) => this.receive(message));
    element.querySelector(".demo-controls")?.addEventListener("submit", (e) => e.preventDefault());
    for (const input of this.inputs) {
      input.dataset.initial = initialValue(input);
      const event = input.type === "text" ? "change" : "input";
      input.addEventListener(event, () => this.changed(input));
      if (input.type === "range") stepBetweenPositions(input, (moved) => this.thinnedPositions(moved));
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
    redrawOnResize(this);
    if (engine.ready) this.wake(); // the engine already started for an earlier demo
  }

  get frameSet() {
    return this.frames.best;
  }

  get frameRank() {
    return this.frames.rank;
  }

  /** The painter drew this demo: fetch its keyframes, and warm the engine for it. */
  painted() {
    this.frames.fetch();
    this.drawn = true;
    this.warm();
  }

  /** Once drawn and with the engine ready, have the engine compute this demo's own state
   * while it has nothing else to do (static/worker.js): the reader's first move is then
   * answered as fast as the next. Only drawn demos: the others may never be reached. */
  warm() {
    if (!this.drawn || this.warmed || this.el.dataset.state !== "ready") return;
    this.warmed = true;
    this.engine.warm(this.id, this.initialSpec);
  }

  /**
   * Draw every chart; with `only`, just the flat (2-D) or just the solid (3-D) ones.
   * Resolves when Plotly has drawn them.
   */
  draw(only = null) {
    return drawFigures(this.charts, this.figures, { only, frame: this.frame });
  }

  solidChartsFailed(err) {
    solidChartsFailed(this.charts, this.figures, err);
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
        this.warm();
        this.send();
      },
      (err) => this.setState("error", `The interactive engine could not load (${err.message}). ` +
        "The charts show the pre-computed results."),
    );
  }

  changed(input, { fromUrl = false } = {}) {
    this.apply(input);
    if (!fromUrl) this.saveToUrlSoon();
    if (this.el.dataset.state === "ready" && this.answerFromFrame()) return;
    this.request();
    if (this.el.dataset.state !== "ready") this.fromKeyframes({ snap: !fromUrl });
  }

  /** With the engine ready: draw the controls' state from its keyframe, if the build
   * precomputed it, at once; true if it did. */
  answerFromFrame() {
    if (!this.framesWhenReady || !this.frames.best) return false;
    const found = frameFor(this.frames.best, this.inputs, { snap: false });
    if (!found) return false;
    this.latest += 1; // an answer still in flight for an older state is not drawn
    this.pending = false;
    this.engine.drop(this.id); // nor is its refinement computed
    this.refining(false);
    this.keyframeSeq = this.latest;
    this.showFrame(found.frame);
    this.el.dispatchEvent(new CustomEvent("downhill:drawn", { detail: { seq: this.latest } }));
    return true;
  }

  /** Write the control's value into the spec and beside the control. */
  apply(input) {
    const value = valueOf(input);
    setPath(this.spec, JSON.parse(input.dataset.path), value);
    showValue(input, value);
  }

  /**
   * Before the engine is ready: draw the precomputed frame of the controls' state, if there
   * is one; else keep the chart, marked as not showing these values, and say so.
   */
  async fromKeyframes({ snap = true } = {}) {
    const seq = this.latest;
    await (snap ? this.frames.first : this.frames.loaded);
    if (seq !== this.latest || this.el.dataset.state === "ready") return; // newer news
    this.keyframeSeq = seq; // (for tests: the state of request `seq` is shown)
    const found = frameFor(this.frames.best, this.inputs, { snap });
    if (!found) return this.notPrecomputed();
    if (found.snapped) {
      this.apply(found.snapped);
      this.saveToUrl();
    }
    return this.showFrame(found.frame);
  }

  /** Before the engine is ready: the precomputed positions of a thinned slider (the only
   * one moved), which its keys step between; else null (the keys move it as usual). */
  thinnedPositions(input) {
    if (this.el.dataset.state === "ready") return null;
    const entry = this.frames.best?.controls[input.name];
    const others = this.inputs.filter((i) => i !== input && i.value !== i.dataset.initial);
    return entry && !entry.exact && !others.length ? entry.positions : null;
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
    this.figures = frame === null ? this.initialFigures : withFrame(this.initialFigures, frame);
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

  /** Latest wins: at most one request in flight (until its first answer: the worker drops
   * a refinement when a newer request comes); only the newest spec is ever sent next. */
  send() {
    if (this.inFlight || !this.pending || this.el.dataset.state !== "ready") return;
    this.pending = false;
    this.inFlight = true;
    this.sent = this.latest;
    this.engine.render(this.id, this.latest, this.spec);
  }

  /** Mark the demo as showing a first look that is still being refined (or not). */
  refining(still) {
    if (still) this.el.dataset.refining = "";
    else delete this.el.dataset.refining;
  }

  receive(message) {
    if (message.type !== "result" || message.seq === this.sent) this.inFlight = false;
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
      this.refining(message.final === false);
      const detail = { seq: message.seq, final: message.final !== false };
      this.el.dispatchEvent(new CustomEvent("downhill:drawn", { detail }));
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
      showValue(input, valueOf(input));
    }
    this.spec = clone(this.initialSpec);
    this.figures = this.initialFigures;
    this.charts.forEach((chart) => chart.classList.remove("demo-stale"));
    this.engine.forget(this.id);
    this.refining(false);
    this.latest += 1; // results still in flight are now stale
    this.pending = false;
    this.summary.textContent = this.initialSummary;
    this.saveToUrl();
    this.draw();
  }

  /** The address follows the controls, written once a move settles: browsers limit how
   * often a page may rewrite it, and a drag is dozens of moves. */
  saveToUrlSoon() {
    clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => this.saveToUrl(), URL_DELAY_MS);
  }

  saveToUrl() {
    clearTimeout(this.urlTimer);
    const entries = this.inputs.map((input) => [`${this.id}.${input.name}`,
      input.value === input.dataset.initial ? null : input.value]);
    this.el.querySelector(".demo-link").href = saveState(entries, this.id);
  }

  restoreFromUrl() {
    let restored = false;
    for (const input of this.inputs) {
      const value = linkedValue(`${this.id}.${input.name}`, input);
      if (value === null) continue;
      input.value = value;
      this.changed(input, { fromUrl: true });
      restored = true;
    }
    if (restored) this.saveToUrl();
  }

  downloadCsv() {
    const blob = new Blob([csvOf(this.figures)], { type: "text/csv" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${this.id}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }
}
