"""WebKit, the engine of every iPhone browser: each article in Debian's WebKitGTK MiniBrowser,
driven by WebKitWebDriver through Selenium on a virtual screen (Xvfb).

Every demo of every article reaches ``ready``, one move of each control redraws exactly
what the engine computes in CPython, every formula is drawn (typeset when the site was
built) with no error node, no demo reports an error.
scripts/setup --test installs webkit2gtk-driver and xvfb, as it installs chromium.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest

from engine import render_demo

from .test_reader import ARTICLES, close, slug_of

# One MiniBrowser for them all: with pytest-xdist, every WebKit test runs in one process.
pytestmark = [pytest.mark.webkit, pytest.mark.xdist_group("webkit")]


def minibrowser() -> str:
    listing = subprocess.run(
        ["dpkg", "-L", "libwebkit2gtk-4.1-0"], capture_output=True, text=True, check=False
    ).stdout
    found = [line for line in listing.splitlines() if line.endswith("/MiniBrowser")]
    assert found, "WebKitGTK's MiniBrowser is required: scripts/setup --test"
    return found[0]


@pytest.fixture(scope="module")
def display():
    """A virtual screen for the MiniBrowser, on a display number Xvfb finds free (it writes
    the number to a pipe: two test processes never share one)."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is required: scripts/setup --test"
    read, write = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write,),
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def webkit(display):
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.options import Options
    from selenium.webdriver.webkitgtk.service import Service

    driver_path = shutil.which("WebKitWebDriver")
    assert driver_path, "WebKitWebDriver is required: scripts/setup --test"
    options = Options()
    options.binary_location = minibrowser()
    # Debian 12's MiniBrowser (WebKitGTK 2.50) has no --headless: the virtual screen is its.
    options.add_argument("--automation")
    service = Service(driver_path, env={**os.environ, "DISPLAY": display})
    driver = webdriver.WebKitGTK(options=options, service=service)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


ERRORS_JS = (
    "window.__errors = [];"
    "addEventListener('error', (e) => __errors.push(String(e.message)));"
    "addEventListener('unhandledrejection', (e) => __errors.push(String(e.reason)));"
)


