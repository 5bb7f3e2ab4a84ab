"""Exercises the engine grades: the reader's code (or typed answer) against exact mathematics.

One grader runs at build time (the author's solution must pass it) and in the reader's
browser (Pyodide, the cells' worker), so the build and the page say the same thing.
An exercise is a plain dict, checked by :func:`normalize_exercise`, with one grading key:

- ``derivative_of``, ``gradient_of``, ``hessian_of``, ``value_of``: an expression; the
  reader defines ``derivative(x)``, ``gradient(x, y)``, ``hessian(x, y)`` or ``f(x, y)``,
  compared with the exact result at SAMPLES points;
- ``update``: ``{optimizer, lr, …, function, start, steps}``; the reader defines one step of
  the optimizer (``step``, its signature in STEP_SIGNATURES), run for ``steps`` steps and
  compared with the engine's trajectory;
- ``answer``: a number, or a run ``{function, start, lr, steps, optimizer, of}`` whose
  coordinate ``of`` after ``steps`` steps is the number; the reader types it;
- ``expression``: an expression the reader types, equivalent at SAMPLES points;
- ``loop``: ``{function, start, lr, steps}`` (the reader's loop must end where exactly
  ``steps`` steps of gradient descent end) or ``{function, start, near, steps_fewer_than}``;
  the reader's code is given ``f``, ``derivative`` or ``gradient`` (which counts its calls)
  and leaves its last point in ``x`` (and ``y``).

A failure is said in words with a concrete point or step, and the typical mistakes (swapped
partials, a sign, a factor, momentum without its velocity, Adam without bias correction,
a loop one step short) are named. A typed answer's message never gives the answer away.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .catalogue import formula_of
from .cells import CELL_FILE, Stream, plain, run_cell
from .descent import descend
from .expr import ExpressionError, Node, compile_cached, evaluate_tree, parse
from .optimizers import OPTIMIZERS, SECOND_ORDER, Hyper

SAMPLES = 64
SEED = 20261203  # the sample points are the same on every build and in every browser
DOMAIN = (-2.5, 2.5)  # where sample points are drawn, per coordinate
FUNCTION_TOLERANCE = 1e-6
ANSWER_TOLERANCE = 1e-3
MAX_STEPS = 10_000
VARIABLES = ("x", "y")


class ExerciseError(ValueError):
    """An exercise the engine cannot grade: (key path, message)."""

    def __init__(self, path: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Kind:
    """A grading key: what the reader gives and how it is graded."""

    key: str
    typed: bool  # the reader types an answer (True) or writes code (False)
    asks: str  # what the reader writes, as the page says it
    grade: Callable[[dict[str, Any], Any], str | None]  # → None (passed) or what is wrong


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


def _call(fn: Callable, name: str, args: tuple[float, ...]) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # the reader's code failed at this point: say so, where
        line = _cell_line(exc)
        where = f" (line {line})" if line else ""
        call = f"{name}{point_text(args)}"
        raise Wrong(f"{call} raised {type(exc).__name__}{where}: {exc}") from None


def _cell_line(exc: BaseException) -> int | None:
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == ANSWER_FILE:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _numbers(value: Any, count: int, what: str, call: str) -> tuple[float, ...]:
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


def _function(namespace: dict[str, Any], name: str, signature: str) -> Callable:
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


def _compare_components(
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
def _expression(text: Any, key: str) -> tuple[Node, int]:
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
    tree, dim = _expression(text, key)
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


def _grade_function(
    exercise: dict[str, Any],
    fn: Callable | None,
    namespace: dict[str, Any],
    name: str,
    what: Callable[[int], str],
) -> None:
    """Compare the reader's function ``name`` (or ``fn``, a wrapper of it) with the exact
    results of the exercise's kind (``EXACT``) at its graded points."""
    key = exercise["kind"]
    tree, dim = _expression(exercise[key], key)
    own = _function(namespace, name, _signature(name, dim))
    fn = fn(own) if fn is not None else own
    parts = EXACT[key](tree, dim)
    given, exact, kept = [], [], []
    for point, values in graded_points(exercise):
        result = _call(fn, name, point)
        given.append(_numbers(result, len(parts), what(dim), f"{name}{point_text(point)}"))
        exact.append(values)
        kept.append(point)
    _compare_components(
        name,
        [label for label, _ in parts],
        given,
        exact,
        kept,
        exercise["tolerance"],
    )


