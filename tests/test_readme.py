"""Every command in the README's list of commands runs as written.

The commands run in a copy of the project (the files git tracks, with .venv and
node_modules linked), so that ``new`` and the builds write there and not here. DIR is the
one placeholder: a folder of the copy's articles, or a new output folder.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

FENCE = re.compile(r"```sh\n(.*?)```", re.S)


def readme_commands() -> list[str]:
    """The commands of the README's block that starts with .venv/bin/python."""
    blocks = [b for b in FENCE.findall((ROOT / "README.md").read_text()) if ".venv/bin" in b]
    assert len(blocks) == 1, "the README has one block of commands run once set up"
    return [line.split("  #")[0].strip() for line in blocks[0].splitlines() if line.strip()]


COMMANDS = readme_commands()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    copy = tmp_path_factory.mktemp("project")
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    for linked in (".venv", "node_modules"):
        (copy / linked).symlink_to(ROOT / linked)
    return copy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(command: str, cwd, tmp_path) -> subprocess.CompletedProcess:
    words = shlex.split(command)
    if "DIR" in words:  # --content DIR --out DIR: the copy's articles, a new folder
        words[words.index("--content") + 1] = str(cwd / "content")
        words[words.index("--out") + 1] = str(tmp_path / "elsewhere")
    # through the shell, as a reader types it (the command starts with a relative path)
    return subprocess.run(
        shlex.join(words), shell=True, cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("command", [c for c in COMMANDS if " serve " not in c + " "])
def test_each_readme_command_runs_as_written(command, project, tmp_path):
    words = shlex.split(command)
    if words[2:3] == ["import"]:  # a notebook of the reader's: the repository's own
        shutil.copyfile(project / "content" / "momentum-in-a-notebook.ipynb", project / words[3])
    result = run(command, project, tmp_path)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    if words[2:3] == ["import"]:
        article = project / "content" / f"{Path(words[3]).stem}.md"
        assert article.read_text().startswith("---\ntitle: Momentum, in a notebook\n")
        article.unlink()
        (project / words[3]).unlink()
    elif words[1] == "build.py" and words[2:3] != ["new"]:
        out = tmp_path / "elsewhere" if "DIR" in words else project / "site"
        assert (out / "first-descent" / "index.html").is_file()
        if "--base-url" in words:
            home = (out / "index.html").read_text()
            assert 'href="/my-repo/first-descent/"' in home
            assert "https://me.github.io/my-repo/first-descent/" in (out / "feed.xml").read_text()
        if "cdn" in words:
            assert "cdn.jsdelivr.net" in (out / "first-descent" / "index.html").read_text()
    elif words[2:3] == ["new"]:
        article = project / "content" / "momentum-explained.md"
        assert article.is_file() and "Momentum, explained" in article.read_text()
        article.unlink()
    elif words[3:4] == ["descend"]:
        run_json = json.loads(result.stdout)
        end = run_json["runs"][0]["points"][-1] if "runs" in run_json else run_json["points"][-1]
        assert all(isinstance(c, float) for c in end)
    elif words[3:4] == ["gradient"]:
        assert json.loads(result.stdout)
    else:
        assert "peaks" in result.stdout


def test_the_readme_serve_command_serves(project):
    (command,) = [c for c in COMMANDS if " serve " in c + " "]
    port = free_port()
    words = shlex.split(command.replace("[--port 8000]", f"--port {port}"))
    server = subprocess.Popen(
        ["sh", "-c", f"exec {shlex.join(words)}"],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/first-descent/") as page:
                    assert page.status == 200 and b'id="descent"' in page.read()
                    return
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.5)
        pytest.fail(f"{command} served nothing in 120 s")
    finally:
        server.terminate()
        server.wait(timeout=30)
