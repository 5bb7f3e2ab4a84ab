// Downhill's page glue: draw the pre-rendered figures, then upgrade demos to live ones.
// It maps controls → spec → worker → figure and knows nothing about gradient descent.

const script = document.querySelector("script[data-worker]");
const WORKER_URL = `${script.dataset.worker}?${new URLSearchParams({
  pyodide: script.dataset.pyodide,
  lock: script.dataset.engineLock,
})}`;
const PLOT_CONFIG = { responsive: true, displaylogo: false };

/** One Pyodide worker per page, started on first need and shared by every demo. */
class Engine {
  constructor(url) {
    this.url = url;
    this.worker = null;
    this.listeners = new Map(); // demo id → callback(message)
    this.ready = null;
  }

  start() {
    if (this.ready) return this.ready;
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
        else if (data.type === "result") this.listeners.get(data.demo)?.(data);
      };
      this.worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message || "the engine's worker could not start"));
      };
    });
    this.ready.catch(() => {}); // reported per demo; never an unhandled rejection
    document.dispatchEvent(new CustomEvent("downhill:engine-start"));
    return this.ready;
  }

  render(demo, seq, spec) {
    this.worker.postMessage({ type: "render", demo, seq, spec });
  }
}

function setPath(target, path, value) {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = value;
}

function draw(charts, figures) {
  figures.forEach((fig, i) => {
    if (charts[i]) Plotly.react(charts[i], fig.data, fig.layout, PLOT_CONFIG);
  });
}

/** A demo: static figures at once; live once the engine is ready. */
class Demo {
  constructor(element, engine) {
    this.el = element;
    this.engine = engine;
    this.id = element.id;
    this.spec = JSON.parse(element.querySelector(".demo-spec").textContent);
    this.charts = [...element.querySelectorAll(".demo-chart")];
    this.summary = element.querySelector(".demo-summary");
    this.status = element.querySelector(".demo-status");
    this.inputs = [...element.querySelectorAll(".demo-controls [data-path]")];
    this.latest = 0; // sequence number of the newest request
    this.inFlight = false;
    this.pending = false;
    draw(this.charts, JSON.parse(element.querySelector(".demo-figures").textContent));
    engine.listeners.set(this.id, (message) => this.receive(message));
    element.querySelector(".demo-controls")?.addEventListener("submit", (e) => e.preventDefault());
    for (const input of this.inputs) {
      input.addEventListener("input", () => this.changed(input));
    }
    for (const type of ["focusin", "pointerdown"]) {
      element.addEventListener(type, () => this.wake(), { once: true });
    }
  }

  setState(state, words) {
    this.el.dataset.state = state;
    this.status.textContent = words;
  }

  wake() {
    if (this.el.dataset.state !== "static") return;
    this.setState("loading", "Loading the Python engine…");
    this.engine.start().then(
      () => {
        this.setState("ready", "Interactive: move a control and the engine recomputes.");
        if (this.pending) this.send();
      },
      (err) => this.setState("error", `The interactive engine could not load (${err.message}). ` +
        "The charts above are the pre-computed ones."),
    );
  }

  changed(input) {
    const value = Number(input.value);
    setPath(this.spec, JSON.parse(input.dataset.path), value);
    const output = input.parentElement.querySelector("output");
    if (output) output.textContent = input.value;
    input.setAttribute("aria-valuetext", `${input.name} ${input.value}`);
    this.latest += 1;
    this.pending = true;
    this.wake();
    if (this.el.dataset.state === "ready") this.send();
  }

  /** Latest wins: at most one request in flight; only the newest spec is ever sent next. */
  send() {
    if (this.inFlight || !this.pending) return;
    this.pending = false;
    this.inFlight = true;
    this.engine.render(this.id, this.latest, this.spec);
  }

  receive(message) {
    this.inFlight = false;
    if (message.seq === this.latest) {
      if (message.error) {
        this.summary.textContent = message.error.message;
      } else {
        draw(this.charts, message.ok.figures);
        this.summary.textContent = message.ok.summary;
      }
      this.el.dispatchEvent(new CustomEvent("downhill:drawn", { detail: { seq: message.seq } }));
    }
    this.send();
  }
}

const engine = new Engine(WORKER_URL);
const demos = [...document.querySelectorAll(".demo")].map((el) => new Demo(el, engine));

// Start the engine when a demo comes near the viewport (never before first paint).
const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (entry.isIntersecting) {
      demos.find((d) => d.el === entry.target)?.wake();
      observer.unobserve(entry.target);
    }
  }
}, { rootMargin: "200px" });
requestAnimationFrame(() => demos.forEach((d) => observer.observe(d.el)));
document.addEventListener("downhill:engine-start", () => demos.forEach((d) => d.wake()));
