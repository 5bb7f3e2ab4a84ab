"""Locate fenced blocks in an article's source, so fence errors can name file lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*\{?\.?(?P<lang>[\w-]+)")


@dataclass(frozen=True)
class FenceSite:
    language: str
    line: int  # file line of the opening fence
    body: str


def fence_sites(body: str, first_line: int) -> list[FenceSite]:
    """Every fenced block in ``body`` in order; ``first_line`` is the body's file line."""
    lines = body.split("\n")
    sites: list[FenceSite] = []
    i = 0
    while i < len(lines):
        m = OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m.group("fence"), len(m.group("indent"))
        content: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            content.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j])
            j += 1
        sites.append(FenceSite(m.group("lang"), first_line + i, "\n".join(content)))
        i = j + 1
    return sites


class FenceLocator:
    """Hands out the file line of each fence body as Markdown meets them."""

    def __init__(self, body: str, first_line: int) -> None:
        self._sites = fence_sites(body, first_line)
        self._used: set[int] = set()

    def line_of(self, language: str, src: str) -> int:
        wanted = src.strip("\n")
        for k, site in enumerate(self._sites):
            if (
                k not in self._used
                and site.language == language
                and site.body.strip("\n") == wanted
            ):
                self._used.add(k)
                return site.line
        return self._sites[0].line if self._sites else 1
