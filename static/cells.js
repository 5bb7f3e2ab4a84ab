// Python cells: the author's code and its build-time output at once; Edit turns the code
// into an editor (CodeMirror, loaded then), Run runs the article's cells up to this one in
// the cells' own worker. An interact cell's controls answer from keyframes before the
// runtime is ready, then re-run the cell. What cells compute is engine.cells' business;
// printed text is always text, never HTML.
import { initialValue, linkedValue, saveState, showValue, valueOf } from "./controls.js";
import { element, openEditor, streamInto } from "./editing.js";
import { drawFigures, isSolid, loadPlotly3D, solidChartsFailed, withFrame } from "./figures.js";
import { KeyframeSet, frameFor } from "./keyframes.js";
import { reachable } from "./scrolling.js";
import { redrawOnResize } from "./demo.js";

export const MAX_LINKED_CODE = 6000; // characters of edited code a link can carry

/** Every figure an output draws, in page order (engine.cells.figures_of). */
export function figuresOf(output) {
  const found = [];
  for (const shown of output?.displays ?? []) {
    if (shown.figure) found.push(shown.figure);
    else if (shown.demo) found.push(...shown.demo.figures);
  }
  return found;
}

/** A keyframe's output whole again: its figures come apart from the rest (kernel.skeleton). */
function joined(skeleton, figures) {
  if (skeleton.whole) return skeleton; // a state that draws other charts carries them whole
  let next = 0;
  const displays = skeleton.displays.map((shown) => {
    if ("figure" in shown) return { figure: figures[next++] };
    if (shown.demo) {
      const count = shown.demo.figures;
      const own = figures.slice(next, next + count);
      next += count;
      return { demo: { figures: own, summary: shown.demo.summary } };
    }
    return shown;
  });
  return { ...skeleton, displays };
}

/** UTF-8 text as base64url (null past MAX_LINKED_CODE characters), and back (edited code
 * in a link). Byte by byte: spreading 300,000 bytes into one call overflows the stack. */