@pytest.fixture(scope="module")
def watched_site_url(built_site):
    """The built site, each page with a first script that records uncaught errors (WebDriver
    in WebKit has no way to run a script before the page's own)."""
    import http.server
    import threading

    from downhill.serve import SiteHandler

    class Watched(SiteHandler):
        def do_GET(self):
            if self.path == "/__errors.js":
                body, kind = ERRORS_JS.encode(), "text/javascript"
            else:
                local = built_site / self.path.split("?")[0].lstrip("/")
                page = local / "index.html" if local.is_dir() else local
                if page.suffix != ".html" or not page.is_file():
                    super().do_GET()
                    return
                html = page.read_text()
                body = html.replace("<head>", '<head><script src="/__errors.js"></script>', 1)
                body, kind = body.encode(), "text/html"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    handler = lambda *a, **k: Watched(*a, directory=str(built_site), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def wait(driver, script: str, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {script}")


MOVE = """
const [index, name] = arguments;
const demo = window.downhill.demos[index];
const input = demo.inputs.find((i) => i.name === name);
if (input.tagName === 'SELECT') {
  input.selectedIndex = (input.selectedIndex + 1) % input.options.length;
} else {
  const lo = Number(input.min), hi = Number(input.max), value = Number(input.value);
  const target = value > lo + 0.5 * (hi - lo) ? lo + 0.3 * (hi - lo) : lo + 0.7 * (hi - lo);
  const step = input.step === 'any' ? 0 : Number(input.step);
  input.value = String(step ? lo + Math.round((target - lo) / step) * step : target);
}
demo.framesWhenReady = false; // the worker's answer, not the keyframe's, is what is tested
demo.latestBefore = demo.latest;
input.dispatchEvent(new Event(input.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));
if (input.tagName === 'SELECT') input.dispatchEvent(new Event('input', {bubbles: true}));
"""


def assert_matches_engine(driver, index: int) -> None:
    spec, shown = driver.execute_script(
        "const d = window.downhill.demos[arguments[0]]; return [d.spec, d.figures];", index
    )
    expected = json.loads(json.dumps(render_demo(spec)["figures"]))
    assert len(shown) == len(expected)
    for got, want in zip(shown, expected, strict=True):
        for trace_got, trace_want in zip(got["data"], want["data"], strict=True):
            for axis in ("x", "y", "z"):
                if axis in trace_want:
                    assert close(trace_got[axis], trace_want[axis]), (trace_want.get("name"), axis)


@pytest.mark.parametrize("name", ARTICLES)
def test_every_article_in_webkit(webkit, watched_site_url, name):
    webkit.get(f"{watched_site_url}/{slug_of(name)}/")
    wait(webkit, "return document.readyState === 'complete' && !!window.downhill;")
    count = webkit.execute_script("return window.downhill.demos.length;")
    if count:
        webkit.execute_script("window.downhill.demos[0].el.scrollIntoView();")
        for index in range(count):
            webkit.execute_script("window.downhill.demos[arguments[0]].el.scrollIntoView();", index)
        wait(
            webkit,
            "return window.downhill.demos.every(d => d.el.dataset.state === 'ready'"
            " || d.el.dataset.state === 'error');",
            timeout=180,
        )
        states = webkit.execute_script("return window.downhill.demos.map(d => d.el.dataset.state);")
        assert states == ["ready"] * count, states
    for index in range(count):
        webkit.execute_script("window.downhill.demos[arguments[0]].el.scrollIntoView();", index)
        names = webkit.execute_script(
            "return window.downhill.demos[arguments[0]].inputs"
            ".filter(i => i.type !== 'text').map(i => i.name);",
            index,
        )
        for control in names:
            webkit.execute_script(MOVE, index, control)
            wait(
                webkit,
                "const d = window.downhill.demos[arguments[0]];"
                " return d.latest > d.latestBefore && !d.inFlight && !d.pending;".replace(
                    "arguments[0]", str(index)
                ),
            )
            assert_matches_engine(webkit, index)
    # The math was typeset when the site was built: every formula is an SVG WebKit draws.
    counts = webkit.execute_script(
        "const math = [...document.querySelectorAll('.arithmatex')];"
        " return [math.length, math.filter((m) => { const svg = m.querySelector('svg');"
        # "see (3)", a reference on its own, is a plain link
        " if (m.querySelector(':scope > a.eqref')) return true;"
        " return svg && svg.getBoundingClientRect().width > 0; }).length,"
        " document.querySelectorAll('[data-mjx-error], merror').length];"
    )
    assert counts[1] == counts[0] and counts[2] == 0, counts
    failed = webkit.execute_script("return document.querySelectorAll('[data-state=error]').length;")
    assert failed == 0
    assert webkit.execute_script("return window.__errors;") == []


def test_minibrowser_is_webkit(webkit, site_url):
    webkit.get(f"{site_url}/")
    agent = webkit.execute_script("return navigator.userAgent;")
    assert "AppleWebKit" in agent and "Chrome" not in agent
    assert Path(minibrowser()).exists()


def test_a_cell_is_edited_and_run_in_webkit(webkit, watched_site_url):
    """WebKit: the editor opens, the reader's code runs in the cells' worker, output shows."""
    webkit.get(f"{watched_site_url}/the-descent-loop-in-code/")
    wait(webkit, "return document.readyState === 'complete' && !!window.downhill;")
    webkit.execute_script("document.querySelector('#by-hand').scrollIntoView();")
    webkit.execute_script("document.querySelector('#by-hand .cell-edit').click();")
    wait(webkit, "return !!document.querySelector('#by-hand .cm-content');")
    webkit.execute_script(
        "const cell = window.downhill.cells.find((c) => c.id === 'by-hand');"
        "cell.editor.code = 'values = [slope(k) for k in range(3)]\\nprint(values)\\nsum(values)';"
        "window.__ran = null;"
        "cell.el.addEventListener('downhill:ran', (e) => { window.__ran = e.detail; });"
        "document.querySelector('#by-hand .cell-run').click();"
    )
    answer = wait(webkit, "return window.__ran;", timeout=180)
    assert answer.get("output", {}).get("error") is None, answer
    stdout = webkit.execute_script(
        "return document.querySelector('#by-hand .cell-stdout').textContent;"
    )
    assert stdout == "[5, 7, 9]\n"
    value = webkit.execute_script(
        "return document.querySelector('#by-hand .cell-value').textContent;"
    )
    assert value == "21"
    assert webkit.execute_script("return window.__errors;") == []


def test_a_readers_code_cannot_touch_the_site_in_webkit(webkit, watched_site_url):
    """WebKit: the cells' sandbox holds as in Chromium (tests/test_strangers_browser.py)."""
    from .test_strangers_browser import ATTACK, Counting

    handler = type("Handler", (Counting,), {"seen": []})
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{other.server_address[1]}"
    site = f"{watched_site_url}/the-descent-loop-in-code/"
    code = f"OTHER = {origin!r}\nSITE = {site!r}\n" + textwrap.dedent(ATTACK)
    try:
        webkit.get(site)
        wait(webkit, "return document.readyState === 'complete' && !!window.downhill;")
        webkit.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "localStorage.setItem('mine', 'kept');"
            "caches.open('mine').then((c) => c.put('/kept', new Response('mine'))).then(done);"
        )
        webkit.execute_script(
            "const cell = window.downhill.cells.find((c) => c.id === 'by-hand');"
            "window.__ran = null;"
            "cell.el.addEventListener('downhill:ran', (e) => { window.__ran = e.detail; });"
            "cell.edited = arguments[0];"
            "cell.run();",
            code,
        )
        answer = wait(webkit, "return window.__ran;", timeout=180)
        printed = dict(
            line.split(" = ", 1)
            for line in answer["output"]["stdout"].splitlines()
            if " = " in line
        )
        # (WebKit gives an opaque origin a Cache Storage of its own: what it holds is checked
        # below, from the page.)
        for name in ("indexedDB", "document", "localStorage", "xhr other origin"):
            assert printed[name].startswith("refused"), (name, printed)
        time.sleep(2)
        assert handler.seen == []
        kept = webkit.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "caches.open('mine').then(async (c) => [await (await c.match('/kept')).text(),"
            " Boolean(await c.match(arguments[0] + 'planted'))])"
            ".then(([text, planted]) => done([text, planted, localStorage.getItem('mine')]));",
            site,
        )
        assert kept == ["mine", False, "kept"]
    finally:
        other.shutdown()


