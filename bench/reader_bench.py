"""Reader benchmark: cold page loads and slider latency in headless Chromium.

Side by side in one run, from a local server:
- the article (a 2-D-only page and a page with a 3-D surface),
- (a) a bare page that only boots Pyodide in a module worker, as Pyodide ships it (the goal's
  reference), and the same page booting as Downhill's worker does (its precompiled standard
  library and the engine wheel), to show what the article adds to its own boot,
- (b) a page that only calls Plotly.react with precomputed figures, with the same bundle,
loaded cold in interleaved rounds (median of 5). It prints time to first chart, time to
interactive, slider → repaint p50/p95 over 100 moves, and the bytes fetched before the
first chart, counted gzip-compressed (as GitHub Pages serves them).
Usage: .venv/bin/python bench/reader_bench.py [--phone | --slider | --repeat]
(--slider: only slider -> repaint, in five interleaved rounds; --repeat: a second article
on slow 4G with and without the service worker, and offline)
"""

from __future__ import annotations

import gzip
import json
import math
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from downhill.site import BuildConfig, build_site  # noqa: E402
from engine import render_demo  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, serve_folder  # noqa: E402

RUNS = 5
ARTICLES = [  # label, path, whether it has a 3-D chart to wait for
    ("2-D article (first-descent)", "/first-descent/#descent", False),
    ("3-D article (mountain-range)", "/mountain-range/#peaks-path", True),
]
MOVES = 100
SLIDER_ROUNDS = 5
TIMELINE = """
window.__t = {};
new MutationObserver(() => {
  const t = window.__t, now = performance.now();
  if (!t.chart && document.querySelector('.main-svg')) t.chart = now;
  if (!t.ready && document.querySelector('.demo[data-state=ready]')) t.ready = now;
  if (!t.solid && document.querySelector('.demo-chart .gl-container canvas')) t.solid = now;
}).observe(document, {subtree: true, childList: true, attributes: true});
"""

BARE_WORKER = """
const { loadPyodide } = await import(new URL("PYODIDE/pyodide.mjs", self.location).href);
await loadPyodide({ indexURL: new URL("PYODIDE/", self.location).href, OPTIONS });
postMessage("ready");
"""
BARE_PAGE = """<!doctype html><meta charset="utf-8"><title>bare</title><p>Pyodide only</p>
<script type="module" src="NAME.js"></script>"""
BARE_JS = """const w = new Worker("NAME-worker.js", { type: "module" });
w.onmessage = () => { window.__t = window.__t || {}; window.__t.ready = performance.now(); };"""
PLOTLY_PAGE = """<!doctype html><meta charset="utf-8"><title>plotly</title>
<script src="PLOTLY"></script><div id="chart" style="width:700px;height:380px"></div>
<input type="range" id="slider" min="0" max="99" value="0">
<script type="application/json" id="figures">FIGURES</script>
<script src="plotly-only.js"></script>"""
PLOTLY_JS = """const figures = JSON.parse(document.getElementById("figures").textContent);
const chart = document.getElementById("chart");
Plotly.newPlot(chart, figures[0].data, figures[0].layout);
document.getElementById("slider").addEventListener("input", (e) => {
  const f = figures[Number(e.target.value)];
  Plotly.react(chart, f.data, f.layout).then(() =>
    chart.dispatchEvent(new CustomEvent("downhill:drawn", { bubbles: true })));
});"""


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6))


def cold_load(browser, url: str, wait_ready: bool, wait_solid: bool = False) -> dict:
    """Open ``url`` in a fresh context (empty cache); times from navigation start, in ms."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.add_init_script(TIMELINE)
    page.goto(url)
    for _ in range(2400):  # at most two minutes
        t = page.evaluate("window.__t")
        waiting = (wait_ready and not t.get("ready")) or (wait_solid and not t.get("solid"))
        if t.get("chart") and not waiting:
            break
        page.wait_for_timeout(50)
    context.close()
    return t


def bare_load(browser, url: str) -> float:
    """Open a bare page in a fresh context; ms until its worker says Pyodide is ready."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script("window.__t = {};")
    page.goto(url)
    while not page.evaluate("window.__t.ready"):
        page.wait_for_timeout(20)
    ready = page.evaluate("window.__t.ready")
    context.close()
    return ready


