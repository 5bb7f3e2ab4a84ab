"""Live answers (issue 36): how long a control takes to repaint its chart from a state no
keyframe holds, once the engine is ready, per plot kind, in headless Chromium.

For every demo of every shipped article with two controls or more, a first control is moved
to another position (so no keyframe holds what follows) and then a second to three
positions, each once the last is drawn; the time is from the input event to the frame after
the redraw (``downhill:drawn``). Today the first repaint is the final one: the engine
answers each move whole.
Usage: .venv/bin/python bench/live_bench.py
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

from downhill.site import BuildConfig, build_site  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, content_articles, poll, serve_folder  # noqa: E402

# Moves a demo's controls, each once the last is drawn; returns [ms per move] for the moves
# after the first (which only leaves the keyframes' states).
MOVES = """async ([index, first, second, values]) => {
  const demo = window.downhill.demos[index];
  const move = async (input, value) => {
    const drawn = new Promise((resolve) =>
      demo.el.addEventListener("downhill:drawn", resolve, { once: true }));
    const start = performance.now();
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    await drawn;
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    return performance.now() - start;
  };
  const a = demo.inputs[first], b = demo.inputs[second];
  await move(a, values[0]);
  const out = [];
  for (const value of values.slice(1)) out.push(await move(b, value));
  return out;
}"""

# For each demo: its plot kinds and, per control, three values other than its own.
PLAN = """() => window.downhill.demos.map((demo) => ({
  plots: demo.spec.plots === undefined ? [] : [].concat(demo.spec.plots),
  controls: demo.inputs.map((input) => {
    if (input.type === "range") {
      const lo = Number(input.min), hi = Number(input.max), now = Number(input.value);
      const picks = [0.23, 0.61, 0.87].map((f) => lo + f * (hi - lo));
      return picks.map((v) => String(v)).filter((v) => Number(v) !== now);
    }
    if (input.tagName === "SELECT") {
      return [...input.options].map((o) => o.value).filter((v) => v !== input.value);
    }
    return [];
  }),
}))"""


def measure(browser, url: str) -> dict[str, list[float]]:
    """Per plot kind, the repaint times of every demo of the page with two controls."""
    out: dict[str, list[float]] = defaultdict(list)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(url)
    poll(page, "() => !!(window.downhill && window.downhill.demos)")
    plan = page.evaluate(PLAN)
    for index, demo in enumerate(plan):
        usable = [k for k, values in enumerate(demo["controls"]) if len(values) >= 2]
        if len(usable) < 2:
            continue
        page.evaluate(f"() => window.downhill.demos[{index}].el.scrollIntoView()")
        settled = (
            f"() => {{ const s = window.downhill.demos[{index}].el.dataset.state;"
            " return ['ready', 'error'].includes(s) && s; }"
        )
        if poll(page, settled) != "ready":  # (the engine boots once per page)
            continue
        first, second = usable[0], usable[1]
        # three positions of the second control (a two-option select goes back to the first)
        values = [demo["controls"][first][0], *(demo["controls"][second] * 2)[:3]]
        times = page.evaluate(MOVES, [index, first, second, values])
        kind = "+".join(demo["plots"]) or "default"
        out[kind] += times
    context.close()
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_site(BuildConfig(out=site, cache=None))
        server = serve_folder(site)
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        times: dict[str, list[float]] = defaultdict(list)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for path in content_articles():
                for kind, found in measure(browser, f"{origin}/{path.stem}/").items():
                    times[kind] += found
                print(f"  measured {path.stem}", file=sys.stderr)
            browser.close()
        server.shutdown()
    print("| plot kinds | moves | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- |")
    for kind, found in sorted(times.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"| {kind} | {len(found)} | {pct(found, 0.5):.0f} | {pct(found, 0.95):.0f} |")
    everything = [t for found in times.values() for t in found]
    if everything:
        print(json.dumps({"moves": len(everything), "p50": pct(everything, 0.5)}))


if __name__ == "__main__":
    main()
