"""Stage 6, write: build into a temporary folder beside the output, then swap it in.

A build that fails never touches the previous output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(out: Path) -> Iterator[Path]:
    """Yield a fresh folder; on success it replaces ``out``, on error it is removed."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=out.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = out.parent / f".{out.name}-old-{os.getpid()}-{time.monotonic_ns()}"
    if out.exists():
        os.rename(out, old)
    os.rename(staging, out)
    os.chmod(out, 0o755)
    remove_later(old)


def remove_later(folder: Path) -> None:
    """Delete ``folder`` without making the caller wait: the new site is already in place.

    A separate ``rm`` process where there is one (a Python thread would compete with the
    next build for the interpreter lock); otherwise a thread the interpreter waits for.
    """
    rm = shutil.which("rm")
    if rm:
        subprocess.Popen([rm, "-rf", str(folder)], stdin=subprocess.DEVNULL)
    else:
        threading.Thread(target=shutil.rmtree, args=(folder, True)).start()


def write_text(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def place(source: Path, target: Path) -> None:
    """Put a copy of ``source`` (a file or a folder) at ``target``.

    Hard links where the file system allows (vendor files are large and never edited in
    place, so every build would otherwise copy megabytes); a plain copy elsewhere.
    Raises FileNotFoundError if ``source`` does not exist.
    """
    if source.is_dir():
        for path in source.rglob("*"):
            if path.is_file():
                place(path, target / path.relative_to(source))
        return
    try:
        os.link(source, target)
    except FileNotFoundError:
        if not os.path.exists(source):
            raise
        os.makedirs(os.path.dirname(target), exist_ok=True)
        place(source, target)
    except OSError:
        shutil.copyfile(source, target)
