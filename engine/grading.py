"""Grading at sample points: an expression kind's exact results (a derivative, a gradient,
a Hessian, a value, a typed expression) at seeded points of its domain, the reader's
function called at each, and what is wrong said in words (a point, a component, a sign, a
factor, never the exact expression). Also what every grader shares: the tolerance, the
reader's numbers read, and the errors an author's exercise and a reader's answer raise."""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .catalogue import formula_of
from .cells import CELL_FILE, plain
from .expr import ExpressionError, Node, evaluate_tree, parse

SAMPLES = 64


SEED = 20261203  # the sample points are the same on every build and in every browser


DOMAIN = (-2.5, 2.5)  # where sample points are drawn, per coordinate


FUNCTION_TOLERANCE = 1e-6


ANSWER_TOLERANCE = 1e-3


MAX_STEPS = 10_000


VARIABLES = ("x", "y")


MIN_POINTS = 16  # of SAMPLES: fewer graded points, and the grade would mean little


# --- grading --------------------------------------------------------------------------------
ANSWER_FILE = CELL_FILE.format("answer")


class ExerciseError(ValueError):
    """An exercise the engine cannot grade: (key path, message)."""

    def __init__(self, path: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def agrees(given: float, exact: float, tolerance: float) -> bool:
    """Absolute up to 1, relative above (the check fence's tolerance)."""
    return abs(given - exact) <= tolerance * max(1.0, abs(exact))


def fmt(value: float) -> str:
    return f"{value:.6g}"


def point_text(point: tuple[float, ...]) -> str:
    return "(" + ", ".join(fmt(c) for c in point) + ")"


class Wrong(Exception):
    """What is wrong with the reader's answer, in words (raised inside a grader)."""


# --- sample points and the reader's functions --------------------------------------------
Domain = list[tuple[float, float]]  # per coordinate: where sample points are drawn


def sample_points(
    dim: int, tree: Node | None = None, domain: Domain | None = None
) -> list[tuple[float, ...]]:
    """SAMPLES points in ``domain`` (DOMAIN for every coordinate if not given) where
    ``tree`` (if given) is defined, the same every time."""
    rng = random.Random(SEED + dim)
    box = domain or [DOMAIN] * dim
    points: list[tuple[float, ...]] = []
    for _ in range(SAMPLES * 20):
        point = tuple(round(rng.uniform(*box[k]), 3) for k in range(dim))
        if tree is not None:
            value = evaluate_tree(tree, dict(zip(VARIABLES, point, strict=False)))
            if not math.isfinite(value):
                continue
        points.append(point)
        if len(points) == SAMPLES:
            break
    return points


def call_reader(fn: Callable, name: str, args: tuple[float, ...]) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # the reader's code failed at this point: say so, where
        line = cell_line(exc)
        where = f" (line {line})" if line else ""
        call = f"{name}{point_text(args)}"
        raise Wrong(f"{call} raised {type(exc).__name__}{where}: {exc}") from None


def cell_line(exc: BaseException) -> int | None:
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == ANSWER_FILE:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def numbers_of(value: Any, count: int, what: str, call: str) -> tuple[float, ...]:
    """``value`` as ``count`` floats (a number, a list, a tuple, an array), or Wrong."""
    with contextlib.suppress(TypeError):
        value = plain(value)
    if count == 1 and isinstance(value, list) and len(value) == 1:
        value = value[0]
    items = [value] if count == 1 else value
    if (
        not isinstance(items, list)
        or len(items) != count
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in items)
    ):
        shown = repr(value) if len(repr(value)) < 60 else repr(value)[:57] + "…"
        raise Wrong(f"{call} should return {what}; it returned {shown}")
    return tuple(float(v) for v in items)


def defined(namespace: dict[str, Any], name: str, signature: str) -> Callable:
    fn = namespace.get(name)
    if not callable(fn):
        raise Wrong(f"Define a function {signature}: your code does not define {name}")
    return fn


