// The page's side of its two Pyodide workers: the demos' engine (Engine) and the cells'
// runner (CellRunner, whose worker lives in a sandbox: cell-sandbox.js). Both start on first
// need, report a failed start as an answer, and can be stopped and started again; neither
// knows what the worker computes.
import { FilePolicy, SandboxedWorker } from "./cell-sandbox.js";

const BOOT_LIMIT_MS = 90000; // a runtime that has not started by then is reported as failed
const TIME_LIMIT_MS = 20000; // a demo's request running longer than this restarts the worker

const clone = (value) => JSON.parse(JSON.stringify(value));

/** A module worker started on first need: `start()` resolves once it says "ready". */
class WorkerClient {
  constructor() {
    this.worker = null;
    this.ready = null;
    this.settled = false; // started, and ready
  }

  start() {
    if (this.ready) return this.ready;
    this.ready = new Promise((resolve, reject) => {
      try {
        this.worker = this.createWorker();
      } catch (err) {
        reject(err);
        return;
      }
      this.worker.onmessage = ({ data }) => {
        if (data.type === "ready") {
          resolve();
          document.dispatchEvent(new CustomEvent("downhill:loaded", { detail: data.loaded || [] }));
        }
        else if (data.type === "failed") reject(new Error(data.message));
        else this.message(data);
      };
      this.worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message || "the worker could not start"));
      };
      setTimeout(() => reject(new Error("the Python runtime took too long to start")),
        BOOT_LIMIT_MS);
    });
    this.ready.then(() => {
      this.settled = true;
    }, () => this.stop()); // each user reports a failure; never unhandled
    this.started();
    return this.ready;
  }

  started() {}

  message() {}

  createWorker() {
    throw new Error("a WorkerClient names its worker");
  }

  stop() {
    this.worker?.terminate();
    this.worker = null;
    this.ready = null;
    this.settled = false;
  }
}

/** One Pyodide worker per page for the demos, started on first need and shared by them all. */
export class Engine extends WorkerClient {
  constructor(url) {
    super();
    this.url = url;
    this.listeners = new Map(); // demo id → callback(message)
    this.timers = new Map(); // demo id → runaway timer
    this.pending = new Map(); // demo id → [seq, spec] sent and not yet answered
  }

  start() {
    if (!this.ready) this.pending.clear();
    return super.start();
  }

  createWorker() {
    return new Worker(this.url, { type: "module" });
  }

  started() {
    document.dispatchEvent(new CustomEvent("downhill:engine-start"));
  }

  message(data) {
    if (data.type === "result") {
      // a first look (final: false) leaves the request pending: its whole answer follows
      const answered = this.pending.get(data.demo)?.[0] === data.seq;
      if (answered && data.final !== false) this.settle(data.demo);
      this.listeners.get(data.demo)?.(data);
    } else if (data.type === "broken") this.restart(null); // Python died in the worker
  }

  stop() {
    super.stop();
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

  settle(demo) {
    clearTimeout(this.timers.get(demo));
    this.timers.delete(demo);
    this.pending.delete(demo);
  }

  /** The demo went back to its static figures: the worker drops its work and last figures. */
  forget(demo) {
    this.settle(demo);
    this.worker?.postMessage({ type: "forget", demo });
  }

  /** Compute a demo's own state when the worker has nothing else to do (static/worker.js). */
  warm(demo, spec) {
    this.worker?.postMessage({ type: "warm", demo, spec: clone(spec) });
  }

  /** The demo's state is drawn without the worker (a keyframe): its work left is dropped. */
  drop(demo) {
    if (!this.pending.has(demo)) return;
    this.settle(demo);
    this.worker?.postMessage({ type: "drop", demo });
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

/**
 * The cells' worker: one run at a time. `run` resolves with `{output}` or `{failed, kind}`;
 * Stop, or the cell's time limit, ends the worker (the next run starts a new one).
 */
export class CellRunner extends WorkerClient {
  /** `cells`: config.js's CELLS (the worker's source, its sandbox, the files it may fetch). */
  constructor(cells) {
    super();
    this.cells = cells;
    this.policy = new FilePolicy(cells.files);
    this.seq = 0;
    this.current = null; // {seq, resolve, onStream, onStatus, timer}
    this.queue = Promise.resolve();
  }

  createWorker() {
    return new SandboxedWorker({ ...this.cells, policy: this.policy });
  }

  message(data) {
    const run = this.current;
    if (!run || data.seq !== run.seq) return;
    if (data.type === "stream") run.onStream(data.name, data.text);
    else if (data.type === "status") run.onStatus(data.text);
    else if (data.type === "done") {
      this.finish(data.failed ? { failed: data.failed, kind: data.kind }
        : { output: data.output, verdict: data.verdict });
      if (data.kind === "broken") this.stop();
    }
  }

  finish(answer) {
    const run = this.current;
    if (!run) return;
    clearTimeout(run.timer);
    this.current = null;
    run.resolve(answer);
  }

  /**
   * Run `cells` (code; the last is the cell run) with `overrides` for the last, after the
   * runs asked for before it, with `options.files` (the content files they read) in the
   * working folder; resolves with `{output}` or `{failed, kind}`.
   */
  run(cells, overrides, options) {
    // The content files they read, by their paths under content/ and their site addresses.
    const files = Object.fromEntries((options.files || []).map((path) =>
      [path, new URL(path, this.cells.files.site).href]));
    return this.enqueue({ type: "run", cells, overrides, files }, options);
  }

  /**
   * Grade `answer` (code, or typed text) for an exercise (engine.exercises); resolves with
   * `{verdict}` or `{failed, kind}`.
   */
  grade(exercise, answer, options) {
    return this.enqueue({ type: "grade", exercise, answer }, options);
  }

  enqueue(message, options) {
    const job = this.queue.then(() => this.execute(message, options));
    this.queue = job;
    return job;
  }

  execute(message, { timeout, onStream, onStatus }) {
    this.seq += 1;
    const seq = this.seq;
    return new Promise((resolve) => {
      this.current = { seq, resolve, onStream, onStatus, timer: null };
      this.start().then(() => {
        if (this.current?.seq !== seq) return;
        this.worker.postMessage({ ...message, seq });
        this.current.timer = setTimeout(() => {
          this.stop();
          this.finish({ failed: `Stopped: it ran longer than its time limit of ${timeout} s.`,
            kind: "timeout" });
        }, timeout * 1000);
      }, (err) => this.finish({ failed: `The Python runtime could not load (${err.message}).`,
        kind: "boot" }));
    });
  }

  /** End the run in progress, and the worker with it (Stop). */
  interrupt(why = "Stopped.") {
    if (!this.current) return;
    this.stop();
    this.finish({ failed: why, kind: "stopped" });
  }
}
