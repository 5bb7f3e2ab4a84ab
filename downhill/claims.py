"""The claims a ``check`` fence states, one method per kind of :data:`downhill.checks.KINDS`
(the fence's name for it): each verifies its claim with the engine and returns the claim's
TeX, or raises Refused (a false or malformed claim, at the key that is wrong) or Unchecked
(an error already said). :class:`downhill.checks.CheckFence` reads the fence and calls them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from engine import compile_expression
from engine.catalogue import formula_of
from engine.exercises import agrees  # the one meaning of tolerance, shared with exercises
from engine.expr import Expression, ExpressionError, evaluate_tree, parse

from .claim_terms import (
    BREAK,
    COMPARISON,
    CRITICAL_KINDS,
    HOLDS_NAMES,
    HOLDS_TEX,
    SAMPLES,
    NamedExpression,
    Refused,
    _fmt,
    _is_number,
    _point,
    _tex,
)
from .descend_claim import DescendClaim


class Claims(DescendClaim):
    """The kinds of claim, as methods of the check fence (``self.runs``, ``self.path``,
    ``self.errors``, ``self.line`` and ``self.fail`` are the fence's)."""

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
