"""Python cells in Chromium: edit, run, printed output, an exception's line, Stop with a demo
still answering, Reset, a link to edited code, interact keyframes with the runtime blocked,
the standard library, and a package fetched from a lock (served here, with its hash)."""

from __future__ import annotations

import hashlib
import io
import json
import textwrap
import zipfile
from pathlib import Path

import pytest

from downhill.site import BuildConfig, build_site
from engine.cells import run_cell

from .conftest import built_and_served, open_empty_editor, poll, press_run, serve_folder

pytestmark = pytest.mark.browser

ARTICLE = "/the-descent-loop-in-code/"


def set_code(page, cell: str, code: str) -> None:
    """Open the cell's editor and replace its code, typing as a reader would."""
    open_empty_editor(page, cell, ".cell-edit")
    page.keyboard.insert_text(code)


def run(page, cell: str, timeout: float = 120) -> dict:
    page.evaluate(
        f"() => {{ window.__ran = null; document.querySelector('#{cell}')"
        ".addEventListener('downhill:ran', (e) => { window.__ran = e.detail; }, {once: true}); }"
    )
    page.click(f"#{cell} .cm-content")
    page.keyboard.press("Control+Enter")
    return poll(page, "() => window.__ran", timeout)


def test_edit_run_exception_line_reset_and_link(page, site_url):
    page.goto(f"{site_url}{ARTICLE}")
    built = page.inner_text("#by-hand .cell-output")
    assert "step 15: x =  -2.6935" in built
    set_code(
        page,
        "by-hand",
        "total = 0\nfor k in range(4):\n    total += k\n    print('k', k)\ntotal * 10",
    )
    answer = run(page, "by-hand")
    assert answer["output"]["error"] is None
    assert page.inner_text("#by-hand .cell-stdout") == "k 0\nk 1\nk 2\nk 3\n"
    assert page.inner_text("#by-hand .cell-value") == "60"
    # The cells above ran first: this one uses their f and slope.
    set_code(page, "by-hand", "x = slope(1)\ny = f(x)\nz = y / (x - 7)\nprint('unreached')")
    answer = run(page, "by-hand")
    assert answer["output"]["error"]["type"] == "ZeroDivisionError"
    status = page.inner_text("#by-hand .cell-status")
    assert "ZeroDivisionError on line 3 of this cell" in status
    assert "unreached" not in page.inner_text("#by-hand .cell-output")
    # Printed text is text, never HTML.
    set_code(page, "by-hand", "print('<img src=x onerror=alert(1)><b>bold</b>')")
    run(page, "by-hand")
    assert page.inner_text("#by-hand .cell-stdout").startswith("<img src=x")
    assert (
        page.evaluate(
            "() => document.querySelectorAll('#by-hand .cell-output img, "
            "#by-hand .cell-output b').length"
        )
        == 0
    )
    # The link carries the edited code; opened elsewhere, the editor holds it.
    link = page.get_attribute("#by-hand .cell-link", "href")
    assert "by-hand.code=" in link
    other = page.context.new_page()
    other.goto(f"{site_url}{link}")
    poll(other, "() => document.querySelector('#by-hand .cm-content')")
    assert "onerror=alert(1)" in other.inner_text("#by-hand .cm-content")
    other.close()
    # Past its cap, the link keeps the controls only and says why.
    page.evaluate(
        "() => { window.downhill.cells.find((c) => c.id === 'by-hand').editor.code ="
        " '# ' + 'x'.repeat(7000); }"
    )
    page.click("#by-hand .cell-link")
    assert "too long to put in a link" in page.inner_text("#by-hand .cell-status")
    assert "by-hand.code" not in page.evaluate("() => location.search")
    # Far past it (300,000 characters), the code still runs and shows its output.
    page.evaluate(
        "() => { window.downhill.cells.find((c) => c.id === 'by-hand').editor.code ="
        " '# ' + 'x'.repeat(300000) + '\\nprint(\"long\", 6 * 7)'; }"
    )
    run(page, "by-hand")
    assert page.inner_text("#by-hand .cell-stdout").strip() == "long 42"
    assert "by-hand.code" not in page.evaluate("() => location.search")
    # Reset: the author's code and the built output are back.
    page.click("#by-hand .cell-reset")
    assert "lr * slope(x)" in page.inner_text("#by-hand .cm-content")
    assert page.inner_text("#by-hand .cell-output") == built
    assert "by-hand.code" not in page.evaluate("() => location.search")
    assert page.problems == []


