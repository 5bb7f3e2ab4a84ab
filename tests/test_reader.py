"""The reader's side, in Debian's Chromium: every demo of every article, every control.

Each control is moved and the chart must then hold exactly what the engine computes in
CPython for the page's new spec (path data within 1e-9 relative: Pyodide's libm may differ
from glibc's in the last bit). Plus failure, keyboard, URL state, small screens and bursts.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import time
from pathlib import Path

import pytest

from engine import render_demo

from .conftest import ARTICLES, article_text, poll
from .test_browser import assert_math_typeset

# (an article written around cells may have no demo: its controls are tested in test_cells*)
WITH_DEMOS = [n for n in ARTICLES if "```demo" in article_text(n)]


def slug_of(name: str) -> str:
    text = article_text(name)
    for line in text.splitlines()[1:]:
        if line.startswith("slug:"):
            return line.split(":", 1)[1].strip()
        if line == "---":
            break
    return name


def open_live(page, url: str, frames_when_ready: bool = False) -> int:
    """Open an article, wake its demos and wait until every one is ready; return the count.
    Unless ``frames_when_ready``, every move goes to the worker (the page would draw a
    precomputed state from its keyframe), so that what is tested is the engine's answer."""
    page.goto(url)
    if not frames_when_ready:
        page.evaluate("window.downhill.demos.forEach((d) => { d.framesWhenReady = false; })")
    count = page.evaluate("document.querySelectorAll('.demo').length")
    if count:
        page.evaluate("document.querySelector('.demo').scrollIntoView()")
        poll(
            page,
            "[...document.querySelectorAll('.demo')].every(d => d.dataset.state !== "
            "'static' && d.dataset.state !== 'loading')",
            timeout=120,
        )
        states = page.evaluate("[...document.querySelectorAll('.demo')].map(d => d.dataset.state)")
        assert states == ["ready"] * count, states
    return count


def figures_of(page, index: int) -> list:
    return page.evaluate(f"window.downhill.demos[{index}].figures")


def spec_of(page, index: int) -> dict:
    return page.evaluate(f"window.downhill.demos[{index}].spec")


def close(a, b) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def assert_matches_engine(page, index: int) -> None:
    """The page's figures hold what the engine computes in CPython for the page's spec."""
    expected = json.loads(json.dumps(render_demo(spec_of(page, index))["figures"]))
    shown = figures_of(page, index)
    assert len(shown) == len(expected)
    for got, want in zip(shown, expected, strict=True):
        assert [t.get("name") for t in got["data"]] == [t.get("name") for t in want["data"]]
        for trace_got, trace_want in zip(got["data"], want["data"], strict=True):
            for axis in ("x", "y", "z"):
                if axis in trace_want:
                    assert close(trace_got[axis], trace_want[axis]), (trace_want.get("name"), axis)


def assert_charts_drawn(page, index: int) -> None:
    """Plotly drew every chart of demo ``index`` (3-D ones too) with the demo's figures."""
    drawn, figures = page.evaluate(
        f"""(() => {{
        const demo = window.downhill.demos[{index}];
        const traces = (data) => data && data.map(t => [t.type, t.name ?? null, t.x?.length ?? 0]);
        return [demo.charts.map(c => traces(c.data)), demo.figures.map(f => traces(f.data))];
    }})()"""
    )
    assert drawn == figures


def move(page, index: int, name: str) -> None:
    """Move one control of demo ``index`` to another valid value, as a reader would."""
    demo = f"window.downhill.demos[{index}].el"
    control = page.evaluate_handle(f"{demo}.querySelector('[name=\"{name}\"]')")
    kind = control.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
    if kind == "select":
        options = control.evaluate("e => [...e.options].map(o => o.value)")
        current = control.evaluate("e => e.value")
        control.as_element().select_option(next(o for o in options if o != current))
    elif kind == "text":
        control.as_element().fill("x^2 + 2*y^2 + 0.5*x*y")
        control.as_element().press("Enter")
    else:
        lo, hi, value = control.evaluate("e => [Number(e.min), Number(e.max), Number(e.value)]")
        target = lo + 0.3 * (hi - lo) if value > lo + 0.5 * (hi - lo) else lo + 0.7 * (hi - lo)
        step = control.evaluate("e => e.step")
        if step not in ("any", ""):
            target = lo + round((target - lo) / float(step)) * float(step)
        control.as_element().fill(repr(target))


