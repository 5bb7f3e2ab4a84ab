"""One id namespace per page: a demo's, a cell's and an exercise's ids, the ids the page's
templates make from them (an exercise's title, a control), the headings' anchors and the
layout's own (``main``) are each one element's, and a link's ``?id.key=value`` one block's.

Each fence checks its own kind's repeats; this checks across kinds, once the page is
rendered and every id is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError

# The layout's ids (templates/base.html), and what they are.
RESERVED = {"main": "the page's main content"}
EXERCISE_PARTS = ("title", "answer", "hints", "solution")  # templates/exercise.html


@dataclass(frozen=True)
class Owner:
    """An id on the page, the fence that gives it, and that fence's line."""

    id: str
    what: str  # "demo", "cell", "exercise"
    line: int
    part: str = ""  # what of the block the id names, if not the block itself


def owners(kind: str, ident: str, line: int, controls: Iterable[str] = ()) -> list[Owner]:
    """The ids a block of ``kind`` puts on the page: its own, its controls' (as
    templates/controls.html names them) and, for an exercise, its parts'."""
    found = [Owner(ident, kind, line)]
    found += [Owner(f"{ident}-{c.replace('.', '-')}", kind, line, f"control {c}") for c in controls]
    if kind == "exercise":
        found += [Owner(f"{ident}-{part}", kind, line, part) for part in EXERCISE_PARTS]
    return found


def clashes(path: Path, ids: list[Owner], anchors: dict[str, str]) -> list[ContentError]:
    """An error at the later fence of each id given twice across kinds, or given by a
    fence and by a heading's anchor or the layout (repeats within a kind are its fence's)."""
    errors = []
    seen: dict[str, Owner] = {}
    for owner in sorted(ids, key=lambda o: o.line):
        name = repr(owner.id) + (f" (its {owner.part})" if owner.part else "")
        other = seen.get(owner.id)
        if owner.id in RESERVED:
            problem = f"{owner.what} id {name} is the id of {RESERVED[owner.id]}"
        elif owner.id in anchors:
            problem = (
                f"{owner.what} id {name} is also the anchor of the heading {anchors[owner.id]!r}"
            )
        elif other is not None and (other.what, other.part, owner.part) != (owner.what, "", ""):
            problem = (
                f"{owner.what} id {name} is also the id of the {other.what} at line {other.line}"
            )
        else:
            seen.setdefault(owner.id, owner)
            continue
        errors.append(
            ContentError(path, owner.line, f"{problem}; give the {owner.what} another id")
        )
    return errors
