"""Everything a build or serve starts, it ends (issue 31): a cell's subprocess and forked
child end with the build, on success, on a timeout and when the build itself is killed;
serve ends a stopped rebuild's kernel and its children, and every process at its own exit;
what cells write does not land in content/, so it never makes serve rebuild."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from downhill.errors import BuildFailed
from downhill.kernel_client import SCRATCH_PREFIX
from downhill.site import BuildConfig, build_site

ROOT = Path(__file__).resolve().parent.parent

CHILDREN = """
import os, subprocess, time
subprocess.Popen(["sleep", "417"])
if os.fork() == 0:
    time.sleep(417)
    os._exit(0)
"""


def article(body: str, timeout: int = 30) -> str:
    return (
        "---\ntitle: Busy\ndate: 2026-12-01\n---\n\n"
        f"```python run\n#| timeout: {timeout}\n{body.strip()}\n```\n"
    )


def marked(mark: str) -> list[str]:
    """The processes (pid: command) whose environment carries ``mark``, but this one."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if mark.encode() not in (entry / "environ").read_bytes():
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":  # (a zombie has ended; its parent has yet to reap it)
            found.append(f"{entry.name}: {command}")
    return found


def left(mark: str, *, within: float = 10.0) -> list[str]:
    """What is still running with ``mark`` once ``within`` seconds have passed (or none)."""
    deadline = time.monotonic() + within
    while (found := marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """The temporary folder of the builds this test starts (their cells' working folders)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


@pytest.fixture
def mark(monkeypatch):
    value = f"DOWNHILL_TEST_MARK={uuid.uuid4().hex}"
    monkeypatch.setenv("DOWNHILL_TEST_MARK", value.split("=", 1)[1])
    return value


def test_a_cells_children_end_with_the_build(tmp_path, mark):
    content = tmp_path / "content"
    content.mkdir()
    (content / "busy.md").write_text(article(CHILDREN + "\nprint('started')"))
    build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    assert left(mark, within=2) == []


def test_a_timed_out_cell_ends_with_its_children(tmp_path, mark):
    content = tmp_path / "content"
    content.mkdir()
    (content / "busy.md").write_text(article(CHILDREN + "\nwhile True:\n    pass", timeout=2))
    with pytest.raises(BuildFailed, match="time limit"):
        build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    assert left(mark, within=2) == []


def test_a_killed_build_takes_its_cells_along(tmp_path, mark, scratch):
    content = tmp_path / "content"
    content.mkdir()
    (content / "busy.md").write_text(article(CHILDREN + "\nwhile True:\n    pass", timeout=300))
    command = [sys.executable, str(ROOT / "build.py"), "--content", str(content), "--no-cache"]
    command += ["--out", str(tmp_path / "site"), "--site-url", "http://example.org"]
    build = subprocess.Popen(
        command,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not any("sleep 417" in p for p in marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any("downhill.kernel" in p for p in marked(mark))
    os.killpg(build.pid, signal.SIGKILL)  # as serve stops a rebuild
    build.wait()
    assert left(mark) == []
    # A killed build cannot remove its cells' working folder: the one who killed it finds it
    # by the build's process group (serve does: tested below).
    assert [p.name.startswith(f"{SCRATCH_PREFIX}{build.pid}-") for p in scratch.iterdir()] == [True]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serving:
    """``build.py serve`` on ``content``, in a session of its own."""

    def __init__(self, content: Path, out: Path) -> None:
        self.port = free_port()
        command = [sys.executable, str(ROOT / "build.py"), "serve", "--port", str(self.port)]
        command += ["--content", str(content), "--out", str(out), "--no-cache"]
        self.process = subprocess.Popen(
            command,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def status(self) -> dict:
        url = f"http://127.0.0.1:{self.port}/__downhill/status"
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    return json.loads(answer.read())
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def wait_for(self, version: int, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while (status := self.status())["version"] < version:
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        return status

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def test_serve_ends_a_stopped_rebuilds_kernel_and_its_children(tmp_path, mark, scratch):
    content, out = tmp_path / "content", tmp_path / "site"
    content.mkdir()
    page = content / "busy.md"
    page.write_text(article("print('fine')"))
    serving = Serving(content, out)
    try:
        serving.wait_for(1)
        for attempt in range(2):  # two saves of a looping cell, each stopped by the next
            page.write_text(
                article(CHILDREN + f"\nattempt = {attempt}\nwhile True:\n    pass", timeout=300)
            )
            deadline = time.monotonic() + 60
            while sum("sleep 417" in p for p in marked(mark)) < 1:
                assert time.monotonic() < deadline, marked(mark)
                time.sleep(0.1)
        page.write_text(article("print('fixed')"))  # the fix: the last rebuild finishes
        status = serving.wait_for(2)
        assert status["error"] == ""
        assert "fixed" in (out / "busy" / "index.html").read_text()
        running = [p for p in left(mark) if "kernel" in p or "sleep" in p or "build" in p]
        assert [p for p in running if " serve " not in p] == []
        # A rebuild that hangs when serve itself is stopped ends with it.
        page.write_text(article(CHILDREN + "\nwhile True:\n    pass", timeout=300))
        deadline = time.monotonic() + 60
        while not any("sleep 417" in p for p in marked(mark)):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        serving.stop()
    assert left(mark) == []
    assert list(scratch.iterdir()) == []  # the stopped rebuilds' working folders went too


def test_what_cells_write_stays_out_of_content_and_serve_rebuilds_once(tmp_path, mark):
    content, out = tmp_path / "content", tmp_path / "site"
    (content / "data").mkdir(parents=True)
    (content / "data" / "points.csv").write_text("x,y\n1,2\n")
    (content / "writes.md").write_text(
        article(
            "rows = open('data/points.csv').read().splitlines()\n"
            "open('data/points.csv', 'w').write('overwritten')\n"
            "open('written.txt', 'w').write('a cell was here')\n"
            "print(len(rows), 'rows')"
        )
    )
    before = sorted(p.relative_to(content).as_posix() for p in content.rglob("*"))
    serving = Serving(content, out)
    try:
        assert serving.wait_for(1)["error"] == ""
        time.sleep(3)  # six polls of the watcher
        assert serving.status()["version"] == 1
    finally:
        serving.stop()
    assert sorted(p.relative_to(content).as_posix() for p in content.rglob("*")) == before
    assert (content / "data" / "points.csv").read_text() == "x,y\n1,2\n"
    assert "2 rows" in (out / "writes" / "index.html").read_text()
    assert left(mark) == []
