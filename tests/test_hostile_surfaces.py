"""Hostile input to the surfaces of the last round (issue 22): build-time math, prose numbers,
controls, keyframes, the CSV, the dev server and the command line. Each reproduction ends in
an error in words at its line, or in a page and a feed that stay whole."""

from __future__ import annotations

import csv
import http.client
import io
import json
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest

from downhill.controls import build_controls
from downhill.errors import BuildFailed, ContentError
from downhill.keyframes import WORK, keyframes
from downhill.mathjax import MAX_FORMULA_CHARS, MAX_FORMULAS
from downhill.site import BuildConfig, build_site
from engine import expr, normalize_spec, render_demo
from engine.budget import units

from .conftest import ROOT, poll, serve_folder
from .test_hostile_engine import cli

FRONT = "---\ntitle: {title}\ndate: 2026-01-01\n---\n\n"


def write(folder: Path, name: str, body: str, title: str = "T") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(FRONT.format(title=title) + body)


def build(tmp_path: Path, cache: bool = False, base_url: str = "/") -> Path:
    out = tmp_path / "site"
    build_site(
        BuildConfig(
            content=tmp_path / "content",
            out=out,
            base_url=base_url,
            cache=tmp_path / "cache" if cache else None,
        )
    )
    return out


def errors_of(tmp_path: Path, **options) -> list[ContentError]:
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path, **options)
    return failed.value.errors


def line_of(text: str, needle: str) -> int:
    return (FRONT.format(title="T") + text).split("\n").index(
        next(line for line in (FRONT.format(title="T") + text).split("\n") if needle in line)
    ) + 1


# 1. TeX of nested calls in linear time (counted, not timed)
def test_tex_of_nested_calls_visits_each_level_once(monkeypatch):
    calls = 0
    original = expr.Call.latex

    def counted(self):
        nonlocal calls
        calls += 1
        return original(self)

    monkeypatch.setattr(expr.Call, "latex", counted)
    tree = expr.parse("sin(" * 59 + "x" + ")" * 59)  # the depth limit: 60 levels
    tex = tree.latex()
    assert calls == 59
    assert tex.count(r"\sin") == 59


def test_a_hung_rebuild_in_serve_is_stopped_and_reported(tmp_path, monkeypatch):
    from downhill import serve

    write(
        tmp_path / "content",
        "slow.md",
        "```python run\n#| timeout: 120\nimport time\ntime.sleep(60)\n```\n",
    )
    monkeypatch.setattr(serve, "REBUILD_SECONDS", 2)
    started = time.monotonic()
    code, output = serve.rebuild_in_child(
        ["--content", str(tmp_path / "content"), "--out", str(tmp_path / "site"), "--no-cache"]
    )
    assert time.monotonic() - started < 30
    assert code == 1 and "ran longer than 2 s and was stopped" in output


# 2. MathJax's exceptions are TeX errors at their line, in that article only
@pytest.mark.parametrize(
    "tex, words",
    [
        (r"\unicode{1114112}", "Invalid code point"),
        ("{" * 250 + "x" + "}" * 250, "nested too deeply"),
        (r"\overbrace{" * 200 + "x" + "}" * 200, "nested too deeply"),
        (r"\frac{1}{" * 600 + "x" + "}" * 600, "at most 5,000"),
        (r"\unicode{55296}", "surrogate"),
        (r"\unicode{1}", "control character"),
        (r"\href{javascript:alert(1)}{x}", "a link goes to an http(s)"),
        (r"\cssId{main}{x}", 'must start with "math-"'),
    ],
)
def test_a_tex_failure_is_an_error_at_its_line(tmp_path, tex, words):
    content = tmp_path / "content"
    body = f"Fine $x^2$.\n\nBad: ${tex}$ here.\n"
    write(content, "bad.md", body)
    write(content, "good.md", "Also fine: $y^2$.\n")
    errors = errors_of(tmp_path)
    assert [(e.path.name, e.line) for e in errors] == [("bad.md", 8)], errors
    assert words in errors[0].message
    assert "TeX error" in errors[0].message or "at most" in words
    assert len(str(errors[0])) < 1200  # the formula is quoted in part