def test_an_exercise_is_graded_in_webkit(webkit, watched_site_url):
    """WebKit: a wrong gradient is graded and explained, the fixed one is solved."""
    webkit.get(f"{watched_site_url}/gradient-points-uphill/")
    wait(webkit, "return document.readyState === 'complete' && !!window.downhill;")
    webkit.execute_script("document.querySelector('#two-slopes').scrollIntoView();")
    webkit.execute_script("document.querySelector('#two-slopes .exercise-edit').click();")
    wait(webkit, "return !!document.querySelector('#two-slopes .cm-content');")
    check = (
        "const ex = window.downhill.exercises.find((e) => e.id === 'two-slopes');"
        "ex.editor.code = arguments[0];"
        "window.__graded = null;"
        "ex.el.addEventListener('downhill:graded', (e) => { window.__graded = e.detail; },"
        " {once: true});"
        "document.querySelector('#two-slopes .exercise-check').click();"
    )
    code = "from math import sin, cos\ndef gradient(x, y):\n    return {}\n"
    webkit.execute_script(check, code.format("x**2*cos(y), 2*x*sin(y)"))
    verdict = wait(webkit, "return window.__graded;", timeout=180)
    assert verdict["passed"] is False and "swapped" in verdict["message"]
    said = webkit.execute_script(
        "return document.querySelector('#two-slopes .exercise-result').textContent;"
    )
    assert "swapped" in said
    webkit.execute_script(check, code.format("2*x*sin(y), x**2*cos(y)"))
    verdict = wait(webkit, "return window.__graded;")
    assert verdict["passed"] is True
    progress = webkit.execute_script(
        "return document.querySelector('#two-slopes').dataset.progress;"
    )
    assert progress == "solved"
    assert webkit.execute_script("return window.__errors;") == []


KEPT_JS = """
const done = arguments[arguments.length - 1];
caches.open('downhill-offline ' + new URL('/', location.href).href).then((c) => c.keys())
  .then((keys) => done(keys.map((r) => new URL(r.url).pathname)), () => done([]));
"""


def test_an_article_read_before_opens_offline_in_webkit(webkit, built_site, tmp_path):
    from .test_offline import CountingServer

    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    server = CountingServer(site)
    url = f"{server.url}/first-descent/"
    webkit.get(url)
    wait(webkit, "return document.readyState === 'complete' && !!window.downhill;")
    webkit.execute_script("window.downhill.demos[0].el.scrollIntoView();")
    wait(webkit, "return window.downhill.demos[0].el.dataset.state === 'ready';", timeout=180)
    wait(webkit, "return !!navigator.serviceWorker.controller;")
    deadline = time.monotonic() + 60
    while not {"/first-descent/", "/assets/engine/pyodide-lock.json"} <= set(
        webkit.execute_async_script(KEPT_JS)
    ):
        assert time.monotonic() < deadline, webkit.execute_async_script(KEPT_JS)
        time.sleep(0.2)
    server.stop()
    webkit.get(url)  # the server is gone: the service worker answers
    wait(webkit, "return document.readyState === 'complete' && !!window.downhill;")
    assert "The first descent" in webkit.execute_script("return document.title;")
    webkit.execute_script("window.downhill.demos[0].el.scrollIntoView();")
    wait(webkit, "return !!document.querySelector('.demo .main-svg');")
    wait(webkit, "return window.downhill.demos[0].el.dataset.state === 'ready';", timeout=180)
