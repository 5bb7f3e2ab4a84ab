"""Python cells at build time: order and namespaces, output, options, limits, error lines,
keyframes of interact cells against CPython, and the cache."""

from __future__ import annotations

import html
import json
import re
import textwrap
import time
from pathlib import Path

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site
from engine.cells import figures_of, run_cell

FRONT = "---\ntitle: Cells\ndate: 2026-12-01\n---\n\n"


def article(*cells: str, between: str = "Text.") -> str:
    body = [FRONT, between, "\n\n"]
    for cell in cells:
        body += ["```python run\n", textwrap.dedent(cell).strip("\n"), "\n```\n\n", between, "\n\n"]
    return "".join(body)


def build(tmp_path: Path, text: str, name: str = "cells.md", cache: bool = True) -> Path:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / name).write_text(text)
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=tmp_path / "cache" if cache else None))
    return out


def failures(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path, text)
    return [(e.line, e.message) for e in failed.value.errors]


def cell_data(page: str) -> list[dict]:
    found = re.findall(r'<script type="application/json" class="cell-data">(.*?)</script>', page)
    return [json.loads(text) for text in found]


def test_cells_run_in_order_in_one_namespace_and_a_plain_listing_does_not_run(tmp_path):
    out = build(
        tmp_path,
        article(
            "def f(x):\n    return x**2 + 5*x + 6\ntotal = 1",
            "total += f(1)\nprint('total', total)\nimport sys\nprint('oops', file=sys.stderr)\n"
            "total * 2",
        )
        + "```python\nraise SystemExit('a listing is never run')\n```\n",
    )
    page = (out / "cells" / "index.html").read_text()
    first, second = cell_data(page)
    assert first["output"] == {
        "stdout": "",
        "stderr": "",
        "value": None,
        "displays": [],
        "error": None,
    }
    assert second["output"]["stdout"] == "total 13\n"
    assert second["output"]["stderr"] == "oops\n"
    assert second["output"]["value"] == "26"
    assert '<pre class="cell-stdout">total 13\n</pre>' in page
    assert '<pre class="cell-stderr">oops\n</pre>' in page
    assert '<pre class="cell-value">26</pre>' in page
    assert "a listing is never run" in page  # shown as code, not run
    assert page.count('class="cell"') == 2


