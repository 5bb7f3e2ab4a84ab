"""No command loses an author's file (issue 31): start-blog removes only samples as shipped,
keeps data an article reads and never overwrites an _index.md of the author's without
--force (which keeps a backup); --out refuses a folder a build did not make, the content,
a folder holding it and the project. Each refusal: a clear message, exit 1, nothing moved."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from downhill.starter import GUIDE, SAMPLE_ARTICLES, SHARED_DATA, SHIPPED

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests/fixtures/tiny/content"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_shipped_hashes_are_the_repositorys_files():
    found = {
        name: hashlib.sha256((ROOT / "content" / name).read_bytes()).hexdigest()
        for name in [*SAMPLE_ARTICLES, GUIDE, *SHARED_DATA, "_index.md"]
    }
    table = "\n".join(f'    "{k}": "{v}",' for k, v in found.items())
    assert found == SHIPPED, f"a sample changed: set downhill/starter.py's SHIPPED to\n{table}"


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    return folder


def start(content: Path, *extra: str) -> subprocess.CompletedProcess:
    return run("start-blog", "Notes", "--author", "Ada", "--content", str(content), *extra)


def test_an_edited_sample_is_kept_and_named(content):
    (content / "first-descent.md").write_text(
        (content / "first-descent.md").read_text() + "\nMy own paragraph.\n"
    )
    started = start(content)
    assert started.returncode == 0, started.stderr
    assert "My own paragraph." in (content / "first-descent.md").read_text()
    assert "kept first-descent.md" in started.stdout
    others = [n for n in SAMPLE_ARTICLES if n != "first-descent.md"]
    assert not any((content / n).exists() for n in others)


def test_a_data_file_an_article_reads_is_kept(content):
    (content / "my-fit.md").write_text(
        "---\ntitle: Mine\ndate: 2026-12-01\n---\n\n```demo\nid: mine\n"
        "fit: {data: data/anscombe.csv, x: x1, y: y1}\nsteps: 10\n```\n"
    )
    started = start(content, "--guide", "no")
    assert started.returncode == 0, started.stderr
    assert (content / "data/anscombe.csv").exists()
    assert not (content / GUIDE).exists()  # as shipped: removed


def test_an_edited_guide_is_kept_with_guide_no(content):
    (content / GUIDE).write_text((content / GUIDE).read_text() + "\nMy notes.\n")
    started = start(content, "--guide", "no")
    assert started.returncode == 0, started.stderr
    assert "My notes." in (content / GUIDE).read_text()


def test_the_authors_index_is_never_overwritten(content):
    (content / "_index.md").write_text(
        "---\ntitle: Mine\nurl: https://me.example.org/\n---\n\nMy intro.\n"
    )
    before = snapshot(content)
    refused = start(content)
    assert refused.returncode == 1
    assert "is yours already" in refused.stderr and "--force" in refused.stderr
    assert snapshot(content) == before  # nothing removed, nothing written
    forced = start(content, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (content / "_index.md.bak").read_text().endswith("My intro.\n")
    assert 'title: "Notes"' in (content / "_index.md").read_text()
    assert "_index.md.bak" in forced.stdout
    again = start(content, "--force")  # a second backup does not replace the first
    assert again.returncode == 0, again.stderr
    assert (content / "_index.md.bak").read_text().endswith("My intro.\n")
    assert (content / "_index.md.bak.2").exists()


def test_the_sample_index_is_replaced_without_force(content):
    started = start(content)
    assert started.returncode == 0, started.stderr
    assert not list(content.glob("_index.md.bak*"))


@pytest.fixture
def project(tmp_path):
    """A project of the author's: content/, and a docs/ folder with hand-written files."""
    root = tmp_path / "project"
    shutil.copytree(TINY, root / "content")
    (root / "docs").mkdir()
    (root / "docs" / "CNAME").write_text("blog.example.org\n")
    (root / "docs" / "notes.html").write_text("<p>mine</p>\n")
    return root


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("docs", "holds files no Downhill build made"),
        ("content", "is the content folder"),
        (".", "holds it"),  # the author's project folder holds the content
        ("content/site", "is inside the content folder"),
        ("docs/CNAME", "is a file, not a folder"),
    ],
)
def test_out_refuses_a_folder_it_would_destroy(project, out, message):
    before = snapshot(project)
    built = run("--content", str(project / "content"), "--out", str(project / out), "--no-cache")
    assert built.returncode == 1
    assert message in built.stderr and "nothing was moved" in built.stderr
    assert snapshot(project) == before
    assert [p.name for p in project.parent.iterdir()] == ["project"]  # no spare beside it


def test_out_refuses_the_project_folder(tmp_path):
    shutil.copytree(TINY, tmp_path / "content")
    built = run("--content", str(tmp_path / "content"), "--out", str(ROOT), "--no-cache")
    assert built.returncode == 1
    assert "is the project folder" in built.stderr


def test_out_takes_an_empty_folder_and_its_own_site_again(project):
    out = project / "public"
    out.mkdir()
    for _ in range(2):  # the second build replaces what the first made
        built = run("--content", str(project / "content"), "--out", str(out), "--no-cache")
        assert built.returncode == 0, built.stderr
    assert (out / "build.json").exists()
    (out / "hand-written.html").write_text("mine")  # inside a site: the build's to replace
    built = run("--content", str(project / "content"), "--out", str(out), "--no-cache")
    assert built.returncode == 0, built.stderr
