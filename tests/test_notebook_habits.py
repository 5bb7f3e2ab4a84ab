"""A notebook author's habits (issue 32): display(), a pandas DataFrame as a table, magics
and shell escapes answered at their line, and an import a reader's browser could not make
refused at its line (unless the cell is the build's alone)."""

from __future__ import annotations

import re

import pytest

from downhill.cells import pyodide_version
from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site
from engine.cells import MAX_ROWS, run_cell

HEAD = "---\ntitle: Habits\ndate: 2026-12-01\n---\n\n"  # the fence opens on line 6


def build(tmp_path, body: str, options: str = "") -> str:
    content = tmp_path / "content"
    content.mkdir()
    (content / "habits.md").write_text(HEAD + f"```python run\n{options}{body}\n```\n")
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None))
    return (out / "habits" / "index.html").read_text()


def failure(tmp_path, body: str, options: str = ""):
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path, body, options)
    [error] = failed.value.errors
    return error


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("%timeit sum(range(10))", ["'%timeit' is an IPython magic", "timeit.timeit"]),
        ("%matplotlib inline", ["'%matplotlib' is an IPython magic", "it is not needed"]),
        ("%load_ext autoreload", ["'%load_ext' is an IPython magic", "write it in Python"]),
        ("!pip install torch", ["'!pip' is a shell command", "pyproject.toml"]),
        ("!ls data", ["'!ls' is a shell command", "a cell runs Python only"]),
    ],
)
def test_a_magic_or_shell_escape_is_answered_at_its_line(tmp_path, line, words):
    error = failure(tmp_path, f"x = 1\n{line}\nprint(x)")
    assert error.line == 8  # fence 6, x = 1 on 7
    for word in words:
        assert word in error.message


def test_not_equal_is_not_a_shell_escape(tmp_path):
    assert "True" in build(tmp_path, "x = 1\nx != 2")


def test_an_import_the_browser_lacks_fails_at_its_line(tmp_path):
    error = failure(tmp_path, "import math\nimport torch\ntorch.zeros(1)")
    assert error.line == 8
    assert f"torch is not in Pyodide {pyodide_version()}" in error.message
    assert "'#| editable: false' keeps it to the build" in error.message


def test_a_build_only_cell_may_import_it(tmp_path):
    page = build(tmp_path, "import torch\nint(torch.ones(3).sum())", "#| editable: false\n")
    assert "3" in page


def test_the_releases_packages_and_the_engine_are_allowed(tmp_path):
    page = build(tmp_path, "import numpy, pandas, matplotlib, statistics, engine\nprint('ok')")
    assert "Runs with numpy, pandas, matplotlib" in page


def test_a_dataframe_is_a_table_with_its_index():
    output = run_cell(
        "import pandas as pd\n"
        "frame = pd.DataFrame({'lr': [0.1, 0.5], 'steps': [40, 9]},"
        " index=pd.Index(['slow', 'fast'], name='run'))\nframe",
        {},
    )
    assert output["value"] is None
    [shown] = output["displays"]
    assert shown["table"] == {
        "columns": ["run", "lr", "steps"],
        "rows": [["slow", 0.1, 40], ["fast", 0.5, 9]],
    }


def test_a_long_dataframe_keeps_its_first_rows_and_says_how_many_more():
    output = run_cell(f"import pandas as pd\ndisplay(pd.Series(range({MAX_ROWS + 7})))", {})
    table = output["displays"][0]["table"]
    assert len(table["rows"]) == MAX_ROWS and table["more"] == 7


def test_a_dataframe_in_the_page(tmp_path):
    page = build(tmp_path, "import pandas as pd\npd.DataFrame({'w': [1.5], 'b': [-2]})")
    assert re.search(r"<th>w</th><th>b</th>.*<td>1.5</td><td>-2</td>", page, re.S)