def grade_derivative(exercise: dict[str, Any], namespace: dict[str, Any]) -> None:
    _grade_function(exercise, None, namespace, "derivative", lambda dim: "one number, f′(x)")


def grade_gradient(exercise: dict[str, Any], namespace: dict[str, Any]) -> None:
    def what(dim: int) -> str:
        return "two numbers, (∂f/∂x, ∂f/∂y)" if dim == 2 else "one number, df/dx"

    _grade_function(exercise, None, namespace, "gradient", what)


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

    _grade_function(exercise, _rows_flattened, namespace, "hessian", what)


def grade_value(exercise: dict[str, Any], namespace: dict[str, Any]) -> None:
    _grade_function(exercise, None, namespace, "f", lambda dim: "one number, the value of f")


# --- graded kinds: an optimizer's step --------------------------------------------------
# What the reader's step takes and returns, per optimizer; state starts at zero, t at 1.
STEP_SIGNATURES = {
    "gd": ("step(x, g)", "the new x", ()),
    "momentum": ("step(x, g, v)", "(new x, new v)", ("v",)),
    "nesterov": ("step(x, g, v)", "(new x, new v)", ("v",)),
    "adagrad": ("step(x, g, s)", "(new x, new s)", ("s",)),
    "rmsprop": ("step(x, g, s)", "(new x, new s)", ("s",)),
    "adam": ("step(x, g, m, v, t)", "(new x, new m, new v)", ("m", "v")),
    "newton": ("step(x, g, H)", "the new x", ()),  # H: f″(x), or [[f_xx, f_xy], [f_yx, f_yy]]
}
HYPER_NAMES = ("lr", "momentum", "alpha", "beta1", "beta2", "eps")
# The grading keys whose value is an expression (the others are runs or a number).
EXPRESSION_KEYS = ("derivative_of", "gradient_of", "hessian_of", "value_of", "expression")
RUN_KINDS = ("update", "loop", "answer")  # grading keys that may be a run's mapping
EPS = {"adagrad": 1e-10, "rmsprop": 1e-8, "adam": 1e-8}


def _adam_uncorrected(g: tuple, state: Any, h: Hyper) -> tuple[tuple, Any]:
    """Adam without bias correction (a typical mistake, for naming it)."""
    eps = 1e-8 if h.eps is None else h.eps
    t, m, v = state
    m = tuple([h.beta1 * mi + (1 - h.beta1) * gi for mi, gi in zip(m, g, strict=True)])
    v = tuple([h.beta2 * vi + (1 - h.beta2) * gi * gi for vi, gi in zip(v, g, strict=True)])
    step = tuple([-h.lr * mi / (math.sqrt(vi) + eps) for mi, vi in zip(m, v, strict=True)])
    return step, (t + 1, m, v)


def _rmsprop_no_root(g: tuple, state: Any, h: Hyper) -> tuple[tuple, Any]:
    eps = 1e-8 if h.eps is None else h.eps
    (avg,) = state
    avg = tuple([h.alpha * a + (1 - h.alpha) * gi * gi for a, gi in zip(avg, g, strict=True)])
    return tuple([-h.lr * gi / (a + eps) for gi, a in zip(g, avg, strict=True)]), (avg,)


# Typical mistakes per optimizer: (update, its init, what the reader did, how to fix it).
MISTAKES: dict[str, list[tuple[str, str]]] = {
    "newton": [
        (
            "gd",
            "Your step ignores the Hessian: it moves exactly as gradient descent does. "
            "Solve H·d = g for d and step x ← x − lr·d",
        ),
    ],
    "momentum": [
        (
            "gd",
            "Your step ignores the velocity: it moves exactly as plain gradient descent "
            "does. Update v ← momentum·v + g, step x ← x − lr·v, and return the new v",
        ),
    ],
    "nesterov": [
        (
            "gd",
            "Your step ignores the velocity: it moves exactly as plain gradient descent "
            "does. Keep v ← momentum·v + g and return it",
        ),
        (
            "momentum",
            "You wrote heavy-ball momentum: Nesterov steps by g + momentum·v, "
            "the gradient plus the new velocity's look-ahead",
        ),
    ],
    "adam": [
        (
            "adam-uncorrected",
            "You did not correct the moments' bias: divide m by 1 − β₁ᵗ and "
            "v by 1 − β₂ᵗ before the step (t counts from 1)",
        ),
        (
            "rmsprop",
            "Your step uses no first moment m: Adam steps along the averaged gradient m̂, not g",
        ),
    ],
    "rmsprop": [
        (
            "rmsprop-no-root",
            "You divided by the average of g² itself: divide by its square root, √s + ε",
        ),
        (
            "adagrad",
            "You summed the squared gradients (Adagrad): RMSprop keeps a moving "
            "average, s ← α·s + (1 − α)·g²",
        ),
    ],
    "adagrad": [
        ("rmsprop", "You averaged the squared gradients (RMSprop): Adagrad sums them, s ← s + g²"),
    ],
}
EXTRA_UPDATES: dict[str, tuple[Callable, Callable[[int], Any]]] = {
    "adam-uncorrected": (_adam_uncorrected, lambda dim: (0, (0.0,) * dim, (0.0,) * dim)),
    "rmsprop-no-root": (_rmsprop_no_root, lambda dim: ((0.0,) * dim,)),
}


