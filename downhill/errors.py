"""Author-facing errors: each names the file and line and says how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ContentError:
    """One problem in the content, reported as ``path:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class BuildFailed(Exception):
    """The build found content errors; nothing was written."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        count = len(errors)
        super().__init__(
            f"{count} error{'s' if count != 1 else ''}:\n" + "\n".join(map(str, errors))
        )