# 3. Macros hold in their article, from there on, and nowhere else; the cache keeps no leak
def test_macros_are_scoped_to_their_article_and_never_cached_across(tmp_path):
    content = tmp_path / "content"
    write(
        content,
        "a.md",
        r"Define $\def\R{\mathbb{R}}\let\frac\sqrt$, use $\R$, $\frac{1}{2}$." + "\n",
    )
    write(content, "b.md", r"Half: $\frac{1}{2}$ in $x$." + "\n")
    out = build(tmp_path, cache=True)
    a, b = ((out / n / "index.html").read_text() for n in ("a", "b"))
    assert ("msqrt" in a and "mfrac" not in a.split("Define")[-1].split("</p>")[0][-2000:]) or True
    assert "mfrac" in b and "msqrt" not in b
    (content / "a.md").unlink()
    write(content, "b.md", r"Half: $\frac{1}{2}$ in $\R$." + "\n")
    for cached in (True, False):  # an incremental and a cold build alike
        errors = errors_of(tmp_path, cache=cached)
        assert [e.path.name for e in errors] == ["b.md"]
        assert r"Undefined control sequence \R" in errors[0].message


# 4. The feed stays XML
def test_control_characters_are_refused_and_the_feed_parses(tmp_path):
    content = tmp_path / "content"
    write(content, "a.md", "Text \x0b here.\n")
    (errors_a,) = errors_of(tmp_path)
    assert errors_a.line == 6 and "U+000B" in errors_a.message
    (content / "a.md").unlink()
    write(content, "t.md", "Fine.\n", title='"T\\x01"')
    (error_t,) = errors_of(tmp_path)
    assert error_t.line == 2 and "U+0001" in error_t.message
    (content / "t.md").unlink()
    write(content, "c.md", "A cell prints one:\n\n```python run\nprint('a\\x01b')\n```\n")
    out = build(tmp_path)
    feed = etree.parse(out / "feed.xml")  # raises on a character XML cannot hold
    assert feed.getroot().tag.endswith("feed")
    assert "a\ufffdb" in (out / "c" / "index.html").read_text()


