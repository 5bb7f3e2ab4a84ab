"""Running a descent: iterate an optimizer on a bound expression and record the path."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .expr import BoundExpression
from .optimizers import OPTIMIZERS, SECOND_ORDER, Hyper, SingularHessian, clipped
from .schedules import Schedule
from .trajectory import (
    CONVERGED,
    DIVERGED,
    LEFT_DOMAIN,
    MAX_STEPS,
    SINGULAR,
    UNDEFINED,
    Trajectory,
)

# A value or coordinate beyond these is "exploding": the run is called diverged.
EXPLODING_VALUE = 1e15
EXPLODING_COORDINATE = 1e8


def descend(
    f: BoundExpression,
    start: Sequence[float],
    optimizer: str = "gd",
    lr: float = 0.1,
    steps: int = 100,
    tol: float = 0.0,
    ascent: bool = False,
    clip: tuple[float, float] | None = None,
    domain: Sequence[tuple[float, float]] | None = None,
    momentum: float = 0.9,
    alpha: float = 0.99,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float | None = None,
    schedule: Schedule | None = None,
    grad_tol: float | None = None,
    clip_norm: float | None = None,
) -> Trajectory:
    """Run ``steps`` iterations of ``optimizer`` from ``start`` on ``f``.

    Stops early with status ``converged`` when |f(θₖ) − f(θₖ₋₁)| < tol (the altitude
    barely changes) or ‖∇f(θₖ)‖ < tol (given ``grad_tol``: only when ‖∇f(θₖ)‖ < grad_tol);
    ``diverged`` as soon as a value, gradient or coordinate is non-finite or explodes (that
    iterate is not recorded), ``undefined`` when f is not defined where a step lands (not
    recorded either), ``singular`` when Newton meets a singular Hessian; ``left_domain``
    when an iterate leaves ``domain`` (recorded, then stop). ``clip=(lo, hi)`` clamps
    every coordinate instead. Otherwise ``max_steps``. The hyper-parameters after
    ``domain`` are those of :class:`~engine.optimizers.Hyper`; ``schedule`` varies ``lr``
    from step to step (engine.schedules); ``clip_norm`` scales each gradient to that length
    at most before the step (optimizers.clipped). Newton's method is given the exact Hessian.
    """
    opt = OPTIMIZERS[optimizer]
    update = opt.update
    h = Hyper(lr, momentum, alpha, beta1, beta2, eps)
    value_and_gradient = f.value_and_gradient_at
    point = tuple(float(c) for c in start)
    value, grad = value_and_gradient(*point)
    points, values, gradients = [point], [value], [grad]
    if not math.isfinite(value + sum(grad)):
        return Trajectory(optimizer, points, values, gradients, DIVERGED)
    state = opt.init(len(point))
    status = MAX_STEPS
    grad_norm = math.hypot(*grad)
    hessian_at = f.hessian_at() if optimizer in SECOND_ORDER else None
    scheduled = schedule is not None and not schedule.constant
    flat_tol = tol if grad_tol is None else 0.0
    grad_tol = tol if grad_tol is None else grad_tol
    for k in range(steps):
        if grad_norm < grad_tol:
            status = CONVERGED
            break
        if scheduled:
            h = Hyper(schedule.rate(lr, k), momentum, alpha, beta1, beta2, eps)  # type: ignore[union-attr]
        try:
            g = tuple([-g for g in grad]) if ascent else grad
            if clip_norm is not None:
                g = clipped(g, clip_norm)
            if hessian_at is None:
                step, state = update(g, state, h)
            else:
                step, state = update(g, state, h, hessian_at(*point))  # type: ignore[call-arg]
            new = tuple([p + s for p, s in zip(point, step)])  # noqa: B905 - same length
        except SingularHessian:
            status = SINGULAR
            break
        except (ZeroDivisionError, OverflowError):  # e.g. 0/0 at ε = 0: no finite step
            status = DIVERGED
            break
        if clip is not None:
            new = tuple([min(max(c, clip[0]), clip[1]) for c in new])
        new_value, new_grad = value_and_gradient(*new)
        new_norm = math.hypot(*new_grad)
        # NaN fails every comparison and makes a norm NaN or infinite: three checks cover
        # every value, gradient and coordinate (this is the hot loop of every demo).
        if not (
            abs(new_value) <= EXPLODING_VALUE
            and new_norm < math.inf
            and math.hypot(*new) <= EXPLODING_COORDINATE
        ):
            # f is NaN at a finite point: the step left f's domain, not towards infinity
            undefined = math.isnan(new_value) and math.hypot(*new) <= EXPLODING_COORDINATE
            status = UNDEFINED if undefined else DIVERGED
            break
        previous_value = value
        point, value, grad, grad_norm = new, new_value, new_grad, new_norm
        points.append(point)
        values.append(value)
        gradients.append(grad)
        if domain is not None and clip is None and not _inside(point, domain):
            status = LEFT_DOMAIN
            break
        if abs(value - previous_value) < flat_tol:
            status = CONVERGED
            break
    modified = state.modified if hessian_at is not None else ()  # type: ignore[union-attr]
    return Trajectory(optimizer, points, values, gradients, status, modified)


def _inside(point: Sequence[float], domain: Sequence[tuple[float, float]]) -> bool:
    return all(lo <= c <= hi for c, (lo, hi) in zip(point, domain, strict=False))
