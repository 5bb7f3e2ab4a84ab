"""Offline reading: the service worker keeps the runtime a reader downloaded once, the
articles they opened and their keyframes; a kept article opens with the server gone; a new
build's pages replace the kept ones; a forged cache entry never runs; a deleted article
leaves the cache; two sites under one origin keep their own. The server here sends
``Cache-Control: no-store``, so that only the service worker can spare a download, and
counts what it is asked for."""

from __future__ import annotations

import collections
import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from downhill.serve import SiteHandler
from downhill.site import BuildConfig, build_site

from .conftest import poll, press_run

pytestmark = pytest.mark.browser

RUNTIME = ("/assets/vendor/pyodide", "/assets/engine/", "/worker.js", "/pyodide-boot.js")


class CountingServer:
    """``folder`` on 127.0.0.1, never cached by the browser, each path's requests counted;
    :meth:`stop` takes it off the network (the reader's train enters a tunnel)."""

    def __init__(self, folder: Path) -> None:
        hits = self.hits = collections.Counter()

        class Handler(SiteHandler):
            base_url = "/"

            def end_headers(self) -> None:
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def do_GET(self) -> None:
                hits[self.path.split("?")[0]] += 1
                super().do_GET()

            def do_HEAD(self) -> None:
                hits["HEAD " + self.path.split("?")[0]] += 1
                super().do_HEAD()

        handler = functools.partial(Handler, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def reader(browser):
    """A fresh browser profile with service workers allowed."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()


# The site's own cache (its scope is "/" here): every site of an origin has its own.
OWN = "caches.open('downhill-offline ' + new URL('/', location.href).href)"
KEPT = f"""async () => {{
  const cache = await {OWN};
  return (await cache.keys()).map((r) => new URL(r.url).pathname);
}}"""


def kept(page) -> list[str]:
    return page.evaluate(KEPT)


def open_live(page, url: str) -> None:
    """Open ``url`` and wait for its first demo to be live, under the service worker."""
    page.goto(url)
    page.locator(".demo").first.scroll_into_view_if_needed()
    poll(page, "() => document.querySelector('.demo[data-state=ready]')", timeout=120)
    poll(page, "() => !!navigator.serviceWorker.controller")


def read_until_kept(page, url: str) -> None:
    """Open ``url``, its engine ready, and wait until the service worker keeps the runtime."""
    open_live(page, url)
    poll(page, f"async () => ({KEPT})().then((k) => k.some((p) => p.endsWith('.whl')))")


def slider_answer(page) -> tuple[str, str]:
    """The first demo's summary before and after its first slider's ArrowRight."""
    before = page.inner_text(".demo .demo-summary")
    page.focus(".demo input[type=range]")
    page.keyboard.press("ArrowRight")
    poll(
        page,
        "(before) => document.querySelector('.demo .demo-summary').innerText !== before",
    )
    return before, page.inner_text(".demo .demo-summary")


@pytest.fixture(scope="module")
def served(built_site):
    server = CountingServer(built_site)
    yield server
    server.stop()


def test_the_second_article_takes_the_runtime_from_the_service_worker(reader, served):
    read_until_kept(reader, f"{served.url}/first-descent/")
    first = sum(n for path, n in served.hits.items() if any(r in path for r in RUNTIME))
    assert first >= 5  # the runtime's files came over the network once
    served.hits.clear()
    open_live(reader, f"{served.url}/gradient-points-uphill/")
    asked = [path for path in served.hits if any(r in path for r in RUNTIME)]
    assert asked == [], asked
    assert served.hits["/gradient-points-uphill/"] == 1  # the page itself: from the network
    assert reader.problems == []


@pytest.fixture
def own_server(built_site, tmp_path):
    """A copy of the built site on a server of its own, which the test takes away."""
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    server = CountingServer(site)
    yield server
    server.stop()


def test_a_kept_article_opens_offline_and_answers_its_sliders(reader, own_server):
    read_until_kept(reader, f"{own_server.url}/first-descent/")
    # Without the runtime's WebAssembly, the kept keyframes alone must answer.
    reader.evaluate(
        f"""async () => {{
          const cache = await {OWN};
          for (const r of await cache.keys()) if (r.url.includes('.wasm')) await cache.delete(r);
        }}"""
    )
    own_server.stop()
    reader.reload()
    reader.locator(".demo").first.scroll_into_view_if_needed()
    poll(reader, "() => document.querySelector('.demo .main-svg')")
    before, after = slider_answer(reader)
    assert after != before
    poll(reader, "() => document.querySelector('.demo[data-state=error]')", timeout=60)
    assert "Static chart" not in reader.inner_text(".demo .demo-summary")


def test_the_kept_runtime_runs_the_engine_offline(reader, own_server):
    read_until_kept(reader, f"{own_server.url}/first-descent/")
    own_server.stop()
    reader.reload()
    reader.locator(".demo").first.scroll_into_view_if_needed()
    poll(reader, "() => document.querySelector('.demo[data-state=ready]')", timeout=120)
    # a page never opened: the kept ones, by title
    reader.goto(f"{own_server.url}/mountain-range/")
    assert "You are offline" in reader.inner_text("body")
    assert reader.inner_text("li") == "The first descent, in one dimension · Downhill"


ARTICLE = """---
title: {title}
date: 2026-01-0{day}
---

{text}

```demo
id: bowl
function: x**2
start: [2]
lr: {lr}
steps: 20
controls:
  lr: {{min: 0.05, max: 0.5, step: 0.05}}
```
"""


def write_site(content: Path, out: Path, text: str, lr: float) -> None:
    (content / "one.md").write_text(ARTICLE.format(title="One", day=1, text=text, lr=lr))
    (content / "two.md").write_text(ARTICLE.format(title="Two", day=2, text=text, lr=lr))
    build_site(BuildConfig(content=content, out=out, cache=None))


@pytest.fixture
def small_site(tmp_path):
    """Two articles built into a folder and served: (content, out, server)."""
    content, out = tmp_path / "content", tmp_path / "site"
    content.mkdir()
    write_site(content, out, "First edition.", 0.1)
    server = CountingServer(out)
    yield content, out, server
    server.stop()


def test_a_new_build_replaces_the_kept_pages_and_keyframes(reader, small_site):
    content, out, server = small_site
    open_live(reader, f"{server.url}/one/")
    open_live(reader, f"{server.url}/two/")
    old_frames = {p for p in kept(reader) if p.startswith("/two/") and p.endswith(".json")}
    assert old_frames
    write_site(content, out, "Second edition.", 0.2)  # new text, new keyframes
    # Reading /one/ online brings the new build's worker, which refreshes /two/ too.
    reader.goto(f"{server.url}/one/")
    assert "Second edition." in reader.inner_text("main")
    poll(
        reader,
        f"""async () => {{
          const cache = await {OWN};
          const two = await cache.match('{server.url}/two/');
          const frames = ({KEPT})().then((k) => k.filter((p) => p.startsWith('/two/')
            && p.endsWith('.json')));
          return two && (await two.text()).includes('Second edition.')
            && (await frames).length && !(await frames).some((p) => {sorted(old_frames)}
            .includes(p));
        }}""",
        timeout=60,
    )
    server.stop()
    reader.goto(f"{server.url}/two/")
    assert "Second edition." in reader.inner_text("main")
    reader.locator(".demo").first.scroll_into_view_if_needed()
    poll(reader, "() => document.querySelector('.demo .main-svg')")
    before, after = slider_answer(reader)
    assert after != before


def test_turning_offline_reading_off_retires_a_readers_kept_worker(reader, small_site):
    content, out, server = small_site
    registrations = "(await navigator.serviceWorker.getRegistrations()).length"
    open_live(reader, f"{server.url}/one/")
    assert reader.evaluate(f"async () => {registrations}") == 1 and kept(reader)
    (content / "one.md").write_text(ARTICLE.format(title="One", day=1, text="Off.", lr=0.1))
    build_site(BuildConfig(content=content, out=out, cache=None, offline=False))
    reader.goto(f"{server.url}/one/")  # the browser checks sw.js: the retiring one
    poll(reader, f"async () => {registrations} === 0", timeout=30)
    own = f"'downhill-offline {server.url}/'"
    poll(reader, f"async () => !(await caches.has({own}))", timeout=30)
    reader.goto(f"{server.url}/one/")
    assert "Off." in reader.inner_text("main")
    assert reader.evaluate("() => navigator.serviceWorker.controller") is None


FORGE = f"""async ([url, body, type]) => {{
  const cache = await {OWN};
  const real = await cache.match(url);
  const headers = new Headers(real ? real.headers : {{'content-type': type}});
  await cache.put(url, new Response(body, {{headers}}));  // the real entry's marks, copied
  return Boolean(real);
}}"""


def test_a_forged_entry_never_runs(reader, small_site):
    server = small_site[2]
    open_live(reader, f"{server.url}/one/")
    open_live(reader, f"{server.url}/two/")
    script = reader.evaluate(
        "() => [...document.scripts].find((s) => s.src.endsWith('/offline.js')).src"
    )
    poll(reader, f"async () => ({KEPT})().then((k) => k.includes(new URL('{script}').pathname))")
    evil = "window.__forged = true; document.title = 'FORGED';"
    assert reader.evaluate(FORGE, [script, evil, "text/javascript"])  # with its mark copied
    page = "<!doctype html><title>FORGED</title><script>window.__forged = true</script>"
    assert reader.evaluate(FORGE, [f"{server.url}/two/", page, "text/html"])
    reader.reload()
    poll(reader, "() => !!navigator.serviceWorker.controller")
    assert reader.evaluate("() => window.__forged") is None
    assert reader.title() != "FORGED"
    # Offline, a forged copy is dropped rather than served: the forged page is not shown.
    assert reader.evaluate(FORGE, [script, evil, "text/javascript"])
    server.stop()
    reader.goto(f"{server.url}/two/")
    assert reader.title() != "FORGED"
    assert reader.evaluate("() => window.__forged") is None
    reader.goto(f"{server.url}/one/")
    assert reader.evaluate("() => window.__forged") is None
    assert "First edition." in reader.inner_text("main")


def test_a_deleted_articles_page_and_keyframes_leave_the_cache(reader, small_site):
    content, out, server = small_site
    open_live(reader, f"{server.url}/one/")
    open_live(reader, f"{server.url}/two/")
    assert any(p.startswith("/two/") and p.endswith(".json") for p in kept(reader))
    (content / "two.md").unlink()
    build_site(BuildConfig(content=content, out=out, cache=None))
    reader.goto(f"{server.url}/one/")
    poll(
        reader,
        f"async () => ({KEPT})().then((k) => !k.some((p) => p.startsWith('/two/')))",
        timeout=60,
    )


def test_two_sites_under_one_origin_keep_their_own(reader, tmp_path):
    """Two blogs under one origin (GitHub Pages' user.github.io/a/ and /b/): reading B keeps
    A's kept files, and B's retiring worker leaves A's cache alone."""
    root = tmp_path / "origin"
    for name in ("a", "b"):
        content = tmp_path / name
        content.mkdir()
        (content / "one.md").write_text(
            ARTICLE.format(title=f"Blog {name}", day=1, text=f"Blog {name}.", lr=0.1)
        )
        build_site(BuildConfig(content=content, out=root / name, cache=None, base_url=f"/{name}/"))
    server = CountingServer(root)
    try:
        open_live(reader, f"{server.url}/a/one/")
        poll(reader, "async () => (await caches.keys()).length === 1")
        open_live(reader, f"{server.url}/b/one/")
        poll(reader, "async () => (await caches.keys()).length === 2")
        ours = "async (name) => (await (await caches.open(name)).keys()).map((r) => r.url)"
        a_kept = reader.evaluate(ours, f"downhill-offline {server.url}/a/")
        assert a_kept and all(url.startswith(f"{server.url}/a/") for url in a_kept)
        b_kept = reader.evaluate(ours, f"downhill-offline {server.url}/b/")
        assert b_kept and all(url.startswith(f"{server.url}/b/") for url in b_kept)
        # B turns offline reading off: its worker retires, A's cache stays whole.
        off = {"cache": None, "base_url": "/b/", "offline": False}
        build_site(BuildConfig(content=tmp_path / "b", out=root / "b", **off))
        reader.goto(f"{server.url}/b/one/")
        poll(reader, f"async () => !(await caches.has('downhill-offline {server.url}/b/'))", 30)
        assert reader.evaluate(ours, f"downhill-offline {server.url}/a/") == a_kept
    finally:
        server.stop()
    reader.goto(f"{server.url}/a/one/")  # offline: A opens with its style and charts
    assert "Blog a." in reader.inner_text("main")
    assert reader.evaluate("() => [...document.styleSheets].some((s) => s.cssRules.length > 10)")


def test_a_cell_runs_offline_in_its_sandbox(reader, own_server):
    """The cells' sandbox needs no request of its own (a service worker never controls a
    sandboxed frame): the page fetches the worker's files, which the service worker keeps."""
    url = f"{own_server.url}/the-descent-loop-in-code/"
    reader.goto(url)
    poll(reader, "() => !!navigator.serviceWorker.controller")
    assert press_run(reader, "by-hand")["output"]["error"] is None
    poll(
        reader,
        f"async () => ({KEPT})().then((k) => k.some((p) => p.endsWith('cell-worker.js'))"
        " && k.some((p) => p.includes('python_stdlib_full')))",
    )
    own_server.stop()
    reader.reload()
    answer = press_run(reader, "by-hand")
    assert answer.get("output", {}).get("error") is None, answer
    assert "step 15: x =  -2.6935" in reader.inner_text("#by-hand .cell-stdout")


def test_a_cells_data_file_is_kept_for_offline_runs(reader, tmp_path):
    """The content file a cell reads is fetched through the page on Run, kept by the
    service worker (it is listed with its hash), and read again offline."""
    content = tmp_path / "content"
    (content / "data").mkdir(parents=True)
    (content / "data" / "scores.csv").write_text("name,score\nada,90\nalan,70\n")
    (content / "scores.md").write_text(
        "---\ntitle: Scores\ndate: 2026-12-01\n---\n\n```python run\n#| id: read\n"
        "rows = open('data/scores.csv').read().splitlines()\nprint(len(rows) - 1, 'rows')\n```\n"
    )
    build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    server = CountingServer(tmp_path / "site")
    try:
        reader.goto(f"{server.url}/scores/")
        poll(reader, "() => !!navigator.serviceWorker.controller")
        assert press_run(reader, "read")["output"]["stdout"] == "2 rows\n"
        poll(reader, f"async () => ({KEPT})().then((k) => k.includes('/data/scores.csv'))")
        poll(reader, f"async () => ({KEPT})().then((k) => k.some((p) => p.includes('full')))")
    finally:
        server.stop()
    reader.reload()
    answer = press_run(reader, "read")
    assert answer.get("output", {}).get("stdout") == "2 rows\n", answer