def _hyper(spec: dict[str, Any]) -> dict[str, float]:
    """The optimizer constants a run names (the others keep Hyper's torch defaults)."""
    return {k: spec[k] for k in HYPER_NAMES[1:] if k in spec}


def _reference_points(spec: dict[str, Any], optimizer: str, ascent: bool = False) -> list:
    """The iterates of ``optimizer`` (an engine optimizer or a mistake) on the run ``spec``."""
    f = compile_cached(spec["function"], (), len(spec["start"])).bind()
    if optimizer in OPTIMIZERS and not ascent:
        run = descend(f, spec["start"], optimizer, spec["lr"], spec["steps"], **_hyper(spec))
        return list(run.points)
    if optimizer in OPTIMIZERS:
        update, init = OPTIMIZERS[optimizer].update, OPTIMIZERS[optimizer].init
    else:
        update, init = EXTRA_UPDATES[optimizer]
    h = Hyper(spec["lr"], **_hyper(spec))
    point = tuple(float(c) for c in spec["start"])
    state = init(len(point))
    points = [point]
    hessian_at = f.hessian_at() if optimizer in SECOND_ORDER else None
    for _ in range(spec["steps"]):
        grad = f.gradient(point)
        extra = () if hessian_at is None else (hessian_at(*point),)
        try:
            step, state = update(tuple([-g for g in grad]) if ascent else grad, state, h, *extra)
        except ArithmeticError:  # no finite step (0/0, overflow, a singular Hessian)
            break
        point = tuple([p + s for p, s in zip(point, step, strict=True)])
        if not all(math.isfinite(c) for c in point):
            break
        points.append(point)
    return points


def _same_run(given: list, reference: list, tolerance: float) -> bool:
    return len(given) == len(reference) and all(
        agrees(g, r, tolerance)
        for p, q in zip(given, reference, strict=True)
        for g, r in zip(p, q, strict=True)
    )