# --- diagnosing a wrong function ----------------------------------------------------------
def _ratio(given: list[float], exact: list[float]) -> float | None:
    """The constant c with given = c × exact at every sample, if there is one."""
    pairs = [(g, e) for g, e in zip(given, exact, strict=True) if abs(e) > 1e-9]
    if not pairs or any(abs(g) <= 1e-12 and abs(e) > 1e-9 for g, e in pairs):
        return None
    c = pairs[0][0] / pairs[0][1]
    if all(agrees(g, c * e, 1e-6) for g, e in pairs) and all(
        agrees(g, 0.0, 1e-9) for g, e in zip(given, exact, strict=True) if abs(e) <= 1e-9
    ):
        return c
    return None


def _factor_words(c: float) -> str:
    if agrees(c, -1.0, 1e-6):
        return "has the wrong sign everywhere"
    if agrees(c, 0.0, 1e-9):
        return "is zero everywhere"
    return f"is off by a factor of {fmt(c)} everywhere"


def compare_components(
    name: str,
    labels: list[str],
    given: list[tuple[float, ...]],
    exact: list[tuple[float, ...]],
    points: list[tuple[float, ...]],
    tolerance: float,
) -> None:
    """Raise Wrong naming the first wrong component, where and by how much (or how): the
    point, the reader's value and the exact value there, never the exact expression (the
    solution button is for that)."""
    count = len(labels)
    columns_given = [[g[k] for g in given] for k in range(count)]
    columns_exact = [[e[k] for e in exact] for k in range(count)]
    right = [
        all(
            agrees(g, e, tolerance) for g, e in zip(columns_given[k], columns_exact[k], strict=True)
        )
        for k in range(count)
    ]
    if all(right):
        return
    if count == 2 and labels[0] != labels[1]:
        swapped = all(
            agrees(g[0], e[1], tolerance) and agrees(g[1], e[0], tolerance)
            for g, e in zip(given, exact, strict=True)
        )
        if swapped:
            raise Wrong(
                f"Your {name} returns its two components swapped: ({labels[1]}, {labels[0]}); "
                f"return {labels[0]} first"
            )
    k = right.index(False)
    if count > 1:
        factor = [_ratio(columns_given[j], columns_exact[j]) for j in range(count)]
        if all(c is not None and agrees(c, -1.0, 1e-6) for c in factor):
            raise Wrong(
                f"Every component of your {name} has the wrong sign: you return its negative"
            )
    c = _ratio(columns_given[k], columns_exact[k])
    at = next(
        j
        for j in range(len(points))
        if not agrees(columns_given[k][j], columns_exact[k][j], tolerance)
    )
    exact_words = "the exact value is" if name == "expression" else f"{labels[k]} is"
    detail = (
        f"at {point_text(points[at])} your {name} gives {fmt(columns_given[k][at])}, where "
        f"{exact_words} {fmt(columns_exact[k][at])}"
    )
    if c is not None:
        raise Wrong(f"{labels[k]} {_factor_words(c)}: {detail}")
    raise Wrong(f"{labels[k]} is wrong: {detail}")


# --- graded kinds: a function of the point -------------------------------------------------
def expression_of(text: Any, key: str) -> tuple[Node, int]:
    try:
        tree = parse(formula_of(str(text)))
    except ExpressionError as exc:
        raise ExerciseError((key,), f"{key}: {exc}") from None
    dim = 2 if "y" in tree.names() else 1
    return tree, dim


# What each expression kind compares, per component: (label, exact expression).
EXACT: dict[str, Callable[[Node, int], list[tuple[str, Node]]]] = {
    "derivative_of": lambda tree, dim: [("f′(x)", tree.diff("x"))],
    "gradient_of": lambda tree, dim: [(f"∂f/∂{v}", tree.diff(v)) for v in VARIABLES[:dim]],
    "hessian_of": lambda tree, dim: (
        [("f″(x)", tree.diff("x").diff("x"))]
        if dim == 1
        else [(f"∂²f/∂{a}∂{b}", tree.diff(a).diff(b)) for a in VARIABLES for b in VARIABLES]
    ),
    "value_of": lambda tree, dim: [("f", tree)],
    "expression": lambda tree, dim: [("the value", tree)],
}