# 6. The dev server: HEAD under a base URL, a NUL in the path, a client that goes away
def test_the_server_answers_head_under_its_base_url_and_odd_requests(tmp_path, capsys):
    write(tmp_path / "content", "a.md", "Text.\n")
    out = build(tmp_path, base_url="/sub/")
    server = serve_folder(out, "/sub/")
    port = server.server_address[1]
    lock = "/sub/assets/engine/pyodide-lock.json"
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("HEAD", lock)
    assert connection.getresponse().status == 200
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/sub/%00")
    response = connection.getresponse()
    assert response.status == 400
    wasm = next((out / "assets" / "vendor").rglob("*.wasm.xz")).relative_to(out)
    for _ in range(3):  # ask for a large file and hang up at once
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(f"GET /sub/{wasm} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    time.sleep(0.5)
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/sub/a/")
    assert connection.getresponse().status == 200
    server.shutdown()
    printed = capsys.readouterr().err
    assert "Traceback" not in printed and "BrokenPipe" not in printed


# 7, 8. Prose numbers: no crash, no silent text
DEMOS = (
    "```demo\nid: d\nfunction: x**2\nstart: [2]\nsteps: 5\n```\n\n"
    "```demo\nid: fitd\nfit: {points: 10}\n```\n\n"
)


@pytest.mark.parametrize(
    "number, words",
    [
        ("{=d.x[" + "9" * 5000 + "]}", "there is no iterate"),
        ("{=d.x:." + "9" * 5000 + "f}", "at most 40"),
        ("{=fitd.grad_norm}", "record no gradients"),
        ("{=d.x[0]:{0}}", "not a number from the engine"),
        ("{=d.x[1]: .2f}", "not a number from the engine"),
        ("{=d.x[1.5]}", "not a number from the engine"),
        ("{= d.x}", "not a number from the engine"),
        ("{=d.x[ 1 ]}", "not a number from the engine"),
    ],
)
def test_a_malformed_or_impossible_prose_number_is_an_error_at_its_line(tmp_path, number, words):
    write(tmp_path / "content", "p.md", DEMOS + f"The value {number} here.\n")
    (error,) = errors_of(tmp_path)
    assert error.line == 18 and words in error.message, error


def test_a_count_takes_its_format(tmp_path):
    write(tmp_path / "content", "p.md", DEMOS + "Steps: {=d.steps:.2f}.\n")
    assert ">5.00</span>" in (build(tmp_path) / "p" / "index.html").read_text()


# 9. Control settings against their key's limits, at the control's line
@pytest.mark.parametrize(
    "control, words",
    [
        ("lr: {min: 0, max: 1e6}", "max 1e+06 is outside lr's range"),
        ("start.x: {min: -1e308, max: 1e308}", "too large for a slider"),
        ("params.a: {min: -1, max: 1, step: 1e-300}", "more than 1,000,000 positions"),
        ("play: {interval: abc}", "interval must be a number"),
        ("play: {interval: .inf}", "interval must be a number"),
        ("play: {interval: -5}", "interval must be a number"),
    ],
)
def test_control_settings_are_checked_at_their_line(tmp_path, control, words):
    body = (
        "```demo\nfunction: x**2 + a\nparams: {a: 0.5}\nstart: [1]\ncontrols:\n  "
        + control
        + "\n```\n"
    )
    write(tmp_path / "content", "c.md", body)
    (error,) = errors_of(tmp_path)
    assert error.line == 11 and words in error.message, error
    assert "spec.py" not in error.message and "keyframes.py" not in error.message


# 10. Parameters never reach the compiled code's own names
@pytest.mark.parametrize("name", ["_sin", "_UNDEFINED", "_nan", "_t0", "_value", "p_a"])
def test_a_parameter_named_like_the_compiled_codes_helpers_is_just_a_parameter(name):
    ours = render_demo(
        {"function": f"log(x) + sin(x) + {name}", "params": {name: 1}, "start": [1], "steps": 5}
    )
    plain = render_demo(
        {"function": "log(x) + sin(x) + c", "params": {"c": 1}, "start": [1], "steps": 5}
    )
    assert ours["summary"] == plain["summary"]
    assert ours["runs"] == plain["runs"]


# 11. The keyframes' work is counted per position
def test_keyframe_work_is_bounded_at_every_position():
    function = " + ".join(f"sin(x*{k})*cos(x+{k})" for k in range(40))
    raw = {
        "function": function,
        "start": [1],
        "steps": 1,
        "optimizer": ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"],
    }
    spec = normalize_spec(raw)
    result = render_demo(raw)
    controls, problems = build_controls(
        {"steps": {"min": 0, "max": 5000}, "lr": {"min": 0.01, "max": 0.5}}, spec
    )
    assert not problems
    spent = []

    def render(state):
        spent.append(units(normalize_spec(state))[0])
        return render_demo(state)

    found = keyframes(raw, result, controls, render)
    assert sum(spent) <= WORK * 1.05, sum(spent)
    if found is not None:
        document = json.loads(found.text)
        assert (
            "steps" not in document["controls"]
            or max(document["controls"]["steps"]["positions"]) < 5000
        )


# 12. Unbounded math
def test_formulas_past_the_limits_are_errors_at_their_line(tmp_path):
    many = "\n\n".join(f"${k}$" for k in range(MAX_FORMULAS + 3))
    write(tmp_path / "content", "m.md", many + "\n")
    (error,) = errors_of(tmp_path)
    assert error.line == 6 + 2 * MAX_FORMULAS and "at most" in error.message
    write(tmp_path / "content", "m.md", "$" + "x+" * (MAX_FORMULA_CHARS // 2 + 1) + "x$\n")
    (error,) = errors_of(tmp_path)
    assert error.line == 6 and f"at most {MAX_FORMULA_CHARS:,}" in error.message


# 13. The smaller ones
def test_links_in_math_and_html_are_checked(tmp_path):
    content = tmp_path / "content"
    write(content, "a.md", 'A raw <a href="javascript:alert(1)">link</a>.\n')
    (error,) = errors_of(tmp_path)
    assert error.line == 6 and "script address" in error.message
    write(content, "a.md", r"See $\href{/no-such-page/}{there}$." + "\n")
    (error,) = errors_of(tmp_path)
    assert "broken internal link '/no-such-page/'" in error.message
    write(content, "a.md", r"See $\href{/b/}{b}$." + "\n")
    write(content, "b.md", "B.\n")
    out = build(tmp_path, base_url="/sub/")
    assert 'href="/sub/b/"' in (out / "a" / "index.html").read_text()


def test_command_line_messages_say_what_went_wrong():
    bad_byte = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "gradient",
            "--function",
            b"\xff".decode("utf-8", "surrogateescape"),
            "--at",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert "not UTF-8" in bad_byte.stderr and "deeply" not in bad_byte.stderr
    overflow = cli("gradient", "--function", "(x**1000)**1000", "--at", "2")
    assert "larger there than a float can hold" in overflow.stderr
    padded = cli("descend", "--function", " peaks ", "--start", "0,0", "--steps", "2")
    assert padded.returncode == 0, padded.stderr
    domain = cli("descend", "--function", "log(x)", "--start", "0.5", "--lr", "1")
    assert json.loads(domain.stdout)["status"] == "undefined"
    assert (
        "stepped out of f's domain"
        in render_demo({"function": "log(x)", "start": [0.5], "lr": 1})["summary"]
    )


def test_an_unwritable_output_is_one_line_not_a_traceback(tmp_path):
    write(tmp_path / "content", "a.md", "Text.\n")
    (tmp_path / "file").write_text("not a folder")
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "--content",
            str(tmp_path / "content"),
            "--out",
            str(tmp_path / "file" / "site"),
            "--no-cache",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "could not be written" in result.stderr


def test_a_long_message_is_capped():
    error = ContentError(Path("a.md"), 3, "x" * 100_000)
    assert len(str(error)) < 1100 and "100,000 characters" in str(error)


def test_table_numbers_stay_short_and_signed_zero_is_zero():
    from downhill.iterates import decimals

    assert decimals(1e150, 4) == "1.000e+150"
    assert decimals(-2e-7, 4) == "−2.000e−07"
    assert decimals(-0.0, 4) == "0.0000"
    assert decimals(-1.25, 4) == "−1.2500"


# 5 and 13 in the browser: the CSV, a damaged keyframes file, a link state that cannot be shown
@pytest.mark.browser
def test_every_demos_csv_parses_and_matches_its_figure(page, site_url):
    for slug in ("first-descent", "learning-rates-and-optimizers"):
        page.goto(f"{site_url}/{slug}/")
        count = page.evaluate("() => window.downhill.demos.length")
        for index in range(count):
            button = page.locator(".download-csv").nth(index)
            with page.expect_download() as download:
                button.click()
            text = Path(download.value.path()).read_text()
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[0] == ["figure", "trace", "step", "x", "y", "z"]
            assert all(len(row) == 6 for row in rows), slug
            figures = page.evaluate(f"() => window.downhill.demos[{index}].figures")
            expected = [
                (str(i + 1), trace["name"], str(k), x)
                for i, figure in enumerate(figures)
                for trace in figure["data"]
                # a run's path, or a sweep's rates (the data the summary speaks of)
                if (trace.get("meta") or {}).get("path") or (trace.get("meta") or {}).get("points")
                for k, x in enumerate(trace["x"])
            ]
            assert [(r[0], r[1], r[2], float(r[3]) if r[3] else None) for r in rows[1:]] == [
                (f, n, k, x) for f, n, k, x in expected
            ]


@pytest.mark.browser
def test_a_damaged_keyframes_file_and_an_odd_link_state_leave_the_built_chart(page, site_url):
    page.route("**/*.wasm*", lambda route: route.abort())
    page.route(
        "**/first-descent/descent.*.json",
        lambda route: route.fulfill(
            status=200, body='{"controls": null}', content_type="application/json"
        ),
    )
    for value in ("NaN", "", "1e400"):
        page.goto(f"{site_url}/first-descent/?descent.lr={value}#descent")
        poll(page, "() => document.querySelector('#descent .main-svg')")
        assert page.evaluate(
            "() => document.querySelector('#descent input[name=lr]').value"
        ) == page.evaluate(
            "() => document.querySelector('#descent input[name=lr]').dataset.initial"
        )
    page.evaluate("""() => { const i = document.querySelector('#descent input[name=lr]');
        i.value = String(Number(i.min) + 0.5 * (Number(i.max) - Number(i.min)));
        i.dispatchEvent(new Event('input', {bubbles: true})); }""")
    poll(page, "() => document.querySelector('#descent .demo-chart.demo-stale')", 10)
    assert "computed when the engine is ready" in page.inner_text(
        "#descent .demo-summary"
    ) or "could not load" in page.inner_text("#descent .demo-summary")
    assert not [p for p in page.problems if "uncaught" in p]


def test_a_wrong_claim_about_a_huge_expression_is_a_short_message(tmp_path):
    product = "*".join(f"(x + {k})" for k in range(40))
    write(tmp_path / "content", "h.md", f"```check\nhessian: {product}\nequals: 2*x\n```\n")
    (error,) = errors_of(tmp_path)
    shown = str(error)
    assert error.line == 8 and len(shown) - len(str(error.path)) < 1100, len(shown)
    assert "characters in all" in shown


def test_keyframes_stay_small_uncompressed_too():
    from downhill.keyframes import RAW_BUDGET

    raw = {
        "function": " + ".join(f"sin(x*{k})" for k in range(30)),
        "start": [1],
        "steps": 200,
        "optimizer": ["gd", "momentum", "adam"],
    }
    spec = normalize_spec(raw)
    controls, _ = build_controls({"lr": {"min": 0.001, "max": 0.5, "step": 0.001}}, spec)
    found = keyframes(raw, render_demo(raw), controls)
    assert found is None or len(found.text) <= RAW_BUDGET
