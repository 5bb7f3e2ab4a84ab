"""A content-hash cache on disk: the same inputs never get rendered twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class Cache:
    """JSON values stored under ``folder/stage/key.json``; ``folder=None`` disables it."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _path(self, stage: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / stage / f"{key}.json"

    def get(self, stage: str, key: str) -> Any | None:
        if self.folder is None:
            return None
        try:
            return json.loads(self._path(stage, key).read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, stage: str, key: str, value: Any) -> None:
        if self.folder is None:
            return
        path = self._path(stage, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(value), "utf-8")
        temporary.replace(path)
