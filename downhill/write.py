"""Stage 6, write: build into a folder beside the output, then swap it in.

A build that fails never touches the previous output. The folder a build writes into is
the site from the build before last (kept as a spare beside the output), brought up to
date file by file: a rebuild after one edit rewrites a few files instead of creating a
thousand folders.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path


class SiteTree:
    """The folder a build writes into, and what the build put there.

    ``link`` and ``write`` declare the files of the new site; :meth:`finish` deletes every
    file the folder held before that the build did not declare, and the folders left
    empty. A file already holding the right content is left as it is: a linked file is
    recognised by its inode (a hard link to the same source), so nothing is compared
    byte by byte.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.found: dict[str, int] = {}  # relative file path → inode, as the folder was
        self.folders: set[str] = {""}
        self.kept: set[str] = set()
        self._writers: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []
        self._scan(root, "")

    def _scan(self, folder: Path | str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                relative = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    self.folders.add(relative)
                    self._scan(entry.path, relative + "/")  # a str: a Path per folder is slow
                else:
                    self.found[relative] = entry.inode()

    def _make_room(self, relative: str, create: bool = True) -> Path:
        """Declare ``relative``; remove what is there, create its folders; return its path.

        With ``create=False`` the file there and the missing folders are left to the
        writer (see :meth:`reserve`).
        """
        self.kept.add(relative)
        path = self.root / relative
        if relative in self.found:
            if create:
                os.unlink(path)
            del self.found[relative]
            return path
        if relative in self.folders:  # a folder where the new site has a file
            shutil.rmtree(path)
            self.found = {k: v for k, v in self.found.items() if not k.startswith(relative + "/")}
            self.folders = {d for d in self.folders if not d.startswith(relative + "/")}
            self.folders.discard(relative)
        missing = []
        parent = relative.rpartition("/")[0]
        while parent not in self.folders:
            missing.append(parent)
            if parent in self.found:  # a file where the new site has a folder
                os.unlink(self.root / parent)
                del self.found[parent]
            parent = parent.rpartition("/")[0]
        for folder in reversed(missing):
            if create:
                os.mkdir(self.root / folder)
            self.folders.add(folder)
        return path

    def reserve(self, relative: str) -> Path:
        """Declare ``relative`` for a writer in another process; return its path.

        The writer must create the file's folder (``mkdir(parents=True, exist_ok=True)``)
        and replace the file (write beside it, then rename over it), and it must be done
        before anything else is written into that folder.
        """
        return self._make_room(relative, create=False)

    def link(self, source: Path, relative: str) -> None:
        """Put ``source`` at ``relative``: a hard link where the file system allows.

        Vendor files and cached pages are large or many and never edited in place, so a
        link saves copying them. Raises FileNotFoundError if ``source`` does not exist.
        """
        inode = os.stat(source).st_ino
        if self.found.get(relative) == inode:
            self.kept.add(relative)
            return
        path = self._make_room(relative)
        try:
            os.link(source, path)
        except OSError:
            shutil.copyfile(source, path)

    def link_folder(self, source: Path, relative: str) -> None:
        """:meth:`link` each file under the folder ``source`` to its place under ``relative``."""
        for path in sorted(source.rglob("*")):
            if path.is_file():
                self.link(path, f"{relative}/{path.relative_to(source).as_posix()}")

    def write(self, relative: str, data: str | bytes) -> None:
        """Write ``data`` (text as UTF-8) to ``relative``, never through an existing link."""
        path = self._make_room(relative)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    def write_soon(
        self, relative: str, data: str, then: Callable[[Path], None] | None = None
    ) -> None:
        """:meth:`write`, in a thread of its own (writing a thousand pages is mostly
        waiting for the disk), then ``then(path)``; :meth:`wait` waits for all of them."""
        path = self._make_room(relative)
        if self._writers is None:
            self._writers = ThreadPoolExecutor(4, thread_name_prefix="write")

        def write() -> None:
            path.write_bytes(data.encode("utf-8"))
            if then is not None:
                then(path)

        self._pending.append(self._writers.submit(write))

    def wait(self) -> None:
        """Wait for every :meth:`write_soon`; raise the first failure."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def abandon(self) -> None:
        """Let the writes in flight end (a failed build's folder is then removed)."""
        if self._writers is not None:
            self._writers.shutdown(wait=True, cancel_futures=True)

    def finish(self) -> None:
        """Delete what the folder held that this build did not declare."""
        self.wait()
        if self._writers is not None:
            self._writers.shutdown()
        for relative in self.found.keys() - self.kept:
            os.unlink(self.root / relative)
        needed = {""}
        for relative in self.kept:
            while relative:
                relative = relative.rpartition("/")[0]
                needed.add(relative)
        for folder in sorted(self.folders - needed, key=len, reverse=True):
            os.rmdir(self.root / folder)


class UnsafeOutput(Exception):
    """``--out`` names a folder a build would destroy: the message says which and why."""


MARK = "build.json"  # every build writes it at the site's root (with "articles", "engine")


def made_by_downhill(folder: Path) -> bool:
    """Whether ``folder`` is a site an earlier build wrote (its build.json says so)."""
    try:
        mark = json.loads((folder / MARK).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(mark, dict) and {"articles", "engine"} <= mark.keys()


def check_output(out: Path, content: Path, project: Path) -> None:
    """Raise UnsafeOutput unless a build may replace ``out``: a folder that does not exist,
    an empty one, or an earlier build's site; never the content, a folder holding it or the
    project, nor a folder inside the content (the next build would read the site)."""
    out, content, project = out.resolve(), content.resolve(), project.resolve()
    own = "give a folder of its own, e.g. --out site"
    if out == content or out in content.parents:
        refuse(out, f"is the content folder or holds it: a build would move the articles; {own}")
    if out == project or out in project.parents:
        refuse(out, f"is the project folder or holds it: a build would move the project; {own}")
    if content in out.parents:
        refuse(
            out,
            f"is inside the content folder {content}: the site would be published in "
            "itself; give a folder outside it",
        )
    if out.exists() and not out.is_dir():
        refuse(out, "is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not made_by_downhill(out):
        refuse(
            out,
            f"holds files no Downhill build made (no {MARK} of one), and a build "
            "replaces the whole folder; give an empty or new folder, or move them first",
        )


def refuse(out: Path, why: str) -> None:
    raise UnsafeOutput(f"--out {out} {why}; nothing was moved")


@contextmanager
def atomic_output(out: Path) -> Iterator[SiteTree]:
    """Yield the tree to build in; on success it replaces ``out``, on error it is removed.

    The previous ``out`` becomes the spare that the next build starts from.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    spare = out.parent / f".{out.name}-spare"
    staging = out.parent / f".{out.name}-building-{os.getpid()}-{time.monotonic_ns()}"
    try:
        os.rename(spare, staging)  # claim the spare; a build running beside us cannot
    except OSError:
        staging.mkdir()
    tree = None
    try:
        tree = SiteTree(staging)
        yield tree
        tree.finish()
    except BaseException:
        if tree is not None:
            tree.abandon()
        remove_later(staging)
        raise
    os.chmod(staging, 0o755)
    old = out.parent / f".{out.name}-old-{os.getpid()}-{time.monotonic_ns()}"
    if out.exists():
        os.rename(out, old)
    os.rename(staging, out)
    if old.exists():
        try:
            os.rename(old, spare)
        except OSError:  # another build left a spare meanwhile
            remove_later(old)


def remove_later(folder: Path) -> None:
    """Delete ``folder`` without making the caller wait.

    A separate ``rm`` process where there is one (a Python thread would compete with the
    next build for the interpreter lock); otherwise a thread the interpreter waits for.
    """
    rm = shutil.which("rm")
    if rm:
        subprocess.Popen([rm, "-rf", str(folder)], stdin=subprocess.DEVNULL)
    else:
        threading.Thread(target=shutil.rmtree, args=(folder, True)).start()
