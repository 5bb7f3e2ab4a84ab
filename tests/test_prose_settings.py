"""Prose numbers quote a demo's settings ({=id.lr}) as well as its run, and a demo that
fails causes one error, not one more for each sentence that quotes it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site

FRONT = "---\ntitle: P\ndate: 2026-12-03\n---\n"
DEMO = (
    "```demo\nid: d1\nfunction: x**2\nstart: [3]\nlr: {lr}\noptimizer: momentum\nsteps: 10\n```\n"
)


def build(tmp_path: Path, text: str) -> str:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "p.md").write_text(FRONT + text)
    build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    return re.sub(r"<[^>]+>", "", (tmp_path / "site" / "p" / "index.html").read_text())


def errors(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    with pytest.raises(BuildFailed) as failed:
        build(tmp_path, text)
    return [(e.line, e.message) for e in failed.value.errors]


def test_a_sentence_quotes_the_demos_settings_and_follows_them(tmp_path):
    sentence = "With α = {=d1.lr} and μ = {=d1.momentum:.2f}, x ends at {=d1.x:.3g}.\n\n"
    text = build(tmp_path, sentence + DEMO.format(lr=0.12))
    x = 3.0
    v = 0.0
    for _ in range(10):  # momentum, as torch.optim.SGD
        v = 0.9 * v + 2 * x
        x -= 0.12 * v
    assert f"With α = 0.12 and μ = 0.90, x ends at {x:.3g}.".replace("-", "−") in text
    text = build(tmp_path, sentence + DEMO.format(lr=0.11))
    assert "With α = 0.11 and" in text


def test_a_failed_demo_is_one_error_and_a_wrong_setting_is_named(tmp_path):
    found = errors(tmp_path, "Rate {=d1.lr}, end {=d1.x}.\n\n" + DEMO.format(lr=-1))
    assert found == [(11, "demo: lr: lr = -1 is out of range; use a number from 0 to 1000")]
    # a table and a check that take its run say nothing more either
    table = "\n```iterates\nfrom: d1\n```\n"
    check = "\n```check\ndescend: {from: d1}\nends_near: [0]\n```\n"
    found = errors(tmp_path, DEMO.format(lr=-1) + table + check)
    assert found == [(9, "demo: lr: lr = -1 is out of range; use a number from 0 to 1000")]
    [(line, message)] = errors(tmp_path, "Rate {=d1.learning_rate}.\n\n" + DEMO.format(lr=0.1))
    assert line == 5 and "did you mean 'lr'?" in message and "a setting: lr," in message
    [(line, message)] = errors(tmp_path, "ε = {=d1.eps}.\n\n" + DEMO.format(lr=0.1))
    assert "leaves eps to the optimizer's default; set it to quote it" in message


TABLE = """```iterates
from: d1
columns: [k, x, f]
format: {x: .3g, f: .2e}
labels: {x: w, f: "L(w)"}
rows: {first: 2}
```
"""


def test_a_table_and_a_check_take_a_demos_run_by_id(tmp_path):
    check = "```check\ndescend: {from: d1, steps: 400}\nends_near: [0]\ntolerance: 1e-6\n```\n"
    build(tmp_path, DEMO.format(lr=0.12) + "\n" + TABLE + "\n" + check)
    page = (tmp_path / "site" / "p" / "index.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "k w L(w)" in text
    x, v = 3.0, 0.0
    rows = [(0, x, 9.0)]
    v = 0.9 * v + 2 * x
    x -= 0.12 * v
    rows.append((1, x, x * x))
    for k, x, fx in rows:
        assert f"{k} {x:.3g} {fx:.2e}".replace("-", "−") in text


def test_a_table_from_a_missing_demo_or_with_a_bad_format_is_refused(tmp_path):
    [(line, message)] = errors(tmp_path, DEMO.format(lr=0.1) + TABLE.replace("d1", "d2"))
    assert line == 14 and "no demo with id 'd2' above this table (ids: d1)" in message
    [(line, message)] = errors(tmp_path, DEMO.format(lr=0.1) + TABLE.replace(".3g", ".3q"))
    assert line == 16 and "format.x: bad format '.3q'" in message
    [(line, message)] = errors(tmp_path, DEMO.format(lr=0.1) + TABLE.replace("{x: w", "{y: w"))
    assert line == 17 and "'y' is not one of this table's columns (k, x, f)" in message


DEFINED = """---
title: P
date: 2026-12-03
functions:
  L: {formula: "(x + y - 2)**2 + (2*x + y - 3)**2", name: "L(w, b)"}
---
Text.

```demo
id: d1
function: L
start: [0, 0]
lr: 0.02
steps: 50
```

```check
gradient: L
equals: [2*(x + y - 2) + 4*(2*x + y - 3), 2*(x + y - 2) + 2*(2*x + y - 3)]
```

```iterates
from: d1
rows: {first: 2}
```
"""


def build_file(tmp_path: Path, text: str) -> str:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "p.md").write_text(text)
    build_site(BuildConfig(content=content, out=tmp_path / "site", cache=tmp_path / "cache"))
    return (tmp_path / "site" / "p" / "index.html").read_text()


def test_a_function_defined_once_in_the_front_matter_is_used_by_name(tmp_path):
    page = build_file(tmp_path, DEFINED)
    assert r'data-latex="\nabla\left(L(w, b)\right) = ' in page  # the check shows the name
    summary = re.search(r"demo-summary[^>]*>([^<]*)", page)[1]
    # changing the definition rebuilds every fence that uses it (the cache knows)
    with pytest.raises(BuildFailed):  # the check's claimed gradient no longer holds
        build_file(tmp_path, DEFINED.replace("(2*x + y - 3)**2", "(2*x + y - 4)**2"))
    fixed = DEFINED.replace("(2*x + y - 3)**2", "(2*x + y - 4)**2").replace(
        "4*(2*x + y - 3), 2*(x + y - 2) + 2*(2*x + y - 3)",
        "4*(2*x + y - 4), 2*(x + y - 2) + 2*(2*x + y - 4)",
    )
    assert re.search(r"demo-summary[^>]*>([^<]*)", build_file(tmp_path, fixed))[1] != summary


@pytest.mark.parametrize(
    ("functions", "line", "words"),
    [
        ('{peaks: "x**2"}', 4, "'peaks' cannot be a name"),
        ('{L: "x**"}', 4, "functions.L: not a valid expression"),
        ('{L: {formula: "x", nam: L}}', 4, "unknown key 'nam'"),
        ('"x**2"', 4, "functions maps names to formulas"),
    ],
)
def test_a_bad_definition_is_an_error_at_its_line(tmp_path, functions, line, words):
    text = f"---\ntitle: P\ndate: 2026-12-03\nfunctions: {functions}\n---\nText.\n"
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "p.md").write_text(text)
    with pytest.raises(BuildFailed) as failed:
        build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    [error] = failed.value.errors
    assert error.line == line and words in error.message, error.message
