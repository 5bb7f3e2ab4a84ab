"""Author-facing errors: each names the file and line and says how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_MESSAGE = 1_000  # characters of an error's message shown


@dataclass(frozen=True)
class ContentError:
    """One problem in the content, reported as ``path:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        message = self.message
        if len(message) > MAX_MESSAGE:  # an error quoting a huge expression stays readable
            message = f"{message[:MAX_MESSAGE]}… ({len(message):,} characters in all)"
        if self.path.suffix == ".ipynb" and self.line:  # where the notebook holds it
            from .notebook import place

            found = place(self.path, self.line)
            if found:
                return f"{self.path}: cell {found[0]}, line {found[1]}: {message}"
        return f"{self.path}:{self.line}: {message}"


class BuildFailed(Exception):
    """The build found content errors; nothing was written."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        count = len(errors)
        super().__init__(
            f"{count} error{'s' if count != 1 else ''}:\n" + "\n".join(map(str, errors))
        )