def wait_drawn(page, index: int, before: int) -> None:
    poll(
        page,
        f"window.downhill.demos[{index}].latest > {before} && "
        f"!window.downhill.demos[{index}].inFlight && "
        f"!window.downhill.demos[{index}].pending",
    )


@pytest.mark.parametrize("name", ARTICLES)
def test_every_demo_and_control_matches_the_engine(page, site_url, name):
    slug = slug_of(name)
    count = open_live(page, f"{site_url}/{slug}/")
    for index in range(count):
        # The figures first shown are the build's, computed by the same engine.
        assert_matches_engine(page, index)
        names = page.evaluate(f"[...window.downhill.demos[{index}].inputs].map(i => i.name)")
        for control in names:
            before = page.evaluate(f"window.downhill.demos[{index}].latest")
            move(page, index, control)
            wait_drawn(page, index, before)
            state = page.evaluate(f"window.downhill.demos[{index}].el.dataset.state")
            assert state == "ready", (slug, index, control)
            error = page.evaluate(
                f"window.downhill.demos[{index}].el.querySelector('.control-error')?.textContent"
            )
            assert not error, (control, error)
            assert_matches_engine(page, index)
        # Charts are drawn as the reader comes near them (a demo without controls may not
        # have been yet).
        page.evaluate(f"window.downhill.demos[{index}].el.scrollIntoView()")
        poll(page, f"window.downhill.demos[{index}].charts.every(c => c.data)")
        assert_charts_drawn(page, index)
    if page.evaluate("document.querySelectorAll('.arithmatex').length"):
        assert_math_typeset(page)
    assert page.problems == []


def test_far_demos_wait_for_the_reader(page, site_url):
    """Demos far below the viewport are drawn only as the reader comes near them (or
    prints), so that they do not slow the engine's start-up."""
    last = "window.downhill.demos[window.downhill.demos.length - 1]"

    def open_top() -> None:
        page.goto(f"{site_url}/mountain-range/")
        poll(page, "window.downhill && window.downhill.demos[0].charts[0].data")
        assert page.evaluate(f"{last}.charts.every(c => !c.data)")

    open_top()
    page.evaluate(f"{last}.el.scrollIntoView()")
    poll(page, f"{last}.charts.every(c => c.data)")

    # Before printing, every chart (but a 3-D one whose bundle is not loaded yet) is drawn.
    open_top()
    drawn = page.evaluate(
        "window.dispatchEvent(new Event('beforeprint')) && window.downhill.demos.every(d => "
        "d.charts.every((c, i) => c.data || d.figures[i].data.some(t => t.type === 'surface')))"
    )
    assert drawn
    assert page.problems == []


def test_play_and_step_reveal_the_path(page, site_url):
    open_live(page, f"{site_url}/first-descent/")
    demo = page.locator("#descent")
    demo.locator("button.step").click()
    demo.locator("button.step").click()
    lengths = page.evaluate(
        "window.downhill.demos[0].charts[0].data.filter(t => t.meta && "
        "t.meta.path).map(t => t.x.length)"
    )
    assert lengths == [2]  # steps 0 and 1
    demo.locator("button.reset").click()
    lengths = page.evaluate(
        "window.downhill.demos[0].charts[0].data.filter(t => t.meta && "
        "t.meta.path).map(t => t.x.length)"
    )
    assert lengths == [16]


def test_a_typed_mistake_is_shown_inline_with_its_column(page, site_url):
    open_live(page, f"{site_url}/learning-rates-and-optimizers/")
    box = page.locator("#your-function input[name=function]")
    before = page.evaluate("window.downhill.demos[3].latest")
    box.fill("x^2 + sinn(y)")
    box.press("Enter")
    wait_drawn(page, 3, before)
    message = page.locator("#your-function .control-error").inner_text()
    assert "unknown function 'sinn'" in message and "column 7" in message
    assert page.problems == []