def test_show_draws_figures_demo_specs_and_tables(tmp_path):
    out = build(
        tmp_path,
        article(
            """
            xs = [0, 1, 2]
            show({"data": [{"x": xs, "y": [x * x for x in xs], "type": "bar"}]})
            show({"function": "x**2", "start": [2], "steps": 3, "plots": ["curve", "loss"]})
            show([{"k": 0, "x": 1.23456789}, {"k": 1, "x": 2}])
            """
        ),
    )
    page = (out / "cells" / "index.html").read_text()
    (data,) = cell_data(page)
    figure, demo, table = data["output"]["displays"]
    # The author's figure, in the charts' theme; what the author set is kept.
    assert figure["figure"]["data"] == [{"x": [0, 1, 2], "y": [0, 1, 4], "type": "bar"}]
    assert figure["figure"]["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"
    # A demo spec drawn by the engine exactly as a demo fence draws it.
    from engine import render_demo

    spec = {"function": "x**2", "start": [2], "steps": 3, "plots": ["curve", "loss"]}
    expected = render_demo(spec)
    assert demo["demo"]["summary"] == expected["summary"]
    assert len(demo["demo"]["figures"]) == 2
    assert table["table"] == {"columns": ["k", "x"], "rows": [[0, 1.23457], [1, 2]]}
    assert page.count('class="demo-chart"') == 3
    assert "<th>k</th><th>x</th>" in page
    # The page loads the Plotly bundle that draws a bar chart, and the cells' script.
    assert "plotly-cartesian" in page or "plotly.min.js" in page
    assert "data-cell-worker=" in page


def test_an_exception_fails_the_build_at_the_article_line_that_raised(tmp_path):
    text = article(
        "def step(x):\n    return 1 / x",  # line 9-10 of the file
        "y = 3\nstep(0)",
    )
    lines = text.split("\n")
    raise_line = lines.index("    return 1 / x") + 1
    call_line = lines.index("step(0)") + 1
    ((line, message),) = failures(tmp_path, text)
    assert line == raise_line
    assert "ZeroDivisionError: division by zero" in message
    assert f"line {call_line}, in <module>" in message
    assert f"line {raise_line}, in step" in message


def test_a_syntax_error_is_at_its_line_and_later_cells_do_not_run(tmp_path):
    text = article("x = 1\ny = (x +\n", "raise RuntimeError('never reached')")
    lines = text.split("\n")
    errors = failures(tmp_path, text)
    assert len(errors) == 1
    line, message = errors[0]
    assert line in (lines.index("y = (x +") + 1, lines.index("y = (x +") + 2)
    assert "SyntaxError" in message


def test_unknown_and_wrong_options_are_errors_at_their_line_with_a_suggestion(tmp_path):
    text = article("#| hide_cod: true\n#| timeout: 10000\nx = 1")
    lines = text.split("\n")
    errors = dict(failures(tmp_path, text))
    assert "did you mean 'hide_code'?" in errors[lines.index("#| hide_cod: true") + 1]
    assert "at most 300" in errors[lines.index("#| timeout: 10000") + 1]


def test_a_runaway_cell_is_stopped_by_its_time_limit(tmp_path):
    text = article("#| timeout: 1\nwhile True:\n    pass")
    started = time.monotonic()
    ((line, message),) = failures(tmp_path, text)
    assert time.monotonic() - started < 20
    assert line == text.split("\n").index("```python run") + 1
    assert "did not finish within its time limit of 1 s" in message


def test_a_huge_allocation_is_stopped_by_the_memory_limit(tmp_path):
    text = article("x = 1\nblock = bytearray(8 * 2**30)")
    ((line, message),) = failures(tmp_path, text)
    assert line == text.split("\n").index("block = bytearray(8 * 2**30)") + 1
    assert "MemoryError" in message


def test_numpy_runs_at_build_time_and_the_cell_is_listed_as_needing_it(tmp_path):
    out = build(tmp_path, article("import numpy as np\nprint(np.arange(3) * 2)"))
    (data,) = cell_data((out / "cells" / "index.html").read_text())
    assert data["output"]["stdout"] == "[0 2 4]\n"
    assert data["packages"] == ["numpy"]
    lock = json.loads((out / "assets" / "engine" / "cells-lock.json").read_text())
    numpy = lock["packages"]["numpy"]
    assert numpy["file_name"].startswith("https://cdn.jsdelivr.net/pyodide/v")
    assert len(numpy["sha256"]) == 64
    page = html.unescape((out / "cells" / "index.html").read_text())
    assert "connect-src 'self' https://cdn.jsdelivr.net;" in page


def test_controls_need_the_cells_own_assignment_within_their_range(tmp_path):
    text = article(
        "#| controls:\n#|   rate: {min: 0, max: 1}\n#|   lr: {min: 0.5, max: 1}\nlr = 0.1"
    )
    lines = text.split("\n")
    errors = dict(failures(tmp_path, text))
    assert "assigns no value to 'rate'" in errors[lines.index("#|   rate: {min: 0, max: 1}") + 1]
    assert "outside its slider's range" in errors[lines.index("#|   lr: {min: 0.5, max: 1}") + 1]


INTERACT = """
#| id: loop
#| controls:
#|   lr: {min: 0.1, max: 0.5, step: 0.1}
#|   kind: {options: [plain, squared]}
lr = 0.3
kind = "plain"
x = -8.0
for _ in range(10):
    x -= lr * (2 * x + 5)
show({"data": [{"x": [0, 1], "y": [x, x * x if kind == "squared" else x]}]})
print(kind, round(x, 6))
"""


def test_interact_keyframes_equal_the_cell_run_with_each_value(tmp_path):
    out = build(tmp_path, article(INTERACT))
    page = (out / "cells" / "index.html").read_text()
    (data,) = cell_data(page)
    name = re.search(r'data-keyframes="([^"]+)"', page).group(1)
    frames = json.loads((out / "cells" / name).read_text())
    assert frames["controls"]["lr"]["positions"] == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert frames["controls"]["kind"]["positions"] == ["plain", "squared"]
    built = figures_of(data["output"])
    source = textwrap.dedent(INTERACT).strip("\n")
    for control, positions in (("lr", [0.1, 0.2, 0.4, 0.5]), ("kind", ["squared"])):
        entry = frames["controls"][control]
        for value in positions:
            frame = frames["frames"][entry["frames"][entry["positions"].index(value)]]
            expected = run_cell(source, {}, overrides={control: value})
            assert frame["summary"]["stdout"] == expected["stdout"]
            merged = [
                {
                    **figure,
                    "data": [
                        frame["figures"][i].get("traces", {}).get(str(k), trace)
                        for k, trace in enumerate(figure["data"])
                    ],
                }
                for i, figure in enumerate(built)
            ]
            assert [f["data"] for f in merged] == [f["data"] for f in figures_of(expected)], (
                control,
                value,
            )
    # the built position is the built output itself
    assert frames["controls"]["lr"]["frames"][2] is None


def test_a_rebuild_runs_no_python_unless_a_cell_changed(tmp_path):
    log = tmp_path / "runs.log"
    cell = f"open({str(log)!r}, 'a').write('ran\\n')\nprint('hello')"
    build(tmp_path, article(cell))
    assert log.read_text() == "ran\n"
    build(tmp_path, article(cell, between="Other prose, same cells."))
    assert log.read_text() == "ran\n"
    build(tmp_path, article(cell + "\nprint('more')"))
    assert log.read_text() == "ran\nran\n"


def test_cells_read_data_files_beside_the_article_and_see_their_changes(tmp_path):
    content = tmp_path / "content"
    (content / "data").mkdir(parents=True)
    (content / "data" / "points.csv").write_text("x\n1\n2\n")
    text = article("import csv\nrows = list(csv.DictReader(open('data/points.csv')))\nlen(rows)")
    out = build(tmp_path, text)
    assert cell_data((out / "cells" / "index.html").read_text())[0]["output"]["value"] == "2"
    time.sleep(0.01)
    (content / "data" / "points.csv").write_text("x\n1\n2\n3\n")
    out = build(tmp_path, text)
    assert cell_data((out / "cells" / "index.html").read_text())[0]["output"]["value"] == "3"


def test_runner_maps_overrides_and_keeps_printing_and_errors_apart():
    namespace: dict = {}
    output = run_cell("lr = 0.1\nprint(lr)\nlr * 2", namespace, overrides={"lr": 0.25})
    assert output["stdout"] == "0.25\n" and output["value"] == "0.5"
    assert namespace["lr"] == 0.25
    output = run_cell("def g():\n    raise ValueError('no')\n\ng()", {}, "<cell 4>")
    assert output["error"]["type"] == "ValueError"
    assert output["error"]["line"] == 2
    assert [f["line"] for f in output["error"]["frames"]] == [4, 2]