def bytes_before_first_chart(browser, url: str, folder: Path) -> int:
    """Gzip bytes of every response that completed before the first chart appeared."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(TIMELINE)
    done: list[str] = []
    page.on("requestfinished", lambda r: done.append(r.url))
    page.goto(url, wait_until="commit")
    while not page.evaluate("window.__t && window.__t.chart"):
        page.wait_for_timeout(10)
    snapshot = list(done)
    context.close()
    return gzip_bytes(folder, snapshot)


def gzip_bytes(folder: Path, addresses: list[str]) -> int:
    """Gzip bytes of the site's files at these addresses (a folder means its index.html)."""
    total = 0
    for address in addresses:
        path = folder / urlparse(address).path.lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            total += gzip_size(path)
    return total


def slider_latency(
    browser, url: str, selector: str, values: list[str], live: bool, engine_only: bool = False
) -> list[float]:
    """Move the slider through ``values``, each move once the last is drawn; the times from
    each move to the frame after its redraw. ``engine_only``: every move is answered by the
    worker, none from the keyframes the page holds."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.add_init_script(TIMELINE)
    page.goto(url)
    if live:
        while not page.evaluate("window.__t.ready"):
            page.wait_for_timeout(50)
    if engine_only:
        page.evaluate("window.downhill.demos.forEach((d) => { d.framesWhenReady = false; })")
    page.wait_for_timeout(300)
    times = page.evaluate(
        """async ([selector, values]) => {
      const input = document.querySelector(selector);
      const out = [];
      for (const value of values) {
        const drawn = new Promise((resolve) =>
          document.addEventListener("downhill:drawn", resolve, { once: true, capture: true }));
        const start = performance.now();
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        await drawn;
        await new Promise((resolve) => requestAnimationFrame(() => resolve()));
        out.push(performance.now() - start);
      }
      return out;
    }""",
        [selector, values],
    )
    context.close()
    return times


# Chromium's own emulation of a phone on mobile data (issue 12's profiles).
PHONES = {
    "unthrottled": None,
    "4G (4x CPU, 9 Mbps, 85 ms)": (4, 9e6, 85),
    "slow 4G (4x CPU, 1.6 Mbps, 150 ms)": (4, 1.6e6, 150),
}
SLOW_4G = PHONES["slow 4G (4x CPU, 1.6 Mbps, 150 ms)"]
PHONE_TIMELINE = (
    TIMELINE
    + """
window.__bytes = 0;
document.addEventListener("downhill:keyframe", () => {
  window.__t.answer = window.__t.answer || performance.now();
}, true);
document.addEventListener("downhill:drawn", () => {
  window.__t.answer = window.__t.answer || performance.now();
}, true);
"""
)


def phone_page(browser, profile: tuple | None, service_workers: str = "allow"):
    """A fresh context and page as a phone: 390×844 touch, its CPU slowed by ``profile``'s
    factor through Chromium's DevTools protocol. The profile's network is the server's
    (``serve_gzipped(..., link=link_of(profile))``): Chromium's own network emulation
    holds back the page and its workers but not its service worker, whose fetches (the
    runtime's, once it is in control) then went at full speed."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        service_workers=service_workers,
    )
    page = context.new_page()
    if profile:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile[0]})
    return context, page


@dataclass
class Link:
    """One emulated network link, shared by every request the server answers (a page's, its
    workers' and its service worker's): each response waits ``latency_ms``, then its bytes
    go out in turn, a chunk at a time, at ``bits_per_s`` for all of them together."""

    bits_per_s: float
    latency_ms: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    free_at: float = 0.0  # when the link has sent every chunk given to it so far

    CHUNK = 4096  # 20 ms on slow 4G: concurrent responses share the link finely enough

    def wait(self) -> None:
        time.sleep(self.latency_ms / 1000)

    def send(self, out, body: bytes) -> None:
        for start in range(0, len(body), self.CHUNK):
            chunk = body[start : start + self.CHUNK]
            with self.lock:
                due = max(time.monotonic(), self.free_at) + len(chunk) * 8 / self.bits_per_s
                self.free_at = due
            time.sleep(max(0.0, due - time.monotonic()))
            out.write(chunk)


