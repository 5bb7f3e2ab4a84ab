"""Notebooks in and out (issue 32): a .ipynb in content/ is an article (front matter from a
raw cell or the metadata, tags as options, stored outputs ignored, errors at the notebook's
cell and line); ``build.py import`` writes it as Markdown; every article with cells can be
downloaded as a notebook that nbformat validates and a real Jupyter kernel runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from downhill.errors import BuildFailed
from downhill.notebook import as_markdown, as_notebook
from downhill.site import BuildConfig, build_site

ROOT = Path(__file__).resolve().parent.parent
MATTER = "---\ntitle: A notebook\ndate: 2026-12-01\n---"


def notebook(*cells: dict, metadata: dict | None = None) -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": metadata or {"kernelspec": {"name": "python3", "language": "python"}},
        "cells": [{**c, "id": f"c{k}"} for k, c in enumerate(cells)],
    }


def raw(text: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": text}


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def code(text: str, tags: list[str] | None = None, outputs: list | None = None) -> dict:
    return {
        "cell_type": "code",
        "metadata": {"tags": tags} if tags else {},
        "source": text,
        "outputs": outputs or [],
        "execution_count": None,
    }


STALE = [{"output_type": "stream", "name": "stdout", "text": "STALE OUTPUT\n"}]


def build(tmp_path, data: dict, name: str = "nb") -> str:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / f"{name}.ipynb").write_text(json.dumps(data))
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None))
    return (out / name / "index.html").read_text()


def failure(tmp_path, data: dict) -> str:
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path, data)
    [error] = failed.value.errors
    return str(error)


def test_a_notebook_is_an_article(tmp_path):
    page = build(
        tmp_path,
        notebook(
            raw(MATTER),
            markdown("## The bowl\n\nIts slope is $2x$."),
            code("x = 3\nprint('slope', 2 * x)", outputs=STALE),
            code("print('hidden code')", tags=["hide-input"]),
            code("print('no output shown')", tags=["remove-output"]),
        ),
    )
    assert "<title>A notebook" in page and '<h2 id="the-bowl">The bowl<' in page
    assert "<mjx-container" in page  # its math, typeset at build time
    assert "slope 6" in page and "STALE OUTPUT" not in page  # run again, not stored
    hidden = re.search(r'<div class="cell-code"[^>]*hidden>.*?hidden code', page, re.S)
    assert hidden is not None
    assert "no output shown" in page  # its code
    assert '<pre class="cell-stdout">no output shown' not in page  # but not its output
    assert '<pre class="cell-stdout">hidden code' in page
    assert 'href="nb.ipynb" download>Download as notebook</a>' in page


def test_front_matter_from_the_notebooks_metadata(tmp_path):
    data = notebook(
        code("print(1)"),
        metadata={"downhill": {"title": "From metadata", "date": "2026-12-02"}},
    )
    assert "<title>From metadata" in build(tmp_path, data)


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (
            notebook(raw(MATTER), markdown("Text."), code("x = 1"), code("y = 2\n1 / 0")),
            "cell 4, line 2",
            "cell raised ZeroDivisionError",
        ),
        (
            notebook(raw("---\ntitle: A: B\ndate: 2026-12-01\n---"), code("x = 1")),
            "cell 1, line 2",
            "front matter is not valid YAML",
        ),
        (
            notebook(raw(MATTER), code("#| id: one\n#| timeout: never\nx = 1")),
            "cell 2, line 2",
            "timeout must be a number",
        ),
        (notebook(code("x = 1")), "cell 1, line 1", "a notebook's first cell must be a raw cell"),
        (
            notebook(raw(MATTER), code("x = 1\n%timeit x + 1")),
            "cell 2, line 2",
            "'%timeit' is an IPython magic",
        ),
    ],
)
def test_errors_point_at_the_notebooks_cell_and_line(tmp_path, data, where, words):
    message = failure(tmp_path, data)
    assert f"nb.ipynb: {where}: " in message and words in message


def test_a_file_that_is_not_a_notebook(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "broken.ipynb").write_text('{"cells": [\n')
    with pytest.raises(BuildFailed) as failed:
        build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    assert "is not a notebook: its JSON does not parse" in str(failed.value.errors[0])
    (content / "broken.ipynb").write_text(
        json.dumps(notebook(metadata={"kernelspec": {"language": "R"}}))
    )
    with pytest.raises(BuildFailed) as failed:
        build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    assert "is a R notebook; Downhill runs Python cells" in str(failed.value.errors[0])


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True
    )


def test_import_writes_the_article_it_is_and_never_over_a_file(tmp_path):
    data = notebook(raw(MATTER), markdown("Prose."), code("print('ran')", tags=["hide-input"]))
    source = tmp_path / "My Notebook.ipynb"
    source.write_text(json.dumps(data))
    content = tmp_path / "content"
    imported = run_cli("import", str(source), "--content", str(content))
    assert imported.returncode == 0, imported.stderr
    written = (content / "my-notebook.md").read_text()
    assert written == as_markdown(json.dumps(data))[0]
    assert "```python run\n#| hide_code: true\nprint('ran')\n```" in written
    again = run_cli("import", str(source), "--content", str(content))
    assert again.returncode == 1 and "already exists; nothing was written" in again.stderr
    assert (content / "my-notebook.md").read_text() == written


ARTICLE = """---
title: Downloaded
date: 2026-12-01
---

Prose with $x^2$.

```python run
#| id: numbers
import pandas as pd
values = [k * k for k in range(5)]
print(sum(values))
pd.DataFrame({"k": range(5), "k²": values})
```

```demo
id: d
function: x**2
start: [2]
```

```python run
import matplotlib.pyplot as plt
plt.plot(values)
plt.show()
show({"data": [{"x": [1, 2], "y": [3, 4]}]})
```
"""


def test_the_downloaded_notebook_is_valid_and_runs_in_jupyter(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "downloaded.md").write_text(ARTICLE)
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None))
    page = (out / "downloaded" / "index.html").read_text()
    assert 'href="downloaded.ipynb" download>Download as notebook</a>' in page
    text = (out / "downloaded" / "downloaded.ipynb").read_text()
    read = nbformat.reads(text, as_version=4)
    nbformat.validate(read)
    assert [c.cell_type for c in read.cells] == [
        "raw",
        "code",
        "markdown",
        "code",
        "markdown",
        "code",
    ]
    NotebookClient(read, timeout=120, kernel_name="python3").execute()  # top to bottom
    outputs = [o for c in read.cells if c.cell_type == "code" for o in c.outputs]
    assert any(o.get("text") == "30\n" for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the figure, in Jupyter
    # and back: importing it gives the article
    assert as_markdown(text)[0] == ARTICLE
    assert as_notebook(ARTICLE) == json.loads(text)


def test_articles_without_cells_offer_no_notebook(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "plain.md").write_text("---\ntitle: Plain\ndate: 2026-12-01\n---\n\nText.\n")
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None))
    assert "Download as notebook" not in (out / "plain" / "index.html").read_text()
    assert not (out / "plain" / "plain.ipynb").exists()


def test_the_repositorys_notebook_article():
    from downhill.read import read_article

    path = ROOT / "content" / "momentum-in-a-notebook.ipynb"
    assert read_article(path, []).startswith("---\ntitle: Momentum, in a notebook\n")
