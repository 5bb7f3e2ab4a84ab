// Downhill's page glue: draw the pre-rendered figures at once, then upgrade demos and cells
// to live ones. One module per concern: config (the runtime's files), worker-client (the
// two Pyodide workers), figures (theme, drawing), painting (lazy drawing), controls and
// keyframes (sliders before the runtime), demo, cells, exercises (graded in the cells' worker).
import { CELLS, WORKER_URL } from "./config.js";
import { Cell } from "./cells.js";
import { Demo } from "./demo.js";
import { Exercise, Progress } from "./exercises.js";
import {
  NEAR_PX, Painter, comingViewportTop, distanceFromViewport, paintOnApproach,
} from "./painting.js";
import { CellRunner, Engine } from "./worker-client.js";

const engine = new Engine(WORKER_URL);
const runner = CELLS ? new CellRunner(CELLS) : null;
const demos = [];
const cells = [];
const exercises = [];
// Once the engine starts for one demo, every demo on the page goes live with it.
document.addEventListener("downhill:engine-start", () => demos.forEach((d) => d.wake()));

/** Start the engine now if a demo is near the viewport (`nearNow`), else when one comes near. */
function startNearViewport(nearNow) {
  // Asked to save data, the page leaves the 4 MB runtime to the reader's first touch of a
  // demo (wake); until then, and meanwhile, the keyframes answer.
  if (navigator.connection?.saveData || !demos.length) return;
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

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const KEYFRAMES_FIRST_MS = 3000; // the runtime waits at most this long for them

// Deferred scripts (Plotly) have run by DOMContentLoaded. Draw the blocks near the reader,
// nearest first, each painted as soon as it is drawn; the rest as they come near. The engine
// starts once the first block's 2-D charts are up: on a small machine its start-up would
// otherwise delay them by half a second, and it still boots while the rest are drawn.
// Off-screen blocks wait, so that they do not slow the boot on two cores. Cells start their
// own runtime only when a reader edits, runs or moves one of their controls.
document.addEventListener("DOMContentLoaded", async () => {
  for (const element of document.querySelectorAll(".demo")) demos.push(new Demo(element, engine));
  if (runner) {
    for (const element of document.querySelectorAll(".cell")) cells.push(new Cell(element, runner, cells));
  }
  const exerciseElements = document.querySelectorAll(".exercise");
  if (runner && exerciseElements.length) {
    const progress = new Progress();
    for (const element of exerciseElements) exercises.push(new Exercise(element, runner, progress));
    progress.show();
  }
  const painter = new Painter();
  // for tests, benchmarks and the curious
  window.downhill = { demos, engine, cells, exercises, runner, painter };
  const blocks = [...demos, ...cells];
  const top = comingViewportTop();
  const distance = new Map(blocks.map((block) => [block, distanceFromViewport(block.el, top)]));
  const near = blocks.filter((block) => distance.get(block) <= NEAR_PX)
    .sort((a, b) => distance.get(a) - distance.get(b));
  // Printing shows every chart: draw the rest now (a 3-D one only if its bundle is loaded).
  window.addEventListener("beforeprint", () => {
    for (const block of blocks) if (!painter.painted.has(block)) block.draw().catch(() => {});
  });
  const flat = near.map((block) => painter.paint(block));
  if (flat.length) await flat[0];
  // The first block's keyframes come before the runtime: on a slow link the 4.7 MB download
  // would otherwise share the bandwidth with them, and the reader's first touch would wait.
  if (near.length) await Promise.race([near[0].frames.loaded, delay(KEYFRAMES_FIRST_MS)]);
  startNearViewport(near.some((block) => block instanceof Demo));
  const settled = () => (engine.ready ? engine.ready.catch(() => {}) : Promise.resolve());
  paintOnApproach(blocks.filter((block) => !near.includes(block)), painter, settled);
  await painter.queue;
});
