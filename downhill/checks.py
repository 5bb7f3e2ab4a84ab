"""The ``check`` fence: a math claim the engine verifies at build time.

One claim per fence, of one of the KINDS below (the guide shows each). A false claim is a
ContentError at the line of the key that is wrong, showing both sides.

Tolerance means one thing in every kind: a claimed number c agrees with the engine's exact
value v when |c − v| ≤ tolerance × max(1, |v|), that is an absolute tolerance for values up
to 1 and a relative one above. Claimed expressions (partials, second derivatives) are
compared so at sample points; points (``ends_near``, ``iterates``) coordinate by coordinate.
"""

from __future__ import annotations

import html
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import SpecError, compile_expression, normalize_spec
from engine.catalogue import formula_of
from engine.exercises import agrees  # the one meaning of tolerance, shared with exercises
from engine.expr import Expression, ExpressionError, evaluate_tree, parse, tex_number
from engine.fitting import BestLine, best_line
from engine.runs import trajectories
from engine.schema import suggest

from .data import with_file_data
from .errors import ContentError
from .fences import FenceLocator, guarded, source_shown
from .iterates import Runs
from .mathjax import ArticleMath, inline_math
from .yamlmap import FenceYAMLError, line_of, load_fence

SAMPLES = 64
DEFAULT_TOLERANCE = 1e-9
COMPARISON = re.compile(r"(<=|>=|<|>)")
BREAK = r" \\ "  # a row break in a TeX matrix


@dataclass(frozen=True)
class Kind:
    """A kind of claim: the keys it needs, the keys it may have, what it is."""

    needs: tuple[str, ...]
    may: tuple[str, ...]
    says: str  # how to write it, for the error naming the kinds


KINDS = {
    "gradient": Kind(
        ("equals",), (), "'gradient: f' with 'equals: [∂f/∂x, ∂f/∂y]' (or '{y: ∂f/∂y}')"
    ),
    "hessian": Kind(("equals",), (), "'hessian: f' with 'equals: [[fxx, fxy], [fyx, fyy]]'"),
    "value": Kind(("at", "equals"), (), "'value: f' with 'at:' and 'equals:'"),
    "critical": Kind(("at", "is"), (), "'critical: f' with 'at:' and 'is: minimum'"),
    "directional": Kind(
        ("at", "equals"),
        ("along", "angle"),
        "'directional: f' with 'at:', 'along:' or 'angle:', and 'equals:'",
    ),
    "central_difference": Kind(
        ("at", "h"),
        ("wrt", "equals", "error_below"),
        "'central_difference: f' with 'at:', 'h:' and 'equals:' or 'error_below:'",
    ),
    "holds": Kind(
        ("function",),
        ("where", "over", "at", "lr"),
        "'holds: \"dfdx < 0\"' with 'function:' and 'over:' or 'at:'",
    ),
    "descend": Kind(
        (),
        ("ends_near", "iterates", "steps_fewer_than"),
        "'descend: {demo keys}' with 'ends_near:', 'iterates:' or 'steps_fewer_than:'",
    ),
}
COMMON = ("tolerance", "params", "label", "show_source")
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


