"""The builder's side of an article's Python cells: the child process they run in
(:mod:`downhill.kernel`, started on first use and ended whole), its time and memory limits,
and the scratch copy of content/'s data files it works in."""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import ROOT
from .read import ARTICLE_KINDS, file_problem

if TYPE_CHECKING:
    from .cells import Cell

DEFAULT_TIMEOUT = 30  # seconds a cell may run at build time (and in the browser), unless set
MAX_TIMEOUT = 300


def within_time_limit(value: Any) -> bool:
    """A time limit an author may give a cell or an exercise: seconds above 0, at most
    MAX_TIMEOUT."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number and 0 < value <= MAX_TIMEOUT


MEMORY_LIMIT = 2 << 30  # bytes of address space for an article's cells (numpy needs ~0.5 GiB)


class CellTimeout(Exception):
    """A cell that did not answer: past its time limit (``slow``), or its Python ended."""

    def __init__(self, message: str, slow: bool = False) -> None:
        super().__init__(message)
        self.slow = slow


def ended(code: int | None) -> str:
    """Why the kernel's process ended, from its exit code, in words."""
    if code == -signal.SIGKILL:
        return (
            "stopped: its Python was killed, most likely for memory (a cell may use "
            f"{MEMORY_LIMIT / 2**30:g} GiB): use less"
        )
    if code is not None and code < 0:
        return f"stopped: its Python ended by signal {signal.Signals(-code).name}"
    return f"stopped: its Python exited with code {code}"


class Kernel:
    """An article's cells' child process (downhill/kernel.py), started on first use."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.process is None:
            env = {
                **os.environ,
                "OPENBLAS_NUM_THREADS": "1",
                "PYTHONHASHSEED": "0",
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
                ),
            }
            self.process = subprocess.Popen(
                [sys.executable, "-m", "downhill.kernel", str(MEMORY_LIMIT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=self.cwd,
                env=env,
                process_group=0,  # the kernel and all its cells start, ended together
            )
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        reply = self.reply(timeout, f"did not finish within its time limit of {timeout:g} s")
        if "ran" in reply:  # an interact cell: its keyframes follow, on their own budget
            reply = self.reply(
                FRAMES_LIMIT,
                f"ran in {reply['ran']:.1f} s, but its controls' keyframes did not finish "
                f"within their own limit of {FRAMES_LIMIT} s",
            )
        return reply

    def reply(self, seconds: float, late: str) -> dict[str, Any]:
        """The kernel's next reply, or CellTimeout: ``late`` past ``seconds``, or why the
        kernel ended."""
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], seconds)
        line = self.process.stdout.readline() if ready else b""
        if line:
            return json.loads(line)
        code = self.process.poll() if ready else None
        if ready and code is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.process.wait(5)
        self.close()
        if not ready:
            raise CellTimeout(late, slow=True)
        raise CellTimeout(ended(code))

    def close(self) -> None:
        """End the kernel's whole process group: the kernel, its guard, whatever cells
        started (the kernel is reaped after, so its group id cannot be reused meanwhile)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream:
                    stream.close()
            self.process = None


FRAMES_LIMIT = 35  # seconds more for an interact cell's keyframes (the kernel's 30, and slack)


MAX_DATA_BYTES = 256 << 20  # of content files copied into the cells' working folder
# The working folder's name starts with this and the build's process group (see
# scratch_left_by).
SCRATCH_PREFIX = "downhill-cells-"


class TooMuchData(Exception):
    """content/ holds more files than the cells' working folder takes a copy of."""


def data_files(content: Path) -> list[Path]:
    """The content folder's files an article may read (a cell, a fit): every regular file
    but the articles (Markdown, and the notebooks at its top), inside content/ once links
    are followed (a link out of it is never read)."""
    root = content.resolve()
    return [
        path
        for path in sorted(content.rglob("*"))
        if path.suffix != ".md"
        and not (path.suffix in ARTICLE_KINDS and path.parent == content)
        and path.is_file()
        and file_problem(path, root) is None
    ]


@contextlib.contextmanager
def working_folder(content: Path) -> Iterator[Path]:
    """A scratch folder holding copies of ``content``'s data files, removed afterwards: a
    cell reads them by the same relative paths, and what it writes stays out of content/."""
    group = os.getpgid(0)
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{group}-") as scratch:
        total = 0
        for path in data_files(content):
            total += path.stat().st_size
            if total > MAX_DATA_BYTES:
                raise TooMuchData(
                    f"cells run on a copy of content/'s files besides the articles, and it "
                    f"holds more than {MAX_DATA_BYTES >> 20} MB of them; move what no article "
                    "reads out of content/"
                )
            target = Path(scratch) / path.relative_to(content)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        yield Path(scratch)


def scratch_left_by(group: int) -> list[Path]:
    """The working folders of a build whose process group was ``group``: a build killed
    (as serve stops a rebuild) cannot remove its own, so the one who killed it does."""
    return sorted(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{group}-*"))


def run_article_cells(cells: list[Cell], content: Path) -> list[dict[str, Any]]:
    """Run ``cells`` in order in one kernel, in a scratch copy of ``content``'s data files;
    a result per cell: ``{"output", "keyframes"}``, or ``{"timeout": message}``; cells
    after a failed one are not run (None)."""
    try:
        with working_folder(content) as scratch:
            return _run_in(cells, scratch)
    except TooMuchData as exc:
        return [{"refused": str(exc)}] + [None] * (len(cells) - 1)


def _run_in(cells: list[Cell], cwd: Path) -> list[dict[str, Any]]:
    results: list[dict[str, Any] | None] = [None] * len(cells)
    kernel = Kernel(cwd)
    try:
        for k, cell in enumerate(cells):
            interact = None
            if cell.controls and cell.options.get("keyframes", True):
                interact = {
                    "controls": [c.__dict__ for c in cell.controls],
                    "values": {c.name: c.value for c in cell.controls},
                    "choices": cell.choices,
                }
            request = {"source": cell.source, "filename": cell.filename, "interact": interact}
            try:
                reply = kernel.run(request, cell.options.get("timeout", DEFAULT_TIMEOUT))
            except CellTimeout as exc:
                results[k] = {"timeout": str(exc), "slow": exc.slow}
                break
            results[k] = reply
            if reply["output"]["error"]:
                break
    finally:
        kernel.close()
    return results  # type: ignore[return-value]