@pytest.fixture(
    params=[
        "pyodide.asm.wasm.xz",
        "python_stdlib.zip.xz",
        "pyodide-lock.json",
        "xz-decompress.wasm",
        "corrupt pyodide.asm.wasm.xz",
        "corrupt python_stdlib.zip.xz",
    ]
)
def site_without_runtime(request, built_site):
    """The same site from a server that answers 404 for part of the Python runtime (its
    packed WebAssembly, its packed standard library, the engine's lock file, the decoder),
    like a blocked CDN, or that garbles one of the packed files halfway through."""
    import http.server
    import threading

    from downhill.serve import SiteHandler

    corrupt, _, blocked = request.param.rpartition(" ")

    class Blocking(SiteHandler):
        def do_GET(self):
            if not self.path.endswith(blocked):
                super().do_GET()
            elif not corrupt:
                self.send_error(404)
            else:
                data = bytearray((built_site / self.path.lstrip("/")).read_bytes())
                data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(data)

        do_HEAD = do_GET

    handler = lambda *a, **k: Blocking(*a, directory=str(built_site), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}" + ("#corrupt" if corrupt else "")
    server.shutdown()


def test_blocked_runtime_keeps_charts_and_says_why(page, site_without_runtime):
    page.goto(f"{site_without_runtime.removesuffix('#corrupt')}/first-descent/")
    page.evaluate("document.querySelector('.demo').scrollIntoView()")
    poll(page, "document.querySelector('.demo').dataset.state === 'error'", timeout=60)
    assert page.locator(".demo .main-svg").count() >= 1
    status = page.locator(".demo .demo-status").first.inner_text()
    assert "could not load" in status and "Retry" in status
    if site_without_runtime.endswith("#corrupt"):
        assert "could not be unpacked: corrupt xz data" in status
    assert not [p for p in page.problems if p.startswith("uncaught")]


def test_keyboard_alone_moves_a_slider(page, site_url):
    open_live(page, f"{site_url}/first-descent/")
    page.focus("#descent input[name=lr]")
    before = page.evaluate("window.downhill.demos[0].latest")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    wait_drawn(page, 0, before)
    assert page.locator("#descent input[name=lr]").input_value() == "0.15"
    assert page.locator("#descent input[name=lr]").get_attribute("aria-valuetext") == "0.15"
    assert_matches_engine(page, 0)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_with_the_engine_ready_a_precomputed_state_is_drawn_from_its_keyframe(page, site_url):
    """A move to a position the build precomputed is drawn at once from its keyframe, the
    engine's own answer, with no worker round trip; a state it did not precompute (two
    controls moved) goes to the worker."""
    open_live(page, f"{site_url}/first-descent/", frames_when_ready=True)
    frames = "window.downhill.demos[0].frames"
    poll(page, f"() => {frames}.rank === {frames}.urls.length - 1")  # the whole file is in
    page.evaluate(
        """() => {
          const worker = window.downhill.engine.worker;
          window.__renders = 0;
          const post = worker.postMessage.bind(worker);
          worker.postMessage = (m) => { if (m.type === 'render') window.__renders += 1; post(m); };
        }"""
    )
    before = page.evaluate("window.downhill.demos[0].latest")
    page.fill("#descent input[name=lr]", "0.42")
    wait_drawn(page, 0, before)
    assert page.evaluate("window.__renders") == 0
    assert_matches_engine(page, 0)
    assert page.inner_text("#descent .demo-summary") == render_demo(spec_of(page, 0))["summary"]
    before = page.evaluate("window.downhill.demos[0].latest")
    page.fill("#descent input[name=steps]", "30")  # lr and steps both moved: not precomputed
    wait_drawn(page, 0, before)
    assert page.evaluate("window.__renders") == 1
    assert spec_of(page, 0)["steps"] == 30 and spec_of(page, 0)["lr"] == 0.42
    assert_matches_engine(page, 0)


