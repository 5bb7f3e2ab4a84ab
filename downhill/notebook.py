"""Jupyter notebooks in and out: a ``.ipynb`` in content/ is an article, ``build.py import``
writes one as Markdown, and each article with cells can be downloaded as a notebook.

In: the notebook becomes the Markdown the builder reads (``as_markdown``). Its front matter
is a first raw cell holding YAML between ``---`` lines (Quarto's convention), or else the
notebook's metadata (``title``, ``date`` and the other keys, under ``downhill`` or at the
top); Markdown cells are prose; code cells are ``python run`` cells, their ``#|`` options
kept, and the tags ``hide-input``, ``remove-output`` and ``remove-cell`` read as options.
Stored outputs are ignored: the build runs the notebook again. A line of the Markdown maps
back to the notebook's cell and line (``place``), which is where errors point.

Out: ``as_notebook`` splits an article into Markdown cells and code cells (nbformat 4.5),
its front matter a first raw cell, so that importing it gives the article back; a first
code cell defines Downhill's ``show`` for Jupyter.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from .fences import fence_sites
from .read import FRONT_MATTER

# A cell's tags (Jupyter Book's and Quarto's names) and the options they stand for.
TAGS = {
    "hide-input": {"hide_code": True},
    "remove-input": {"hide_code": True},
    "hide-output": {"hide_output": True},
    "remove-output": {"hide_output": True},
    "remove-cell": {"hide_code": True, "hide_output": True},
}
META_KEYS = ("title", "date", "summary", "tags", "draft", "image", "slug", "updated")

Place = tuple[int, int]  # (the notebook's cell, counted from 1; the line in it, from 1)


class NotebookError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def source_of(cell: dict[str, Any]) -> str:
    """A cell's text (nbformat stores a string, or a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def load(text: str) -> dict[str, Any]:
    """The notebook's JSON, checked for what conversion needs."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise NotebookError(
            getattr(exc, "lineno", 1), f"is not a notebook: its JSON does not parse ({exc})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(1, "is not a notebook: it has no list of cells (nbformat 4)")
    if int(data.get("nbformat", 4)) < 4:
        raise NotebookError(1, "is an nbformat 3 notebook: open and save it in Jupyter first")
    language = data.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    if language != "python":
        raise NotebookError(1, f"is a {language} notebook; Downhill runs Python cells")
    return data


def front_matter(data: dict[str, Any]) -> tuple[str, int]:
    """(the front matter block, how many cells it came from: 1 for a raw cell, else 0)."""
    cells = data["cells"]
    if cells and cells[0].get("cell_type") == "raw":
        text = source_of(cells[0]).strip("\n")
        if text.startswith("---"):
            return text + "\n", 1
    meta = data.get("metadata", {})
    own = meta.get("downhill") if isinstance(meta.get("downhill"), dict) else meta
    chosen = {k: own[k] for k in META_KEYS if k in own}
    if not chosen:
        return "", 0  # the reader's error says what to give
    return "---\n" + yaml.safe_dump(chosen, allow_unicode=True, sort_keys=False) + "---\n", 0


PREAMBLE_TAG = "downhill-show"  # the cell a downloaded notebook adds: import skips it


def code_cell(cell: dict[str, Any], number: int) -> tuple[list[str], list[Place]]:
    """A code cell as a ``python run`` fence (its tags as ``#|`` options), and each line's
    place in the notebook."""
    code = source_of(cell).rstrip("\n").split("\n")
    count = next((k for k, line in enumerate(code) if not line.startswith("#|")), len(code))
    written = {line[2:].split(":", 1)[0].strip() for line in code[:count]}
    options: dict[str, Any] = {}
    for tag in cell.get("metadata", {}).get("tags", []) or []:
        options.update(TAGS.get(tag, {}))
    extra = [f"#| {k}: {'true' if v else 'false'}" for k, v in options.items() if k not in written]
    lines = ["```python run", *code[:count], *extra, *code[count:], "```"]
    places = [
        (number, 1),
        *((number, k + 1) for k in range(count)),
        *((number, 1) for _ in extra),
        *((number, k + 1) for k in range(count, len(code))),
        (number, len(code)),
    ]
    return lines, places


def as_markdown(text: str) -> tuple[str, list[Place]]:
    """The article a notebook is, and for each of its lines the notebook's (cell, line)."""
    data = load(text)
    matter, skipped = front_matter(data)
    lines: list[str] = []
    places: list[Place] = []
    if matter:
        block = matter.rstrip("\n").split("\n")
        lines += block
        places += [(1, k + 1) for k in range(len(block))]
    for number, cell in enumerate(data["cells"][skipped:], skipped + 1):
        kind = cell.get("cell_type")
        tags = cell.get("metadata", {}).get("tags", []) or []
        if kind == "markdown":
            block = source_of(cell).rstrip("\n").split("\n")
            block_places = [(number, k + 1) for k in range(len(block))]
        elif kind == "code" and source_of(cell).strip() and PREAMBLE_TAG not in tags:
            block, block_places = code_cell(cell, number)
        else:
            continue
        lines += ["", *block]
        places += [(number, 1), *block_places]
    return "\n".join(lines) + "\n", places


def place(path: Path, line: int) -> Place | None:
    """The notebook's (cell, line) where line ``line`` of its Markdown came from."""
    try:
        _, places = as_markdown(path.read_text("utf-8"))
    except (OSError, ValueError, NotebookError):
        return None
    return places[line - 1] if 0 < line <= len(places) else None


SHOW = (
    "# Downhill's show() draws figures and tables under a cell; in Jupyter, display() does.\n"
    "from IPython.display import display as show"
)


def as_notebook(text: str) -> dict[str, Any]:
    """An article's Markdown as a notebook (nbformat 4.5): front matter, prose, cells."""
    cells: list[dict[str, Any]] = []

    def add(kind: str, source: str, **extra: Any) -> None:
        source = source.strip("\n")
        if not source.strip():
            return
        digest = hashlib.sha256(f"{len(cells)}\0{source}".encode()).hexdigest()[:8]
        cell = {"cell_type": kind, "id": f"cell-{len(cells) + 1}-{digest}", "metadata": {}}
        cells.append({**cell, "source": source, **extra})

    matter = FRONT_MATTER.match(text)
    if matter:
        add("raw", matter.group(0))
        text = text[matter.end() :]
    add("code", SHOW, outputs=[], execution_count=None)
    cells[-1]["metadata"] = {"tags": [PREAMBLE_TAG]}
    lines = text.split("\n")
    position = 0  # the first line of prose not yet in a cell
    for site in fence_sites(text, 0):  # the builder's own reading of the fences
        if site.runs:
            add("markdown", "\n".join(lines[position : site.line]))
            add("code", site.body, outputs=[], execution_count=None)
            position = site.end + 1
    add("markdown", "\n".join(lines[position:]))
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": cells,
    }
