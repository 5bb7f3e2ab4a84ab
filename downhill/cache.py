"""The incremental build cache: the same inputs are never rendered twice.

Each stage keeps one JSON file of ``key → value`` (keys are content hashes), read once per
build and written back, pruned to the keys this build used, by :meth:`Cache.save`.
Rendered pages are kept as files so a rebuild can hard-link them into the new site.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from .write import SiteTree


class Cache:
    """``folder=None`` disables caching: every get misses and nothing is written."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.stages: dict[str, dict[str, Any]] = {}
        self.used: dict[str, set[str]] = {}
        self.dirty: set[str] = set()
        self.texts_used: dict[str, set[str]] = {}  # stage → keys of text files used

    def _stage(self, stage: str) -> dict[str, Any]:
        if stage not in self.stages:
            data: dict[str, Any] = {}
            if self.folder is not None:
                try:
                    data = json.loads((self.folder / f"{stage}.json").read_text("utf-8"))
                except (OSError, ValueError):
                    data = {}
            self.stages[stage] = data
            self.used[stage] = set()
        return self.stages[stage]

    def get(self, stage: str, key: str) -> Any | None:
        if self.folder is None:
            return None
        value = self._stage(stage).get(key)
        if value is not None:
            self.used[stage].add(key)
        return value

    def has(self, stage: str, key: str) -> bool:
        """Whether ``key`` is cached (without counting it as used)."""
        return self.folder is not None and key in self._stage(stage)

    def put(self, stage: str, key: str, value: Any) -> None:
        if self.folder is None:
            return
        self._stage(stage)[key] = value
        self.used[stage].add(key)
        self.dirty.add(stage)

    def save(self) -> None:
        """Write back every stage that changed, keeping only the entries this build used.

        Text files (pages) this build did not use are deleted too.
        """
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for stage, data in self.stages.items():
            if stage not in self.dirty and len(self.used[stage]) == len(data):
                continue
            kept = {k: v for k, v in data.items() if k in self.used[stage]}
            write_whole(self.folder / f"{stage}.json", json.dumps(kept))
        self.dirty.clear()
        for stage, keys in self.texts_used.items():
            for path in (self.folder / stage).glob("*.html"):
                if path.stem not in keys:
                    path.unlink(missing_ok=True)

    def keep_file(self, stage: str, key: str, source: Path) -> None:
        """Keep the page just written at ``source`` as the text of ``key``: a hard link
        (a built site's files are replaced, never rewritten in place), else a copy."""
        if self.folder is None:
            return
        path = self.folder / stage / f"{key}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)
        temporary.replace(path)
        self.used_text(stage, key)

    def used_text(self, stage: str, key: str) -> None:
        """Mark the text file of ``key`` as used by this build (:meth:`save` keeps it)."""
        self.texts_used.setdefault(stage, set()).add(key)

    def place(self, stage: str, key: str, tree: SiteTree, relative: str) -> bool:
        """Link a cached text into ``tree`` at ``relative``; False if it is not cached."""
        if self.folder is None:
            return False
        try:
            tree.link(self.folder / stage / f"{key}.html", relative)
        except FileNotFoundError:
            return False
        self.used_text(stage, key)
        return True


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (its folder made if need be) so that a reader never sees
    half a file, whichever of the build's processes writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(text, "utf-8")
    temporary.replace(path)