def grade_update(exercise: dict[str, Any], namespace: dict[str, Any]) -> None:
    spec = exercise["update"]
    optimizer = spec["optimizer"]
    signature, returns, state_names = STEP_SIGNATURES[optimizer]
    fn = _function(namespace, "step", signature)
    dim = len(spec["start"])
    f = compile_cached(spec["function"], (), dim).bind()
    shape = "a number" if dim == 1 else f"{dim} numbers"
    point = tuple(float(c) for c in spec["start"])
    state = [(0.0,) * dim for _ in state_names]
    points = [point]
    label = OPTIMIZERS[optimizer].label
    hessian_at = f.hessian_at() if optimizer == "newton" else None  # (compiled if needed)
    for t in range(1, spec["steps"] + 1):
        grad = f.gradient(point)
        unpack = (lambda v: v[0]) if dim == 1 else list
        args: list[Any] = [unpack(point), unpack(grad), *(unpack(s) for s in state)]
        if optimizer == "adam":
            args.append(t)
        if hessian_at is not None:  # H as the reader writes it: a number, or its rows
            hessian = hessian_at(*point)
            args.append(hessian[0] if dim == 1 else [list(hessian[:2]), list(hessian[1:])])
        call = f"step (at step {t})"
        try:
            result = fn(*args)
        except Exception as exc:
            line = _cell_line(exc)
            where = f" (line {line})" if line else ""
            raise Wrong(f"{call} raised {type(exc).__name__}{where}: {exc}") from None
        try:
            if not state_names:
                point = _numbers(result, dim, f"the new x as {shape}", call)
            elif not isinstance(result, tuple | list) or len(result) != 1 + len(state_names):
                raise Wrong
            else:
                point = _numbers(result[0], dim, shape, call)
                state = [_numbers(s, dim, shape, call) for s in result[1:]]
        except Wrong as wrong:
            if not state_names:
                raise
            shown = repr(result) if len(repr(result)) < 60 else repr(result)[:57] + "…"
            raise Wrong(
                f"{signature} should return {returns}, each {shape}; at step {t} it returned "
                f"{shown}"
            ) from wrong
        if not all(math.isfinite(c) for c in point):
            break
        points.append(point)
    reference = _reference_points(spec, optimizer)
    tolerance = exercise["tolerance"]
    if _same_run(points, reference, tolerance):
        return
    if _same_run(points, _reference_points(spec, optimizer, ascent=True), tolerance):
        raise Wrong("Your step goes uphill: the update must be subtracted from x, not added")
    for mistake, words in MISTAKES.get(optimizer, []):
        if _same_run(points, _reference_points(spec, mistake), tolerance):
            raise Wrong(words)
    k = next(
        (
            k
            for k in range(1, min(len(points), len(reference)))
            if not all(
                agrees(g, r, tolerance) for g, r in zip(points[k], reference[k], strict=True)
            )
        ),
        min(len(points), len(reference)),
    )
    mine = point_text(points[k]) if k < len(points) else "nothing (it stopped)"
    theirs = point_text(reference[k]) if k < len(reference) else "nothing (it diverged)"
    before = (
        f"; the {k - 1} steps before it agree"
        if k > 2
        else ("; the step before it agrees" if k == 2 else "")
    )
    raise Wrong(
        f"Step {k} differs: your x_{k} = {mine}, the engine's {label} gives x_{k} = "
        f"{theirs}{before}"
    )