def graded_points(exercise: dict[str, Any]) -> list[tuple[tuple[float, ...], tuple]]:
    """The sample points an expression kind grades at, with the exact results there: the
    points of its domain where every exact result is defined."""
    key, domain = exercise["kind"], exercise.get("domain")
    return list(_graded(key, exercise[key], tuple(map(tuple, domain)) if domain else None))


@lru_cache(maxsize=64)  # a Check grades at them, then counts them for its praise
def _graded(key: str, text: str, domain: tuple | None) -> tuple:
    tree, dim = expression_of(text, key)
    parts = EXACT[key](tree, dim)
    out = []
    for point in sample_points(dim, tree, list(domain) if domain else None):
        env = dict(zip(VARIABLES, point, strict=False))
        values = tuple(evaluate_tree(node, env) for _, node in parts)
        if all(math.isfinite(v) for v in values):
            out.append((point, values))
    return tuple(out)


def _signature(name: str, dim: int) -> str:
    return f"{name}({', '.join(VARIABLES[:dim])})"


def grade_function(
    exercise: dict[str, Any],
    fn: Callable | None,
    namespace: dict[str, Any],
    name: str,
    what: Callable[[int], str],
) -> None:
    """Compare the reader's function ``name`` (or ``fn``, a wrapper of it) with the exact
    results of the exercise's kind (``EXACT``) at its graded points."""
    key = exercise["kind"]
    tree, dim = expression_of(exercise[key], key)
    own = defined(namespace, name, _signature(name, dim))
    fn = fn(own) if fn is not None else own
    parts = EXACT[key](tree, dim)
    given, exact, kept = [], [], []
    for point, values in graded_points(exercise):
        result = call_reader(fn, name, point)
        given.append(numbers_of(result, len(parts), what(dim), f"{name}{point_text(point)}"))
        exact.append(values)
        kept.append(point)
    compare_components(
        name,
        [label for label, _ in parts],
        given,
        exact,
        kept,
        exercise["tolerance"],
    )


def grade_derivative(exercise: dict[str, Any], namespace: dict[str, Any]) -> None:
    grade_function(exercise, None, namespace, "derivative", lambda dim: "one number, f′(x)")


def grade_gradient(exercise: dict[str, Any], namespace: dict[str, Any]) -> None:
    def what(dim: int) -> str:
        return "two numbers, (∂f/∂x, ∂f/∂y)" if dim == 2 else "one number, df/dx"

    grade_function(exercise, None, namespace, "gradient", what)


def _rows_flattened(fn: Callable) -> Callable:
    """The reader's hessian, [[a, b], [c, d]] read as a, b, c, d."""

    def flat(*point: float) -> Any:
        result = fn(*point)
        try:
            rows = plain(result)
        except TypeError:
            return result
        if isinstance(rows, list) and len(rows) == 2 and all(isinstance(r, list) for r in rows):
            return [v for row in rows for v in row]
        return rows

    return flat


def grade_hessian(exercise: dict[str, Any], namespace: dict[str, Any]) -> None:
    def what(dim: int) -> str:
        return "[[f_xx, f_xy], [f_yx, f_yy]]" if dim == 2 else "one number, f″(x)"

    grade_function(exercise, _rows_flattened, namespace, "hessian", what)


def grade_value(exercise: dict[str, Any], namespace: dict[str, Any]) -> None:
    grade_function(exercise, None, namespace, "f", lambda dim: "one number, the value of f")


