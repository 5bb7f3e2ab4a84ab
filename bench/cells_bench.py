"""Cells benchmark: what Python cells cost a reader, in headless Chromium, from a local server.

It prints, for the article written around cells (the-descent-loop-in-code):
- time to first chart and the gzip bytes before it, beside first-descent (a demo page), and
  what the page fetched before any reader action (no editor, no cells' worker, no runtime);
- the editor's download (CodeMirror, gzip) and its load time once Edit is pressed;
- the cells' runtime start (first Run) and a 10-line cell re-run once it is ready, p50/p95
  over 20 runs (the goal: at most 100 ms on localhost);
- an interact cell's slider → output from keyframes, with the runtime's WebAssembly
  blocked (the page answers before Python exists), p50 over 20 moves;
- with --phone, the same first answer on the slow-4G phone profile of reader_bench.py: a
  touch of the interact cell's slider right after the first chart (the goal: at most 0.3 s).
Usage: .venv/bin/python bench/cells_bench.py [--phone]
"""

from __future__ import annotations

import gzip
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from reader_bench import (  # noqa: E402
    SLOW_4G,
    TIMELINE,
    cold_load,
    gzip_bytes,
    link_of,
    load_until_first_chart,
    phone_page,
    progress,
    serve_gzipped,
)

from downhill.site import BuildConfig, build_site  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, serve_folder  # noqa: E402

ARTICLE = "/the-descent-loop-in-code/"
CHART = ARTICLE + "#descend"  # its first chart: the interact cell's, opened at
TEN_LINES = """\
x = -8.0
lr = 0.1
path = [x]
for _ in range(25):
    x = x - lr * slope(x)
    path.append(x)
low = min(path)
high = max(path)
print(f"{len(path)} iterates from {high:.3f} to {low:.3f}")
round(x, 6)"""
RUNS = 20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def before_asking(browser, url: str, folder: Path) -> tuple[float, int, list[str]]:
    """First chart (ms), gzip bytes before it, and every file fetched in 3 s after load."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.add_init_script(TIMELINE)
    finished, at_chart = load_until_first_chart(page, url)
    chart = page.evaluate("window.__t.chart")
    page.wait_for_timeout(3000)
    context.close()
    before = gzip_bytes(folder, [u for when, u in finished if when <= at_chart])
    return chart, before, [u for _, u in finished]


def run_cell(page, timeout_ms: float = 120_000) -> float:
    """Run the by-hand cell through the page's own code path; ms until its output is in."""
    return page.evaluate(
        """async () => {
        const cell = window.downhill.cells.find((c) => c.id === 'by-hand');
        const t0 = performance.now();
        const answer = await cell.run();
        if (answer.failed || answer.output.error) throw new Error(JSON.stringify(answer));
        return performance.now() - t0;
    }"""
    )


def editor_and_runs(browser, url: str, folder: Path) -> dict:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(url)
    # (string waits are blocked by the page's CSP: poll instead)
    while not page.evaluate("() => !!(window.downhill && window.downhill.cells.length)"):
        page.wait_for_timeout(20)
    fetched: list[str] = []
    page.on("requestfinished", lambda r: fetched.append(r.url))
    started = time.perf_counter()
    page.click("#by-hand .cell-edit")
    while not page.evaluate("() => !!document.querySelector('#by-hand .cm-content')"):
        page.wait_for_timeout(5)
    editor_ms = (time.perf_counter() - started) * 1000
    editor_bytes = gzip_bytes(folder, [u for u in fetched if "editor" in u])
    page.evaluate(
        "(code) => { window.downhill.cells.find((c) => c.id === 'by-hand').editor.code = code; }",
        TEN_LINES,
    )
    first = run_cell(page)
    runs = [run_cell(page) for _ in range(RUNS)]
    context.close()
    return {"editor_ms": editor_ms, "editor_bytes": editor_bytes, "first": first, "runs": runs}


def keyframe_answers(browser, url: str) -> list[float]:
    """Slider → output of the interact cell, with the runtime's WebAssembly blocked."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, service_workers="block")
    page = context.new_page()
    page.route("**/*.wasm*", lambda route: route.abort())
    page.goto(url)
    page.evaluate("() => document.querySelector('#descend').scrollIntoView()")
    while not page.evaluate("() => !!document.querySelector('#descend .main-svg')"):
        page.wait_for_timeout(20)
    page.wait_for_timeout(500)  # its keyframes are in
    times = []
    for k in range(RUNS):
        value = f"{0.05 + 0.04 * k:.2f}"
        times.append(
            page.evaluate(
                """(value) => new Promise((resolve) => {
                const cell = document.querySelector('#descend');
                const t0 = performance.now();
                cell.addEventListener('downhill:keyframe', () => requestAnimationFrame(() =>
                    resolve(performance.now() - t0)), { once: true });
                const input = cell.querySelector('input[name=lr]');
                input.value = value;
                input.dispatchEvent(new Event('input', { bubbles: true }));
            })""",
                value,
            )
        )
    state = page.evaluate(
        "() => window.downhill.cells.find((c) => c.id === 'descend').el.dataset.state"
    )
    context.close()
    assert state == "static", state  # every answer came from keyframes
    return times


def phone_answer(browser, origin: str, folder: Path) -> dict:
    """Slow 4G: the interact cell touched right after the first chart; ms to its answer."""
    context, page = phone_page(browser, SLOW_4G)
    page.add_init_script(
        TIMELINE
        + """
