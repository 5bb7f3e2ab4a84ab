"""Fitting a line y ≈ w·x + b by descent: data, losses with their gradients, batching.

Everything random is drawn from ``random.Random(seed)`` using only ``random()``, which is
bit-identical in CPython and Pyodide (the noise is an Irwin–Hall sum, exact arithmetic),
so a seed gives the same data and the same mini-batches everywhere.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from .optimizers import OPTIMIZERS, Hyper, clipped
from .schedules import Schedule
from .slices import Sliced, finished


@dataclass(frozen=True)
class Dataset:
    xs: tuple[float, ...]
    ys: tuple[float, ...]


def synthetic_dataset(
    n: int = 30, w: float = 2.0, b: float = 1.0, noise: float = 1.0, seed: int = 0
) -> Dataset:
    """n points with x uniform on [0, 5] and y = w x + b + noise · ε, ε ≈ N(0, 1).

    ε is the sum of 12 uniforms minus 6 (mean 0, variance 1).
    """
    rng = random.Random(seed)
    xs = tuple(5.0 * rng.random() for _ in range(n))
    ys = tuple(w * x + b + noise * (sum(rng.random() for _ in range(12)) - 6.0) for x in xs)
    return Dataset(xs, ys)


def data_of(fit: dict) -> Dataset:
    """The author's points of a normalized ``fit`` (standardized if it says so)."""
    xs = tuple(float(p[0]) for p in fit["data"])
    ys = tuple(float(p[1]) for p in fit["data"])
    if fit.get("standardize"):
        mean, sd = standardization(xs)
        xs = tuple((x - mean) / sd for x in xs)
    return Dataset(xs, ys)


def standardization(xs: Sequence[float]) -> tuple[float, float]:
    """The mean and (population) standard deviation of ``xs``."""
    mean = sum(xs) / len(xs)
    return mean, math.sqrt(sum((x - mean) ** 2 for x in xs) / len(xs)) or 1.0


def _sign(r: float) -> float:
    return float((r > 0) - (r < 0))


# Each loss beside its gradient: L(w, b) and (∂L/∂w, ∂L/∂b) over a batch of indices.
def mse(w: float, b: float, data: Dataset, batch: Sequence[int]) -> float:
    """L = (1/n) Σ (w xᵢ + b − yᵢ)²"""
    return sum((w * data.xs[i] + b - data.ys[i]) ** 2 for i in batch) / len(batch)


def mse_gradient(w: float, b: float, data: Dataset, batch: Sequence[int]) -> tuple[float, float]:
    """∂L/∂w = (2/n) Σ rᵢ xᵢ,  ∂L/∂b = (2/n) Σ rᵢ,  with rᵢ = w xᵢ + b − yᵢ"""
    gw = gb = 0.0
    for i in batch:
        r = w * data.xs[i] + b - data.ys[i]
        gw += 2.0 * r * data.xs[i]
        gb += 2.0 * r
    return gw / len(batch), gb / len(batch)


def mae(w: float, b: float, data: Dataset, batch: Sequence[int]) -> float:
    """L = (1/n) Σ |w xᵢ + b − yᵢ|"""
    return sum(abs(w * data.xs[i] + b - data.ys[i]) for i in batch) / len(batch)


def mae_gradient(w: float, b: float, data: Dataset, batch: Sequence[int]) -> tuple[float, float]:
    """∂L/∂w = (1/n) Σ sign(rᵢ) xᵢ,  ∂L/∂b = (1/n) Σ sign(rᵢ)  (0 at rᵢ = 0)"""
    gw = gb = 0.0
    for i in batch:
        s = _sign(w * data.xs[i] + b - data.ys[i])
        gw += s * data.xs[i]
        gb += s
    return gw / len(batch), gb / len(batch)


LOSSES = {"mse": (mse, mse_gradient), "mae": (mae, mae_gradient)}
METHODS = ("batch", "minibatch", "stochastic")
SLICE_POINTS = 20_000  # points a slice of a fit visits (about 10 ms in Pyodide)


@dataclass(frozen=True)
class Fit:
    """Parameters after each update (``params[0]`` is the start) and the full-data loss."""

    params: list[tuple[float, float]]
    losses: list[float]
    status: str


