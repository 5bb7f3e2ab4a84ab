"""Views over a function: grids, gradient fields, directional derivatives, basins, sweeps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .descent import descend
from .expr import BoundExpression
from .slices import Sliced, finished
from .trajectory import CONVERGED, DIVERGED, LEFT_DOMAIN, SINGULAR, UNDEFINED, Trajectory

Box = Sequence[Sequence[float]]


def linspace(lo: float, hi: float, count: int) -> list[float]:
    if count == 1:
        return [(lo + hi) / 2]
    return [lo + (hi - lo) * i / (count - 1) for i in range(count)]


def central_gradient(
    f: BoundExpression, point: Sequence[float], h: float = 1e-5
) -> tuple[float, ...]:
    """∂f/∂xᵢ ≈ (f(x + h eᵢ) − f(x − h eᵢ)) / 2h, with error O(h²)."""
    out = []
    for i in range(len(point)):
        up = [*point]
        down = [*point]
        up[i] += h
        down[i] -= h
        out.append((f.value(up) - f.value(down)) / (2 * h))
    return tuple(out)


@dataclass(frozen=True)
class Grid:
    """f sampled on a rectangle: ``z[j][i] = f(xs[i], ys[j])``, NaN where undefined."""

    xs: list[float]
    ys: list[float]
    z: list[list[float]]


def grid_rows(f: BoundExpression, domain: Box, samples: int) -> Sliced[Grid]:
    """f on a ``samples`` × ``samples`` grid over ``domain``, ten rows per slice
    (engine.slices)."""
    (x0, x1), (y0, y1) = domain
    xs, ys = linspace(x0, x1, samples), linspace(y0, y1, samples)
    value = f.value_at
    z = []
    for y in ys:
        z.append([value(x, y) for x in xs])
        if len(z) % 10 == 0:
            yield
    return Grid(xs, ys, z)


sample_grid = finished(grid_rows)


@dataclass(frozen=True)
class Field:
    """Gradient arrows as one polyline: shafts and heads separated by NaN breaks."""

    x: list[float]
    y: list[float]


def gradient_field(
    f: BoundExpression,
    domain: Box,
    samples: int = 15,
    descent: bool = False,
    length: float = 1.0,
) -> Field:
    """Arrows of ∇f (or −∇f with ``descent``) on a grid; the longest spans ``length`` grid
    cells (0.9 of one by default) and each arrow's length grows with √|∇f|, so that the
    gentle slopes of a landscape with one steep wall still show a direction, not a dot.

    Each arrow is a shaft and a two-stroke head; NaN separates arrows so that one Plotly
    line trace draws them all.
    """
    (x0, x1), (y0, y1) = domain
    xs, ys = linspace(x0, x1, samples), linspace(y0, y1, samples)
    cell = min((x1 - x0), (y1 - y0)) / max(samples - 1, 1)
    vectors = []
    for y in ys:
        for x in xs:
            gx, gy = f.gradient((x, y))
            if math.isfinite(gx) and math.isfinite(gy):
                sign = -1.0 if descent else 1.0
                vectors.append((x, y, sign * gx, sign * gy))
    longest = max((math.hypot(gx, gy) for _, _, gx, gy in vectors), default=0.0)
    reach = 0.9 * length * cell
    px: list[float] = []
    py: list[float] = []
    for x, y, gx, gy in vectors:
        norm = math.hypot(gx, gy)
        if norm == 0:  # no slope, no arrow (and otherwise longest ≥ norm > 0)
            continue
        scale = reach * math.sqrt(norm / longest) / norm
        dx, dy = gx * scale, gy * scale
        size = math.hypot(dx, dy)
        if size < 1e-12:
            continue
        tx, ty = x + dx, y + dy
        head = 0.3 * size
        ux, uy = dx / size, dy / size
        # Two head strokes at ±25° back from the tip.
        c, s = math.cos(math.radians(25)), math.sin(math.radians(25))
        left = (tx - head * (ux * c - uy * s), ty - head * (uy * c + ux * s))
        right = (tx - head * (ux * c + uy * s), ty - head * (uy * c - ux * s))
        px += [x, tx, math.nan, left[0], tx, right[0], math.nan]
        py += [y, ty, math.nan, left[1], ty, right[1], math.nan]
    return Field(px, py)


def directional_derivative(
    f: BoundExpression, point: Sequence[float], angles_deg: Sequence[float]
) -> list[float]:
    """D_v f = ∇f · v for the unit vector v = (cos θ, sin θ), one value per angle."""
    gx, gy = f.gradient(point)
    return [gx * math.cos(math.radians(a)) + gy * math.sin(math.radians(a)) for a in angles_deg]


@dataclass(frozen=True)
class BasinMap:
    """For each grid start: the index of the minimum it reached (−1: none) and the steps."""

    xs: list[float]
    ys: list[float]
    labels: list[list[int]]
    steps: list[list[int]]
    minima: list[tuple[float, float]]
    values: list[float]


def basin_rows(
    f: BoundExpression,
    domain: Box,
    samples: int = 40,
    optimizer: str = "gd",
    lr: float = 0.01,
    steps: int = 500,
    tol: float = 1e-8,
    **hyper: float,
) -> Sliced[BasinMap]:
    """Run a descent from every grid point and cluster the end points into minima.

    A run counts when it converged (or ended with ‖∇f‖ small); end points closer than 2% of
    the domain's diagonal are one minimum. Minima are numbered by increasing f. A row of
    starts per slice (engine.slices).
    """
    (x0, x1), (y0, y1) = domain
    xs, ys = linspace(x0, x1, samples), linspace(y0, y1, samples)
    radius = 0.02 * math.hypot(x1 - x0, y1 - y0)
    probe = 1e-3 * math.hypot(x1 - x0, y1 - y0)
    centres: list[list[float]] = []  # running sums: [sx, sy, count]
    raw: list[list[tuple[int, int]]] = []
    for y in ys:
        row = []
        for x in xs:
            t = descend(f, (x, y), optimizer, lr, steps, tol, **hyper)
            end = t.points[-1]
            # A start counts only if it settled inside the domain at a point that no nearby
            # point undercuts: on a gently sloping plain the altitude stops changing too.
            settled = (
                (
                    t.status == CONVERGED
                    or (t.status != DIVERGED and math.hypot(*t.gradients[-1]) < 1e-3)
                )
                and x0 <= end[0] <= x1
                and y0 <= end[1] <= y1
                and _is_minimum(f, end, probe)
            )
            label = -1
            if settled:
                for k, (sx, sy, n) in enumerate(centres):
                    if math.hypot(end[0] - sx / n, end[1] - sy / n) < radius:
                        label = k
                        centres[k] = [sx + end[0], sy + end[1], n + 1]
                        break
                else:
                    centres.append([end[0], end[1], 1])
                    label = len(centres) - 1
            row.append((label, t.steps))
        raw.append(row)
        yield
    points = [(sx / n, sy / n) for sx, sy, n in centres]
    values = [f.value(p) for p in points]
    order = sorted(range(len(points)), key=lambda k: values[k])
    rank = {old: new for new, old in enumerate(order)}
    labels = [[rank.get(label, -1) for label, _ in row] for row in raw]
    counts = [[n for _, n in row] for row in raw]
    return BasinMap(xs, ys, labels, counts, [points[k] for k in order], [values[k] for k in order])


basin_map = finished(basin_rows)


def _is_minimum(f: BoundExpression, point: Sequence[float], probe: float) -> bool:
    """No point at distance ``probe`` along an axis is lower than ``point``."""
    here = f.value(point)
    for axis in range(len(point)):
        for sign in (-1.0, 1.0):
            moved = list(point)
            moved[axis] += sign * probe
            if f.value(moved) < here:
                return False
    return True


@dataclass(frozen=True)
class SweepPoint:
    lr: float
    steps: int
    status: str
    value: float


BROKEN = (DIVERGED, UNDEFINED, LEFT_DOMAIN, SINGULAR)
DEFAULT_TOL = 1e-8  # a run's tol when its spec leaves it at 0


def settled_below(tol: float) -> float:
    """The gradient length below which a run has converged: √tol (10⁻⁴ at tol = 10⁻⁸)."""
    return math.sqrt(tol)


def settled(t: Trajectory, tol: float) -> bool:
    """Whether run ``t`` ended where its gradient is shorter than :func:`settled_below`."""
    return ended_settled(t.status, math.hypot(*t.gradients[-1]) if t.gradients else None, tol)


def ended_settled(status: str, grad_norm: float | None, tol: float) -> bool:
    """:func:`settled` from a run's status and the length of its last gradient (None: a
    run that records none, a line fit's, never settles a function's minimum)."""
    return status not in BROKEN and grad_norm is not None and grad_norm < settled_below(tol)


def sweep_rates(
    f: BoundExpression,
    start: Sequence[float],
    rates: Sequence[float],
    optimizer: str = "gd",
    steps: int = 500,
    tol: float = 1e-8,
    **hyper: Any,
) -> Sliced[list[SweepPoint]]:
    """Steps to converge (or the status it ended with) for each learning rate.

    A rate converges when its run reaches a point where ‖∇f‖ < √tol (:func:`settled`): f
    alone settling is not enough, since a run bouncing across a valley at the edge of
    stability keeps its height, and a tiny rate crawls, without reaching the minimum. A rate
    per slice (engine.slices).
    """
    out = []
    for lr in rates:
        t = descend(f, start, optimizer, lr, steps, grad_tol=settled_below(tol), **hyper)
        out.append(SweepPoint(lr, t.steps, t.status, t.values[-1]))
        yield
    return out


lr_sweep = finished(sweep_rates)


def log_space(lo: float, hi: float, count: int) -> list[float]:
    a, b = math.log10(lo), math.log10(hi)
    return [10 ** (a + (b - a) * i / (count - 1)) for i in range(count)]
