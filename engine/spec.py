"""The demo spec: the one plain dict shared by Markdown, the engine and the browser.

:func:`normalize_spec` checks an author's (or a reader's) dict and fills defaults. Every
problem is reported, not just the first, each with the key path it concerns so that the
builder can point at the YAML line.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .catalogue import CATALOGUE
from .expr import ExpressionError, compile_expression
from .optimizers import OPTIMIZERS

PLOT_KINDS_1D = ("curve", "loss")
PLOT_KINDS_2D = ("contour", "loss")

NUMBER_KEYS = {
    # key: (minimum, maximum) — inclusive bounds an author may use
    "lr": (0.0, 1e3),
    "tol": (0.0, 1e3),
    "momentum": (0.0, 1.0),
    "alpha": (0.0, 1.0),
    "beta1": (0.0, 1.0),
    "beta2": (0.0, 1.0),
    "eps": (0.0, 1.0),
}
MAX_STEPS = 5000

KEYS = (
    "function",
    "params",
    "domain",
    "start",
    "optimizer",
    "lr",
    "steps",
    "tol",
    "momentum",
    "alpha",
    "beta1",
    "beta2",
    "eps",
    "ascent",
    "clip",
    "plots",
    "controls",
    "id",
    "caption",
)


@dataclass(frozen=True)
class SpecIssue:
    """One problem in a spec; ``path`` is the key path, e.g. ``("controls", "lr", "min")``."""

    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path)
        return f"{where}: {self.message}" if where else self.message


class SpecError(ValueError):
    """A spec with one or more problems."""

    def __init__(self, issues: list[SpecIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _suggest(word: str, choices: Any) -> str:
    hint = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def normalize_spec(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return a complete spec (defaults filled, catalogue names resolved) or raise SpecError."""
    issues: list[SpecIssue] = []

    def bad(path: tuple[str | int, ...], message: str) -> None:
        issues.append(SpecIssue(path, message))

    if not isinstance(raw, Mapping):
        raise SpecError([SpecIssue((), "a demo must be a mapping of keys to values")])
    for key in raw:
        if key not in KEYS:
            bad((key,), f"unknown key {key!r}{_suggest(key, KEYS)}")

    spec: dict[str, Any] = {}

    # function and params -------------------------------------------------------------
    params = raw.get("params", {})
    if not isinstance(params, Mapping) or not all(_is_number(v) for v in params.values()):
        bad(("params",), "params must map names to numbers, e.g. {a: 1.5}")
        params = {}
    spec["params"] = {str(k): float(v) for k, v in params.items()}
    function = raw.get("function")
    entry = None
    expression = None
    if function is None:
        bad(("function",), "every demo needs a function: a catalogue name or an expression")
    elif not isinstance(function, str):
        bad(("function",), "function must be text: a catalogue name or an expression")
    else:
        entry = CATALOGUE.get(function)
        text = entry.formula if entry else function
        try:
            expression = compile_expression(text, tuple(spec["params"]))
        except ExpressionError as exc:
            hint = _suggest(function, CATALOGUE) if function.isidentifier() else ""
            bad(("function",), f"{exc}{hint}")
    spec["function"] = function
    spec["expression"] = entry.formula if entry else function
    dim = expression.dim if expression else 1

    # domain and start ------------------------------------------------------------------
    default_domain = entry.domain if entry else ([(-10.0, 10.0)] if dim == 1 else [(-3.0, 3.0)] * 2)
    default_domain = [[float(lo), float(hi)] for lo, hi in default_domain]
    domain = default_domain
    if "domain" in raw:
        domain = _box(raw["domain"], dim, ("domain",), bad) or default_domain
    spec["domain"] = domain
    default_start = (
        list(entry.start) if entry else [(lo + hi) / 2 + (hi - lo) / 4 for lo, hi in domain]
    )
    start = raw.get("start", default_start)
    if not isinstance(start, list) or len(start) != dim or not all(_is_number(c) for c in start):
        bad(
            ("start",),
            f"start must be a list of {dim} number{'s' if dim > 1 else ''}, e.g. {[1.0] * dim}",
        )
        start = default_start
    spec["start"] = [float(c) for c in start]

    # optimizers and hyper-parameters ----------------------------------------------------
    optimizer = raw.get("optimizer", "gd")
    names = optimizer if isinstance(optimizer, list) else [optimizer]
    for i, name in enumerate(names):
        if name not in OPTIMIZERS:
            path = ("optimizer", i) if isinstance(optimizer, list) else ("optimizer",)
            bad(
                path,
                f"unknown optimizer {name!r} (known: {', '.join(OPTIMIZERS)})"
                f"{_suggest(name, OPTIMIZERS)}",
            )
    spec["optimizer"] = [n for n in names if n in OPTIMIZERS] or ["gd"]
    defaults = {
        "lr": 0.1,
        "tol": 0.0,
        "momentum": 0.9,
        "alpha": 0.99,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": None,
    }
    for key, (lo, hi) in NUMBER_KEYS.items():
        value = raw.get(key, defaults[key])
        if value is None and key == "eps":
            spec[key] = None
            continue
        if not _is_number(value):
            bad((key,), f"{key} must be a number")
            value = defaults[key]
        elif not lo <= value <= hi:
            bad((key,), f"{key} = {value} is out of range; use a value from {lo:g} to {hi:g}")
        spec[key] = float(value) if value is not None else None
    steps = raw.get("steps", 50)
    if not isinstance(steps, int) or isinstance(steps, bool) or not 0 <= steps <= MAX_STEPS:
        bad(("steps",), f"steps must be a whole number from 0 to {MAX_STEPS}")
        steps = 50
    spec["steps"] = steps
    ascent = raw.get("ascent", False)
    if not isinstance(ascent, bool):
        bad(("ascent",), "ascent must be true or false")
        ascent = False
    spec["ascent"] = ascent
    clip = raw.get("clip")
    if clip is not None and not (
        isinstance(clip, list)
        and len(clip) == 2
        and all(_is_number(c) for c in clip)
        and clip[0] < clip[1]
    ):
        bad(("clip",), "clip must be [low, high] with low < high")
        clip = None
    spec["clip"] = [float(c) for c in clip] if clip else None

    # plots ---------------------------------------------------------------------------
    kinds = PLOT_KINDS_1D if dim == 1 else PLOT_KINDS_2D
    plots = raw.get("plots", kinds[0])
    plot_list = plots if isinstance(plots, list) else [plots]
    for i, kind in enumerate(plot_list):
        if kind not in kinds:
            path = ("plots", i) if isinstance(plots, list) else ("plots",)
            bad(
                path,
                f"plot kind {kind!r} does not fit a {dim}-D function (use one of: "
                f"{', '.join(kinds)}){_suggest(kind, kinds)}",
            )
    spec["plots"] = [k for k in plot_list if k in kinds] or [kinds[0]]

    spec["controls"] = raw.get("controls", {})
    spec["id"] = raw.get("id")
    spec["caption"] = raw.get("caption")
    spec["dim"] = dim
    if issues:
        raise SpecError(issues)
    return spec


def _box(value: Any, dim: int, path: tuple[str, ...], bad: Any) -> list[list[float]] | None:
    """Accept ``[lo, hi]`` (every axis) or ``[[lo, hi], [lo, hi]]`` (one per axis)."""
    pair = isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)
    if pair:
        value = [value] * dim
    ok = (
        isinstance(value, list)
        and len(value) == dim
        and all(
            isinstance(r, list) and len(r) == 2 and all(_is_number(v) for v in r) and r[0] < r[1]
            for r in value
        )
    )
    if not ok:
        bad(path, "domain must be [low, high] or one [low, high] per axis, with low < high")
        return None
    return [[float(lo), float(hi)] for lo, hi in value]