def test_url_state_round_trip(page, site_url):
    open_live(page, f"{site_url}/first-descent/")
    before = page.evaluate("window.downhill.demos[0].latest")
    page.fill("#descent input[name=lr]", "0.42")
    wait_drawn(page, 0, before)
    poll(page, "() => location.search.includes('descent.lr=0.42')")  # once the move settles
    url = page.url
    open_live(page, url)
    assert page.locator("#descent input[name=lr]").input_value() == "0.42"
    poll(page, "!window.downhill.demos[0].pending && !window.downhill.demos[0].inFlight")
    assert spec_of(page, 0)["lr"] == 0.42
    assert_matches_engine(page, 0)


def test_latest_wins_under_a_burst(page, site_url):
    open_live(page, f"{site_url}/first-descent/")
    page.evaluate("""() => {
      const input = document.querySelector('#descent input[name=lr]');
      for (let i = 1; i <= 50; i++) {
        input.value = String((0.01 + i * 0.015).toFixed(3));
        input.dispatchEvent(new Event('input', {bubbles: true}));
      }
    }""")
    poll(page, "!window.downhill.demos[0].pending && !window.downhill.demos[0].inFlight")
    assert page.locator("#descent input[name=lr]").input_value() == "0.76"
    assert spec_of(page, 0)["lr"] == 0.76
    assert_matches_engine(page, 0)


def test_readable_at_360_pixels(browser, site_url, tmp_path: Path):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{site_url}/mountain-range/")
    page.evaluate("document.querySelector('.demo').scrollIntoView()")
    poll(page, "() => document.querySelector('.demo .main-svg')")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    page.screenshot(path=str(tmp_path / "360.png"))
    context.close()
    assert widths[0] <= widths[1], widths


@pytest.mark.parametrize("slug", ["learning-rates-and-optimizers", "mountain-range"])
def test_wide_display_math_scrolls_with_a_cue_at_360_pixels(browser, site_url, slug):
    """Display math wider than a 360 px column is not cut off and does not widen the page:
    its box scrolls, and carries the edge shadows that say so."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{site_url}/{slug}/")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('div.arithmatex')]
          .filter((d) => d.scrollWidth > d.clientWidth + 1)
          .map((d) => [getComputedStyle(d).overflowX, getComputedStyle(d).backgroundImage,
                       d.getBoundingClientRect().right])"""
    )
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    context.close()
    assert wide, "this article has display math wider than 360 px"
    for overflow, background, right in wide:
        assert overflow == "auto" and right <= 360
        assert background.count("gradient(") == 4  # two covers, two edge shadows
    assert widths[0] <= widths[1], widths


def test_pages_carry_a_strict_content_security_policy(site_url):
    import urllib.request

    html = urllib.request.urlopen(f"{site_url}/first-descent/").read().decode()
    import html as entities

    raw = html.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0]
    policy = entities.unescape(raw)
    script_src = policy.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "'wasm-unsafe-eval'" in script_src


@pytest.mark.parametrize("fragment", ["#%", "#%E0%A4%A"])
def test_a_malformed_fragment_is_ignored(page, site_url, fragment):
    page.goto(f"{site_url}/learning-rates-and-optimizers/{fragment}")
    poll(page, "document.querySelector('.demo .main-svg') !== null")
    assert page.problems == []


def test_a_restarted_worker_leaves_every_demo_working(page, site_url):
    """A runaway request in one demo restarts the worker; another demo's request that was
    in flight is answered by the new worker, and its next change too."""
    open_live(page, f"{site_url}/learning-rates-and-optimizers/")
    live, runaway = page.evaluate(
        "(() => { const d = window.downhill.demos, i = d.findIndex(x => x.inputs.length);"
        " return [i, i === 0 ? 1 : 0]; })()"
    )
    runaway_id = page.evaluate(f"window.downhill.demos[{runaway}].id")
    name = page.evaluate(f"window.downhill.demos[{live}].inputs[0].name")
    before = page.evaluate(f"window.downhill.demos[{live}].latest")
    move(page, live, name)
    # The other demo "runs away" while this one's request is in flight (as its timer would).
    page.evaluate(f"window.downhill.engine.restart({json.dumps(runaway_id)})")
    wait_drawn(page, live, before)
    assert_matches_engine(page, live)
    assert "took too long" in page.evaluate(f"window.downhill.demos[{runaway}].status.textContent")
    before = page.evaluate(f"window.downhill.demos[{live}].latest")
    move(page, live, name)
    wait_drawn(page, live, before)
    assert_matches_engine(page, live)
    assert page.evaluate(f"window.downhill.demos[{live}].el.dataset.state") == "ready"
    assert page.problems == []


