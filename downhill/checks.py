"""The ``check`` fence: a math claim the engine verifies at build time.

Three kinds of claim:

- ``gradient: f`` with ``equals: [∂f/∂x, ∂f/∂y]``: the claimed partials must agree with
  the engine's exact gradient at many sample points;
- ``value: f`` with ``at: [x, y]`` and ``equals: number``;
- ``descend: {demo keys}`` with ``ends_near: [x, y]`` (and ``tolerance:``).

A false claim is a ContentError at the line of the claim, showing both sides.
"""

from __future__ import annotations

import html
import math
import random
from pathlib import Path
from typing import Any

import yaml

from engine import SpecError, compile_expression, normalize_spec
from engine.catalogue import formula_of
from engine.expr import ExpressionError
from engine.figures import trajectories
from engine.spec import suggest

from .errors import ContentError
from .fences import FenceLocator, guarded
from .yamlmap import error_line, error_message, key_lines, line_of, load

KINDS = {
    "gradient": ("equals",),
    "value": ("at", "equals"),
    "descend": ("ends_near",),
}
OPTIONAL = ("tolerance", "params", "label", "show_source")
SAMPLES = 64


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fmt(value: float) -> str:
    return f"{value:.10g}"


class CheckFence:
    """The ``check`` fence formatter for one article; counts checks and collects errors."""

    def __init__(self, path: Path, locator: FenceLocator, errors: list[ContentError]) -> None:
        self.path = path
        self.locator = locator
        self.errors = errors
        self.passed = 0

    def __call__(self, src: str) -> str:
        fence_line = self.locator.line_of("check", src)
        return guarded(
            self.errors, self.path, fence_line, "check", lambda: self.render(src, fence_line)
        )

    def render(self, src: str, fence_line: int) -> str:
        try:
            raw = load(src) or {}
            lines = key_lines(src, first_line=fence_line + 1)
        except yaml.YAMLError as exc:
            line = error_line(exc, fence_line + 1)
            self.fail(line, f"check is not valid YAML: {error_message(exc)}")
            return ""
        kinds = [k for k in KINDS if isinstance(raw, dict) and k in raw]
        if not isinstance(raw, dict) or len(kinds) != 1:
            self.fail(
                fence_line,
                "a check states one claim: 'gradient:' with 'equals:', "
                "'value:' with 'at:' and 'equals:', or 'descend:' with 'ends_near:'",
            )
            return ""
        kind = kinds[0]
        allowed = (kind, *KINDS[kind], *OPTIONAL)
        bad_keys = [k for k in raw if k not in allowed]
        for key in bad_keys:
            self.fail(
                line_of(lines, (key,), fence_line),
                f"check: unknown key {key!r} for a {kind} check{suggest(key, allowed)}",
            )
        missing = [k for k in KINDS[kind] if k not in raw]
        for key in missing:
            self.fail(line_of(lines, (kind,), fence_line), f"check: a {kind} check needs '{key}:'")
        if bad_keys or missing:
            return ""

        def at(*path: str | int) -> int:
            return line_of(lines, tuple(path), fence_line)

        params = raw.get("params", {})
        if not (
            isinstance(params, dict)
            and all(isinstance(k, str) and _is_number(v) for k, v in params.items())
        ):
            self.fail(at("params"), "check: params must map names to numbers, e.g. {a: 1.5}")
            return ""
        check = {"gradient": self.gradient, "value": self.value, "descend": self.descend}[kind]
        try:
            shown = check(raw, at)
        except ExpressionError as exc:
            self.fail(at(kind), f"check: {exc}")
            return ""
        if shown is None:
            return ""
        self.passed += 1
        label = html.escape(str(raw.get("label", "Checked when this page was built")))
        source = ""
        if raw.get("show_source"):
            source = (
                '<details class="demo-source" open><summary>Markdown source</summary>'
                f"<pre><code>```check\n{html.escape(src.rstrip())}\n```</code></pre></details>"
            )
        return (
            f'<div class="check" role="note"><span class="check-mark" aria-hidden="true">✓'
            f'</span> <span class="arithmatex">\\({html.escape(shown)}\\)</span> '
            f'<span class="check-label">{label}</span>{source}</div>'
        )

    def fail(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.path, line, message))

    def _tolerance(self, raw: dict[str, Any], at: Any, default: float) -> float | None:
        value = raw.get("tolerance", default)
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            self.fail(at("tolerance"), "check: tolerance must be a positive number")
            return None
        return float(value)

    def gradient(self, raw: dict[str, Any], at: Any) -> str | None:
        params = raw.get("params") or {}
        f = compile_expression(formula_of(str(raw["gradient"])), tuple(params))
        claimed = raw["equals"]
        if not isinstance(claimed, list) or len(claimed) != f.dim:
            names = ", ".join(f"∂f/∂{v}" for v in f.variables)
            self.fail(
                at("equals"), f"check: equals must list {f.dim} partial derivative(s): [{names}]"
            )
            return None
        tolerance = self._tolerance(raw, at, 1e-9)
        if tolerance is None:
            return None
        exact = f.bind(params)
        parts = []
        for i, text in enumerate(claimed):
            part = compile_expression(str(text), tuple(params), dim=f.dim).bind(params)
            rng = random.Random(i)
            checked = 0
            for _ in range(SAMPLES):
                point = tuple(rng.uniform(-2.0, 2.0) for _ in range(f.dim))
                want, got = exact.gradient(point)[i], part.value(point)
                if not (math.isfinite(want) and math.isfinite(got)):
                    continue
                checked += 1
                if abs(want - got) > tolerance * (1 + abs(want)):
                    var = f.variables[i]
                    where = ", ".join(_fmt(c) for c in point)
                    self.fail(
                        at("equals", i),
                        (
                            f"check: the claimed ∂f/∂{var} = {text} is wrong: at ({where}) it "
                            f"gives {_fmt(got)}, but the exact ∂f/∂{var} = "
                            f"{f.latex()[f'df/d{var}']} gives {_fmt(want)}"
                        ),
                    )
                    return None
            if checked < SAMPLES // 2:
                self.fail(
                    at("equals", i),
                    f"check: ∂f/∂{f.variables[i]} is undefined at most "
                    "sample points in [-2, 2]; cannot verify it",
                )
                return None
            parts.append(part.expression.latex()["f"])
        vector = ", ".join(parts)
        return rf"\nabla\left({f.latex()['f']}\right) = \left({vector}\right)"

    def value(self, raw: dict[str, Any], at: Any) -> str | None:
        params = raw.get("params") or {}
        f = compile_expression(formula_of(str(raw["value"])), tuple(params))
        point, claimed = raw["at"], raw["equals"]
        if not (
            isinstance(point, list)
            and len(point) == f.dim
            and all(isinstance(c, int | float) for c in point)
        ):
            self.fail(at("at"), f"check: at must be a list of {f.dim} number(s)")
            return None
        if not isinstance(claimed, int | float) or isinstance(claimed, bool):
            self.fail(at("equals"), "check: equals must be a number")
            return None
        tolerance = self._tolerance(raw, at, 1e-9)
        if tolerance is None:
            return None
        got = f.bind(params).value(point)
        if not abs(got - claimed) <= tolerance * (1 + abs(claimed)):
            self.fail(
                at("equals"),
                f"check: f({', '.join(_fmt(c) for c in point)}) is "
                f"{_fmt(got)}, not the claimed {_fmt(claimed)}",
            )
            return None
        args = ", ".join(_fmt(c) for c in point)
        return f"f({args}) = {_fmt(claimed)}, \\quad f = {f.latex()['f']}"

    def descend(self, raw: dict[str, Any], at: Any) -> str | None:
        try:
            spec = normalize_spec(raw["descend"] or {})
        except SpecError as exc:
            for issue in exc.issues:
                self.fail(at("descend", *issue.path), f"check: descend: {issue}")
            return None
        target = raw["ends_near"]
        if not (isinstance(target, list) and len(target) == len(spec["start"])):
            self.fail(
                at("ends_near"),
                f"check: ends_near must be a list of {len(spec['start'])} number(s)",
            )
            return None
        tolerance = self._tolerance(raw, at, 1e-6)
        if tolerance is None:
            return None
        shown = []
        for run in trajectories(spec):
            end = run.points[-1]
            distance = math.dist(end, target)
            if not distance <= tolerance:
                self.fail(
                    at("ends_near"),
                    (
                        f"check: {run.optimizer} ends at ({', '.join(_fmt(c) for c in end)}) after "
                        f"{run.steps} steps ({run.status}), {_fmt(distance)} from the claimed "
                        f"({', '.join(_fmt(c) for c in target)}); tolerance is {_fmt(tolerance)}"
                    ),
                )
                return None
            shown.append(run.optimizer)
        point = ", ".join(_fmt(c) for c in target)
        return (
            rf"\text{{{' and '.join(shown)} from }} ({', '.join(_fmt(c) for c in spec['start'])})"
            rf" \text{{ ends within }} {_fmt(tolerance)} \text{{ of }} ({point})"
        )
