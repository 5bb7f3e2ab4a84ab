"""Locate fenced blocks in an article's source, so fence errors can name file lines."""

from __future__ import annotations

import html
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError

OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*\{?\.?(?P<lang>[\w-]+)(?P<header>.*)$"
)


# Whether a body may hold a ``python run`` cell: one scan in C, before the line-by-line
# fence_sites that says which (a build reads a thousand bodies; few hold cells).
MAY_RUN = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*\{?\.?python\b[^\n]*\brun\b", re.MULTILINE)


@dataclass(frozen=True)
class FenceSite:
    language: str
    line: int  # file line of the opening fence
    body: str
    header: str = ""  # what follows the language on the opening line (``run``, options)
    end: int = 0  # file line of the closing fence (past the body's last, if unclosed)

    @property
    def runs(self) -> bool:
        """A ``python run`` fence: a cell executed when the site is built."""
        return self.language == "python" and "run" in self.header.split()


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
        sites.append(
            FenceSite(
                m.group("lang"),
                first_line + i,
                "\n".join(content),
                m.group("header"),
                first_line + j,
            )
        )
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


def source_shown(language: str, src: str) -> str:
    """A fence's Markdown source, shown under what it renders (``show_source: true``)."""
    return (
        '<details class="demo-source" open><summary>Markdown source</summary>'
        f"<pre><code>```{language}\n{html.escape(src.rstrip())}\n```</code></pre></details>"
    )


class TextLocator:
    """The file lines of snippets of an article's body (a formula, a ``{=…}`` number), met
    in reading order: each is looked for after the one before, else anywhere."""

    def __init__(self, body: str = "", first_line: int = 1) -> None:
        self.body = body
        self.first_line = first_line
        self.cursor = 0

    def line_of(self, text: str) -> int:
        at = self.body.find(text, self.cursor)
        if at < 0:
            at = max(self.body.find(text), 0)
        else:
            self.cursor = at + len(text)
        return self.first_line + self.body.count("\n", 0, at)


def guarded(
    errors: list[ContentError], path: Path, line: int, kind: str, render: Callable[[], str]
) -> str:
    """Run a fence's ``render``; any exception it raises becomes a build error at ``line``.

    superfences treats an exception in a custom fence as "not my fence" and prints the
    source as code, so without this a failing demo would build, silently, as text.
    """
    try:
        return render()
    except RecursionError:
        message = "it is nested too deeply to compute"
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = f"{type(exc).__name__}: {exc} (in {Path(where.filename).name}:{where.lineno})"
    errors.append(ContentError(path, line, f"{kind} could not be built: {message}"))
    return ""