TYPED_AT_THE_LIMITS = [
    ("(" * 40 + "x" + ")**x" * 40, ""),  # the deepest power tower the engine accepts
    ("(" * 49 + "x" + ")**x" * 49, "nested too deeply"),
    ("x^2", ""),  # a function of x alone in a 2-D demo: a valley along y, no error
]


def test_typed_functions_at_the_limits_answer_in_words(page, site_url):
    """Each typed function at the limits, in turn on one page (the engine booted once):
    answered in words, and a plain function afterwards still drawn."""
    open_live(page, f"{site_url}/learning-rates-and-optimizers/")
    index = page.evaluate("window.downhill.demos.findIndex(d => d.id === 'your-function')")
    box = page.locator("#your-function input[name=function]")
    for typed, error in TYPED_AT_THE_LIMITS:
        before = page.evaluate(f"window.downhill.demos[{index}].latest")
        box.fill(typed)
        box.press("Enter")
        wait_drawn(page, index, before)
        message = page.locator("#your-function .control-error").inner_text()
        assert (error in message) if error else message == "", (typed[:12], message)
        if not error:
            assert_matches_engine(page, index)
        # The engine still answers: a plain function afterwards is drawn.
        before = page.evaluate(f"window.downhill.demos[{index}].latest")
        box.fill("x^2 + 2*y^2")
        box.press("Enter")
        wait_drawn(page, index, before)
        assert_matches_engine(page, index)
    assert page.problems == []