def test_stop_ends_an_endless_loop_while_a_demo_still_answers(page, site_url):
    page.goto(f"{site_url}/guide/")
    page.evaluate("() => document.querySelector('#guide-cell').scrollIntoView()")
    set_code(page, "guide-cell", "while True:\n    pass")
    page.evaluate(
        "() => { window.__ran = null; document.querySelector('#guide-cell')"
        ".addEventListener('downhill:ran', (e) => { window.__ran = e.detail; }, {once: true}); }"
    )
    page.click("#guide-cell .cell-run")
    poll(
        page,
        "() => document.querySelector('#guide-cell').dataset.state === 'running'"
        " && window.downhill.runner.settled",
        120,
    )
    # A demo of the same page recomputes in the engine's worker meanwhile.
    index = page.evaluate(
        "() => window.downhill.demos.findIndex((d) => d.inputs.some((i) => i.type === 'range'))"
    )
    page.evaluate(f"() => window.downhill.demos[{index}].el.scrollIntoView()")
    poll(page, f"() => window.downhill.demos[{index}].el.dataset.state === 'ready'", 120)
    page.evaluate(
        f"""() => {{ const d = window.downhill.demos[{index}];
        const input = d.inputs.find((i) => i.type === 'range');
        input.value = String((Number(input.min) + Number(input.max)) / 2);
        window.__drawn = null;
        input.dispatchEvent(new Event('input', {{bubbles: true}})); }}"""
    )
    poll(page, f"() => window.__drawn === window.downhill.demos[{index}].latest", 30)
    assert page.get_attribute("#guide-cell", "data-state") == "running"
    page.click("#guide-cell .cell-stop")
    answer = poll(page, "() => window.__ran", 10)
    assert answer["kind"] == "stopped"
    assert page.inner_text("#guide-cell .cell-status") == "Stopped."
    # The next run starts a fresh worker.
    set_code(
        page,
        "guide-cell",
        "import random, statistics, fractions, csv, dataclasses\n"
        "random.seed(4)\nstatistics.mean([1, 2, 3, 4]), fractions.Fraction(3, 6)",
    )
    answer = run(page, "guide-cell")
    assert answer["output"]["error"] is None, answer
    assert page.inner_text("#guide-cell .cell-value") == "(2.5, Fraction(1, 2))"


def test_interact_answers_from_keyframes_with_the_runtime_blocked(page, site_url):
    requested: list[str] = []
    page.route("**/*.wasm*", lambda route: (requested.append(route.request.url), route.abort()))
    page.goto(f"{site_url}{ARTICLE}")
    page.evaluate("() => document.querySelector('#descend').scrollIntoView()")
    poll(page, "() => document.querySelector('#descend .main-svg')")
    source = page.evaluate("() => window.downhill.cells.map((c) => c.authorCode)")
    namespace: dict = {}
    for code in source[:2]:
        run_cell(code, namespace)
    # The whole keyframes file is in (before it, the first, coarse one snaps the slider).
    poll(page, "() => window.downhill.cells[2].frames.rank === 1", 20)
    for lr in ("0.35", "0.8"):
        page.evaluate(
            f"""() => {{ const i = document.querySelector('#descend input[name=lr]');
            i.value = '{lr}'; i.dispatchEvent(new Event('input', {{bubbles: true}})); }}"""
        )
        expected = run_cell(source[2], dict(namespace), overrides={"lr": float(lr)})
        poll(
            page,
            "() => document.querySelector('#descend .cell-stdout').textContent === "
            + json.dumps(expected["stdout"]),
            20,
        )
        assert page.evaluate("() => document.querySelector('#descend input[name=lr]').value") == lr
        shown = page.evaluate("() => window.downhill.cells[2].figures.map((f) => f.data)")
        assert shown == [expected["displays"][0]["figure"]["data"]]
    assert page.evaluate("() => window.downhill.cells[2].el.dataset.state") == "static"
    assert not any("cell" in url for url in requested)  # no cell ran: nothing asked to


