"""A notebook author's habits (issue 32): display(), a pandas DataFrame as a table, magics
and shell escapes answered at their line, and an import a reader's browser could not make
refused at its line (unless the cell is the build's alone)."""

from __future__ import annotations

import re

import pytest

from downhill.errors import BuildFailed
from downhill.runnable import pyodide_version
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


RICH = """from IPython.display import display, Markdown, Math, Latex, HTML, Image
display(Markdown("**Bold** and $x^2$"))
display(Math(r"\\frac{1}{2} x^2"))
display(Latex(r"The rate $\\alpha$"))
display(HTML("<em id='authors'>the author's</em>"))
display(Image(filename="data/dot.png"))"""

# A 1×1 PNG.
DOT = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a2e3fd880000000049454e44ae426082"
)


def rich_site(tmp_path) -> tuple[str, object]:
    content = tmp_path / "content"
    (content / "data").mkdir(parents=True)
    (content / "data" / "dot.png").write_bytes(DOT)
    (content / "rich.md").write_text(HEAD + f"```python run\n#| id: rich\n{RICH}\n```\n")
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None))
    return (out / "rich" / "index.html").read_text(), out


def test_ipython_display_is_rendered_at_build_time(tmp_path):
    page, _ = rich_site(tmp_path)
    rich = re.findall(
        r'<div class="cell-rich">(.*?)</div>(?=<div class="cell-rich">|<img)', page, re.S
    )
    assert len(rich) == 4
    assert "<strong>Bold</strong>" in rich[0] and "<mjx-container" in rich[0]  # math typeset
    assert 'display="true"' in rich[1]  # Math: display math
    assert "<mjx-container" in rich[2]  # Latex's inline math
    assert "<em id='authors'>the author's</em>" in rich[3]  # the author's HTML, as written
    assert 'class="cell-image cell-png" src="data:image/png;base64,' in page
    assert 'width="1" height="1"' in page
    assert "Runs with" not in page  # IPython is the engine's: nothing to download


def test_an_image_from_another_address_is_refused():
    output = run_cell("from IPython.display import Image\nImage(url='https://e.org/a.png')", {})
    assert output["error"]["type"] == "ValueError"
    assert "no image from another address" in output["error"]["message"]


@pytest.mark.browser
def test_a_readers_run_shows_markdown_and_html_as_text(page, tmp_path):
    from .conftest import press_run, serve_folder

    _, out = rich_site(tmp_path)
    server = serve_folder(out)
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/rich/")
        assert page.locator("#rich .cell-rich mjx-container").count() == 3
        answer = press_run(page, "rich")
        assert "output" in answer and answer["output"]["error"] is None, answer
        texts = page.locator("#rich .cell-text").all_inner_texts()
        assert texts[:4] == [
            "**Bold** and $x^2$",
            "\\frac{1}{2} x^2",
            "The rate $\\alpha$",
            "<em id='authors'>the author's</em>",
        ]
        assert page.locator("#authors").count() == 0  # never markup from a reader's run
        assert (
            page.evaluate("() => document.querySelector('#rich img.cell-image').naturalWidth") == 1
        )
        page.click("#rich .cell-edit")
        page.click("#rich .cell-reset")  # the build's rendering comes back
        assert page.locator("#rich .cell-rich mjx-container").count() == 3
        assert page.locator("#authors").count() == 1
    finally:
        server.shutdown()
