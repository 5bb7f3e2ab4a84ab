"""Live answers (issue 36): how long each control of every shipped demo and interact cell
takes to repaint from a state no keyframe holds, once Python is ready, in headless Chromium.

Each block is measured once it is ready and the page has drawn every chart coming into view.
For every control of a block with two controls or more, another control is moved first (so
that no keyframe holds what follows), then this one to three positions, each once the last
is answered whole; a block with one control is moved to three positions of it (demos: with
keyframes turned off, so the engine answers). A demo's engine answers a heavy state twice, a
first look then the whole answer (engine.live): the first repaint is the first drawn, the
final one the whole answer's; each time is from the input event to the frame after it. An
interact cell answers once, by running the cell again in the cells' worker (or from its
keyframes, where they hold the state).
Usage: .venv/bin/python bench/live_bench.py [--moves] [ARTICLE ...] (--moves: each move's
first/final ms on stderr)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from reader_bench import pct  # noqa: E402

VERBOSE = "--moves" in sys.argv
SETTLE_MS = 500  # after a block is ready and the page has drawn what it asked for

from downhill.site import BuildConfig, build_site  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, content_articles, poll, serve_folder  # noqa: E402

# The blocks with controls: demos and interact cells, each with its kind and, per control,
# three values other than its own.
PLAN = """() => {
  const picks = (input) => {
    if (input.type === "range") {
      const lo = Number(input.min), hi = Number(input.max), now = Number(input.value);
      return [0.23, 0.61, 0.87].map((f) => String(lo + f * (hi - lo)))
        .filter((v) => Number(v) !== now);
    }
    if (input.tagName === "SELECT") {
      return [...input.options].map((o) => o.value).filter((v) => v !== input.value);
    }
    return [];
  };
  const demos = window.downhill.demos.map((demo, index) => ({
    index, cell: false, id: demo.id,
    kind: [].concat(demo.spec.plots ?? []).join("+") || "default",
    controls: demo.inputs.map(picks) }));
  const cells = (window.downhill.cells ?? []).map((cell, index) => ({
    index, cell: true, id: cell.id, kind: "interact cell", controls: cell.inputs.map(picks) }))
    .filter((cell) => cell.controls.length);
  return [...demos, ...cells];
}"""

# Moves control `which` of a block to each of `values` (after `first`, another control, to
# its value), each once the last is answered whole; per move [first repaint, final] in ms.
MOVES = """async ([cell, index, first, which, values]) => {
  const block = cell ? window.downhill.cells[index] : window.downhill.demos[index];
  if (!cell) block.framesWhenReady = false;
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
  const move = (input, value) => new Promise((resolve) => {
    const start = performance.now();
    let firstPaint = null;
    const timer = setTimeout(() => finish(null), 30000);
    const finish = (final) => {
      clearTimeout(timer);
      block.el.removeEventListener("downhill:drawn", heard);
      block.el.removeEventListener("downhill:keyframe", heard);
      resolve(final === null ? null : [firstPaint, final]);
    };
    // (a cell answers a state its keyframes hold from them, as "downhill:keyframe")
    const heard = async (event) => {
      if (event.type === "downhill:drawn" && event.detail.seq !== block.latest) return;
      const final = event.detail?.final !== false;
      await frame();
      const now = performance.now() - start;
      firstPaint ??= now;
      if (final) finish(now);
    };
    block.el.addEventListener("downhill:drawn", heard);
    if (cell) block.el.addEventListener("downhill:keyframe", heard);
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  const out = [];
  if (first !== null) await move(block.inputs[first[0]], first[1]);
  for (const value of values) out.push(await move(block.inputs[which], value));
  return out;
}"""

READY = """([cell, index]) => {
  if (cell) return window.downhill.cells[index].runner.settled;
  const state = window.downhill.demos[index].el.dataset.state;
  return ["ready", "error"].includes(state) && state;
}"""


def measure_page(browser, url: str) -> dict[str, list[tuple[float, float]]]:
    """Per kind, (first, final) repaint times of every control of the page's blocks."""
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(url)
    poll(page, "() => !!(window.downhill && window.downhill.demos)")
    for block in page.evaluate(PLAN):
        where = "cells" if block["cell"] else "demos"
        page.evaluate(
            f"() => {{ const b = window.downhill.{where}[{block['index']}];"
            " b.el.scrollIntoView(); b.wake(); }"
        )
        if not poll(page, f"() => ({READY})({json.dumps([block['cell'], block['index']])})", 120):
            continue
        # A reader reaches for a control once the page has drawn the charts coming into view
        # (a 3-D chart's first drawing is over a second of the page's time here: a move
        # made meanwhile waits for it, which the page's first paint, not this, is about).
        poll(page, "() => window.downhill.painter.idle", 60)
        page.wait_for_timeout(SETTLE_MS)
        controls = block["controls"]
        for which, values in enumerate(controls):
            others = [k for k, v in enumerate(controls) if k != which and v]
            first = [others[0], controls[others[0]][0]] if others else None
            if not values:
                continue
            found = page.evaluate(
                MOVES, [block["cell"], block["index"], first, which, (values * 3)[:3]]
            )
            missed = [t for t in found if t is None]
            if missed:
                print(f"  {block['id']}: {len(missed)} move(s) not answered", file=sys.stderr)
            out[block["kind"]] += [tuple(t) for t in found if t is not None]
            if VERBOSE:
                shown = " ".join(f"{t[0]:.0f}/{t[1]:.0f}" for t in found if t is not None)
                print(f"  {block['id']} control {which}: {shown}", file=sys.stderr)
    context.close()
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    wanted = {a for a in sys.argv[1:] if not a.startswith("--")}
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_site(BuildConfig(out=site, cache=None))
        server = serve_folder(site)
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        times: dict[str, list[tuple[float, float]]] = defaultdict(list)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for path in content_articles():
                if wanted and path.stem not in wanted:
                    continue
                for kind, found in measure_page(browser, f"{origin}/{path.stem}/").items():
                    times[kind] += found
                print(f"  measured {path.stem}", file=sys.stderr)
            browser.close()
        server.shutdown()
    print("| plot kinds | moves | first p50 ms | first p95 ms | final p50 ms | final p95 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    ranked = sorted(times.items(), key=lambda kv: -statistics.median(t[1] for t in kv[1]))
    for kind, found in ranked:
        first, final = [t[0] for t in found], [t[1] for t in found]
        print(
            f"| {kind} | {len(found)} | {pct(first, 0.5):.0f} | {pct(first, 0.95):.0f} "
            f"| {pct(final, 0.5):.0f} | {pct(final, 0.95):.0f} |"
        )
    every = [t for found in times.values() for t in found]
    if every:
        summary = {
            "moves": len(every),
            "first_p50": round(pct([t[0] for t in every], 0.5)),
            "first_p95": round(pct([t[0] for t in every], 0.95)),
            "final_p95": round(pct([t[1] for t in every], 0.95)),
            "final_max": round(max(t[1] for t in every)),
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
