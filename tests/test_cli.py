"""The command line: a production build without --site-url warns; `build.py | head -1`
ends quietly; --help says what pages load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from downhill.config import ROOT

ARTICLE = (  # a demo with a slider: the build prints a second line, of keyframes
    "---\ntitle: One\ndate: 2026-12-03\n---\nText.\n\n```demo\nfunction: x**2\n"
    "controls: {lr: {min: 0.01, max: 0.5}}\n```\n"
)


def site(tmp_path: Path) -> list[str]:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "one.md").write_text(ARTICLE)
    return [
        sys.executable,
        str(ROOT / "build.py"),
        "--content",
        str(tmp_path / "content"),
        "--out",
        str(tmp_path / "site"),
        "--no-cache",
    ]


def test_a_build_without_a_site_url_warns_and_one_with_it_does_not(tmp_path):
    command = site(tmp_path)
    bare = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "warning: no --site-url" in bare.stderr and "127.0.0.1:8000" in bare.stderr
    given = subprocess.run(
        [*command, "--site-url", "https://me.github.io"], capture_output=True, text=True, check=True
    )
    assert "warning" not in given.stderr
    assert "https://me.github.io/one/" in (tmp_path / "site" / "feed.xml").read_text()


def test_a_pipe_closed_early_ends_without_a_traceback(tmp_path):
    """As `build.py | head -1` when head is gone before the build prints: no traceback."""
    command = [*site(tmp_path), "--site-url", "https://me.github.io"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line
    errors = process.stderr.read()
    assert process.wait() == 0, errors
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors


def test_the_help_says_pages_load_no_mathjax():
    text = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = " ".join(text.split())
    assert "self-host Pyodide and Plotly" in flat and "pages load no MathJax" in flat
