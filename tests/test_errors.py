"""Author errors: one test per kind — message, file:line, exit code, and site/ unchanged."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import ROOT

GOOD = """\
---
title: Good
date: 2026-01-01
---

Fine.
"""


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build(content: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "--content",
            str(content),
            "--out",
            str(out),
            "--no-cache",
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def page(front: str, body: str = "Text.\n") -> str:
    return f"---\n{textwrap.dedent(front).strip()}\n---\n\n{textwrap.dedent(body)}"


DEMO = "```demo\n{}\n```\n"
CASES = {
    "misspelled demo key": (
        page(
            "title: A\ndate: 2026-01-01",
            "Intro.\n\n" + DEMO.format("function: x**2\nstart: [1]\nstepz: 10"),
        ),
        11,
        "unknown key 'stepz'; did you mean 'steps'?",
    ),
    "wrong type": (
        page("title: A\ndate: 2026-01-01", DEMO.format("function: x**2\nlr: fast")),
        8,
        "lr must be a number",
    ),
    "out of range": (
        page("title: A\ndate: 2026-01-01", DEMO.format("function: x**2\nmomentum: 1.5")),
        8,
        "momentum = 1.5 is out of range",
    ),
    "unknown function": (
        page("title: A\ndate: 2026-01-01", DEMO.format("function: rosenbrok")),
        7,
        "did you mean 'rosenbrock'?",
    ),
    "unknown optimizer": (
        page("title: A\ndate: 2026-01-01", DEMO.format("function: x**2\noptimizer: [gd, adamw]")),
        8,
        "unknown optimizer 'adamw'",
    ),
    "bad expression": (
        page("title: A\ndate: 2026-01-01", DEMO.format("function: x**2 + sinn(x)")),
        7,
        "unknown function 'sinn'",
    ),
    "bad control": (
        page(
            "title: A\ndate: 2026-01-01",
            DEMO.format(
                "function: x**2\ncontrols:\n  lr: {min: 0.01, max: 1}\n  rate: {min: 0, max: 1}"
            ),
        ),
        10,
        "no control can set 'rate'",
    ),
    "bad front matter": (
        page("title: A\ndate: 2026-13-01"),
        3,
        "date must be a date written YYYY-MM-DD",
    ),
    "misspelled front matter": (
        page("title: A\ndate: 2026-01-01\ntags: [x]\nsumary: oops"),
        5,
        "did you mean 'summary'?",
    ),
    "broken internal link": (
        page("title: A\ndate: 2026-01-01", "See [the other](/gooood/) post.\n"),
        6,
        "broken internal link '/gooood/'",
    ),
    "false check": (
        page(
            "title: A\ndate: 2026-01-01",
            "```check\ngradient: x**2*sin(y)\nequals: [2*x*sin(y), x**2*sin(y)]\n```\n",
        ),
        8,
        "the claimed ∂f/∂y = x**2*sin(y) is wrong",
    ),
    "invalid yaml": (
        page("title: A\ndate: 2026-01-01", DEMO.format("function: x**2\nstart: [1")),
        8,
        "demo is not valid YAML",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_author_error_names_file_line_and_leaves_site_untouched(case, tmp_path, previous_site):
    text, line, message = CASES[case]
    content = tmp_path / "content"
    content.mkdir()
    (content / "good.md").write_text(GOOD)
    (content / "bad.md").write_text(text)
    before = tree_digest(previous_site)
    result = build(content, previous_site)
    assert result.returncode == 1
    assert f"{content / 'bad.md'}:{line}: " in result.stderr, result.stderr
    assert message in result.stderr
    assert tree_digest(previous_site) == before


def test_duplicate_slug_is_reported(tmp_path, previous_site):
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text(page("title: A\ndate: 2026-01-01\nslug: same"))
    (content / "b.md").write_text(page("title: B\ndate: 2026-01-02\nslug: same"))
    result = build(content, previous_site)
    assert result.returncode == 1
    assert "slug 'same' is already used" in result.stderr
    assert ":4: " in result.stderr


def test_broken_link_in_the_index_introduction_is_reported(tmp_path, previous_site):
    content = tmp_path / "content"
    content.mkdir()
    (content / "good.md").write_text(GOOD)
    (content / "_index.md").write_text("Welcome.\n\nStart with [the good one](/gdoo/).\n")
    before = tree_digest(previous_site)
    result = build(content, previous_site)
    assert result.returncode == 1
    assert f"{content / '_index.md'}:3: broken internal link '/gdoo/'" in result.stderr
    assert "did you mean /good/?" in result.stderr
    assert tree_digest(previous_site) == before


def test_all_errors_of_a_build_are_reported_together(tmp_path, previous_site):
    content = tmp_path / "content"
    content.mkdir()
    (content / "one.md").write_text(
        page("title: A\ndate: 2026-01-01", DEMO.format("function: x**2\nlr: -1\nsteps: many"))
    )
    (content / "two.md").write_text(page("date: 2026-01-01"))
    result = build(content, previous_site)
    assert result.returncode == 1
    assert "3 error(s)" in result.stderr
    assert "lr = -1 is out of range" in result.stderr and "steps must be" in result.stderr
    assert "needs a title" in result.stderr


def test_usage_error_exits_2(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--assets", "nowhere"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
