"""Running a descent: iterate an optimizer on a bound expression and record the path."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .expr import BoundExpression
from .optimizers import OPTIMIZERS, Hyper

# A value or coordinate beyond these is "exploding": the run is called diverged.
EXPLODING_VALUE = 1e15
EXPLODING_COORDINATE = 1e8

CONVERGED, MAX_STEPS, DIVERGED, LEFT_DOMAIN = "converged", "max_steps", "diverged", "left_domain"


@dataclass(frozen=True)
class Trajectory:
    """The iterates of one run. ``points[0]`` is the start, ``points[k]`` the k-th iterate.

    ``gradients[k]`` is ∇f at ``points[k]``; ``step_sizes[k-1]`` is ‖points[k] − points[k-1]‖.
    """

    optimizer: str
    points: list[tuple[float, ...]]
    values: list[float]
    gradients: list[tuple[float, ...]]
    step_sizes: list[float]
    status: str

    @property
    def steps(self) -> int:
        return len(self.points) - 1

    def to_json(self) -> dict:
        return {
            "optimizer": self.optimizer,
            "points": [list(p) for p in self.points],
            "values": self.values,
            "gradients": [list(g) for g in self.gradients],
            "step_sizes": self.step_sizes,
            "status": self.status,
            "steps": self.steps,
        }


def _finite(values: Sequence[float]) -> bool:
    return all(math.isfinite(v) for v in values)


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
) -> Trajectory:
    """Run ``steps`` iterations of ``optimizer`` from ``start`` on ``f``.

    Stops early with status ``converged`` when |f(θₖ) − f(θₖ₋₁)| < tol (the altitude
    barely changes) or ‖∇f(θₖ)‖ < tol; ``diverged`` as soon as a value, gradient or
    coordinate is non-finite or explodes (that iterate is not recorded); ``left_domain``
    when an iterate leaves ``domain`` (recorded, then stop). ``clip=(lo, hi)`` clamps
    every coordinate instead. Otherwise ``max_steps``. The hyper-parameters after
    ``domain`` are those of :class:`~engine.optimizers.Hyper`.
    """
    opt = OPTIMIZERS[optimizer]
    h = Hyper(lr, momentum, alpha, beta1, beta2, eps)
    point = tuple(float(c) for c in start)
    value = f.value(point)
    grad = f.gradient(point)
    points, values, gradients, step_sizes = [point], [value], [grad], []
    if not (math.isfinite(value) and _finite(grad)):
        return Trajectory(optimizer, points[:1], values, gradients, step_sizes, DIVERGED)
    state = opt.init(len(point))
    status = MAX_STEPS
    for _ in range(steps):
        if math.sqrt(sum(g * g for g in grad)) < tol:
            status = CONVERGED
            break
        direction = tuple(-g for g in grad) if ascent else grad
        step, state = opt.update(direction, state, h)
        new = tuple(p + s for p, s in zip(point, step, strict=True))
        if clip is not None:
            new = tuple(min(max(c, clip[0]), clip[1]) for c in new)
        new_value = f.value(new)
        new_grad = f.gradient(new)
        if not (
            math.isfinite(new_value)
            and _finite(new)
            and _finite(new_grad)
            and abs(new_value) <= EXPLODING_VALUE
            and all(abs(c) <= EXPLODING_COORDINATE for c in new)
        ):
            status = DIVERGED
            break
        step_sizes.append(math.sqrt(sum((a - b) ** 2 for a, b in zip(new, point, strict=True))))
        previous_value = value
        point, value, grad = new, new_value, new_grad
        points.append(point)
        values.append(value)
        gradients.append(grad)
        if domain is not None and clip is None and not _inside(point, domain):
            status = LEFT_DOMAIN
            break
        if abs(value - previous_value) < tol:
            status = CONVERGED
            break
    return Trajectory(optimizer, points, values, gradients, step_sizes, status)


def _inside(point: Sequence[float], domain: Sequence[tuple[float, float]]) -> bool:
    return all(lo <= c <= hi for c, (lo, hi) in zip(point, domain, strict=False))