function encode(text) {
  const bytes = new TextEncoder().encode(text);
  if (Math.ceil((bytes.length * 4) / 3) > MAX_LINKED_CODE) return null; // its length unpadded
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function decode(text) {
  const bytes = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder("utf-8", { fatal: true })
    .decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
}

/** Markdown, math or HTML (IPython.display's): rendered by the build, text from a reader. */
const isRich = (shown) => "markdown" in shown || "math" in shown || "html" in shown;

/** A figure's image (engine.inline): always an <img>, never markup in the page. */
function image({ format, data, src, width, height, alt }) {
  const img = element("img", `cell-image cell-${format === "svg" ? "svg" : "png"}`);
  img.src = src || (format === "svg" ? `data:image/svg+xml,${encodeURIComponent(data)}`
    : `data:image/${format === "jpeg" ? "jpeg" : "png"};base64,${data}`);
  img.alt = alt || "";
  img.width = width;
  img.height = height;
  return img;
}

export class Cell {
  constructor(el, runner, page) {
    this.el = el;
    this.id = el.id;
    this.runner = runner;
    this.page = page; // every cell of the page, in order
    const data = JSON.parse(el.querySelector(".cell-data").textContent);
    this.authorCode = data.code;
    this.timeout = data.timeout;
    this.choices = data.choices || {};
    this.alt = data.alt ?? null; // the author's words for the figures (#| alt:)
    this.files = data.files || []; // the content files the article's cells read
    this.builtOutput = data.output;
    // #| hide_output: a run shows nothing but an error (the reader's edit may raise one)
    this.hideOutput = Boolean(data.hide_output);
    // The built images' bytes are in the page's <img> elements, not twice in the JSON.
    const built = [...el.querySelectorAll(".cell-output img.cell-image")];
    // So are the Markdown, math and HTML the build rendered (IPython.display's).
    const rich = [...el.querySelectorAll(".cell-output .cell-rich")];
    for (const shown of this.builtOutput?.displays ?? []) {
      if (shown.image) shown.image.src = built.shift()?.src;
      else if (isRich(shown)) shown.node = rich.shift();
    }
    this.editor = null;
    this.edited = null; // code from a link before the editor is open
    // Code from a link runs only when the reader asks (Run here or below): until then a
    // control's move runs the author's code, or answers from keyframes.
    this.fromLink = false;
    this.codeBox = el.querySelector(".cell-code");
    this.outputBox = el.querySelector(".cell-output");
    this.status = el.querySelector(".cell-status");
    this.charts = [...this.outputBox.querySelectorAll(".demo-chart")];
    this.initialFigures = figuresOf(this.builtOutput);
    this.figures = this.initialFigures;
    this.inputs = [...el.querySelectorAll(".demo-controls [data-path]")];
    this.frames = new KeyframeSet([el.dataset.keyframesFirst, el.dataset.keyframes]);
    this.latest = 0;
    this.inFlight = false;
    this.pending = false;
    this.button = (name) => el.querySelector(`.cell-${name}`);
    this.button("edit")?.addEventListener("click", () => this.edit());
    this.button("run")?.addEventListener("click", () => this.run());
    this.button("stop")?.addEventListener("click", () => this.runner.interrupt());
    this.button("reset")?.addEventListener("click", () => this.reset());
    this.button("link")?.addEventListener("click", (event) => this.link(event));
    this.button("show-code")?.addEventListener("click", () => this.showCode());
    el.querySelector(".demo-controls")?.addEventListener("submit", (e) => e.preventDefault());
    for (const input of this.inputs) {
      input.dataset.initial = initialValue(input);
      input.addEventListener("input", () => this.changed(input));
      if (input.value !== input.dataset.initial) this.changed(input, { fromUrl: true });
    }
    if (this.inputs.length) {
      for (const type of ["focusin", "pointerdown"]) {
        el.addEventListener(type, () => this.wake(), { once: true });
      }
    }
    this.restoreFromUrl();
    redrawOnResize(this);
  }

  /** The code the reader would run now: edited, or the author's. */
  get code() {
    return this.editor ? this.editor.code : (this.edited ?? this.authorCode);
  }

  /** The code a run nobody asked for may run: the author's while a link's code waits. */
  get trustedCode() {
    return this.fromLink ? this.authorCode : this.code;
  }

  draw(only = null) {
    return drawFigures(this.charts, this.figures, { only });
  }

  /** The painter drew this cell: fetch its keyframes. */
  painted() {
    this.frames.fetch();
  }

  solidChartsFailed(err) {
    solidChartsFailed(this.charts, this.figures, err);
  }

  showCode() {
    const button = this.button("show-code");
    const open = this.codeBox.hidden;
    this.codeBox.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Hide code" : "Show code";
  }

  /** Turn the code into an editor; focus it. */
  async edit() {
    if (this.editor) {
      this.editor.focus();
      return;
    }
    const editor = await openEditor(this.codeBox, this.code, {
      onRun: () => this.run(),
      onChange: () => this.codeChanged(),
      label: `Python code of cell ${this.id}: Ctrl+Enter runs it; Escape then Tab leaves`,
    }, (text) => this.say(text));
    if (!editor) return;
    this.editor = editor;
    this.edited = null;
    this.button("edit").hidden = true;
    this.button("reset").hidden = false;
    this.say("Editing: Run (or Ctrl+Enter) runs this cell and the cells above it.");
    this.editor.focus();
  }

  /** The reader typed: mark the cell edited and, once they pause, put the code in the link. */
  codeChanged() {
    this.el.classList.add("cell-edited");
    clearTimeout(this.saving);
    this.saving = setTimeout(() => this.saveToUrl(), 400);
  }

  say(text) {
    this.status.textContent = text;
  }

  /**
   * Run the article's cells up to this one, in the cells' worker, and show the output.
   * `asked`: the reader pressed Run (the code shown runs, a link's included); otherwise a
   * control moved, and a link's code that nobody ran yet is left out for the author's.
   */
  async run({ overrides = this.overrides(), quiet = false, asked = !quiet } = {}) {
    const above = this.upToHere();
    if (asked) for (const cell of above) cell.fromLink = false;
    const cells = above.map((cell) => cell.trustedCode);
    const unasked = above.some((cell) => cell.fromLink);
    this.el.dataset.state = "running";
    this.button("stop")?.removeAttribute("hidden");
    if (!quiet) this.say(this.runner.ready ? "Running…" : "Starting Python (first run only)…");
    this.outputBox.classList.add("cell-stale");
    let fresh = null; // the output box's first printed text of this run
    const onStream = (name, text) => {
      if (this.hideOutput) return;
      if (!fresh) {
        fresh = true;
        this.outputBox.replaceChildren();
        this.outputBox.classList.remove("cell-stale");
      }
      streamInto(this.outputBox, name, text);
    };
    const answer = await this.runner.run(cells, overrides, {
      files: this.files,
      timeout: this.timeout,
      onStream,
      onStatus: (text) => this.say(text),
    });
    this.button("stop")?.setAttribute("hidden", "");
    this.el.dataset.state = "ran";
    this.saveToUrl();
    if (answer.failed) {
      this.outputBox.classList.remove("cell-stale");
      if (answer.kind === "package" || answer.kind === "boot") {
        // The page's own output, at the controls' state (snapped to the nearest one the
        // build computed) or, without keyframes, at the built state: never a control that
        // disagrees with its output.
        this.frames.fetch(); // (a Run, not a control, may be the first to need them)
        const drawn = this.inputs.length && this.asBuilt() && await this.fromKeyframes();
        if (!drawn) {
          for (const input of this.inputs) {
            input.value = input.dataset.initial;
            showValue(input, valueOf(input));
          }
          this.show(this.builtOutput);
        }
        this.say(`${answer.failed} The output shown was computed when the page was built.`);
      } else {
        if (answer.kind !== "stopped" || fresh === null) this.show(this.builtOutput, true);
        this.say(answer.failed);
      }
    } else {
      this.show(answer.output);
      const error = answer.output.error;
      const done = unasked ? "This is the author's code at these settings; Run runs the " +
        "edited code from the link." : quiet ? "" : "Ran in your browser.";
      this.say(error ? this.errorWords(error) : done);
      if (error && error.line && !error.earlier) this.editor?.goToLine(error.line);
    }
    this.el.dispatchEvent(new CustomEvent("downhill:ran", { detail: answer }));
    return answer;
  }

  errorWords(error) {
    if (error.earlier) {
      const cell = this.page[error.earlier - 1];
      return `Cell ${cell.id} above raised ${error.type}: ${error.message}` +
        (error.line ? ` (its line ${error.line})` : "") + "; this cell did not run.";
    }
    return `${error.type} on line ${error.line ?? "?"} of this cell: ${error.message}`;
  }

  /** Replace the output box with `output` (marked stale when it is not the run's). */
  show(output, stale = false) {
    const box = this.outputBox;
    box.replaceChildren();
    box.classList.toggle("cell-stale", stale);
    if (this.hideOutput) output = output?.error ? { displays: [], error: output.error } : null;
    if (!output) return;
    if (output.stdout) box.append(element("pre", "cell-stdout", output.stdout));
    if (output.stderr) box.append(element("pre", "cell-stderr", output.stderr));
    let count = 0;
    let figure = 0;
    const alt = (own) => {
      const text = Array.isArray(this.alt) ? this.alt[figure] : this.alt;
      figure += 1;
      return text ?? own;
    };
    const chart = () => {
      count += 1;
      const div = element("div", "demo-chart");
      div.setAttribute("role", "group");
      div.setAttribute("aria-label", `chart ${count} of cell ${this.id}: interactive chart`);
      return div;
    };
    for (const shown of output.displays) {
      if (shown.figure) box.append(chart());
      else if (shown.demo) {
        for (const _ of shown.demo.figures) box.append(chart());
        box.append(element("p", "demo-summary", shown.demo.summary));
      } else if (shown.table) box.append(this.table(shown.table));
      else if (shown.image) box.append(image({ ...shown.image, alt: alt(shown.image.alt) }));
      else if (shown.node) box.append(shown.node.cloneNode(true)); // the build's rendering
      else if (isRich(shown)) {
        // a reader's run: its Markdown, TeX or HTML as text, never as markup
        box.append(element("pre", "cell-text", shown.markdown ?? shown.math ?? shown.html));
      }
      else box.append(element("pre", "cell-text", shown.text));
    }
    if (output.value !== null && output.value !== undefined) {
      box.append(element("pre", "cell-value", output.value));
    }
    if (output.error) {
      const { type, message, line } = output.error;
      const where = output.error.earlier ? `in cell ${this.page[output.error.earlier - 1].id} above`
        : `on line ${line ?? "?"}`;
      box.append(element("pre", "cell-error", `${type} ${where}: ${message}`));
    }
    reachable(); // a long printed line scrolls in its box: reachable by keyboard too
    this.charts = [...box.querySelectorAll(".demo-chart")];
    this.figures = figuresOf(output);
    const solid = this.figures.some(isSolid);
    (solid ? loadPlotly3D() : Promise.resolve()).then(() => this.draw(), (err) =>
      this.solidChartsFailed(err)).catch(() => {});
  }

  table({ columns, rows, more }) {
    const wrap = element("div", "table-wrap");
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", `table of cell ${this.id}`);
    const table = element("table");
    const head = element("tr");
    for (const c of columns) head.append(element("th", "", c));
    table.append(element("thead"));
    table.tHead.append(head);
    const body = element("tbody");
    for (const row of rows) {
      const tr = element("tr");
      for (const value of row) tr.append(element("td", "", String(value ?? "")));
      body.append(tr);
    }
    table.append(body);
    wrap.append(table);
    if (more) wrap.append(element("p", "table-more", `${more} more rows not shown.`));
    return wrap;
  }

  reset() {
    if (this.el.dataset.state === "running") this.runner.interrupt();
    if (this.editor) this.editor.code = this.authorCode;
    this.edited = null;
    this.fromLink = false;
    this.el.classList.remove("cell-edited");
    for (const input of this.inputs) {
      input.value = input.dataset.initial;
      showValue(input, valueOf(input));
    }
    this.latest += 1;
    this.show(this.builtOutput);
    this.say("The author's code and output are back.");
    this.saveToUrl();
  }

  /** The controls' values, as the names they bind (a select's option → its value). */
  overrides() {
    if (!this.inputs.length) return null;
    const values = {};
    for (const input of this.inputs) {
      const text = valueOf(input);
      values[input.name] = input.tagName === "SELECT" ? this.choices[input.name]?.[text] ?? text
        : text;
    }
    return values;
  }

  /** A reader reached for a control: start the runtime (its code they may not edit, but
   * moving a control runs it). */
  wake() {
    this.runner.start().catch(() => {});
  }

  changed(input, { fromUrl = false } = {}) {
    showValue(input, valueOf(input));
    if (!fromUrl) this.saveToUrl();
    this.latest += 1;
    this.frames.fetch();
    // A state the build computed is drawn from its keyframe, Python ready or not (it is the
    // author's code's own output), unless the reader changed code it depends on.
    if (this.runner.settled && !this.asBuilt()) {
      this.request();
      return;
    }
    this.fromKeyframes({ snap: !fromUrl && !this.runner.settled }).then((drawn) => {
      if (!drawn) this.request();
    });
  }

  /** The article's cells up to this one: what a run of this one runs. */
  upToHere() {
    return this.page.slice(0, this.page.indexOf(this) + 1);
  }

  /** Whether this cell and those above run the author's code (their keyframes hold). */
  asBuilt() {
    return this.upToHere().every((cell) => cell.trustedCode === cell.authorCode);
  }

  /** Latest wins: one live run at a time, then the newest state. */
  async request() {
    this.pending = true;
    if (this.inFlight) return;
    while (this.pending) {
      this.pending = false;
      this.inFlight = true;
      const seq = this.latest;
      await this.run({ quiet: true });
      this.inFlight = false;
      this.el.dispatchEvent(new CustomEvent("downhill:drawn", { detail: { seq } }));
    }
  }

  /** Before the runtime: the precomputed output of the controls' state, if there is one. */
  async fromKeyframes({ snap = true } = {}) {
    const seq = this.latest;
    await (snap ? this.frames.first : this.frames.loaded);
    if (seq !== this.latest) return true;
    const found = frameFor(this.frames.best, this.inputs, { snap });
    if (!found) {
      this.outputBox.classList.add("cell-stale");
      this.say("Not shown yet: this setting is computed when Python is ready.");
      return false;
    }
    if (found.snapped) {
      showValue(found.snapped, valueOf(found.snapped));
      this.saveToUrl();
    }
    if (found.frame === null) this.show(this.builtOutput);
    else this.show(joined(found.frame.summary, withFrame(this.initialFigures, found.frame)));
    this.say("");
    this.el.dispatchEvent(new CustomEvent("downhill:keyframe"));
    return true;
  }

  saveToUrl() {
    const entries = this.inputs.map((input) => [`${this.id}.${input.name}`,
      input.value === input.dataset.initial ? null : input.value]);
    const code = this.code;
    let linked = null;
    if (code !== this.authorCode) linked = encode(code);
    entries.push([`${this.id}.code`, linked]);
    const link = saveState(entries, this.id);
    const anchor = this.button("link");
    if (anchor) anchor.href = link;
    return code !== this.authorCode && linked === null;
  }

  link(event) {
    if (this.saveToUrl()) {
      event.preventDefault();
      this.say(`Your edited code is too long to put in a link (at most ${MAX_LINKED_CODE} ` +
        "characters once encoded); the link keeps the controls only.");
    }
  }

  restoreFromUrl() {
    for (const input of this.inputs) {
      const value = linkedValue(`${this.id}.${input.name}`, input);
      if (value === null) continue;
      input.value = value;
      this.changed(input, { fromUrl: true });
    }
    const code = linkedValue(`${this.id}.code`, { type: "text" });
    if (code === null || this.el.dataset.editable === undefined) return;
    try {
      this.edited = decode(code);
      this.fromLink = true;
    } catch {
      this.say("The link's edited code could not be read; this is the author's code.");
      return;
    }
    this.el.classList.add("cell-edited");
    this.outputBox.classList.add("cell-stale");
    this.say("Edited code from a link: Run shows its output.");
    this.edit();
  }
}