document.addEventListener("downhill:keyframe", () => {
  window.__t.answer = window.__t.answer || performance.now();
}, true);"""
    )
    finished, at_chart = load_until_first_chart(page, f"{origin}{ARTICLE}#descend")
    touch = page.evaluate("""() => {
        const input = document.querySelector('#descend input[name=lr]');
        input.value = '0.5';
        input.dispatchEvent(new Event('input', { bubbles: true }));
        return performance.now();
    }""")
    for _ in range(600):
        if page.evaluate("() => window.__t.answer"):
            break
        page.wait_for_timeout(50)
    t = page.evaluate("() => window.__t")
    context.close()
    return {
        "chart": t["chart"],
        "answer": t.get("answer", math.nan) - touch,
        "before": gzip_bytes(folder, [u for when, u in finished if when <= at_chart]),
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        build_site(BuildConfig(out=site, cache=None))
        server = serve_folder(site)
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            if "--phone" in sys.argv:
                gzipped = serve_gzipped(site, link=link_of(SLOW_4G))
                runs = [
                    phone_answer(browser, f"http://127.0.0.1:{gzipped.server_address[1]}", site)
                    for _ in range(3)
                ]
                median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                print("slow 4G phone (4x CPU, 1.6 Mbps, 150 ms), median of 3 cold loads:")
                print(
                    f"  first chart {median['chart']:.0f} ms, {median['before'] / 1000:.0f} KB "
                    f"before it; interact slider answered {median['answer']:.0f} ms after the "
                    "touch (goal: 300 ms)"
                )
                browser.close()
                return
            progress("first chart, cold, interleaved (median of 5)")
            cells, demo = [], []
            for _ in range(5):
                cells.append(cold_load(browser, origin + CHART, wait_ready=False)["chart"])
                demo_page = origin + "/first-descent/"
                demo.append(cold_load(browser, demo_page, wait_ready=False)["chart"])
            _, before, fetched = before_asking(browser, origin + CHART, site)
            _, demo_before, _ = before_asking(browser, origin + "/first-descent/", site)
            heavy = [
                u
                for u in fetched
                if any(
                    k in u
                    for k in ("editor", "cell-worker", "python_stdlib", "pyodide.asm", "cells-lock")
                )
            ]
            progress("editor and runs")
            measured = editor_and_runs(browser, origin + ARTICLE, site)
            progress("keyframe answers with the runtime blocked")
            answers = keyframe_answers(browser, origin + ARTICLE)
            browser.close()
        server.shutdown()
    editor_file = ROOT / "node_modules" / "downhill-editor" / "editor.min.js"
    editor_gzip = len(gzip.compress(editor_file.read_bytes(), 6))
    runs = measured["runs"]
    print(f"cells article ({CHART}), localhost, Chromium:")
    print(
        f"  first chart: {statistics.median(cells):.0f} ms (first-descent, a demo page: "
        f"{statistics.median(demo):.0f} ms); gzip bytes before it: {before / 1000:.0f} KB "
        f"(first-descent: {demo_before / 1000:.0f} KB)"
    )
    print(
        f"  fetched before the reader asks: {len(fetched)} files; editor, cells' worker, "
        f"runtime: {len(heavy)} {heavy if heavy else ''}"
    )
    print(
        f"  editor: {editor_gzip / 1000:.1f} KB gzip (goal: 150 KB), in the page "
        f"{measured['editor_ms']:.0f} ms after Edit"
    )
    print(f"  first Run (starts the cells' runtime): {measured['first']:.0f} ms")
    print(
        f"  10-line cell re-run, runtime ready: p50 {statistics.median(runs):.1f} ms, "
        f"p95 {pct(runs, 0.95):.1f} ms over {len(runs)} (goal: 100 ms)"
    )
    print(
        f"  interact slider → output from keyframes, runtime blocked: p50 "
        f"{statistics.median(answers):.1f} ms, p95 {pct(answers, 0.95):.1f} ms"
    )


if __name__ == "__main__":
    main()
