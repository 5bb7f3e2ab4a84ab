// Keyframes: the engine's answers computed when the page was built, so that a control
// answers before the runtime is ready (downhill/keyframes.py writes them). Demos and
// interact cells use them alike.

/**
 * A block's keyframe files, fetched once it is drawn: a large set comes with a first,
 * coarse one (a few positions per control), fetched beside it, which answers until the
 * whole set is in. `first` resolves with the first set to arrive, `loaded` once both are
 * in; `best` is the best set so far (`rank` 1 is the whole set).
 */
export class KeyframeSet {
  constructor(urls) {
    this.urls = urls.filter(Boolean);
    this.best = null;
    this.rank = -1;
    this.asked = false;
    let loaded;
    let first;
    this.loaded = new Promise((resolve) => {
      loaded = resolve;
    });
    this.first = new Promise((resolve) => {
      first = resolve;
    });
    this.resolveLoaded = loaded;
    this.resolveFirst = first;
  }

  fetch() {
    if (this.asked) return;
    this.asked = true;
    const sets = this.urls.map((url) => fetch(new URL(url, window.location.href))
      .then((response) => (response.ok ? response.json() : null))
      .then((frames) => (isFrameSet(frames) ? frames : null))
      .catch(() => null));
    sets.forEach((set, rank) => set.then((frames) => {
      if (!frames || rank < this.rank) return;
      [this.best, this.rank] = [frames, rank];
      this.resolveFirst(frames);
    }));
    Promise.all(sets).then(() => {
      this.resolveFirst(this.best);
      this.resolveLoaded();
    });
  }
}

/** Whether `frames` has the shape the builder writes (a damaged file is ignored). */
function isFrameSet(frames) {
  return Boolean(frames && typeof frames === "object" && frames.controls
    && typeof frames.controls === "object" && Array.isArray(frames.frames));
}

/**
 * The precomputed frame for the controls' state: `{frame: null}` for the built state,
 * `{frame, snapped}` for a precomputed one, or null if there is none (more than one control
 * moved, or a position that was not computed). A slider whose positions were thinned snaps
 * to the nearest one (`snapped` is that input, moved), so the value shown is always the
 * value drawn; with `snap` false (a state restored from a link) nothing is moved.
 */
export function frameFor(frames, inputs, { snap = true } = {}) {
  const moved = inputs.filter((input) => input.value !== input.dataset.initial);
  if (!moved.length) return { frame: null, snapped: null };
  const entry = moved.length === 1 && frames && frames.controls[moved[0].name];
  if (!entry) return null;
  const input = moved[0];
  let k = entry.positions.indexOf(input.value);
  if (input.tagName !== "SELECT" && !snap) k = entry.positions.indexOf(Number(input.value));
  if (k < 0 && !snap) return null;
  let snapped = null;
  if (input.tagName !== "SELECT" && snap) {
    const u = Number(input.value);
    k = entry.positions.reduce((best, p, i) =>
      (Math.abs(p - u) < Math.abs(entry.positions[best] - u) ? i : best), 0);
    if (entry.positions[k] !== u) {
      input.value = String(entry.positions[k]);
      snapped = input;
    }
  }
  if (k < 0) return null;
  const frame = entry.frames[k] === null ? null : frames.frames[entry.frames[k]];
  return frame === undefined ? null : { frame, snapped };
}

const STEP_KEYS = {
  ArrowRight: 1, ArrowUp: 1, PageUp: 1, ArrowLeft: -1, ArrowDown: -1, PageDown: -1,
  Home: -Infinity, End: Infinity,
};

/**
 * A slider whose positions were thinned answers the keyboard from them: while
 * `positionsOf(input)` gives positions (before the runtime is ready), an arrow key, Page
 * Up/Down, Home and End move to the next precomputed position rather than one step, which
 * would snap back to the value drawn.
 */
export function stepBetweenPositions(input, positionsOf) {
  input.addEventListener("keydown", (event) => {
    const direction = STEP_KEYS[event.key];
    const positions = direction === undefined ? null : positionsOf(input);
    if (!positions || !positions.length) return;
    event.preventDefault();
    const u = Number(input.value);
    const last = positions.length - 1;
    let k = positions.findIndex((p) => p >= u - 1e-12 * Math.max(1, Math.abs(u)));
    if (k < 0) k = last;
    const here = Math.abs(positions[k] - u) <= 1e-12 * Math.max(1, Math.abs(u));
    if (direction === -Infinity) k = 0;
    else if (direction === Infinity) k = last;
    else if (direction > 0) k = Math.min(last, here ? k + 1 : k);
    else k = Math.max(0, k - 1);
    if (positions[k] === u) return;
    input.value = String(positions[k]);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}