def fitting(
    data: Dataset,
    start: Sequence[float] = (0.0, 0.0),
    loss: str = "mse",
    method: str = "batch",
    lr: float = 0.01,
    steps: int = 100,
    batch_size: int = 8,
    seed: int = 0,
    optimizer: str = "gd",
    hyper: Hyper | None = None,
    schedule: Schedule | None = None,
    clip_norm: float | None = None,
) -> Sliced[Fit]:
    """Descend on the loss with full batches, shuffled mini-batches, or single samples.

    One step is one update. Mini-batches and stochastic samples walk through a fresh
    permutation of the data each epoch, drawn from ``random.Random(seed)``. ``schedule``
    varies the rate from step to step (engine.schedules). :data:`SLICE_POINTS` points' worth
    of steps per slice (engine.slices).
    """
    value, gradient = LOSSES[loss]
    opt = OPTIMIZERS[optimizer]
    h = hyper or Hyper(lr)
    base = h.lr
    everything = list(range(len(data.xs)))
    size = {"batch": len(everything), "minibatch": batch_size, "stochastic": 1}[method]
    rng = random.Random(seed)
    order: list[int] = []
    w, b = float(start[0]), float(start[1])
    params, losses = [(w, b)], [value(w, b, data, everything)]
    state = opt.init(2)
    status = "max_steps"
    scheduled = schedule is not None and not schedule.constant
    per_slice = max(1, SLICE_POINTS // (len(everything) + size))
    for k in range(steps):
        if scheduled:
            h = dataclasses.replace(h, lr=schedule.rate(base, k))  # type: ignore[union-attr]
        if size >= len(everything):
            batch = everything
        else:
            if len(order) < size:
                order = everything[:]
                rng.shuffle(order)
            batch, order = order[:size], order[size:]
        g = gradient(w, b, data, batch)
        step, state = opt.update(g if clip_norm is None else clipped(g, clip_norm), state, h)
        w, b = w + step[0], b + step[1]
        current = value(w, b, data, everything)
        if not (math.isfinite(current) and abs(current) < 1e15):
            status = "diverged"
            break
        params.append((w, b))
        losses.append(current)
        if (k + 1) % per_slice == 0:
            yield
    return Fit(params, losses, status)


fit_line = finished(fitting)


def least_squares(data: Dataset) -> tuple[float, float]:
    """The exact minimiser of the MSE, for comparison: the normal equations."""
    n = len(data.xs)
    mx, my = sum(data.xs) / n, sum(data.ys) / n
    sxx = sum((x - mx) ** 2 for x in data.xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(data.xs, data.ys, strict=True))
    w = sxy / sxx
    return w, my - w * mx


def least_absolute_deviations(data: Dataset) -> tuple[float, float]:
    """A minimiser of the MAE, exactly: (w, b) of a best line in the L1 sense.

    The MAE is the LP  min Σ tᵢ  s.t. −tᵢ ≤ yᵢ − w xᵢ − b ≤ tᵢ,  one of whose optimal
    vertices is a line through two data points. For a fixed slope w the best b is a median
    of the residuals yᵢ − w xᵢ, and g(w) = min_b Σ|yᵢ − w xᵢ − b| is convex and piecewise
    linear, its kinks at the slopes between two points: a binary search over those sorted
    slopes finds its minimum (O(n² log n)). The best line need not be unique (then this is
    one of them, and its MAE the least there is).
    """
    n = len(data.xs)
    pairs = zip(data.xs, data.ys, strict=True)
    points = sorted(pairs)
    slopes = sorted(
        {
            (y2 - y1) / (x2 - x1)
            for i, (x1, y1) in enumerate(points)
            for x2, y2 in points[i + 1 :]
            if x2 != x1
        }
    )
    if not slopes:  # every x the same: no line's slope is pinned; the flat one through them
        return 0.0, sorted(data.ys)[(n - 1) // 2]

    def best(w: float) -> tuple[float, float]:
        residuals = sorted(y - w * x for x, y in points)
        b = residuals[(n - 1) // 2]
        return sum(abs(r - b) for r in residuals), b

    lo, hi = 0, len(slopes) - 1
    while lo < hi:  # g is convex: its minimum is where it stops falling
        mid = (lo + hi) // 2
        if best(slopes[mid])[0] <= best(slopes[mid + 1])[0]:
            hi = mid
        else:
            lo = mid + 1
    return slopes[lo], best(slopes[lo])[1]


@dataclass(frozen=True)
class BestLine:
    """The line a fit's loss is least at, and that least loss."""

    loss: str
    point: tuple[float, float]
    value: float


def best_line(fit: dict) -> BestLine:
    """For a normalized ``fit``: the least-squares line (MSE) or a least-absolute-deviations
    line (MAE), in the fit's own coordinates (standardized x if it says so)."""
    data = data_of(fit)
    finder = least_squares if fit["loss"] == "mse" else least_absolute_deviations
    w, b = finder(data)
    value = LOSSES[fit["loss"]][0](w, b, data, range(len(data.xs)))
    return BestLine(fit["loss"], (w, b), value)
