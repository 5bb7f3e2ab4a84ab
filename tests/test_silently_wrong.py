"""Issue 33: what built in silence and showed the reader something the author never meant
is now either what the author meant or an error at its line."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site
from engine import render_demo
from engine.cells import run_cell
from engine.descent import descend
from engine.exercises import grade, graded_points, normalize_exercise
from engine.expr import compile_expression
from engine.views import lr_sweep

from .conftest import ROOT
from .test_cells import article, build

BUILD = (sys.executable, str(ROOT / "build.py"))
FRONT = "---\ntitle: T\ndate: 2026-01-01\n---\n\n"  # the body starts on line 6


def build_errors(tmp_path: Path, text: str) -> list[str]:
    """The errors of a content folder holding one article, as 'LINE: message'."""
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "a.md").write_text(text)
    try:
        build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    except BuildFailed as failed:
        return [f"{e.line}: {e.message}" for e in failed.errors]
    return []


def demo(body: str) -> str:
    return f"{FRONT}Text.\n\n```demo\nfunction: x**2\nstart: [1]\n{body}```\n"  # body: line 11


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (demo('caption: "see $\\nabla f$ and $\\frac{1}{2}$"\n'), 11, "caption: 'see $\\nabla"),
        (FRONT.replace("title: T", 'title: "The $\\nabla$ of f"'), 2, "'The $\\nabla$ of f'"),
        (
            f"{FRONT}```exercise\nkind: derivative\nderivative_of: x**2\n"
            'hints:\n  - "the rule is $\\frac{d}{dx} x^n = n x^{n-1}$"\n```\n',
            10,
            "single quotes: 'the rule is $\\frac{d}{dx}",
        ),
        (demo('caption: "a $\\sin x$"\n'), 11, "write TeX in single quotes"),
    ],
)
def test_tex_that_double_quotes_would_spoil_is_an_error_with_the_single_quoted_form(
    tmp_path, text, line, words
):
    errors = build_errors(tmp_path, text)
    assert [e for e in errors if e.startswith(f"{line}: ") and words in e], errors


def test_double_quoted_text_without_letter_escapes_still_builds(tmp_path):
    assert build_errors(tmp_path, demo('caption: "a \\\\nabla and $x$, said \\"so\\""\n')) == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (demo("lr: 0.1\nlr: 0.5\n"), 12),
        (FRONT.replace("date: 2026-01-01", "date: 2026-01-01\ntitle: U"), 4),
        (f"{FRONT}```python run\n#| timeout: 1\n#| timeout: 300\nprint(1)\n```\n", 8),
        (demo("controls:\n  lr: {min: 0.1, max: 1, min: 0.2}\n"), 12),
    ],
)
def test_a_key_given_twice_is_an_error_at_the_second(tmp_path, text, line):
    errors = build_errors(tmp_path, text)
    assert [e for e in errors if e.startswith(f"{line}: ") and "given twice" in e], errors


def test_stability_end_of_a_run_that_did_not_converge_is_an_error_at_its_line(tmp_path):
    # lr 1.5 on x² + 3y² diverges: its "end" is no minimum, and 2/λ_max there means nothing
    errors = build_errors(tmp_path, demo("lr: 1.5\nplots: sweep\nstability: end\n"))
    (error,) = errors
    assert error.startswith("13: demo: stability: end takes the Hessian where"), errors
    assert "did not converge (diverged" in error and "stability: [0, 0]" in error
    fine = demo("lr: 0.1\nsteps: 200\nplots: sweep\nstability: end\n")
    assert build_errors(tmp_path, fine) == []


def test_a_live_state_whose_run_does_not_converge_says_there_is_no_bound():
    spec = {"function": "x**2", "start": [1], "lr": 1.5, "plots": ["sweep"], "stability": "end"}
    names = [t["name"] for t in render_demo(spec)["figures"][0]["data"]]
    assert any(n.startswith("no stability bound: the demo's run did not converge") for n in names)
    assert not any(n.startswith(("2/λ_max", "α > 2/λ_max")) for n in names)


def test_a_sweep_counts_only_rates_that_reach_the_minimum_as_converged():
    f = compile_expression("x**2").bind()
    # α = 1 on x² bounces between ±1 at one height (f never changes); α = 1e-9 crawls
    points = lr_sweep(f, [1.0], [1e-9, 0.1, 1.0], steps=200, tol=1e-8)
    assert [p.status for p in points] == ["max_steps", "converged", "max_steps"]
    old = [descend(f, [1.0], lr=lr, steps=200, tol=1e-8).status for lr in (1e-9, 1.0)]
    assert old == ["converged", "converged"]  # what the |Δf| rule alone would say
    spec = {
        "function": "x**2",
        "start": [1],
        "plots": ["sweep"],
        "stability": True,
        "sweep": {"min": 0.5, "max": 1.5, "count": 11, "tol": 1e-8},
    }
    result = render_demo(spec)
    converged = next(t for t in result["figures"][0]["data"] if t["meta"].get("converged"))
    assert converged["x"] and max(converged["x"]) < 1.0  # none at or above 2/λ_max = 1
    assert "converges for α from 0.5 to 0.9" in result["summary"], result["summary"]


EXERCISE = "```exercise\nid: e\nprompt: Try.\n{body}\n```\n"  # the grading key: line 9
SOLUTION = "\nsolution: |\n  def derivative(x):\n      return 0"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("derivative_of: sqrt(x - 3)" + SOLUTION, "sqrt(x - 3) is defined at 0 of 64 sample"),
        ("expression: log(x - 5)", "log(x - 5) is defined at 0 of 64"),
        ("expression: log(x - 2.49)", "log(x - 2.49) is defined at 1 of 64"),
    ],
)
def test_an_exercise_that_would_grade_nothing_is_an_error_naming_a_domain(tmp_path, body, words):
    errors = build_errors(tmp_path, FRONT + EXERCISE.format(body=body))
    (error,) = errors
    assert error.startswith("9: ") and words in error and "give a domain" in error, errors


def test_a_domain_grades_where_the_function_is_defined():
    exercise = normalize_exercise({"expression": "log(x - 5)", "domain": [6, 10]})
    points = [p for p, _ in graded_points(exercise)]
    assert len(points) == 64 and all(6 <= x <= 10 for (x,) in points)
    wrong = grade(exercise, "x")
    assert not wrong["passed"] and "at (" in wrong["message"]
    assert grade(exercise, "'text'")["passed"] is False
    right = grade(exercise, "log(x - 5)")
    assert right["passed"] and "at 64 points" in right["message"]
    # a sliver of the default domain: graded where defined, and the praise says how many
    half = normalize_exercise({"derivative_of": "log(x - 2.4)"})
    count = len(graded_points(half))
    assert 16 <= count < 64
    said = grade(half, "def derivative(x):\n    return 1 / (x - 2.4)\n")["message"]
    assert said == f"Correct: it matches the exact result at {count} points."


LISTS = """\
#| controls:
#|   pair: {options: [[1, 2], [3, 4]]}
pair = [1, 2]
print(sum(pair), type(pair).__name__)
"""


def test_a_select_of_lists_binds_each_list(tmp_path):
    out = build(tmp_path, article(LISTS))
    page = (out / "cells" / "index.html").read_text()
    name = re.search(r'data-keyframes="([^"]+)"', page).group(1)
    frames = json.loads((out / "cells" / name).read_text())
    entry = frames["controls"]["pair"]
    assert entry["positions"] == ["[1, 2]", "[3, 4]"]
    frame = frames["frames"][entry["frames"][1]]
    assert frame["summary"]["stdout"] == "7 list\n", frame
    assert run_cell(LISTS, {}, overrides={"pair": [3, 4]})["stdout"] == "7 list\n"


def test_select_options_that_read_the_same_are_an_error_at_their_line(tmp_path):
    cell = "#| controls:\n#|   n: {options: [1, '1', 2]}\nn = 1\nprint(n)\n"
    errors = build_errors(tmp_path, article(cell))
    assert [e for e in errors if e.startswith("10: ") and "options 1, '1' read the same" in e], (
        errors
    )


def test_hidden_output_is_nowhere_in_the_page(tmp_path):
    cell = "#| hide_output: true\nimport math\nprint('SECRET' + '-OUTPUT')\nmath.pi\n"
    out = build(tmp_path, article(cell))
    page = (out / "cells" / "index.html").read_text()
    assert "SECRET-OUTPUT" not in page and "3.14159" not in page
    assert '"hide_output": true' in page  # the page's script hides a reader's run too
    assert not list((out / "cells").glob("*.json"))  # no keyframes


def test_hidden_output_with_controls_is_an_error(tmp_path):
    cell = "#| hide_output: true\n#| controls:\n#|   lr: {min: 0, max: 1}\nlr = 0.5\nprint(lr)\n"
    errors = build_errors(tmp_path, article(cell))
    assert [e for e in errors if e.startswith("9: ") and "hide_output: true hides" in e], errors


def test_the_cells_cache_key_follows_the_engine(tmp_path, monkeypatch):
    import shutil

    import downhill.cells

    root = tmp_path / "root"
    shutil.copytree(ROOT / "engine", root / "engine")
    content = tmp_path / "content"
    content.mkdir()
    monkeypatch.setattr(downhill.cells, "ROOT", root)
    before = downhill.cells.environment_signature(content)
    assert downhill.cells.environment_signature(content) == before
    descent = root / "engine" / "descent.py"
    descent.write_text(descent.read_text().replace("= 1e8", "= 1e9"))
    assert downhill.cells.environment_signature(content) != before


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            "```demo\nid: same\nfunction: x**2\n```\n\n```python run\n#| id: same\nx = 1\n```\n",
            11,
            "cell id 'same' is also the id of the demo at line 6",
        ),
        (
            "```python run\n#| id: same\nx = 1\n```\n\n"
            "```exercise\nid: same\nprompt: P.\nexpression: x\n```\n",
            11,
            "exercise id 'same' is also the id of the cell at line 6",
        ),
        ("```demo\nid: main\nfunction: x**2\n```\n", 6, "demo id 'main' is the id of the page's"),
        (
            "## Cell one\n\n```python run\n#| id: cell-one\nx = 1\n```\n",
            8,
            "cell id 'cell-one' is also the anchor of the heading 'Cell one'",
        ),
        (
            "```exercise\nid: e\nprompt: P.\nexpression: x\n```\n\n"
            "```demo\nid: e-title\nfunction: x**2\n```\n",
            12,
            "demo id 'e-title' is also the id of the exercise at line 6",
        ),
        (
            "```demo\nid: d\nfunction: x**2\nstart: [1]\ncontrols:\n  lr: {min: 0.01, max: 0.5}\n"
            "```\n\n```demo\nid: d-lr\nfunction: x**2\n```\n",
            14,
            "demo id 'd-lr' is also the id of the demo at line 6",
        ),
    ],
)
def test_one_id_namespace_per_page(tmp_path, body, line, words):
    errors = build_errors(tmp_path, FRONT + body)
    assert [e for e in errors if e.startswith(f"{line}: ") and words in e], errors


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("import sys\nsys.exit(1)", "10: cell raised SystemExit: sys.exit(1) ends a script"),
        ("import os\nos._exit(3)", "stopped: its Python exited with code 3"),
        (
            "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
            "killed, most likely for memory",
        ),
        ("x = ' ' * (3 << 30)", "MemoryError: it needs more memory than a cell may use (2 GiB)"),
    ],
)
def test_a_cell_that_ends_its_python_is_said_as_such(tmp_path, code, words):
    errors = build_errors(tmp_path, article(code))
    (error,) = errors
    assert words in error and "make it faster" not in error, errors


def test_a_cells_time_limit_is_its_own_run_and_its_keyframes_have_theirs(tmp_path):
    cell = (
        "#| timeout: 1\n#| controls:\n#|   lr: {min: 0, max: 1}\nlr = 0.5\nwhile True:\n    pass\n"
    )
    started = time.monotonic()
    errors = build_errors(tmp_path, article(cell))
    # the old kernel waited the time limit and the keyframes' 35 s before saying "1 s"
    assert time.monotonic() - started < 30
    (error,) = errors
    assert "did not finish within its time limit of 1 s" in error


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("import sys\nsys.exit()", "Your code raised SystemExit on line 2: sys.exit() ends"),
        ("raise SystemExit(3)", "Your code raised SystemExit on line 1"),
        ("raise KeyboardInterrupt", "Your code raised KeyboardInterrupt on line 1"),
        (
            "import sys\ndef derivative(x):\n    sys.exit(2)\n",
            "Your code raised SystemExit on line 3 while it was graded",
        ),
    ],
)
def test_an_answer_that_ends_python_gets_a_sentence(answer, words):
    verdict = grade(normalize_exercise({"derivative_of": "x**2"}), answer)
    assert verdict["passed"] is False and verdict["message"].startswith(words), verdict
    assert "engine/exercises.py" not in verdict["message"] and "Traceback" not in str(verdict)


def test_a_lone_surrogate_a_cell_prints_is_replaced_and_its_cache_builds_again(tmp_path):
    text = article('print("bad \\ud800 end")')
    for _ in range(2):  # the second build reads the first one's cached result
        out = build(tmp_path, text)
        page = (out / "cells" / "index.html").read_text()
        assert "bad \ufffd end" in page


def test_a_csv_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "scores.csv").write_bytes("hours,score\n1,2\n2,3\n3,5\n".encode("utf-8-sig"))
    body = "```demo\nid: d\nfit: {data: scores.csv, x: hours, y: score}\nplots: fit\n```\n"
    assert build_errors(tmp_path, FRONT + body) == []
    page = (tmp_path / "site" / "a" / "index.html").read_text()
    assert "hours" in page and "\ufeff" not in page


def test_start_blog_on_a_missing_folder_says_so(tmp_path):
    result = subprocess.run(
        [*BUILD, "start-blog", "B", "--author", "A", "--content", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"there is no folder {tmp_path / 'missing'}" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_serve_on_a_port_in_use_says_so_before_building(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        (tmp_path / "content").mkdir()
        (tmp_path / "content" / "a.md").write_text(FRONT + "Text.\n")
        folders = ["--content", str(tmp_path / "content"), "--out", str(tmp_path / "site")]
        result = subprocess.run(
            [*BUILD, "serve", "--port", str(port), *folders],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"cannot serve on 127.0.0.1:{port}: another program" in result.stderr
    assert not (tmp_path / "site").exists()  # nothing was built for a server that cannot be


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://exa mple.org/a b/", "holds ' ', which an address cannot"),
        ("https://exa_mple.org/", "has no valid host ('exa_mple.org')"),
        ("https://example.org:port/", "has no valid host"),
        ('https://example.org/"><script>/', "holds '\"', which an address cannot"),
    ],
)
def test_a_site_url_that_is_no_address_is_an_error_at_its_line(tmp_path, url, words):
    content = tmp_path / "content"
    content.mkdir()
    (content / "_index.md").write_text(f"---\ntitle: Blog\nurl: '{url}'\n---\n")
    errors = build_errors(tmp_path, FRONT + "Text.\n")
    assert [e for e in errors if e.startswith("3: ") and words in e], errors


def test_an_engine_number_in_a_caption_is_an_error_not_source_text(tmp_path):
    errors = build_errors(tmp_path, demo("id: d\ncaption: 'Ends at {=d.x:.3f}'\n"))
    assert [e for e in errors if e.startswith("12: demo: caption holds an engine number")], errors