def link_of(profile: tuple | None) -> Link | None:
    """The network of a phone profile (CPU factor, bits per second, latency in ms)."""
    return Link(profile[1], profile[2]) if profile else None


def load_until_first_chart(page, url: str) -> tuple[list[tuple[float, str]], float]:
    """Open ``url`` (its timeline script added) and wait for its first chart; returns the
    list that goes on filling with (time, address) of each finished request, and the time
    of the first chart on the same clock."""
    finished: list[tuple[float, str]] = []
    page.on("requestfinished", lambda r: finished.append((time.monotonic(), r.url)))
    page.goto(url, wait_until="commit")
    while not page.evaluate("window.__t && window.__t.chart"):
        page.wait_for_timeout(10)
    return finished, time.monotonic()


def phone_load(browser, url: str, profile: tuple | None, folder: Path) -> dict:
    """Load ``url`` as a phone: first chart; a touch of the first slider right after it and
    the time to its redraw; engine ready; gzip bytes before the first chart and in all."""
    context, page = phone_page(browser, profile)
    page.add_init_script(PHONE_TIMELINE)
    finished, at_chart = load_until_first_chart(page, url)
    touch = page.evaluate(
        """() => {
        const input = document.querySelector('.demo input[type=range]');
        input.value = String((Number(input.min) + Number(input.max)) / 2);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        return performance.now();
    }"""
    )
    for _ in range(6000):  # at most ten minutes
        t = page.evaluate("window.__t")
        if t.get("answer") and t.get("ready"):
            break
        page.wait_for_timeout(100)
    context.close()

    return {
        "chart": t["chart"],
        "answer": t.get("answer", math.nan) - touch,
        "ready": t.get("ready", math.nan),
        "before": gzip_bytes(folder, [u for when, u in finished if when <= at_chart]),
        "total": gzip_bytes(folder, [u for _, u in finished]),
        "runtime": gzip_bytes(folder, [u for _, u in finished if is_runtime(u)]),
    }


def is_runtime(url: str) -> bool:
    """Whether ``url`` is part of the Python runtime: Pyodide, its decoder, the engine."""
    path = urlparse(url).path
    return path.startswith(("/assets/vendor/pyodide", "/assets/engine/")) or (
        path.startswith("/assets/js.")
        and path.endswith(("/worker.js", "/pyodide-boot.js", "/unxz.js"))
    )


