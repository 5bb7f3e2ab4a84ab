"""Shared fixtures: a site built from content/ into a temp folder, served on 127.0.0.1."""

from __future__ import annotations

import fcntl
import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from downhill.serve import site_handler
from downhill.site import BuildConfig, build_site

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def content_articles() -> list[Path]:
    """The repository's articles: Markdown files and notebooks of content/, by name."""
    content = ROOT / "content"
    return sorted(
        (p for kind in (".md", ".ipynb") for p in content.glob(f"[!_]*{kind}")),
        key=lambda p: p.name,
    )


def article_text(name: str) -> str:
    """An article's Markdown by its file's stem (a notebook's: the Markdown it is)."""
    from downhill.read import read_article

    [path] = [p for p in content_articles() if p.stem == name]
    return read_article(path, []) or ""


ARTICLES = [p.stem for p in content_articles()]


def serve_folder(folder: Path, base_url: str = "/"):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), site_handler(folder, base_url))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def built_and_served(content: Path, out: Path | None = None) -> Iterator[tuple[Path, str]]:
    """Build ``content`` (no cache) into ``out`` (``site`` beside it unless given) and serve
    it here: (the site's folder, its address); the server ends with the block."""
    out = out or content.parent / "site"
    build_site(BuildConfig(content=content, out=out, cache=None))
    server = serve_folder(out)
    try:
        yield out, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@contextmanager
def article_served(tmp_path_factory, name: str, text: str) -> Iterator[tuple[Path, str]]:
    """A site of one article, ``name``.md holding ``text``, built and served: (the site's
    folder, the article's address)."""
    content = tmp_path_factory.mktemp(name) / "content"
    content.mkdir()
    (content / f"{name}.md").write_text(text)
    with built_and_served(content) as (out, url):
        yield out, f"{url}/{name}/"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, worker_id) -> Path:
    """The repository's site, built once for the whole run: the first xdist worker to ask
    builds it where every worker finds it (their temporary folders share a parent, which
    is this run's own)."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    out = shared / "built-site" / "site"
    with open(shared / "built-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (out / "build.json").exists():
            build_site(BuildConfig(out=out, cache=None))
    return out


@pytest.fixture(scope="session")
def site_url(built_site):
    server = serve_folder(built_site)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    assert path, "node is required for the Pyodide parity tests (see README)"
    assert (ROOT / "node_modules" / "pyodide").is_dir(), "run scripts/setup: node_modules missing"
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required: scripts/setup --test"
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz", action="store_true", help="run the parser fuzzer with 100,000 examples"
    )


def pytest_collection_modifyitems(items):
    """A test that opens Chromium is a browser test and one that boots Pyodide under Node a
    node test, whichever file it is in: ``-m "not browser and not webkit"`` is the quick
    loop."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "browser" in used:
            item.add_marker(pytest.mark.browser)
        if "node" in used:
            item.add_marker(pytest.mark.node)


def pytest_configure(config):
    from hypothesis import HealthCheck, settings

    common = {
        "deadline": 1000,
        "suppress_health_check": [HealthCheck.too_slow],
        "derandomize": True,
    }
    settings.register_profile("default", max_examples=200, **common)
    settings.register_profile("fuzz", max_examples=100_000, **common)
    settings.load_profile("fuzz" if config.getoption("--fuzz") else "default")


# Records, from before any page script runs, when the first chart and the first "ready"
# appear. Init scripts run outside the page's CSP, which forbids eval for page scripts.
TIMELINE = """
window.__timeline = {};
new MutationObserver(() => {
  const t = window.__timeline, now = performance.now();
  if (!t.chart && document.querySelector('.demo .main-svg')) t.chart = now;
  if (!t.ready && document.querySelector('.demo[data-state=ready]')) t.ready = now;
  if (!t.error && document.querySelector('.demo[data-state=error]')) t.error = now;
}).observe(document, {subtree: true, childList: true, attributes: true});
// (a first look, final: false, is not yet the answer: see static/worker.js)
document.addEventListener('downhill:drawn', (e) => {
  if (e.detail.final !== false) window.__drawn = e.detail.seq;
}, true);
"""


