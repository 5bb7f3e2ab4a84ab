"""What a check's claims share: the errors they raise (Refused: at the key that is wrong;
Unchecked: already said), how they write numbers and points in messages and TeX, and the
names a ``holds`` claim may use."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from engine.expr import Expression, tex_number

SAMPLES = 64


COMPARISON = re.compile(r"(<=|>=|<|>)")


BREAK = r" \\ "  # a row break in a TeX matrix


CRITICAL_KINDS = ("minimum", "maximum", "saddle")


# Names a 'holds' claim may use beside x and y: the function, its partials, and (with lr:)
# the point and value one gradient-descent step later.
HOLDS_NAMES = ("f", "dfdx", "dfdy", "x_next", "y_next", "f_next")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fmt(value: float) -> str:
    return f"{value:.10g}"


def _tex(value: float) -> str:
    """A number for TeX, to ten digits: 1e-06 as 10^{-6}, 2.5e-09 as 2.5 \\times 10^{-9}."""
    return tex_number(float(_fmt(value)))


# How the names of a 'holds' claim read in TeX.
HOLDS_TEX = {
    r"\mathit{x_next}": r"x_{\text{next}}",
    r"\mathit{y_next}": r"y_{\text{next}}",
    r"\mathit{f_next}": r"f_{\text{next}}",
    r"\mathit{dfdx}": r"f_x",
    r"\mathit{dfdy}": r"f_y",
}


def _point(values: Any) -> str:
    return "(" + ", ".join(_fmt(v) for v in values) + ")"


@dataclass(frozen=True)
class NamedExpression(Expression):
    """A defined function: typeset as its name (``L(w, b)``), not its whole formula."""

    shown: str = ""

    def latex(self) -> dict[str, str]:
        return {**super().latex(), "f": self.shown}


class Unchecked(Exception):
    """A claim that rests on a fence that already failed with its own error: it adds none."""


class Refused(Exception):
    """A claim that is false or cannot be checked: (key path, message)."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