def serve_gzipped(folder: Path, max_age: int | None = None, link: Link | None = None):
    """The site as GitHub Pages serves it: compressed (gzip) for a client that accepts it,
    over ``link`` if given (every response waits its latency; every body shares its rate).
    Python's own file server sends every byte as is, which on an emulated slow link makes
    the 9.6 MB WebAssembly take a minute that a reader never waits. With ``max_age``, as
    Pages' caching too: ``Cache-Control: max-age`` (600 there), ``Last-Modified``, and 304
    for a request whose copy is current. ``server.sent`` counts the body bytes sent; while
    ``server.down[0]`` is true it answers nothing (the reader's network is gone)."""
    import email.utils
    import http.server

    from downhill.serve import SiteHandler

    packed: dict[Path, bytes] = {}
    sent = [0]
    down = [False]

    class Gzipped(SiteHandler):
        def do_GET(self):
            if down[0]:
                self.close_connection = True
                return
            if link:
                link.wait()
            path = folder / self.path.split("?")[0].lstrip("/")
            if path.is_dir():
                path = path / "index.html"
            if "gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file():
                super().do_GET()
                return
            modified = email.utils.formatdate(int(path.stat().st_mtime), usegmt=True)
            if max_age is not None and self.headers.get("If-Modified-Since") == modified:
                self.send_response(304)
                self.send_header("Cache-Control", f"max-age={max_age}")
                self.end_headers()
                return
            if path not in packed:
                packed[path] = gzip.compress(path.read_bytes(), 6)
            body = packed[path]
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            if max_age is not None:
                self.send_header("Cache-Control", f"max-age={max_age}")
                self.send_header("Last-Modified", modified)
            self.end_headers()
            if link:
                link.send(self.wfile, body)
            else:
                self.wfile.write(body)
            sent[0] += len(body)

    handler = lambda *a, **k: Gzipped(*a, directory=str(folder), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.sent = sent
    server.down = down
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def second_article(browser, origin: str, server, offline_reading: bool) -> dict:
    """On slow 4G: read first-descent until its engine is ready, then open
    gradient-points-uphill: its engine-ready time and the bytes the server sent for it;
    then, with the network off, open it again: its first chart and engine ready (or not)."""
    context, page = phone_page(browser, SLOW_4G, "allow" if offline_reading else "block")
    page.add_init_script(PHONE_TIMELINE)

    def until_ready(url: str, limit_s: float = 300) -> dict:
        page.goto(url, wait_until="commit")
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            t = page.evaluate("window.__t || {}")
            # the reader goes to the first demo (gradient-points-uphill's is below the fold)
            page.evaluate("document.querySelector('.demo')?.scrollIntoView()")
            if t.get("ready") or page.evaluate(
                "!!document.querySelector('.demo[data-state=error]')"
            ):
                return t
            page.wait_for_timeout(100)
        return page.evaluate("window.__t || {}")

    until_ready(origin + "/first-descent/")
    page.wait_for_timeout(3000)  # (what the worker keeps after ready)
    server.sent[0] = 0
    second = until_ready(origin + "/gradient-points-uphill/")
    sent = server.sent[0]
    page.wait_for_timeout(3000)
    server.down[0] = True
    try:
        offline = until_ready(origin + "/gradient-points-uphill/", limit_s=60)
    except Exception:  # (the browser's own error page: no timeline)
        offline = {}
    server.down[0] = False
    context.close()
    return {
        "ready": second.get("ready", math.nan),
        "bytes": sent,
        "offline chart": offline.get("chart", math.nan),
        "offline ready": offline.get("ready", math.nan),
    }


def repeat_table(browser, folder: Path) -> None:
    """The second article of a visit, with the runtime kept by the service worker against
    the HTTP cache alone: fresh (GitHub Pages' max-age of 600 s) and stale (the next day)."""
    print("slow 4G phone, gradient-points-uphill right after first-descent (median of 3):")
    print("| HTTP cache | offline reading | engine ready | bytes sent | offline: chart, ready |")
    print("| --- | --- | --- | --- | --- |")
    for label, max_age in (("fresh (max-age=600)", 600), ("stale (the next day)", 0)):
        server = serve_gzipped(folder, max_age, link_of(SLOW_4G))
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        for offline_reading in (False, True):
            runs = [second_article(browser, origin, server, offline_reading) for _ in range(3)]
            m = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            progress(f"{label} {offline_reading}: {runs}")
            offline = (
                "no page"
                if math.isnan(m["offline chart"])
                else f"{m['offline chart'] / 1000:.1f} s, {m['offline ready'] / 1000:.1f} s"
            )
            print(
                f"| {label} | {'service worker' if offline_reading else 'off'} | "
                f"{m['ready'] / 1000:.1f} s | {m['bytes'] / 1e3:.0f} KB | {offline} |",
                flush=True,
            )
        server.shutdown()


def phone_table(browser, folder: Path) -> None:
    """The phone profiles side by side, on the 2-D article (median of three loads)."""
    print("phone (390x844 touch), first-descent, median of 3 cold loads:")
    print(
        "| profile | first chart | first slider answer | engine ready | before chart | total "
        "| runtime |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    wanted = sys.argv[sys.argv.index("--phone") + 1 :]  # e.g. --phone slow: only those
    for label, profile in PHONES.items():
        if wanted and not any(word in label for word in wanted):
            continue
        server = serve_gzipped(folder, link=link_of(profile))
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        runs = [phone_load(browser, origin + "/first-descent/", profile, folder) for _ in range(3)]
        server.shutdown()
        progress(f"phone {label}: {[round(r['ready']) for r in runs]} ms ready")
        m = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(
            f"| {label} | {m['chart'] / 1000:.1f} s | {m['answer'] / 1000:.2f} s | "
            f"{m['ready'] / 1000:.1f} s | {m['before'] / 1e6:.2f} MB | {m['total'] / 1e6:.2f} MB "
            f"| {m['runtime'] / 1e6:.2f} MB |"
        )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def slider_table(browser, origin: str, rates: list[str]) -> None:
    """Slider -> repaint of first-descent's live demo against the Plotly-only page, in
    SLIDER_ROUNDS interleaved rounds of MOVES moves each: as a reader gets it (positions the
    build precomputed are drawn from their keyframes) and with every move sent to the worker."""
    values = [str(math.log10(float(r))) for r in rates]
    indices = [str(i) for i in range(MOVES)]
    for round_ in range(SLIDER_ROUNDS):
        times = {
            "Downhill": slider_latency(
                browser, origin + "/first-descent/#descent", "#descent input[name=lr]", values, True
            ),
            "worker only": slider_latency(
                browser,
                origin + "/first-descent/#descent",
                "#descent input[name=lr]",
                values,
                True,
                engine_only=True,
            ),
            "Plotly only": slider_latency(
                browser, f"{origin}/bench/plotly.html", "#slider", indices, False
            ),
        }
        only = times["Plotly only"]
        print(
            f"round {round_ + 1}, slider -> repaint over {MOVES} moves: "
            + "; ".join(
                f"{name} p50 {pct(t, 0.5):.1f} ms, p95 {pct(t, 0.95):.1f} ms "
                f"({pct(t, 0.95) / pct(only, 0.95):.2f}x)"
                for name, t in times.items()
            ),
            flush=True,
        )


def main() -> None:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="downhill-reader-"))
    site = work / "site"
    build_site(BuildConfig(out=site, cache=None))
    pyodide = next((site / "assets" / "vendor").glob("pyodide-[0-9]*")).name
    # the Plotly-only page loads the bundle the 2-D article loads
    article = (site / "first-descent" / "index.html").read_text()
    plotly_bundle = re.search(r'<script src="([^"]*/plotly[^"]*\.min\.js)" defer>', article)[1]
    bench = site / "bench"
    bench.mkdir()
    # the site publishes Downhill's runtime packed, its own lock file and standard library;
    # the bare page gets Pyodide's files as they ship, and "bare-downhill" Downhill's
    # standard library unpacked
    for name in ["python_stdlib.zip", "pyodide-lock.json", "pyodide.asm.wasm"]:
        shutil.copy(ROOT / "node_modules" / "pyodide" / name, site / "assets" / "vendor" / pyodide)
    shutil.copy(ROOT / "node_modules" / "pyodide-downhill" / "python_stdlib.zip", bench)
    bare_options = {
        "bare": "",
        "bare-downhill": (
            'stdLibURL: new URL("/bench/python_stdlib.zip", self.location).href, '
            'lockFileURL: new URL("/assets/engine/pyodide-lock.json", self.location).href, '
            'packages: ["downhill-engine"]'
        ),
    }
    for name, options in bare_options.items():
        (bench / f"{name}.html").write_text(BARE_PAGE.replace("NAME", name))
        (bench / f"{name}.js").write_text(BARE_JS.replace("NAME", name))
        (bench / f"{name}-worker.js").write_text(
            BARE_WORKER.replace("PYODIDE", f"/assets/vendor/{pyodide}").replace("OPTIONS", options)
        )
    spec = {"function": "x**2 + 5*x + 6", "start": [-8], "lr": 0.1, "steps": 15, "domain": [-10, 5]}
    rates = [f"{0.01 + i * 0.01:.2f}" for i in range(MOVES)]
    figures = [render_demo({**spec, "lr": float(r)})["figures"][0] for r in rates]
    (bench / "plotly.html").write_text(
        PLOTLY_PAGE.replace("PLOTLY", plotly_bundle).replace(
            "FIGURES", json.dumps(figures).replace("</", "<\\/")
        )
    )
    (bench / "plotly-only.js").write_text(PLOTLY_JS)
    server = serve_folder(site)
    origin = f"http://127.0.0.1:{server.server_address[1]}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if "--slider" in sys.argv:  # only slider -> repaint, in interleaved rounds
            slider_table(browser, origin, rates)
            browser.close()
            return
        if "--repeat" in sys.argv:  # only the second article of a visit, and offline
            repeat_table(browser, site)
            browser.close()
            return
        if "--phone" in sys.argv:  # only the phone table, served compressed
            phone_table(browser, site)
            browser.close()
            return
        # Interleaved rounds, so that every page sees the machine in the same state (its
        # speed drifts over minutes here).
        loads: dict[str, list[dict]] = {label: [] for label, _, _ in ARTICLES}
        plotly_only: list[float] = []
        bare_ready: dict[str, list[float]] = {name: [] for name in bare_options}
        for round_ in range(RUNS):
            for label, path, solid in ARTICLES:
                loads[label].append(cold_load(browser, origin + path, True, solid))
            plotly_only.append(cold_load(browser, origin + "/bench/plotly.html", False)["chart"])
            for name, times in bare_ready.items():
                times.append(bare_load(browser, f"{origin}/bench/{name}.html"))
            progress(
                f"round {round_ + 1} of {RUNS}: interactive "
                f"{[round(loads[label][-1]['ready']) for label, _, _ in ARTICLES]} ms, bare "
                f"{[round(times[-1]) for times in bare_ready.values()]} ms"
            )
        rows = [
            (
                label,
                statistics.median(r["chart"] for r in loads[label]),
                statistics.median(r["ready"] for r in loads[label]),
                bytes_before_first_chart(browser, origin + path, site),
                statistics.median(r.get("solid", math.nan) for r in loads[label]),
            )
            for label, path, _ in ARTICLES
        ]
        live = slider_latency(
            browser,
            origin + "/first-descent/#descent",
            "#descent input[name=lr]",
            [str(math.log10(float(r))) for r in rates],
            live=True,
        )
        only = slider_latency(
            browser,
            origin + "/bench/plotly.html",
            "#slider",
            [str(i) for i in range(MOVES)],
            live=False,
        )
        browser.close()
    shutil.rmtree(work, ignore_errors=True)

    plotly_median = statistics.median(plotly_only)
    bare_median = statistics.median(bare_ready["bare"])
    own_median = statistics.median(bare_ready["bare-downhill"])
    print(f"cold loads: median of {RUNS} interleaved rounds, local server, headless Chromium")
    for label, chart, ready, size, solid in rows:
        print(
            f"{label}: first chart {chart / 1000:.2f} s ({chart / plotly_median:.2f}x the "
            f"Plotly-only page), interactive {ready / 1000:.2f} s "
            f"({ready / bare_median:.2f}x the bare Pyodide page, "
            f"{ready / own_median:.2f}x its own boot alone), "
            f"{size / 1e6:.2f} MB gzip before first chart"
            + ("" if math.isnan(solid) else f", first 3-D chart {solid / 1000:.2f} s")
        )
    print(f"Plotly-only page (one precomputed 2-D chart): first chart {plotly_median / 1000:.2f} s")
    print(f"bare Pyodide page (stock Pyodide, nothing else): ready {bare_median / 1000:.2f} s")
    print(
        "the same page booting like Downhill's worker (precompiled stdlib + engine wheel): "
        f"ready {own_median / 1000:.2f} s"
    )
    print(
        f"slider -> repaint over {MOVES} moves: Downhill p50 {pct(live, 0.5):.1f} ms, "
        f"p95 {pct(live, 0.95):.1f} ms; Plotly-only p50 {pct(only, 0.5):.1f} ms, "
        f"p95 {pct(only, 0.95):.1f} ms ({pct(live, 0.95) / pct(only, 0.95):.2f}x)"
    )


if __name__ == "__main__":
    main()