def serve_built(built_site, delay_suffix: str = "", delay: float = 0.0, block_suffix: str = ""):
    """The built site from a server that blocks (404) or delays the files ending so."""
    import http.server
    import threading

    from downhill.serve import SiteHandler

    class Handler(SiteHandler):
        def do_GET(self):
            if block_suffix and self.path.endswith(block_suffix):
                self.send_error(404)
                return
            if delay_suffix and self.path.endswith(delay_suffix):
                time.sleep(delay)
            super().do_GET()

        do_HEAD = do_GET

    handler = lambda *a, **k: Handler(*a, directory=str(built_site), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def keyframe_positions(page, index: int) -> dict:
    """Each precomputed control of demo ``index`` with three values to move it to."""
    return page.evaluate(
        f"""async () => {{
        const demo = window.downhill.demos[{index}];
        await demo.keyframesLoaded;
        const frames = demo.frameSet;
        if (!frames) return {{}};
        const out = {{}};
        for (const [name, entry] of Object.entries(frames.controls)) {{
          const input = demo.inputs.find((i) => i.name === name);
          const others = entry.positions.filter((p) => String(p) !== input.dataset.initial);
          const pick = [0.2, 0.5, 0.8].map((f) => others[Math.floor(f * (others.length - 1))]);
          out[name] = [...new Set(pick)];
        }}
        return out;
    }}"""
    )


def move_to(page, index: int, name: str, value) -> None:
    page.evaluate(
        f"""(() => {{
        const demo = window.downhill.demos[{index}];
        const input = demo.inputs.find((i) => i.name === {json.dumps(name)});
        input.value = String({json.dumps(value)});
        input.dispatchEvent(new Event(input.tagName === 'SELECT' ? 'change' : 'input'));
        if (input.tagName === 'SELECT') input.dispatchEvent(new Event('input'));
    }})()"""
    )
    poll(
        page,
        f"window.downhill.demos[{index}].keyframeSeq === window.downhill.demos[{index}].latest",
    )


@pytest.mark.parametrize("name", WITH_DEMOS)
def test_keyframes_answer_every_slider_without_the_runtime(page, built_site, name):
    """With the WebAssembly blocked, each precomputed control of each demo, moved to three
    positions, redraws exactly what the engine computes in CPython for the page's spec."""
    server = serve_built(built_site, block_suffix=".wasm.xz")
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/{slug_of(name)}/")
        count = page.evaluate("window.downhill.demos.length")
        moved = 0
        for index in range(count):
            page.evaluate(f"window.downhill.demos[{index}].el.scrollIntoView()")
            for control, values in keyframe_positions(page, index).items():
                for value in values:
                    move_to(page, index, control, value)
                    assert_matches_engine(page, index)
                    summary = page.evaluate(f"window.downhill.demos[{index}].summary.textContent")
                    assert summary == render_demo(spec_of(page, index))["summary"]
                    moved += 1
                page.evaluate(f"window.downhill.demos[{index}].reset()")
        assert moved, name
        assert not [p for p in page.problems if p.startswith("uncaught")]
    finally:
        server.shutdown()


def test_first_move_redraws_before_the_engine_is_ready(page, built_site):
    server = serve_built(built_site, delay_suffix=".wasm.xz", delay=15.0)
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/first-descent/")
        poll(page, "document.querySelector('.demo .main-svg') !== null")
        values = keyframe_positions(page, 0)["lr"]
        move_to(page, 0, "lr", values[1])
        assert page.evaluate("window.downhill.demos[0].el.dataset.state") == "loading"
        assert_matches_engine(page, 0)
    finally:
        server.shutdown()


def test_the_first_coarse_keyframes_answer_until_the_whole_set_is_in(page, built_site):
    """With the whole keyframes file held back 3 s, a move right after the first chart is
    drawn from the first, coarse file: the slider snaps to one of its positions, and the
    chart is the engine's answer for the value shown. Once the whole file is in, a move to
    a position only it holds is drawn exactly."""
    html = (built_site / "first-descent" / "index.html").read_text()
    whole = re.search(r'id="descent"[^>]*data-keyframes="([^"]+)"', html)[1]
    assert re.search(r'id="descent"[^>]*data-keyframes-first="([^"]+)"', html)
    server = serve_built(built_site, delay_suffix=whole, delay=3.0, block_suffix=".wasm.xz")
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/first-descent/")
        poll(page, "window.downhill.demos[0].frameSet !== null")
        assert not page.evaluate("window.downhill.demos[0].frameRank")  # the first file
        coarse = page.evaluate("window.downhill.demos[0].frameSet.controls.lr.positions")
        assert 3 <= len(coarse) <= 10
        move_to(page, 0, "lr", 0.37)
        shown = page.evaluate("Number(window.downhill.demos[0].inputs[0].value)")
        assert shown in coarse and shown != 0.37
        assert page.evaluate("window.downhill.demos[0].spec.lr") == shown
        assert_matches_engine(page, 0)
        poll(page, "window.downhill.demos[0].frameRank === 1", timeout=10)
        assert 0.37 not in coarse
        move_to(page, 0, "lr", 0.37)
        assert page.evaluate("window.downhill.demos[0].spec.lr") == 0.37
        assert_matches_engine(page, 0)
    finally:
        server.shutdown()


def test_a_linked_state_is_drawn_as_linked_before_the_engine(page, built_site):
    """A link's state is never snapped to a coarse keyframe: with the runtime blocked,
    lr = 0.37 (in the whole keyframes file, not in the first) is drawn exactly."""
    server = serve_built(built_site, block_suffix=".wasm.xz")
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/first-descent/?descent.lr=0.37")
        poll(page, "window.downhill.demos[0].keyframeSeq === window.downhill.demos[0].latest")
        coarse = json.loads(
            (
                built_site
                / "first-descent"
                / re.search(
                    r'data-keyframes-first="([^"]+)"',
                    (built_site / "first-descent" / "index.html").read_text(),
                )[1]
            ).read_text()
        )
        assert 0.37 not in coarse["controls"]["lr"]["positions"]
        assert page.evaluate("window.downhill.demos[0].inputs[0].value") == "0.37"
        assert spec_of(page, 0)["lr"] == 0.37
        assert_matches_engine(page, 0)
    finally:
        server.shutdown()


def test_a_state_not_precomputed_keeps_the_chart_and_says_so(page, built_site):
    server = serve_built(built_site, block_suffix=".wasm.xz")
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/mountain-range/")
        page.evaluate("document.querySelector('#peaks-path').scrollIntoView()")
        index = page.evaluate("window.downhill.demos.findIndex(d => d.id === 'peaks-path')")
        positions = keyframe_positions(page, index)
        (first, a), (second, b) = list(positions.items())[:2]
        before = figures_of(page, index)
        move_to(page, index, first, a[0])
        drawn = figures_of(page, index)
        assert drawn != before
        move_to(page, index, second, b[0])  # two controls away from the built values
        assert figures_of(page, index) == drawn
        assert page.locator("#peaks-path .demo-chart.demo-stale").count() >= 1
        assert "no precomputed chart" in page.locator("#peaks-path .demo-summary").inner_text()
    finally:
        server.shutdown()


@pytest.mark.parametrize(("width", "stacked"), [(360, True), (1100, False)])
def test_small_multiples_stack_on_a_narrow_chart(browser, site_url, width, stacked):
    """The figure's narrow layout is applied below the breakpoint: panels one above the
    other, as wide as the chart; side by side on a wide one. No panel leaves the chart."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{site_url}/guide/#guide-multiples")
        page.locator("#guide-multiples").scroll_into_view_if_needed()
        poll(page, "() => document.querySelector('#guide-multiples .main-svg')")
        boxes = page.evaluate("""() => {
          const chart = document.querySelector('#guide-multiples .demo-chart');
          const box = chart.getBoundingClientRect();
          const panels = [...chart.querySelectorAll('.draglayer .nsewdrag')].map((r) => {
            const b = r.getBoundingClientRect();
            return [b.left - box.left, b.top - box.top, b.right - box.left, b.bottom - box.top];
          });
          return {panels, width: box.width, height: box.height};
        }""")
    finally:
        context.close()
    panels = boxes["panels"]
    assert len(panels) == 3
    for left, top, right, bottom in panels:
        assert 0 <= left < right <= boxes["width"] and 0 <= top < bottom <= boxes["height"]
    pairs = list(itertools.pairwise(panels))
    if stacked:
        assert all(a[3] < b[1] for a, b in pairs)  # each below the one before
        assert all(right - left > 0.6 * boxes["width"] for left, _, right, _ in panels)
    else:
        assert all(a[2] < b[0] for a, b in pairs)  # each right of the one before


def test_a_click_on_a_contour_map_moves_the_start_there(page, site_url):
    """bowl-field has start.x and start.y sliders: a click at (−1, 1.5) on its map sets
    them there, and the chart redraws the engine's run from that start."""
    page.goto(f"{site_url}/gradient-points-uphill/#bowl-field")
    demo = page.locator("#bowl-field")
    demo.scroll_into_view_if_needed()
    index = page.evaluate("() => window.downhill.demos.findIndex((d) => d.id === 'bowl-field')")
    poll(page, f"() => window.downhill.demos[{index}].el.dataset.state === 'ready'")
    point = page.evaluate("""() => {
      const chart = document.querySelector('#bowl-field .demo-chart');
      const area = chart.querySelector('.draglayer .nsewdrag').getBoundingClientRect();
      const axes = chart._fullLayout;
      return [area.left + axes.xaxis.c2p(-1), area.top + axes.yaxis.c2p(1.5)];
    }""")
    page.mouse.click(*point)
    poll(page, f"() => window.downhill.demos[{index}].spec.start[0] === -1")
    assert page.locator("#bowl-field input[name='start.x']").input_value() == "-1"
    assert page.locator("#bowl-field input[name='start.y']").input_value() == "1.5"
    shown = f"window.downhill.demos[{index}]"
    poll(page, f"() => !{shown}.pending && !{shown}.inFlight")
    assert spec_of(page, index)["start"] == [-1, 1.5]
    assert_matches_engine(page, index)
    path = next(t for t in figures_of(page, index)[0]["data"] if t.get("meta", {}).get("path"))
    assert [path["x"][0], path["y"][0]] == [-1, 1.5]
