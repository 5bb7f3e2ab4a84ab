"""Grading a run: the reader's step of an optimizer (run for some steps beside the engine's,
with each optimizer's typical slips named), their descent loop (where it ends, one step
short or long, uphill), and a number a run ends at (typed)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from .catalogue import formula_of
from .descent import descend
from .expr import ExpressionError, compile_cached
from .grading import (
    MAX_STEPS,
    VARIABLES,
    ExerciseError,
    Wrong,
    agrees,
    cell_line,
    defined,
    fmt,
    number_at,
    numbers_of,
    point_text,
    typed_number,
)
from .names import short_name
from .optimizers import OPTIMIZERS, SECOND_ORDER, Hyper
from .schema import suggest

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


def reference_points(spec: dict[str, Any], optimizer: str, ascent: bool = False) -> list:
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
    fn = defined(namespace, "step", signature)
    dim = len(spec["start"])
    f = compile_cached(spec["function"], (), dim).bind()
    shape = "a number" if dim == 1 else f"{dim} numbers"
    point = tuple(float(c) for c in spec["start"])
    state = [(0.0,) * dim for _ in state_names]
    points = [point]
    label = short_name(optimizer)
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
            line = cell_line(exc)
            where = f" (line {line})" if line else ""
            raise Wrong(f"{call} raised {type(exc).__name__}{where}: {exc}") from None
        try:
            if not state_names:
                point = numbers_of(result, dim, f"the new x as {shape}", call)
            elif not isinstance(result, tuple | list) or len(result) != 1 + len(state_names):
                raise Wrong
            else:
                point = numbers_of(result[0], dim, shape, call)
                state = [numbers_of(s, dim, shape, call) for s in result[1:]]
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
    reference = reference_points(spec, optimizer)
    tolerance = exercise["tolerance"]
    if _same_run(points, reference, tolerance):
        return
    if _same_run(points, reference_points(spec, optimizer, ascent=True), tolerance):
        raise Wrong("Your step goes uphill: the update must be subtracted from x, not added")
    for mistake, words in MISTAKES.get(optimizer, []):
        if _same_run(points, reference_points(spec, mistake), tolerance):
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
def loop_namespace(spec: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
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
    return tuple(numbers_of(namespace[n], 1, "a number", f"the variable {n}")[0] for n in names)


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
    reference = reference_points(run, "gd")
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
    ascent = reference_points(run, "gd", ascent=True)
    if n < len(ascent) and all(
        agrees(g, r, tolerance) for g, r in zip(point, ascent[n], strict=True)
    ):
        raise Wrong("Your loop climbs: x ← x − lr·f′(x) steps against the slope, not along it")
    theirs = point_text(reference[n]) if n < len(reference) else "a diverged run"
    raise Wrong(
        f"Your loop ended at {point_text(point)}, but {n} steps of gradient descent with "
        f"lr = {fmt(spec['lr'])} from {point_text(tuple(spec['start']))} end at {theirs}"
    )


def answer_value(spec: Any) -> float:
    """The exact answer of an ``answer`` key: the number, or the run's coordinate."""
    if not isinstance(spec, dict):
        return float(spec)
    points = reference_points(spec, spec.get("optimizer", "gd"))
    if len(points) <= spec["steps"]:
        return math.nan
    point = points[spec["steps"]]
    if spec.get("of", "x") == "f":
        return compile_cached(spec["function"], (), len(point)).bind().value(point)
    return point[VARIABLES.index(spec.get("of", "x"))]


def grade_answer(exercise: dict[str, Any], typed: Any) -> None:
    value = typed_number(str(typed))
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


def count_at(raw: Any, path: tuple[str, ...], most: int = MAX_STEPS) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= most:
        raise ExerciseError(path, f"{path[-1]} must be a whole number from 1 to {most}")
    return raw


def run_of(raw: Any, key: str, allowed: tuple[str, ...], needs: tuple[str, ...]) -> dict[str, Any]:
    """A run's mapping (function, start, lr, …) checked against ``allowed``."""
    if not isinstance(raw, Mapping):
        raise ExerciseError((key,), f"{key} must be a mapping with {', '.join(needs)}")
    for name in raw:
        if name not in allowed:
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
    out["start"] = [number_at(c, (key, "start")) for c in start]
    for name in ("lr", "momentum", "alpha", "beta1", "beta2", "eps", "within"):
        if name in raw:
            out[name] = number_at(raw[name], (key, name), positive=name in ("lr", "within", "eps"))
    for name in ("steps", "steps_fewer_than"):
        if name in raw:
            out[name] = count_at(raw[name], (key, name))
    if "optimizer" in raw:
        known = STEP_SIGNATURES if key == "update" else OPTIMIZERS
        if raw["optimizer"] not in known:
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
        out["near"] = [number_at(c, (key, "near")) for c in near]
    if "of" in raw:
        if raw["of"] not in (*VARIABLES[: expression.dim], "f"):
            raise ExerciseError((key, "of"), "of must be x, y (a 2-D run) or f")
        out["of"] = raw["of"]
    return out