def tiny_wheel(name: str, modules: dict[str, str] | None = None) -> tuple[str, bytes]:
    """A pure-Python wheel whose module says its name (or holding ``modules``: path → code)."""
    dist = f"{name}-1.0.dist-info"
    files = {
        **{
            path: code.encode()
            for path, code in (modules or {f"{name}.py": f"NAME = {name!r}\n"}).items()
        },
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{dist}/RECORD"] = "".join(f"{n},,\n" for n in [*files, f"{dist}/RECORD"]).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        for path, data in files.items():
            wheel.writestr(path, data)
    return f"{name}-1.0-py3-none-any.whl", buffer.getvalue()


def cdn_like(folder: Path):
    """Files served as Pyodide's CDN serves them: to any origin (CORS)."""
    import http.server
    import threading

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def end_headers(self):
            self.send_header("Access-Control-Allow-Origin", "*")
            super().end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# A stand-in for Pyodide's matplotlib (whose wheel cannot be fetched here): pyplot follows
# matplotlib's backend protocol as the real one does (MPLBACKEND names a module whose show()
# takes the open figures), and a figure saves a small SVG that says what drew it.
STAND_IN = {
    "matplotlib/__init__.py": """
import contextlib
__version__ = "stand-in"
@contextlib.contextmanager
def rc_context(params=None):
    yield
""",
    "matplotlib/figure.py": """
class Figure:
    def __init__(self):
        self.axes = []
    def get_size_inches(self):
        return (4.0, 3.0)
    def get_axes(self):
        return []
    def savefig(self, buffer, format="svg", **options):
        buffer.write('<svg xmlns="http://www.w3.org/2000/svg" width="288pt" height="216pt">'
                     '<text x="10" y="20">drawn by the stand-in</text></svg>')
""",
    "matplotlib/pyplot.py": """
import importlib, os
from .figure import Figure
_figures = {}
def _backend():
    return importlib.import_module(os.environ["MPLBACKEND"].removeprefix("module://"))
def get_backend():
    return os.environ.get("MPLBACKEND", "")
def switch_backend(name):
    os.environ["MPLBACKEND"] = name
def figure(number=None):
    if number in _figures:
        return _figures[number]
    number = number or max(_figures, default=0) + 1
    _figures[number] = Figure()
    return _figures[number]
def get_fignums():
    return sorted(_figures)
def close(figure):
    for number, kept in list(_figures.items()):
        if kept is figure:
            del _figures[number]
def show():
    _backend().show()
""",
}


@pytest.fixture(scope="module")
def package_site(tmp_path_factory):
    """A site whose cells import two packages from a lock served here: one whose hash
    matches, one whose file was changed after the lock was written."""
    root = tmp_path_factory.mktemp("packages")
    index = root / "index"
    index.mkdir()
    packages = {}
    for name in ("tinypkg", "tamperedpkg", "matplotlib"):
        file_name, data = tiny_wheel(name, STAND_IN if name == "matplotlib" else None)
        packages[name] = {
            "name": name,
            "version": "1.0",
            "file_name": file_name,
            "install_dir": "site",
            "sha256": hashlib.sha256(data).hexdigest(),
            "package_type": "package",
            "imports": [name],
            "depends": [],
        }
        if name == "tamperedpkg":
            data = data.replace(b"NAME =", b"NAME=  ")  # same size, other bytes
        (index / file_name).write_bytes(data)
    lock = root / "test-lock.json"
    lock.write_text(json.dumps({"info": {}, "packages": packages}))
    server = cdn_like(index)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    for name in ("tinypkg", "tamperedpkg"):  # importable at build time
        (root / "build-path").mkdir(exist_ok=True)
        (root / "build-path" / f"{name}.py").write_text(f"NAME = {name!r}\n")
    content = root / "content"
    content.mkdir()
    (content / "pkg.md").write_text(
        textwrap.dedent("""\
        ---
        title: Packages
        date: 2026-12-01
        ---

        ```python run
        #| id: drawing
        #| alt: The author's words
        import matplotlib.pyplot as plt
        figure = plt.figure()
        plt.show()
        ```

        ```python run
        #| id: good
        import tinypkg
        tinypkg.NAME.upper()
        ```

        ```python run
        #| id: bad
        import tamperedpkg
        tamperedpkg.NAME
        ```
        """)
    )
    import os

    os.environ["PYTHONPATH"] = str(root / "build-path")
    try:
        out = root / "site"
        build_site(
            BuildConfig(content=content, out=out, cache=None, package_index=url, package_lock=lock)
        )
    finally:
        del os.environ["PYTHONPATH"]
    site = serve_folder(out)
    yield f"http://127.0.0.1:{site.server_address[1]}"
    site.shutdown()
    server.shutdown()


def test_a_package_comes_from_the_lock_and_a_changed_file_is_refused(page, package_site):
    page.goto(f"{package_site}/pkg/")
    assert "Runs with tinypkg" in page.inner_text("#good .cell-status")
    set_code(page, "good", "import tinypkg\ntinypkg.NAME * 2")
    answer = run(page, "good")
    assert answer.get("output", {}).get("value") == "'tinypkgtinypkg'", (answer, page.problems)
    set_code(page, "bad", "import tamperedpkg\nprint('ran')\ntamperedpkg.NAME")
    answer = run(page, "bad")
    assert answer["kind"] == "package"
    status = page.inner_text("#bad .cell-status")
    assert "tamperedpkg" in status and "computed when the page was built" in status
    assert page.inner_text("#bad .cell-value") == "'tamperedpkg'"  # the build's output stays


def test_matplotlib_comes_from_the_lock_and_draws_an_image(page, package_site):
    page.goto(f"{package_site}/pkg/")
    assert "Runs with matplotlib" in page.inner_text("#drawing .cell-status")
    source = "() => document.querySelector('#drawing img.cell-image').src"
    built = page.evaluate(source)
    assert built.startswith("data:image/svg+xml,") and "stand-in" not in built
    answer = press_run(page, "drawing")
    assert "output" in answer and answer["output"]["error"] is None, (answer, page.problems)
    img = page.locator("#drawing img.cell-image")
    assert img.count() == 1
    assert "drawn%20by%20the%20stand-in" in img.get_attribute("src")
    assert img.get_attribute("alt") == "The author's words"
    assert page.evaluate("() => document.querySelector('#drawing img.cell-image').naturalWidth")
    page.click("#drawing .cell-edit")
    page.click("#drawing .cell-reset")  # the built image comes back from the page
    assert page.evaluate(source) == built


@pytest.fixture(scope="module")
def hidden_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hidden")
    content = root / "content"
    content.mkdir()
    (content / "quiet.md").write_text(
        "---\ntitle: Quiet\ndate: 2026-12-01\n---\n\n```python run\n#| id: quiet\n"
        "#| hide_output: true\nx = 6 * 7\nprint('hidden', x)\n```\n"
    )
    with built_and_served(content) as (_, url):
        yield url


def test_a_hidden_output_stays_hidden_when_a_reader_runs_it_but_an_error_shows(page, hidden_site):
    page.goto(f"{hidden_site}/quiet/")
    assert page.inner_text("#quiet .cell-output") == ""
    set_code(page, "quiet", "x = 6 * 7\nprint('hidden', x)\nx")
    answer = run(page, "quiet")
    assert answer["output"]["stdout"] == "hidden 42\n"  # it ran
    assert page.inner_text("#quiet .cell-output") == ""  # and shows nothing
    set_code(page, "quiet", "x = 1 / 0")
    run(page, "quiet")
    assert "ZeroDivisionError on line 1" in page.inner_text("#quiet .cell-output")
    assert page.problems == []
