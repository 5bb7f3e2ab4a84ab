"""The content files a cell reads, in the reader's browser (issue 32): by the same relative
paths as at build time, fetched on Run through the page, afresh for every run; and the
service worker lists them, so they are kept for offline reading."""

from __future__ import annotations

import json
import re

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site

from .conftest import built_and_served, press_run

pytestmark = pytest.mark.browser

ARTICLE = """---
title: Scores
date: 2026-12-01
---

```python run
#| id: read
import csv
with open("data/exam-scores.csv") as f:
    rows = list(csv.DictReader(f))
print(len(rows), "students, mean", sum(float(r["score"]) for r in rows) / len(rows))
```

```python run
#| id: below
import os
open("data/exam-scores.csv", "w").write("score\\n0\\n")  # a run's writes stay in that run
print(sorted(os.listdir("data")), rows[0]["name"])
```
"""

SCORES = "name,score\nada,90\nalan,70\ngrace,80\n"


@pytest.fixture(scope="module")
def scores_site(tmp_path_factory):
    content = tmp_path_factory.mktemp("scores") / "content"
    (content / "data").mkdir(parents=True)
    (content / "data" / "exam-scores.csv").write_text(SCORES)
    (content / "data" / "notes.txt").write_text("read with its folder\n")
    (content / "unused.csv").write_text("x\n1\n")  # named by no cell
    (content / "scores.md").write_text(ARTICLE)
    with built_and_served(content) as (out, url):
        yield out, f"{url}/scores/"


def test_a_cell_reads_its_data_file_in_the_browser(page, scores_site):
    url = scores_site[1]
    page.goto(url)
    built = page.inner_text("#read .cell-stdout")
    assert built == "3 students, mean 80.0\n"
    answer = press_run(page, "read")
    assert "output" in answer and answer["output"]["error"] is None, answer
    assert page.inner_text("#read .cell-stdout") == built
    for _ in range(2):  # the cell below, twice: each run starts from the author's file
        answer = press_run(page, "below")
        assert answer["output"]["error"] is None, answer
        assert page.inner_text("#below .cell-stdout") == "['exam-scores.csv', 'notes.txt'] ada\n"
    assert page.problems == []


def test_the_page_names_only_the_files_its_cells_read(scores_site):
    out, _ = scores_site
    page = (out / "scores" / "index.html").read_text()
    files = {
        tuple(json.loads(m)["files"]) for m in re.findall(r'class="cell-data">(.*?)</script>', page)
    }
    assert files == {("data/exam-scores.csv", "data/notes.txt")}  # (the folder "data" too)
    worker = (out / "sw.js").read_text()
    assert '"/data/exam-scores.csv": [' in worker  # kept for offline reading, by its hash


def test_a_private_file_a_reader_could_not_get_fails_the_build(tmp_path):
    content = tmp_path / "content"
    (content / "_private").mkdir(parents=True)
    (content / "_private" / "secret.csv").write_text("x\n1\n")
    (content / "p.md").write_text(
        "---\ntitle: P\ndate: 2026-12-01\n---\n\n"
        "```python run\nprint(open('_private/secret.csv').read())\n```\n"
    )
    with pytest.raises(BuildFailed) as failed:
        build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    [error] = failed.value.errors
    assert error.line == 6 and "the site does not publish" in error.message
    (content / "p.md").write_text(
        "---\ntitle: P\ndate: 2026-12-01\n---\n\n"
        "```python run\n#| editable: false\nprint(open('_private/secret.csv').read())\n```\n"
    )
    build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