# --- graded kinds: typed answers ---------------------------------------------------------
def typed_number(text: str) -> float:
    """A number the reader typed: 0.5, -8*0.8**15, 2/3, pi/4 (no variables)."""
    try:
        tree = parse(text)
    except ExpressionError as exc:
        raise Wrong(f"Type a number (or arithmetic such as 2/3): {exc.args[0]}") from None
    if tree.names() & set(VARIABLES):
        raise Wrong("Type a number: your answer uses a variable")
    value = evaluate_tree(tree, {})
    if not math.isfinite(value):
        raise Wrong("Your answer is not a finite number")
    return value


def grade_expression(exercise: dict[str, Any], typed: Any) -> None:
    _, dim = expression_of(exercise["expression"], "expression")
    try:
        given = parse(str(typed))
    except ExpressionError as exc:
        raise Wrong(f"Your expression cannot be read: {exc}") from None
    unknown = given.names() - set(VARIABLES[:dim])
    if unknown:
        raise Wrong(
            f"Your expression uses {sorted(unknown)[0]!r}; it may use "
            f"{' and '.join(VARIABLES[:dim])}"
        )
    points, mine, theirs = [], [], []
    for point, exact in graded_points(exercise):
        value = evaluate_tree(given, dict(zip(VARIABLES, point, strict=False)))
        if not math.isfinite(value):
            raise Wrong(f"Your expression is not defined at {point_text(point)}")
        points.append(point)
        mine.append((value,))
        theirs.append(exact)
    compare_components(
        "expression", ["Your expression"], mine, theirs, points, exercise["tolerance"]
    )


# --- checking an exercise -----------------------------------------------------------------
def number_at(raw: Any, path: tuple[str, ...], positive: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ExerciseError(path, f"{path[-1]} must be a number, not {raw!r:.40}")
    if positive and raw <= 0:
        raise ExerciseError(path, f"{path[-1]} must be positive, not {raw!r}")
    return float(raw)


def domain_of(raw: Any, dim: int) -> Domain:
    """``[lo, hi]`` for every coordinate, or ``[[x0, x1], [y0, y1]]``."""
    example = "[lo, hi]" if dim == 1 else "[lo, hi] (every coordinate) or [[x0, x1], [y0, y1]]"
    pairs = raw if isinstance(raw, list) and raw and isinstance(raw[0], list) else [raw] * dim
    if not isinstance(raw, list) or len(pairs) != dim:
        raise ExerciseError(("domain",), f"domain must be {example}")
    out = []
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ExerciseError(("domain",), f"domain must be {example}")
        lo, hi = (number_at(c, ("domain",)) for c in pair)
        if not lo < hi:
            raise ExerciseError(("domain",), f"domain's {lo:g} must be below {hi:g}")
        out.append((lo, hi))
    return out


def enough_points(exercise: dict[str, Any], dim: int) -> None:
    """An expression kind must grade at MIN_POINTS points or more: where its exact results
    are defined, in its domain."""
    count = len(graded_points(exercise))
    if count >= MIN_POINTS:
        return
    key = exercise["kind"]
    box = exercise.get("domain") or [DOMAIN] * dim
    where = " × ".join(f"[{fmt(lo)}, {fmt(hi)}]" for lo, hi in box)
    better = _defined_domain(exercise, dim)
    fix = f"e.g. domain: [{fmt(better[0])}, {fmt(better[1])}]" if better else "e.g. [1, 5]"
    raise ExerciseError(
        (key,),
        f"{key}: {exercise[key]} is defined at {count} of {SAMPLES} sample points in {where} "
        f"(the grade needs {MIN_POINTS}); give a domain where it is, {fix}",
    )


def _defined_domain(exercise: dict[str, Any], dim: int) -> tuple[float, float] | None:
    """The nearest interval of DOMAIN's width, moved in half widths, where every point drawn
    is graded: the domain an error suggests."""
    width = DOMAIN[1] - DOMAIN[0]
    for k in sorted(range(-16, 17), key=abs):
        lo = DOMAIN[0] + k * width / 2
        box = [(lo, lo + width)] * dim
        graded = graded_points({**exercise, "domain": box})
        if [p for p, _ in graded] == sample_points(dim, None, box):
            return lo, lo + width
    return None
