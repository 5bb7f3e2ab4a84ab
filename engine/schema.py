"""The schema every fence's keys are written in: a key's default, the values it allows, and
what it means, as one row of a table.

A fence (a demo, an exercise, a cell's ``#|`` options, …) keeps a table of :class:`Field`
and :class:`Number` rows. :func:`check_mapping` walks an author's mapping over such a
table, so the unknown-key message (with a suggestion and the fence's own keys), each value's
check, the defaults and the guide's reference all come from the same rows.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]
Bad = Callable[[Path, str], None]


def is_number(value: Any) -> bool:
    """A finite int or float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_texts(value: Any) -> bool:
    """A text, or a list of texts (hints, alt texts: one, or one each)."""
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(t, str) for t in value)
    )


def is_range(value: Any) -> bool:
    """``[low, high]`` with low < high."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(is_number(v) for v in value)
        and value[0] < value[1]
    )


# Words authors bring from other tools, and the key each means here.
SYNONYMS = {
    "learning_rate": "lr",
    "rate": "lr",
    "eta": "lr",
    "iterations": "steps",
    "iters": "steps",
    "n_steps": "steps",
    "num_steps": "steps",
    "epochs": "steps",
    "tolerance": "tol",
    "x0": "start",
    "initial": "start",
    "init": "start",
    "method": "optimizer",
    "optimiser": "optimizer",
    "mu": "momentum",
    "scheduler": "schedule",
    "lr_schedule": "schedule",
    "warm_up": "warmup",
    "plot": "plots",
    "func": "function",
    "f": "function",
}


def suggest(word: Any, choices: Any) -> str:
    """ "; did you mean 'lr'?" for a near-synonym or a near-spelling of one of ``choices``."""
    known = [str(c) for c in choices]
    meant = SYNONYMS.get(str(word).lower())
    if meant in known:
        return f"; did you mean {meant!r}?"
    hint = difflib.get_close_matches(str(word), known, n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


@dataclass(frozen=True)
class Field:
    """One key: its default, its check, the values it allows in words, what it means, and
    (for a key with named values) the names, for "did you mean"."""

    default: Any
    check: Callable[[Any], bool]
    allowed: str
    meaning: str = ""  # empty for a demo key's own row, whose Key says it
    choices: tuple[Any, ...] = ()
    obvious: bool = False  # the reference need not say what it allows (true or false, text)

    def problem(self, key: str, value: Any) -> str | None:
        """What is wrong with ``value`` for ``key``, or None."""
        if self.check(value):
            return None
        hint = suggest(value, self.choices) if isinstance(value, str) and self.choices else ""
        return f"{key} must be {self.allowed}, got {value!r}{hint}"


@dataclass(frozen=True)
class Number:
    """A numeric key: its default, the range an author may use, and what it means.

    Read by the fence's check, by the builder's controls (a slider cannot leave the range)
    and by the command line."""

    default: float | None
    lo: float
    hi: float
    doc: str
    lo_open: bool = False  # lo itself is not allowed
    hi_open: bool = False  # hi itself is not allowed
    whole: bool = False

    def allows(self, value: Any) -> bool:
        if not is_number(value) or (self.whole and not isinstance(value, int)):
            return False
        above = self.lo < value if self.lo_open else self.lo <= value
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    @property
    def allowed(self) -> str:
        """The range in words, e.g. "a number from 0 to 1, 1 excluded"."""
        kind = "a whole number" if self.whole else "a number"
        excluded = [f"{b:g}" for b, o in ((self.lo, self.lo_open), (self.hi, self.hi_open)) if o]
        tail = f" ({' and '.join(excluded)} excluded)" if excluded else ""
        return f"{kind} from {self.lo:g} to {self.hi:g}{tail}"

    def problem(self, key: str, value: Any) -> str | None:
        """What is wrong with ``value`` for ``key``, or None."""
        if self.allows(value):
            return None
        if is_number(value) and (isinstance(value, int) or not self.whole):
            return f"{key} = {value!r} is out of range; use {self.allowed}"
        return f"{key} must be {self.allowed}, got {value!r}"


def flag(default: bool, meaning: str = "") -> Field:
    """true or false."""
    return Field(default, lambda v: isinstance(v, bool), "true or false", meaning, obvious=True)


def choice(default: Any, choices: tuple[Any, ...], meaning: str = "", allowed: str = "") -> Field:
    """One of a few named values."""
    words = allowed or f"one of {', '.join(map(str, choices))}"
    return Field(default, lambda v: _among(v, choices), words, meaning, choices)


def _among(value: Any, choices: tuple[Any, ...]) -> bool:
    # True == 1 in Python: a bool is only one of the choices if it is that bool.
    return any(value == c and type(value) is type(c) for c in choices)


def text(meaning: str = "", default: str | None = None) -> Field:
    """Any text (a caption, an id checked elsewhere for its own form)."""
    return Field(default, lambda v: v is None or isinstance(v, str), "text", meaning, obvious=True)


def whole(default: int, lo: int, hi: int, meaning: str) -> Field:
    """A whole number from ``lo`` to ``hi``."""
    return Field(
        default, lambda v: is_whole(v) and lo <= v <= hi, f"a whole number {lo}..{hi}", meaning
    )


def positive(default: float, meaning: str) -> Field:
    """A number above 0."""
    return Field(default, lambda v: is_number(v) and v > 0, "a number > 0", meaning)


def check_mapping(
    raw: Any, table: Mapping[str, Field], name: str, bad: Bad, path: Path = ()
) -> dict[str, Any]:
    """``raw`` (a mapping, or None/true for every default) checked against ``table``: every
    default filled, every problem reported at its key path, a wrong value left at its
    default so that the rest is still judged."""
    out = {key: field.default for key, field in table.items()}
    where = path or (name,)
    if raw is None or raw is True:
        return out
    if not isinstance(raw, Mapping):
        bad(where, f"{name} must be a mapping of options ({', '.join(table)})")
        return out
    for key, value in raw.items():
        if key not in table:
            hint = suggest(key, table) or f" ({name} takes {', '.join(table)})"
            bad((*where, key), f"unknown {name} option {key!r}{hint}")
            continue
        problem = table[key].problem(f"{name}.{key}", value)
        if problem:
            bad((*where, key), problem)
            continue
        out[key] = value
    return out
