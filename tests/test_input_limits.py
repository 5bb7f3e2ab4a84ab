"""Limits on what reaches a page (issue 31): a cell's output and an article's cells' outputs
are capped, past which the build fails at the cell's line; a data file must be a regular
file inside content/ once links are followed, whatever its name, and nothing of a file
outside is read or echoed."""

from __future__ import annotations

import json

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site
from engine.cells import MAX_OUTPUT_BYTES, run_cells_json

HEAD = "---\ntitle: Limits\ndate: 2026-12-01\n---\n\n"


def build(tmp_path, text: str, files: dict[str, str] | None = None) -> BuildFailed | None:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "limits.md").write_text(HEAD + text)
    for name, body in (files or {}).items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(body)
    try:
        build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    except BuildFailed as failed:
        return failed
    return None


def cell(body: str) -> str:
    return f"```python run\n{body}\n```\n\n"


# About 1.2 MB of figure JSON per 100,000 points.
FIGURE = "show({{'data': [{{'x': list(range({n})), 'y': [0.5] * {n}}}]}})"


def test_a_cell_showing_too_much_fails_at_its_line(tmp_path):
    failed = build(tmp_path, "Before.\n\n" + cell(FIGURE.format(n=600_000)))
    assert failed is not None
    [error] = failed.errors
    assert error.line == 8  # its fence
    assert "a cell can show at most 5 MB" in error.message


def test_a_page_of_cells_showing_too_much_fails_at_the_cell_past_it(tmp_path):
    text = "".join(cell(FIGURE.format(n=300_000)) for _ in range(6))  # 3.6 MB each
    failed = build(tmp_path, text)
    assert failed is not None
    [error] = failed.errors
    assert "a page can hold at most 20 MB of cell output" in error.message
    assert error.line == 6 + 5 * 4  # the sixth cell's fence


def test_a_page_under_the_limits_builds(tmp_path):
    assert build(tmp_path, cell(FIGURE.format(n=100_000)) * 2) is None


def test_the_browser_run_has_the_same_limit():
    code = FIGURE.format(n=600_000).replace("show(", "show(").strip()
    text = run_cells_json(json.dumps({"cells": [code]}))
    assert len(text) < 1000
    output = json.loads(text)
    assert output["displays"] == [] and output["error"]["type"] == "OutputTooLarge"
    assert f"{MAX_OUTPUT_BYTES / 1e6:g} MB" in output["error"]["message"]


SECRET = "secret,value\n1,2\n3,4\n"
FIT = "```demo\nid: fitted\nfit: {{data: {name}, x: secret, y: value}}\nsteps: 5\n```\n"


@pytest.mark.parametrize("name", ["points.csv", "_private/secret.csv", ".hidden.csv"])
def test_a_data_file_linked_from_outside_is_refused_unread(tmp_path, name):
    outside = tmp_path / "outside.csv"
    outside.write_text(SECRET)
    content = tmp_path / "content"
    (content / name).parent.mkdir(parents=True, exist_ok=True)
    (content / name).symlink_to(outside)
    failed = build(tmp_path, FIT.format(name=name))
    assert failed is not None
    messages = " ".join(e.message for e in failed.errors)
    assert "outside the content folder" in messages
    assert "secret" not in messages.replace(name, "")  # nothing of the file is echoed


def test_a_link_to_etc_passwd_echoes_nothing(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "users.csv").symlink_to("/etc/passwd")
    failed = build(tmp_path, FIT.format(name="users.csv"))
    assert failed is not None
    messages = " ".join(e.message for e in failed.errors)
    assert "outside the content folder" in messages and "root:" not in messages


def test_a_folder_linked_from_outside_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "points.csv").write_text(SECRET)
    content = tmp_path / "content"
    content.mkdir()
    (content / "data").symlink_to(elsewhere, target_is_directory=True)
    failed = build(tmp_path, FIT.format(name="data/points.csv"))
    assert failed is not None
    assert "outside the content folder" in " ".join(e.message for e in failed.errors)


def test_private_and_hidden_files_inside_content_are_read(tmp_path):
    files = {"_private/secret.csv": SECRET, ".hidden.csv": SECRET}
    text = FIT.format(name="_private/secret.csv") + "\n" + FIT.format(name=".hidden.csv")
    assert build(tmp_path, text.replace("id: fitted", "id: a", 1), files) is None


def test_a_cell_does_not_get_a_file_linked_from_outside(tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text(SECRET)
    content = tmp_path / "content"
    content.mkdir()
    (content / "leak.csv").symlink_to(outside)
    (content / "mine.csv").write_text("a\n1\n")
    text = cell("print(open('mine.csv').read())\nprint(open('leak.csv').read())")
    failed = build(tmp_path, text)
    assert failed is not None
    by_file = {e.path.name: e for e in failed.errors}
    assert "outside the content folder" in by_file["leak.csv"].message  # not published
    error = by_file["limits.md"]
    assert "FileNotFoundError" in error.message and error.line == 8  # the open of leak.csv


def test_too_much_data_for_the_cells_copy_is_said_as_such(tmp_path, monkeypatch):
    """Cells run on a copy of content/'s files: past its size the build says so (and not
    that the cell was slow)."""
    import downhill.kernel_client

    monkeypatch.setattr(downhill.kernel_client, "MAX_DATA_BYTES", 1000)
    content = tmp_path / "content"
    content.mkdir()
    (content / "big.csv").write_text("x\n" * 1000)
    failed = build(tmp_path, cell("print(1)"))
    assert failed is not None
    [error] = failed.errors
    assert "cells run on a copy of content/'s files" in error.message
    assert "move what no article reads out of content/" in error.message
    assert "timeout" not in error.message