# --- graded kinds: a loop -----------------------------------------------------------------
def _loop_namespace(spec: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """What a loop exercise's code is given: f, its derivative or gradient (counted), and the
    run's constants."""
    dim = len(spec["start"])
    f = compile_cached(spec["function"], (), dim).bind()
    calls = [0]

    def value(*point: float) -> float:
        return f.value_at(*point)

    def gradient(*point: float) -> Any:
        calls[0] += 1
        if calls[0] > MAX_STEPS * 10:
            raise RuntimeError(f"more than {MAX_STEPS * 10} gradient evaluations: stop the loop")
        g = f.gradient_at(*point)
        return g[0] if dim == 1 else g

    given: dict[str, Any] = {"f": value, "derivative" if dim == 1 else "gradient": gradient}
    given["start"] = spec["start"][0] if dim == 1 else list(spec["start"])
    for name in ("lr", "steps"):
        if name in spec:
            given[name] = spec[name]
    return given, calls


def _loop_point(namespace: dict[str, Any], dim: int) -> tuple[float, ...]:
    names = VARIABLES[:dim]
    missing = [n for n in names if n not in namespace]
    if missing:
        raise Wrong(
            f"Leave the loop's last point in {' and '.join(names)}: your code does not set "
            f"{missing[0]}"
        )
    return tuple(_numbers(namespace[n], 1, "a number", f"the variable {n}")[0] for n in names)


def grade_loop(exercise: dict[str, Any], namespace: dict[str, Any]) -> None:
    spec = exercise["loop"]
    dim = len(spec["start"])
    point = _loop_point(namespace, dim)
    calls = namespace["__calls__"][0]
    tolerance = exercise["tolerance"]
    if "near" in spec:
        target = tuple(spec["near"])
        distance = math.dist(point, target)
        if distance > spec.get("within", 1e-3):
            raise Wrong(
                f"Your loop ended at {point_text(point)}, {fmt(distance)} from "
                f"{point_text(target)}; it must end within {fmt(spec.get('within', 1e-3))}"
            )
        if "steps_fewer_than" in spec and calls >= spec["steps_fewer_than"]:
            raise Wrong(
                f"Your loop evaluated the gradient {calls} times; it must get there in fewer "
                f"than {spec['steps_fewer_than']} steps (try a larger learning rate)"
            )
        return
    run = {**spec, "steps": spec["steps"] + 1, "optimizer": "gd"}
    reference = _reference_points(run, "gd")
    n = spec["steps"]
    if n < len(reference) and all(
        agrees(g, r, tolerance) for g, r in zip(point, reference[n], strict=True)
    ):
        return
    for k in (n - 1, n + 1, n - 2, n + 2):
        if 0 <= k < len(reference) and all(
            agrees(g, r, tolerance) for g, r in zip(point, reference[k], strict=True)
        ):
            return_words = "fewer" if k < n else "more"
            raise Wrong(
                f"Your loop ran {k} steps, {abs(n - k)} {return_words} than {n}: it ended where "
                f"gradient descent is after {k} steps (an off-by-one: range({n}) runs {n} "
                "times)"
            )
    ascent = _reference_points(run, "gd", ascent=True)
    if n < len(ascent) and all(
        agrees(g, r, tolerance) for g, r in zip(point, ascent[n], strict=True)
    ):
        raise Wrong("Your loop climbs: x ← x − lr·f′(x) steps against the slope, not along it")
    theirs = point_text(reference[n]) if n < len(reference) else "a diverged run"
    raise Wrong(
        f"Your loop ended at {point_text(point)}, but {n} steps of gradient descent with "
        f"lr = {fmt(spec['lr'])} from {point_text(tuple(spec['start']))} end at {theirs}"
    )


# --- graded kinds: typed answers ---------------------------------------------------------
def _typed_number(text: str) -> float:
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


def answer_value(spec: Any) -> float:
    """The exact answer of an ``answer`` key: the number, or the run's coordinate."""
    if not isinstance(spec, dict):
        return float(spec)
    points = _reference_points(spec, spec.get("optimizer", "gd"))
    if len(points) <= spec["steps"]:
        return math.nan
    point = points[spec["steps"]]
    if spec.get("of", "x") == "f":
        return compile_cached(spec["function"], (), len(point)).bind().value(point)
    return point[VARIABLES.index(spec.get("of", "x"))]


def grade_answer(exercise: dict[str, Any], typed: Any) -> None:
    value = _typed_number(str(typed))
    spec = exercise["answer"]
    exact = answer_value(spec)
    tolerance = exercise["tolerance"]
    if agrees(value, exact, tolerance):
        return
    if isinstance(spec, dict):
        n = spec["steps"]
        for k in (n - 1, n + 1):
            near = answer_value({**spec, "steps": k})
            if math.isfinite(near) and agrees(value, near, tolerance):
                raise Wrong(
                    f"Not yet: that is the value after {k} steps, not {n} (x₀ is the start; "
                    f"count the steps again)"
                )
    if agrees(value, -exact, tolerance) and exact != 0:
        raise Wrong("Not yet: check the sign of your answer")
    side = "too large" if value > exact else "too small"
    raise Wrong(f"Not yet: {fmt(value)} is {side}")


def grade_expression(exercise: dict[str, Any], typed: Any) -> None:
    _, dim = _expression(exercise["expression"], "expression")
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
    _compare_components(
        "expression", ["Your expression"], mine, theirs, points, exercise["tolerance"]
    )


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("derivative_of", False, "derivative(x)", grade_derivative),
        Kind("gradient_of", False, "gradient(x, y)", grade_gradient),
        Kind("hessian_of", False, "hessian(x, y)", grade_hessian),
        Kind("value_of", False, "f(x, y)", grade_value),
        Kind("update", False, "step(…), one step of the optimizer", grade_update),
        Kind("loop", False, "a descent loop that leaves its last point in x", grade_loop),
        Kind("answer", True, "a number", grade_answer),
        Kind("expression", True, "an expression in x and y", grade_expression),
    )
}


