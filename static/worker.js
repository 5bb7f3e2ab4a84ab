// The engine's home in the browser: Pyodide in a module worker, shared by every demo on a page.
// Protocol: {type: "render", demo, seq, spec} → {type: "result", demo, seq, final, ok|error},
// once, or twice for a heavy demo: a first look (final: false), then the whole answer.
// {type: "drop", demo} drops the work left for a demo (and "forget" its last figures too).
// {type: "warm", demo, spec} computes a demo's own state while nothing else is asked, and
// answers nothing: the engine's caches (its function compiled and sampled, a fit's loss
// landscape) and the runtime's own warm-up are then paid before the reader's first move,
// and the figures it made count as sent (the page drew the build's same figures), so that
// the first answer leaves out the traces a move does not change, as later ones do.
// It knows nothing about gradient descent: it steps through engine.live.answers, reading its
// messages between slices of the work, and leaves out of each reply the traces identical to
// those it last sent for that demo.
import { bootPyodide, loadedFiles } from "./pyodide-boot.js";

const SLICE_MS = 12; // work done between two looks at the messages
const lastSent = new Map(); // demo id → figures → traces as JSON text
const newest = new Map(); // demo id → seq of its newest request: older work is dropped
let looking = 0; // requests still working towards their first answer: refinements wait
let working = 0; // requests being answered: warm-ups wait
let warming = Promise.resolve(); // warm-ups, one after another

const ready = bootPyodide().then(({ pyodide }) =>
  pyodide.runPython("import engine.live\nengine.live.answers"));

ready.then(
  () => postMessage({ type: "ready", loaded: loadedFiles() }),
  (err) => postMessage({ type: "failed", message: String((err && err.message) || err) }),
);

// A task boundary: messages that arrived meanwhile are handled before it resolves.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()();
const nextTask = () => new Promise((resolve) => {
  waiting.push(resolve);
  channel.port2.postMessage(null);
});

function withoutRepeats(demo, figures) {
  const previous = lastSent.get(demo) || [];
  const texts = figures.map((figure) => figure.data.map((trace) => JSON.stringify(trace)));
  lastSent.set(demo, texts);
  return figures.map((figure, i) => ({
    layout: figure.layout,
    data: figure.data.map((trace, k) =>
      previous[i] && previous[i].length === texts[i].length && previous[i][k] === texts[i][k]
        ? null : trace),
  }));
}

function send(demo, seq, text) {
  const reply = JSON.parse(text);
  if (reply.ok) reply.ok.figures = withoutRepeats(demo, reply.ok.figures);
  postMessage({ type: "result", demo, seq, ...reply });
  return reply.final;
}

/**
 * Step through `work` (engine.live.answers' generator) until it ends: `heard(text)` gets
 * each answer and returns true to stop there; after every SLICE_MS of work, `resume()`
 * waits for its turn and returns false to drop the rest.
 */
async function stepThrough(work, heard, resume) {
  for (let since = performance.now(); ;) {
    const step = work.next();
    if (step.done) return;
    if (typeof step.value === "string" && heard(step.value)) return;
    if (performance.now() - since < SLICE_MS) continue;
    if (!(await resume())) return;
    since = performance.now();
  }
}

/** Answer request `seq` of `demo`, slice by slice, until it is answered whole or a newer
 * request for the demo comes; its first look goes before other demos' refinements. */
async function answer(answers, demo, seq, spec) {
  looking += 1;
  let first = true;
  let work = null;
  const heard = (text) => {
    if (send(demo, seq, text)) return true;
    first = false;
    looking -= 1;
    return false;
  };
  const resume = async () => {
    await nextTask();
    while (!first && looking > 0) await nextTask();
    return newest.get(demo) === seq;
  };
  try {
    await nextTask(); // requests queued behind this one: only the newest is worked on
    if (newest.get(demo) !== seq) return;
    work = answers(JSON.stringify(spec));
    await stepThrough(work, heard, resume);
  } catch (err) {
    // engine.live.answers answers every spec, so this is Python itself failing (a stack
    // overflow in WebAssembly leaves Pyodide unusable): answer, then ask for a fresh worker.
    const message = "the engine stopped on this input and is being restarted";
    postMessage({ type: "result", demo, seq, final: true, error: { message } });
    postMessage({ type: "broken", detail: String((err && err.message) || err) });
  } finally {
    if (first) looking -= 1;
    try {
      work?.return?.();
      work?.destroy();
    } catch {
      // a runtime that failed cannot close it: the page restarts the worker
    }
  }
}

/** Compute `demo`'s `spec` slice by slice, only while no request is being answered, unless
 * the reader asked for one of its states already; send nothing. */
async function warm(answers, demo, spec) {
  let work = null;
  let whole = null;
  const heard = (text) => {
    whole = text;
    return false;
  };
  const idle = async () => {
    do await nextTask(); while (working > 0);
    return true;
  };
  try {
    await idle();
    if (newest.has(demo)) return;
    work = answers(JSON.stringify(spec));
    await stepThrough(work, heard, idle);
    const reply = whole && JSON.parse(whole);
    if (reply?.ok && reply.final && !newest.has(demo) && !lastSent.has(demo)) {
      withoutRepeats(demo, reply.ok.figures);
    }
  } catch {
    // a warm-up that fails costs nothing: the reader's own request says what is wrong
  } finally {
    work?.destroy();
  }
}

onmessage = async (event) => {
  const { type, demo, seq, spec } = event.data;
  if (type === "forget") lastSent.delete(demo); // the page went back to its static figures
  if (type === "forget" || type === "drop") newest.delete(demo);
  if (type !== "render" && type !== "warm") return;
  if (type === "render") newest.set(demo, seq);
  let answers;
  try {
    answers = await ready;
  } catch {
    return; // "failed" was already reported
  }
  if (type === "warm") {
    warming = warming.then(() => warm(answers, demo, spec));
    return;
  }
  working += 1;
  try {
    await answer(answers, demo, seq, spec);
  } finally {
    working -= 1;
  }
};
