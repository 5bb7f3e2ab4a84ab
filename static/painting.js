// Lazy painting: the blocks (demos and cells) near the reader are drawn first, nearest
// first, each painted before the next starts; the rest as they come near. A block has
// `el`, `figures`, `draw(only)`, `painted()` (called once its 2-D charts are drawn) and
// `solidChartsFailed(err)`.
import { isSolid, loadPlotly3D } from "./figures.js";

export const NEAR_PX = 200; // a block this close to the viewport is drawn (and starts the engine)
// Drawing a block a screen ahead waits until the reader has not touched a control for this
// long: a 3-D chart's first drawing is over a second of the page's time on a slow machine,
// and a slider dragged meanwhile would not answer.
const QUIET_MS = 1000;
let lastTouch = -Infinity;
for (const type of ["pointerdown", "keydown", "input"]) {
  document.addEventListener(type, () => {
    lastTouch = performance.now();
  }, { capture: true, passive: true });
}

/** Resolves once the reader has not touched a control for QUIET_MS. */
function quiet() {
  return new Promise((resolve) => {
    const check = () => {
      const left = lastTouch + QUIET_MS - performance.now();
      if (left <= 0) resolve();
      else setTimeout(check, left);
    };
    check();
  });
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** How far `element` is from the viewport, in px; `top` is where the viewport starts. */
export function distanceFromViewport(element, top = 0) {
  const box = element.getBoundingClientRect();
  if (box.bottom < top) return top - box.bottom;
  return Math.max(0, box.top - top - window.innerHeight);
}

/** Where the viewport will start: the browser scrolls to a #fragment only once loaded. */
export function comingViewportTop() {
  let id = "";
  try {
    id = decodeURIComponent(window.location.hash.slice(1));
  } catch {
    return 0; // a malformed fragment (#%) names no element
  }
  const target = id && document.getElementById(id);
  return target && window.scrollY === 0 ? target.getBoundingClientRect().top : 0;
}

/**
 * Draws blocks one at a time, in the order asked, each painted before the next starts: its
 * 2-D charts, then its 3-D ones (slow to set up; their bundle is loaded on first need).
 */
export class Painter {
  constructor() {
    this.queue = Promise.resolve();
    this.painted = new Map(); // block → promise of its 2-D charts drawn
    this.waiting = 0; // blocks queued and not yet drawn whole
  }

  /** Whether every block asked for is drawn (for benchmarks: a page at rest). */
  get idle() {
    return this.waiting === 0;
  }

  /** Queue `block` (once); resolves when its 2-D charts are drawn. */
  paint(block) {
    if (this.painted.has(block)) return this.painted.get(block);
    let flatDone;
    const flat = new Promise((resolve) => {
      flatDone = resolve;
    });
    this.painted.set(block, flat);
    this.waiting += 1;
    this.queue = this.queue.then(async () => {
      await block.draw("flat").catch(() => {}); // a chart Plotly cannot draw stays empty
      await nextTask();
      flatDone();
      block.painted();
      if (!block.figures.some(isSolid)) return;
      try {
        await loadPlotly3D();
      } catch (err) {
        block.solidChartsFailed(err);
        return;
      }
      await block.draw("solid").catch(() => {});
      await nextTask();
    }).finally(() => {
      this.waiting -= 1;
    });
    return flat;
  }
}

/**
 * Paint each of `blocks` when it comes near the viewport; one that is only a viewport ahead
 * waits for `settled()` (the engine's start-up), so that drawing ahead never slows the boot,
 * and for a pause in the reader's use of the controls, so that it never slows their answers.
 */
export function paintOnApproach(blocks, painter, settled) {
  const byElement = new Map(blocks.map((block) => [block.el, block]));
  const watch = (margin, when) => {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        when().then(() => painter.paint(byElement.get(entry.target)));
      }
    }, { rootMargin: `${margin} 0px` });
    for (const block of blocks) observer.observe(block.el);
  };
  watch(`${NEAR_PX}px`, () => Promise.resolve());
  watch("100%", () => settled().then(quiet));
}