# --- checking an exercise -----------------------------------------------------------------
def _number(raw: Any, path: tuple[str, ...], positive: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ExerciseError(path, f"{path[-1]} must be a number, not {raw!r:.40}")
    if positive and raw <= 0:
        raise ExerciseError(path, f"{path[-1]} must be positive, not {raw!r}")
    return float(raw)


def _count(raw: Any, path: tuple[str, ...], most: int = MAX_STEPS) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= most:
        raise ExerciseError(path, f"{path[-1]} must be a whole number from 1 to {most}")
    return raw


def _run(raw: Any, key: str, allowed: tuple[str, ...], needs: tuple[str, ...]) -> dict[str, Any]:
    """A run's mapping (function, start, lr, …) checked against ``allowed``."""
    if not isinstance(raw, Mapping):
        raise ExerciseError((key,), f"{key} must be a mapping with {', '.join(needs)}")
    for name in raw:
        if name not in allowed:
            from .schema import suggest

            raise ExerciseError(
                (key, str(name)),
                f"{key} has no key {name!r}{suggest(name, allowed)} (it takes "
                f"{', '.join(allowed)})",
            )
    missing = [n for n in needs if n not in raw]
    if missing:
        raise ExerciseError((key,), f"{key} needs {missing[0]!r}")
    out: dict[str, Any] = {}
    text = formula_of(str(raw["function"]))  # a catalogue name, or an expression
    try:
        expression = compile_cached(text)
    except ExpressionError as exc:
        raise ExerciseError((key, "function"), f"function: {exc}") from None
    out["function"] = text
    start = raw["start"]
    if isinstance(start, int | float) and not isinstance(start, bool):
        start = [start]
    if not isinstance(start, list) or len(start) != expression.dim:
        raise ExerciseError(
            (key, "start"), f"start must be a list of {expression.dim} numbers (x, y)"
        )
    out["start"] = [_number(c, (key, "start")) for c in start]
    for name in ("lr", "momentum", "alpha", "beta1", "beta2", "eps", "within"):
        if name in raw:
            out[name] = _number(raw[name], (key, name), positive=name in ("lr", "within", "eps"))
    for name in ("steps", "steps_fewer_than"):
        if name in raw:
            out[name] = _count(raw[name], (key, name))
    if "optimizer" in raw:
        known = STEP_SIGNATURES if key == "update" else OPTIMIZERS
        if raw["optimizer"] not in known:
            from .schema import suggest

            raise ExerciseError(
                (key, "optimizer"),
                f"unknown optimizer {raw['optimizer']!r}{suggest(raw['optimizer'], known)}"
                f" (one of {', '.join(known)})",
            )
        out["optimizer"] = raw["optimizer"]
    if "near" in raw:
        near = raw["near"] if isinstance(raw["near"], list) else [raw["near"]]
        if len(near) != expression.dim:
            raise ExerciseError((key, "near"), f"near must be a list of {expression.dim} numbers")
        out["near"] = [_number(c, (key, "near")) for c in near]
    if "of" in raw:
        if raw["of"] not in (*VARIABLES[: expression.dim], "f"):
            raise ExerciseError((key, "of"), "of must be x, y (a 2-D run) or f")
        out["of"] = raw["of"]
    return out


MIN_POINTS = 16  # of SAMPLES: fewer graded points, and the grade would mean little


def _domain(raw: Any, dim: int) -> Domain:
    """``[lo, hi]`` for every coordinate, or ``[[x0, x1], [y0, y1]]``."""
    example = "[lo, hi]" if dim == 1 else "[lo, hi] (every coordinate) or [[x0, x1], [y0, y1]]"
    pairs = raw if isinstance(raw, list) and raw and isinstance(raw[0], list) else [raw] * dim
    if not isinstance(raw, list) or len(pairs) != dim:
        raise ExerciseError(("domain",), f"domain must be {example}")
    out = []
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ExerciseError(("domain",), f"domain must be {example}")
        lo, hi = (_number(c, ("domain",)) for c in pair)
        if not lo < hi:
            raise ExerciseError(("domain",), f"domain's {lo:g} must be below {hi:g}")
        out.append((lo, hi))
    return out


def _enough_points(exercise: dict[str, Any], dim: int) -> None:
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


def normalize_exercise(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The grading part of an exercise, checked: ``{"kind", <kind's key>, "tolerance"}``.

    Raises ExerciseError(path, message) for anything the grader could not use."""
    kinds = [key for key in KINDS if key in raw]
    if len(kinds) != 1:
        found = "none" if not kinds else " and ".join(kinds)
        raise ExerciseError(
            (kinds[1] if len(kinds) > 1 else "id",),
            f"an exercise has exactly one grading key ({', '.join(KINDS)}); this one has {found}",
        )
    key = kinds[0]
    kind = KINDS[key]
    out: dict[str, Any] = {"kind": key}
    default = ANSWER_TOLERANCE if kind.typed and key == "answer" else FUNCTION_TOLERANCE
    out["tolerance"] = (
        _number(raw["tolerance"], ("tolerance",), positive=True) if "tolerance" in raw else default
    )
    value = raw[key]
    if "domain" in raw and key not in EXPRESSION_KEYS:
        raise ExerciseError(
            ("domain",), f"domain is where {', '.join(EXPRESSION_KEYS)} are graded; {key} has none"
        )
    if key in EXPRESSION_KEYS:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ExerciseError((key,), f"{key} must be an expression in x (and y)")
        _, dim = _expression(str(value), key)
        if key == "derivative_of" and dim != 1:
            raise ExerciseError(
                (key,),
                "derivative_of takes a function of x alone; use "
                "gradient_of for a function of x and y",
            )
        out[key] = formula_of(str(value))
        if "domain" in raw:
            out["domain"] = _domain(raw["domain"], dim)
        _enough_points(out, dim)
    elif key == "update":
        run = _run(
            value,
            key,
            ("optimizer", "function", "start", "steps", *HYPER_NAMES),
            ("optimizer", "function", "start", "lr"),
        )
        run.setdefault("steps", 10)
        out[key] = run
    elif key == "loop":
        run = _run(
            value,
            key,
            ("function", "start", "lr", "steps", "near", "within", "steps_fewer_than"),
            ("function", "start"),
        )
        if "near" not in run and not ("lr" in run and "steps" in run):
            raise ExerciseError(
                (key,),
                "loop needs 'lr' and 'steps' (end where that many steps end) or "
                "'near' (end near a point), with 'steps_fewer_than' if you like",
            )
        out[key] = run
    elif key == "answer":
        if isinstance(value, Mapping):
            run = _run(
                value,
                key,
                ("function", "start", "lr", "steps", "optimizer", "of", *HYPER_NAMES[1:]),
                ("function", "start", "lr", "steps"),
            )
            if not math.isfinite(answer_value(run)):
                raise ExerciseError((key,), "that run diverges: its answer is not a number")
            out[key] = run
        else:
            out[key] = _number(value, (key,))
    return out


# --- grading --------------------------------------------------------------------------------
ANSWER_FILE = CELL_FILE.format("answer")


def grade(exercise: dict[str, Any], answer: str, on_text: Stream | None = None) -> dict[str, Any]:
    """Grade the reader's ``answer`` (code, or typed text) for a normalized ``exercise``:
    ``{"passed": bool, "message": str, "output": cell output | None}``."""
    kind = KINDS[exercise["kind"]]
    output = None
    try:
        if kind.typed:
            kind.grade(exercise, answer)
        else:
            namespace: dict[str, Any] = {}
            calls = None
            if kind.key == "loop":
                given, calls = _loop_namespace(exercise["loop"])
                namespace.update(given)
            output = run_cell(answer, namespace, ANSWER_FILE, None, on_text)
            if output["error"]:
                error = output["error"]
                where = f" on line {error['line']}" if error.get("line") else ""
                raise Wrong(f"Your code raised {error['type']}{where}: {error['message']}")
            namespace["__calls__"] = calls
            kind.grade(exercise, namespace)
    except Wrong as wrong:
        message = str(wrong)
        return {
            "passed": False,
            "message": message + ".",
            "output": _plain(output),
        }
    except (SystemExit, KeyboardInterrupt) as exc:  # raised by the reader's function
        line = _cell_line(exc)
        where = f" on line {line}" if line else ""
        message = (
            f"Your code raised {type(exc).__name__}{where} while it was graded: return an "
            "answer instead (an exception says what went wrong)"
        )
        return {"passed": False, "message": message + ".", "output": _plain(output)}
    return {"passed": True, "message": _praise(exercise), "output": _plain(output)}


def _plain(output: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if output is None else {**output, "displays": plain(output["displays"])}


def _praise(exercise: dict[str, Any]) -> str:
    key = exercise["kind"]
    if key in ("derivative_of", "gradient_of", "hessian_of", "value_of"):
        return f"Correct: it matches the exact result at {len(graded_points(exercise))} points."
    if key == "update":
        spec = exercise["update"]
        return (
            f"Correct: your step reproduces the engine's {OPTIMIZERS[spec['optimizer']].label} "
            f"for {spec['steps']} steps."
        )
    if key == "expression":
        count = len(graded_points(exercise))
        return f"Correct: your expression equals the answer at {count} points."
    if key == "loop":
        return "Correct: your loop ends where it should."
    return "Correct."


def grade_json(request_text: str, on_text: Stream | None = None) -> str:
    """The browser worker's call: ``{"exercise": {...}, "answer": text}`` in, the verdict out."""
    request = json.loads(request_text)
    return json.dumps(grade(request["exercise"], request["answer"], on_text), allow_nan=False)