def poll(page, expression, timeout=60.0):
    """Evaluate ``expression`` until truthy (wait_for_function needs eval, which CSP blocks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {expression}")


def press_run(page, cell: str, timeout: float = 120) -> dict:
    """Press ``#cell``'s Run, as a reader does, and wait for its answer (downhill:ran)."""
    page.evaluate(
        "(id) => { window.__ran = null; const el = document.getElementById(id);"
        " el.addEventListener('downhill:ran', (e) => { window.__ran = e.detail; }, {once: true});"
        " el.querySelector('.cell-run').click(); }",
        cell,
    )
    return poll(page, "() => window.__ran", timeout)


def open_empty_editor(page, block: str, edit: str) -> None:
    """Open the editor of ``#block`` (its ``edit`` button, if shown) and empty it, as a
    reader would before typing. Cells and exercises share the editor."""
    if page.is_visible(f"#{block} {edit}"):
        page.click(f"#{block} {edit}")
    poll(page, f"() => document.querySelector('#{block} .cm-content')")
    page.click(f"#{block} .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")


# The charts not drawn in a colour scheme (their tick labels not in its axis colour), by
# their block's id and place in it: none once every chart is.
NOT_DRAWN_IN = """(dark) => [...document.querySelectorAll('.demo-chart')].filter((chart) => {
  const tick = chart.querySelector('.xtick text');  // a 3-D chart draws its ticks in WebGL
  return tick && (getComputedStyle(tick).fill === 'rgb(216, 216, 216)') !== dark;
}).map((chart) => {
  const block = chart.closest('.demo, .cell');
  return `${block?.id} chart ${[...block.querySelectorAll('.demo-chart')].indexOf(chart)}`;
})"""
DRAWN_IN = f"(dark) => ({NOT_DRAWN_IN})(dark).length === 0"


def switch_scheme(page, scheme: str) -> None:
    """Switch the page's colour scheme in place and wait until every chart is redrawn in it
    (the page redraws on the change), rather than loading the page again."""
    if page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches") == (
        scheme == "dark"
    ):
        return
    page.emulate_media(color_scheme=scheme)
    dark = scheme == "dark"
    deadline = time.monotonic() + 60
    while not page.evaluate(DRAWN_IN, dark):
        assert time.monotonic() < deadline, (
            f"not redrawn in the {scheme} scheme: {page.evaluate(NOT_DRAWN_IN, dark)}"
        )
        time.sleep(0.05)


def draw_every_chart(page) -> None:
    """Bring each chart into view and wait until it is drawn (charts draw as they near)."""
    for chart in page.query_selector_all(".demo-chart"):
        # (scrolled by the page itself: Playwright's own scroll first waits for the element
        # to stand still, which a chart being drawn on a busy machine may not for 30 s)
        chart.evaluate("(c) => c.scrollIntoView({block: 'nearest'})")
        poll(
            page,
            "() => [...document.querySelectorAll('.demo-chart')]"
            ".filter((c) => c.getBoundingClientRect().top < innerHeight)"
            ".every((c) => c.querySelector('.main-svg'))",
        )


@pytest.fixture
def page(browser):
    # No service worker: page.route (which blocks the runtime in some tests) does not see
    # what a worker fetches. tests/test_offline.py opens its own pages with one.
    context = browser.new_context(viewport={"width": 1100, "height": 900}, service_workers="block")
    page = context.new_page()
    page.add_init_script(TIMELINE)
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"uncaught: {e}"))
    yield page
    context.close()


@pytest.fixture(scope="module")
def previous_site(tmp_path_factory):
    """A good site built once; every failing build below must leave it byte-identical."""
    content = tmp_path_factory.mktemp("good")
    from .test_errors import GOOD, build

    (content / "good.md").write_text(GOOD)
    out = tmp_path_factory.mktemp("out") / "site"
    result = build(content, out)
    assert result.returncode == 0, result.stderr
    return out