class CheckFence:
    """The ``check`` fence formatter for one article; counts checks and collects errors."""

    def __init__(
        self,
        path: Path,
        locator: FenceLocator,
        errors: list[ContentError],
        math: ArticleMath | None = None,
        runs: Runs | None = None,
    ) -> None:
        # The page's demos and named functions (a descend may name a demo with 'from').
        self.runs = runs if runs is not None else Runs()
        self.path = path
        self.locator = locator
        self.errors = errors
        self.math = math  # where the claim's formula is typeset (None: left as TeX)
        self.passed = 0
        self.line = 0  # the line of the check being rendered

    def __call__(self, src: str) -> str:
        fence_line = self.locator.line_of("check", src)
        return guarded(
            self.errors, self.path, fence_line, "check", lambda: self.render(src, fence_line)
        )

    def fail(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.path, line, message))

    def render(self, src: str, fence_line: int) -> str:
        try:
            raw, lines = load_fence(src, fence_line)
        except FenceYAMLError as exc:
            self.fail(exc.line, f"check is not valid YAML: {exc.message}")
            return ""
        kinds = [k for k in KINDS if isinstance(raw, dict) and k in raw]
        if not isinstance(raw, dict) or len(kinds) != 1:
            ways = "; ".join(kind.says for kind in KINDS.values())
            self.fail(fence_line, f"a check states one claim, one of: {ways}")
            return ""
        name = kinds[0]
        kind = KINDS[name]
        allowed = (name, *kind.needs, *kind.may, *COMMON)
        bad_keys = [k for k in raw if k not in allowed]
        for key in bad_keys:
            self.fail(
                line_of(lines, (key,), fence_line),
                f"check: unknown key {key!r} for a {name} check{suggest(key, allowed)}",
            )
        missing = [k for k in kind.needs if k not in raw]
        for key in missing:
            self.fail(line_of(lines, (name,), fence_line), f"check: a {name} check needs '{key}:'")
        if bad_keys or missing:
            return ""
        params = raw.get("params", {})
        if not (
            isinstance(params, dict)
            and all(isinstance(k, str) and _is_number(v) for k, v in params.items())
        ):
            self.fail(
                line_of(lines, ("params",), fence_line),
                "check: params must map names to numbers, e.g. {a: 1.5}",
            )
            return ""
        tolerance = raw.get("tolerance", DEFAULT_TOLERANCE)
        self.line = line_of(lines, ("descend",), fence_line)
        try:
            if not _is_number(tolerance) or tolerance <= 0:
                raise Refused(("tolerance",), "tolerance must be a positive number")
            shown = getattr(self, name)(raw, float(tolerance))
        except Refused as refused:
            self.fail(line_of(lines, refused.path, fence_line), f"check: {refused.message}")
            return ""
        except Unchecked:
            return ""
        except ExpressionError as exc:
            self.fail(line_of(lines, (name,), fence_line), f"check: {exc}")
            return ""
        self.passed += 1
        label = html.escape(str(raw.get("label", "Checked when this page was built")))
        source = source_shown("check", src) if raw.get("show_source") else ""
        return (
            f'<div class="check" role="note"><span class="check-mark" aria-hidden="true">✓'
            f'</span> <span class="arithmatex">{inline_math(self.math, shown, fence_line)}</span> '
            f'<span class="check-label">{label}</span>{source}</div>'
        )

    # -- helpers shared by the kinds ---------------------------------------------------

    def function(self, raw: dict[str, Any], key: str) -> Expression:
        """The claim's function (a defined name shown as its name, e.g. L(w, b))."""
        params = tuple(raw.get("params") or {})
        try:
            f = compile_expression(formula_of(str(self.runs.formula(raw[key]))), params)
        except ExpressionError as exc:
            raise Refused((key,), str(exc)) from exc
        shown = self.runs.display(raw[key])
        return f if shown is None else NamedExpression(**vars(f), shown=shown)

    @staticmethod
    def claimed_expression(raw: dict[str, Any], path: tuple, text: Any, dim: int, wants: str):
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            kind = type(text).__name__
            raise Refused(path, f"{'.'.join(map(str, path))} holds a {kind}; {wants}")
        params = raw.get("params") or {}
        try:
            return compile_expression(str(text), tuple(params), dim=dim).bind(params)
        except ExpressionError as exc:
            raise Refused(path, f"{'.'.join(map(str, path))}: {exc}") from exc

    @staticmethod
    def numbers(raw: dict[str, Any], key: str, count: int, what: str) -> list[float]:
        value = raw[key]
        if not (isinstance(value, list) and len(value) == count and all(map(_is_number, value))):
            raise Refused((key,), f"{key} must be a list of {count} number(s): {what}")
        return [float(v) for v in value]

    @staticmethod
    def number(raw: dict[str, Any], key: str) -> float:
        if not _is_number(raw[key]):
            raise Refused((key,), f"{key} must be a number")
        return float(raw[key])

    @staticmethod
    def samples(dim: int, seed: int) -> list[tuple[float, ...]]:
        rng = random.Random(seed)
        return [tuple(rng.uniform(-2.0, 2.0) for _ in range(dim)) for _ in range(SAMPLES)]

    def same_function(
        self,
        path: tuple,
        text: Any,
        claimed: Callable[[tuple], float],
        exact: Callable[[tuple], float],
        name: str,
        exact_text: str,
        dim: int,
        seed: int,
        tolerance: float,
    ) -> None:
        """A claimed expression equals the exact one at SAMPLES points in [-2, 2]^dim."""
        checked = 0
        for point in self.samples(dim, seed):
            want, got = exact(point), claimed(point)
            if not (math.isfinite(want) and math.isfinite(got)):
                continue
            checked += 1
            if not agrees(got, want, tolerance):
                raise Refused(
                    path,
                    f"the claimed {name} = {text} is wrong: at {_point(point)} it gives "
                    f"{_fmt(got)}, but the exact {name} = {exact_text} gives {_fmt(want)} "
                    f"(tolerance {_fmt(tolerance)})",
                )
        if checked < SAMPLES // 2:
            raise Refused(
                path, f"{name} is undefined at most sample points in [-2, 2]; cannot verify it"
            )

    @staticmethod
    def env(f: Expression, raw: dict[str, Any], point: tuple[float, ...]) -> dict[str, float]:
        return {**dict(zip(f.variables, point, strict=True)), **(raw.get("params") or {})}

    # -- the kinds ---------------------------------------------------------------------

    def gradient(self, raw: dict[str, Any], tolerance: float) -> str:
        f = self.function(raw, "gradient")
        bound = f.bind(raw.get("params") or {})
        claimed = raw["equals"]
        names = ", ".join(f"∂f/∂{v}" for v in f.variables)
        wants = (
            f"equals wants a list of {f.dim} expression(s) [{names}], or a mapping such as "
            f"{{{f.variables[-1]}: …}}"
        )
        if isinstance(claimed, dict):
            unknown = [v for v in claimed if v not in f.variables]
            if unknown or not claimed:
                raise Refused(
                    ("equals",),
                    f"{unknown[0] if unknown else 'nothing'} is not a variable of f; {wants}",
                )
            parts = [(f.variables.index(v), v, text) for v, text in claimed.items()]
        elif isinstance(claimed, list) and len(claimed) == f.dim:
            parts = [(i, i, text) for i, text in enumerate(claimed)]
        else:
            raise Refused(("equals",), wants)
        shown = []
        for i, key, text in parts:
            var = f.variables[i]
            part = self.claimed_expression(raw, ("equals", key), text, f.dim, wants)
            self.same_function(
                ("equals", key),
                text,
                part.value,
                lambda p, i=i: bound.gradient(p)[i],
                f"∂f/∂{var}",
                f.latex()[f"df/d{var}"],
                f.dim,
                i,
                tolerance,
            )
            shown.append((var, part.expression.latex()["f"]))
        if len(shown) == f.dim and not isinstance(claimed, dict):
            vector = ", ".join(tex for _, tex in shown)
            return rf"\nabla\left({f.latex()['f']}\right) = \left({vector}\right)"
        return ", \\quad ".join(
            rf"\frac{{\partial}}{{\partial {var}}}\left({f.latex()['f']}\right) = {tex}"
            for var, tex in shown
        )

    def hessian(self, raw: dict[str, Any], tolerance: float) -> str:
        f = self.function(raw, "hessian")
        claimed = raw["equals"]
        v = f.variables
        wants = f"equals wants {f.dim} row(s) of {f.dim} expression(s): " + (
            "[[f'']]" if f.dim == 1 else "[[fxx, fxy], [fyx, fyy]]"
        )
        if f.dim == 1 and not isinstance(claimed, list):
            claimed = [[claimed]]
        if not (
            isinstance(claimed, list)
            and len(claimed) == f.dim
            and all(isinstance(row, list) and len(row) == f.dim for row in claimed)
        ):
            raise Refused(("equals",), wants)
        rows = []
        for i in range(f.dim):
            cells = []
            for j in range(f.dim):
                second = f.partials[i].diff(v[j])
                part = self.claimed_expression(raw, ("equals", i, j), claimed[i][j], f.dim, wants)
                self.same_function(
                    ("equals", i, j),
                    claimed[i][j],
                    part.value,
                    lambda p, s=second: evaluate_tree(s, self.env(f, raw, p)),
                    f"∂²f/∂{v[i]}∂{v[j]}",
                    second.latex(),
                    f.dim,
                    10 + 2 * i + j,
                    tolerance,
                )
                cells.append(part.expression.latex()["f"])
            rows.append(" & ".join(cells))
        return (
            rf"\nabla^2\left({f.latex()['f']}\right) = "
            rf"\begin{{pmatrix}} {BREAK.join(rows)} \end{{pmatrix}}"
        )

    def value(self, raw: dict[str, Any], tolerance: float) -> str:
        f = self.function(raw, "value")
        point = self.numbers(raw, "at", f.dim, "the point")
        claimed = self.number(raw, "equals")
        got = f.bind(raw.get("params") or {}).value(point)
        if not agrees(claimed, got, tolerance):
            raise Refused(
                ("equals",),
                f"f{_point(point)} is {_fmt(got)}, not the claimed {_fmt(claimed)} "
                f"(tolerance {_fmt(tolerance)})",
            )
        return f"f{_point(point)} = {_fmt(claimed)}, \\quad f = {f.latex()['f']}"

    def critical(self, raw: dict[str, Any], tolerance: float) -> str:
        f = self.function(raw, "critical")
        point = tuple(self.numbers(raw, "at", f.dim, "the critical point"))
        claimed = raw["is"]
        if claimed not in CRITICAL_KINDS:
            raise Refused(("is",), f"is must be one of {', '.join(CRITICAL_KINDS)}")
        gradient = f.bind(raw.get("params") or {}).gradient(point)
        if not all(agrees(0.0, g, tolerance) for g in gradient):
            raise Refused(
                ("at",),
                f"{_point(point)} is not a critical point: ∇f there is {_point(gradient)}, "
                f"not 0 (tolerance {_fmt(tolerance)})",
            )
        env = self.env(f, raw, point)
        h = [[evaluate_tree(f.partials[i].diff(w), env) for w in f.variables] for i in range(f.dim)]
        if f.dim == 1:
            curvature = h[0][0]
            found = "minimum" if curvature > 0 else "maximum" if curvature < 0 else None
            test = f"f''{_point(point)} = {_fmt(curvature)}"
        else:
            det = h[0][0] * h[1][1] - h[0][1] * h[1][0]
            found = (
                "saddle"
                if det < 0
                else None
                if det == 0
                else "minimum"
                if h[0][0] > 0
                else "maximum"
            )
            test = f"det ∇²f = {_fmt(det)}, f_xx = {_fmt(h[0][0])}"
        if found is None:
            raise Refused(("is",), f"the second-derivative test is inconclusive there ({test})")
        if found != claimed:
            raise Refused(("is",), f"{_point(point)} is a {found}, not a {claimed} ({test})")
        return rf"{_point(point)} \text{{ is a {claimed} of }} {f.latex()['f']}"

    def directional(self, raw: dict[str, Any], tolerance: float) -> str:
        f = self.function(raw, "directional")
        if f.dim != 2:
            raise Refused(("directional",), "a directional derivative is of a function of x and y")
        point = self.numbers(raw, "at", 2, "the point")
        if ("along" in raw) == ("angle" in raw):
            raise Refused(
                ("directional",),
                "give the direction as 'along: [u, v]' or as "
                "'angle:' in degrees from the x-axis, one of the two",
            )
        if "along" in raw:
            u = self.numbers(raw, "along", 2, "a direction")
            length = math.hypot(*u)
            if length == 0:
                raise Refused(("along",), "along must not be the zero vector")
            direction = (u[0] / length, u[1] / length)
            said = rf"\text{{along }} {_point(u)}"
        else:
            theta = math.radians(self.number(raw, "angle"))
            direction = (math.cos(theta), math.sin(theta))
            said = rf"\text{{at }} {_fmt(raw['angle'])}^\circ"
        claimed = self.number(raw, "equals")
        g = f.bind(raw.get("params") or {}).gradient(point)
        exact = g[0] * direction[0] + g[1] * direction[1]
        if not agrees(claimed, exact, tolerance):
            norm = math.hypot(*g)
            angle = math.degrees(math.atan2(g[1], g[0]) - math.atan2(direction[1], direction[0]))
            raise Refused(
                ("equals",),
                f"the derivative of f at {_point(point)} in that direction is {_fmt(exact)} "
                f"(= |∇f| cos θ = {_fmt(norm)} · cos {_fmt(angle)}°), not the claimed "
                f"{_fmt(claimed)} (tolerance {_fmt(tolerance)})",
            )
        return rf"D_u f{_point(point)} = {_fmt(claimed)} \; {said}, \quad f = {f.latex()['f']}"

    def central_difference(self, raw: dict[str, Any], tolerance: float) -> str:
        f = self.function(raw, "central_difference")
        point = self.numbers(raw, "at", f.dim, "the point")
        h = self.number(raw, "h")
        if h <= 0:
            raise Refused(("h",), "h must be a positive step")
        wrt = raw.get("wrt", "x")
        if wrt not in f.variables:
            raise Refused(("wrt",), f"wrt must be one of {', '.join(f.variables)}")
        if "equals" not in raw and "error_below" not in raw:
            raise Refused(
                ("central_difference",),
                "claim the estimate ('equals:') or a bound on its error ('error_below:'), or both",
            )
        i = f.variables.index(wrt)
        bound = f.bind(raw.get("params") or {})
        ahead, behind = list(point), list(point)
        ahead[i] += h
        behind[i] -= h
        estimate = (bound.value(ahead) - bound.value(behind)) / (2 * h)
        exact = bound.gradient(point)[i]
        error = abs(estimate - exact)
        ahead_tex = ", ".join(f"{v}_0 + h" if v == wrt else f"{v}_0" for v in f.variables)
        behind_tex = ahead_tex.replace("+ h", "- h")
        at_tex = ", ".join(f"{v}_0 = {_tex(c)}" for v, c in zip(f.variables, point, strict=True))
        shown = [
            rf"\frac{{f({ahead_tex}) - f({behind_tex})}}{{2h}}\Big|_{{{at_tex},\ h = {_tex(h)}}}"
        ]
        if "equals" in raw:
            claimed = self.number(raw, "equals")
            if not agrees(claimed, estimate, tolerance):
                raise Refused(
                    ("equals",),
                    f"the central difference with h = {_fmt(h)} at {_point(point)} is "
                    f"{_fmt(estimate)}, not the claimed {_fmt(claimed)} (tolerance "
                    f"{_fmt(tolerance)}); the exact ∂f/∂{wrt} is {_fmt(exact)}",
                )
            shown.append(f"= {_fmt(claimed)}")
        if "error_below" in raw:
            below = self.number(raw, "error_below")
            if not error < below:
                raise Refused(
                    ("error_below",),
                    f"the central difference {_fmt(estimate)} is {_fmt(error)} from the exact "
                    f"∂f/∂{wrt} = {_fmt(exact)}, not below the claimed {_fmt(below)}",
                )
            shown.append(
                rf"\text{{, within }} {_fmt(below)} \text{{ of }} \partial f/\partial {wrt}"
            )
        return " ".join(shown)

    def holds(self, raw: dict[str, Any], tolerance: float) -> str:
        f = self.function(raw, "function")
        bound = f.bind(raw.get("params") or {})
        claim = raw["holds"]
        sides = self.inequality(raw, ("holds",), claim, f.dim)
        condition = (
            self.inequality(raw, ("where",), raw["where"], f.dim) if "where" in raw else None
        )
        lr = self.number(raw, "lr") if "lr" in raw else None
        if ("at" in raw) == ("over" in raw):
            raise Refused(
                ("holds",),
                "say where: 'at: [[x, y], …]' (points) or "
                "'over: [[x0, x1], [y0, y1]]' (a 41-point grid per side), one of the two",
            )
        if "at" in raw:
            points = raw["at"]
            if not (
                isinstance(points, list)
                and points
                and all(
                    isinstance(p, list) and len(p) == f.dim and all(map(_is_number, p))
                    for p in points
                )
            ):
                raise Refused(("at",), f"at must be a list of points of {f.dim} number(s)")
        else:
            box = raw["over"]
            if not (
                isinstance(box, list)
                and len(box) == f.dim
                and all(
                    isinstance(r, list) and len(r) == 2 and all(map(_is_number, r)) and r[0] < r[1]
                    for r in box
                )
            ):
                raise Refused(("over",), f"over must be {f.dim} range(s) [low, high]")
            axes = [[lo + (hi - lo) * k / 40 for k in range(41)] for lo, hi in box]
            points = (
                [[a] for a in axes[0]] if f.dim == 1 else [[a, b] for a in axes[0] for b in axes[1]]
            )
        tested = 0
        for point in points:
            env = self.holds_env(f, bound, raw, tuple(point), lr)
            if env is None or (condition and not self.compare(condition, env, tolerance)):
                continue
            tested += 1
            if not self.compare(sides, env, tolerance):
                used = sides[0].names() | sides[2].names()
                shown = ", ".join(f"{k} = {_fmt(v)}" for k, v in env.items() if k in used)
                raise Refused(("holds",), f"{claim!r} fails at {_point(point)}: {shown}")
        if not tested:
            raise Refused(
                ("where",) if condition else ("holds",),
                "no point where the claim applies (and f is defined): nothing checked",
            )
        where = rf" \text{{ where }} {self.tex(raw['where'], raw)}" if condition else ""
        at = rf" \text{{ at {tested} points}}, \quad f = {f.latex()['f']}"
        return f"{self.tex(claim, raw)}{where}{at}"

    def inequality(self, raw: dict[str, Any], path: tuple, text: Any, dim: int):
        parts = COMPARISON.split(str(text)) if isinstance(text, str) else []
        if len(parts) != 3:
            raise Refused(
                path,
                f"{path[0]} must be one comparison such as 'f_next < f' or "
                "'dfdx < 0' (one of <, <=, >, >=)",
            )
        names = (
            tuple(raw.get("params") or {})
            + HOLDS_NAMES[: 2 if dim == 1 else 3]
            + (("x_next", "f_next") if dim == 1 else ("x_next", "y_next", "f_next"))
        )
        try:
            left, right = (parse(side.strip(), names) for side in (parts[0], parts[2]))
        except ExpressionError as exc:
            raise Refused(
                path,
                f"{path[0]}: {exc}; the names are x{', y' if dim == 2 else ''}, "
                f"{', '.join(n for n in names if n not in (raw.get('params') or {}))}",
            ) from exc
        used = left.names() | right.names()
        if used & {"x_next", "y_next", "f_next"} and "lr" not in raw:
            raise Refused(
                path,
                "x_next, y_next and f_next are one step of gradient descent: "
                "give its rate with 'lr:'",
            )
        return left, parts[1], right

    @staticmethod
    def holds_env(f, bound, raw, point, lr) -> dict[str, float] | None:
        value, gradient = bound.value(point), bound.gradient(point)
        env = dict(zip(f.variables, point, strict=True))
        env.update(raw.get("params") or {})
        env["f"] = value
        env["dfdx"] = gradient[0]
        if f.dim == 2:
            env["dfdy"] = gradient[1]
        if lr is not None:
            after = tuple(p - lr * g for p, g in zip(point, gradient, strict=True))
            env["x_next"] = after[0]
            if f.dim == 2:
                env["y_next"] = after[1]
            env["f_next"] = bound.value(after)
        return env if all(math.isfinite(v) for v in env.values()) else None

    @staticmethod
    def compare(sides, env: dict[str, float], tolerance: float) -> bool:
        left, op, right = sides
        a, b = evaluate_tree(left, env), evaluate_tree(right, env)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]

    @staticmethod
    def tex(text: str, raw: dict[str, Any]) -> str:
        names = (*(raw.get("params") or {}), *HOLDS_NAMES)
        left, op, right = COMPARISON.split(text)
        sign = {"<": "<", "<=": r"\le", ">": ">", ">=": r"\ge"}[op]
        tex = " ".join(
            (parse(left.strip(), names).latex(), sign, parse(right.strip(), names).latex())
        )
        for name, readable in HOLDS_TEX.items():
            tex = tex.replace(name, readable)
        return tex

    def descend(self, raw: dict[str, Any], tolerance: float) -> str:
        count = len(self.errors)
        keys = self.runs.expanded(raw["descend"] or {})
        if isinstance(keys, dict) and "from" in keys:  # a demo's run, with these keys on top
            own = {k: v for k, v in keys.items() if k != "from"}
            try:
                based = self.runs.based_on(keys["from"], own, "check")
            except LookupError as exc:
                raise Refused(("descend", "from"), f"descend.from: {exc}") from None
            if based is None:  # that demo's own error says what is wrong
                raise Unchecked
            keys = based
        keys = with_file_data(keys, self.path, self.errors, self.line)
        if len(self.errors) > count:  # the data file's own errors say what is wrong
            raise Refused(("descend", "fit", "data"), "descend: its fit.data cannot be used")
        try:
            spec = normalize_spec(keys)
        except SpecError as exc:
            issue = exc.issues[0]
            raise Refused(("descend", *issue.path), f"descend: {issue}") from exc
        claims = [k for k in ("ends_near", "iterates", "steps_fewer_than") if k in raw]
        if not claims:
            raise Refused(
                ("descend",),
                "claim where the run ends ('ends_near:'), its first "
                "iterates ('iterates:') or its length ('steps_fewer_than:')",
            )
        dim = len(spec["start"])
        target, best = self.end_claimed(raw, spec, dim), None
        if raw.get("ends_near") == "least_squares":
            best = best_line(spec["fit"])
        shown = []
        for run in trajectories(spec):
            if best is not None:
                self.reaches_best_line(run, best, spec["fit"], tolerance)
            elif target is not None:
                end = run.points[-1]
                if not all(agrees(t, e, tolerance) for t, e in zip(target, end, strict=True)):
                    raise Refused(
                        ("ends_near",),
                        f"{run.optimizer} ends at {_point(end)} after {run.steps} steps "
                        f"({run.status}), not near the claimed {_point(target)}; tolerance is "
                        f"{_fmt(tolerance)}",
                    )
            if "iterates" in raw:
                self.iterates(raw["iterates"], run, dim, tolerance)
            if "steps_fewer_than" in raw:
                limit = raw["steps_fewer_than"]
                if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                    raise Refused(("steps_fewer_than",), "steps_fewer_than must be a whole number")
                if run.status != "converged" or run.steps >= limit:
                    raise Refused(
                        ("steps_fewer_than",),
                        f"{run.optimizer} took {run.steps} steps ({run.status.replace('_', ' ')}), "
                        f"not fewer than {limit} to converge (tol {_fmt(spec['tol'])})",
                    )
            shown.append(run.optimizer)
        start = _point(spec["start"])
        said = []
        if best is not None:
            what = "least-squares" if best.loss == "mse" else "least-absolute-deviations"
            said.append(rf"\text{{ ends at the {what} line }} {_point(best.point)}")
        elif target is not None:
            said.append(rf"\text{{ ends within }} {_tex(tolerance)} \text{{ of }} {_point(target)}")
        if "iterates" in raw:
            said.append(rf"\text{{ passes the {len(raw['iterates'])} iterates claimed}}")
        if "steps_fewer_than" in raw:
            said.append(rf"\text{{ converges in fewer than {raw['steps_fewer_than']} steps}}")
        return rf"\text{{{' and '.join(shown)} from }} {start}" + r"\text{,}".join(said)

    def end_claimed(self, raw: dict[str, Any], spec: dict[str, Any], dim: int) -> Any:
        """The end point ``ends_near`` claims: a list, a fit's ``{w, b}``, or None (none
        claimed, or ``least_squares``)."""
        claim = raw.get("ends_near")
        if claim is None:
            return None
        fitting = spec["fit"] is not None
        if claim == "least_squares":
            if not fitting:
                raise Refused(
                    ("ends_near",),
                    "ends_near: least_squares is where a line fit's loss is least; this run "
                    "descends a function: give the point, e.g. ends_near: [0, 0]",
                )
            return None
        if fitting and isinstance(claim, dict) and set(claim) == {"w", "b"}:
            raw = {"ends_near": [claim["w"], claim["b"]]}
        what = "[w, b], {w: …, b: …} or least_squares" if fitting else "the end point"
        return self.numbers(raw, "ends_near", dim, what)

    @staticmethod
    def reaches_best_line(run, best: BestLine, fit: dict[str, Any], tolerance: float) -> None:
        """A fit's run ends at the line its loss is least at (for MAE, where it may not be
        unique: with the least loss there is)."""
        w, b = run.points[-1]
        if best.loss == "mse":
            close = all(agrees(t, e, tolerance) for t, e in zip(best.point, (w, b), strict=True))
            missed = f"the least-squares line {_point(best.point)}"
        else:
            close = agrees(run.values[-1], best.value, tolerance)
            missed = (
                f"a least-absolute-deviations line: its MAE is {_fmt(run.values[-1])}, the "
                f"least is {_fmt(best.value)} (at {_point(best.point)}, for one)"
            )
        if not close:
            raise Refused(
                ("ends_near",),
                f"{run.optimizer} ends at (w, b) = {_point((w, b))} after {run.steps} steps "
                f"({run.status}), not at {missed}; tolerance is {_fmt(tolerance)}",
            )

    @staticmethod
    def iterates(claimed: Any, run, dim: int, tolerance: float) -> None:
        if not isinstance(claimed, list) or not claimed:
            raise Refused(("iterates",), "iterates must list the first iterates, x_0 first")
        if len(claimed) > len(run.points):
            raise Refused(
                ("iterates",),
                f"{len(claimed)} iterates claimed, but the run has only "
                f"{len(run.points)} ({run.status})",
            )
        for k, item in enumerate(claimed):
            point = [item] if dim == 1 and _is_number(item) else item
            if not (isinstance(point, list) and len(point) == dim and all(map(_is_number, point))):
                raise Refused(
                    ("iterates", k),
                    f"iterate {k} must be {'a number' if dim == 1 else 'a pair [x, y]'}",
                )
            exact = run.points[k]
            if not all(agrees(c, e, tolerance) for c, e in zip(point, exact, strict=True)):
                raise Refused(
                    ("iterates", k),
                    f"iterate {k} of {run.optimizer} is {_point(exact)}, not the claimed "
                    f"{_point(point)} (tolerance {_fmt(tolerance)})",
                )
