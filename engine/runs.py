"""A demo's runs: everything its charts and sentences show, computed in one place.

:func:`compute` takes a normalized spec and returns :class:`Runs`: each optimizer's
trajectory and, for each plot kind drawn, what that kind needs (``PlotKind.needs``): the
sampled curve or grid of the function, the gradient's arrows, a basin map, a sweep over
rates, the Hessian a stability bound is taken from, each panel's runs, a fit's data and
loss landscape. Figures (:mod:`engine.figures`) only draw from it and words
(:mod:`engine.words`) only say it: neither calls an optimizer.

Samplings are cached by function, params and domain, so a slider that moves only the start
or the rate does not resample them. :func:`computing` does the same work in slices (a run, a
row of a basin map or loss landscape, a rate of a sweep, a slice of a fit: engine.slices),
which the browser's worker may drop part way when a newer request comes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .budget import CURVE_SAMPLES, FULL, Density
from .descent import Trajectory, descend
from .expr import BoundExpression, compile_cached
from .fitting import LOSSES as FIT_LOSSES
from .fitting import (
    Dataset,
    data_of,
    fitting,
    least_squares,
    standardization,
    synthetic_dataset,
)
from .names import settings_of
from .optimizers import Hyper, symmetric_eigen
from .plots import PLOTS, panel_kind
from .schedules import schedule_of
from .slices import Sliced, SlicedCache, finish, finished
from .views import (
    DEFAULT_TOL,
    BasinMap,
    Grid,
    SweepPoint,
    basin_rows,
    directional_derivative,
    gradient_field,
    grid_rows,
    linspace,
    log_space,
    settled,
    sweep_rates,
)
from .views import Field as Arrows

Spec = dict[str, Any]
Params = tuple[tuple[str, float], ...]

ANGLES = 181  # directions a directional-derivative chart samples, 0° to 360°


@dataclass(frozen=True)
class Curvature:
    """Where ``stability`` takes the Hessian, its eigenvalues there (largest first), and
    the stability bound 2/λ_max (None unless the curvature is positive every way)."""

    point: tuple[float, ...]
    eigen: list[float]
    bound: float | None


@dataclass(frozen=True)
class Directional:
    """D_v f at the start, v = (cos θ, sin θ): over every sampled θ, at the spec's own
    angle, and the gradient there (whose length bounds it)."""

    angles: list[float]
    values: list[float]
    angle: float
    at: float
    gradient: tuple[float, ...]


@dataclass(frozen=True)
class Fit:
    """A fit's data, its least-squares line, and (for standardized data) the mean and sd
    of the author's x."""

    data: Dataset
    best_line: tuple[float, float]
    standardized: tuple[float, float] | None


@dataclass(frozen=True)
class Runs:
    """Everything a demo's charts draw and its sentences say, computed; what no chart of
    the demo needs is left empty."""

    trajectories: list[Trajectory]
    curve: tuple[list[float], list[float]] | None = None  # a 1-D function: xs and f(xs)
    grid: Grid | None = None  # f over the domain: a contour map
    surface: Grid | None = None  # f on the surface's coarser grid
    arrows: Arrows | None = None  # the gradient field
    basins: BasinMap | None = None
    rates: list[float] = field(default_factory=list)  # a sweep's rates, log-spaced
    sweep: dict[str, list[SweepPoint]] = field(default_factory=dict)  # by optimizer
    curvature: Curvature | None = None  # None: not asked for, or no end to take it at
    directional: Directional | None = None
    fit: Fit | None = None
    landscape: tuple[list[float], list[float], list[list[float]]] | None = None  # w, b, loss
    weights: tuple[list[float], dict[str, list[float]]] | None = None  # w, each loss at b*
    panel_kind: str = ""  # what each of small multiples' panels draws
    panels: list[Runs] = field(default_factory=list)


def computing(spec: Spec, kinds: list[str] | None = None, density: Density = FULL) -> Sliced[Runs]:
    """The runs of ``spec`` and what its plot kinds (or ``kinds``) need, computed, its
    function (or loss) sampled as finely as ``density`` says; in slices (engine.slices)."""
    paths = yield from running(spec)
    found: dict[str, Any] = {}
    for need in dict.fromkeys(_needs(spec, kinds)):
        made = NEEDS[need](spec, paths, density)
        found.update((yield from made) if isinstance(made, Generator) else made)
        yield
    return Runs(paths, **found)


compute = finished(computing)


def _needs(spec: Spec, kinds: list[str] | None) -> list[str]:
    return [need for kind in kinds or spec["plots"] for need in PLOTS[kind].needs]


def unsampled(spec: Spec, density: Density = FULL) -> list[str]:
    """What of ``grid``, ``surface`` and ``landscape`` computing ``spec`` would sample
    afresh: its needs that no earlier demo or move has already sampled."""
    needs = set(_needs(spec, None))
    if "panels" in needs:
        needs |= set(PLOTS[panel_kind(spec)].needs)
    found = []
    if "grid" in needs and _grid_key(spec, density.grid) not in _GRIDS.found:
        found.append("grid")
    if "surface" in needs and _grid_key(spec, density.surface) not in _GRIDS.found:
        found.append("surface")
    if "landscape" in needs and _landscape_key(spec, density) not in _LANDSCAPES.found:
        found.append("landscape")
    return found


# --- the function, bound and sampled ---------------------------------------------------
@lru_cache(maxsize=32)
def _bound(expression: str, params: Params, dim: int) -> BoundExpression:
    compiled = compile_cached(expression, tuple(name for name, _ in params), dim)
    return compiled.bind(dict(params))


def _key(spec: Spec) -> tuple[str, Params, int]:
    return spec["expression"], tuple(sorted(spec["params"].items())), spec["dim"]


def _domain_key(spec: Spec) -> tuple:
    return tuple(tuple(r) for r in spec["domain"])


def bound_function(spec: Spec) -> BoundExpression:
    """The spec's function with its params bound (compiled once per function and params)."""
    return _bound(*_key(spec))


# Samplings kept whole once made: moving the start or the rate keeps them.
_GRIDS: SlicedCache = SlicedCache(16)
_BASINS: SlicedCache = SlicedCache(8)
_LANDSCAPES: SlicedCache = SlicedCache(8)


def _grid_key(spec: Spec, samples: int) -> tuple:
    return (*_key(spec), _domain_key(spec), samples)


def grid(spec: Spec, samples: int = FULL.grid) -> Grid:
    return finish(_sampled(spec, samples))


def _sampled(spec: Spec, samples: int) -> Sliced[Grid]:
    f, domain = bound_function(spec), _domain_key(spec)
    return _GRIDS.get(_grid_key(spec, samples), lambda: grid_rows(f, domain, samples))


@lru_cache(maxsize=16)
def _curve(expression: str, params: Params, dim: int, domain: tuple) -> tuple[list, list]:
    """The sampled curve of a 1-D function (shared lists: callers must not change them)."""
    f = _bound(expression, params, dim)
    ((lo, hi),) = domain
    xs = linspace(lo, hi, CURVE_SAMPLES)
    return xs, [f.value_at(x) for x in xs]


# --- runs ------------------------------------------------------------------------------
def _hyper(spec: Spec) -> dict[str, Any]:
    keys = ("momentum", "alpha", "beta1", "beta2", "eps")
    return {k: spec[k] for k in keys}


def running(spec: Spec) -> Sliced[list[Trajectory]]:
    """One run per optimizer named in the spec, in order (a line fit is a run too); none
    when the demo draws its function alone (``path: none``). A run (or a slice of a fit) per
    slice (engine.slices)."""
    if spec["path"] == "none":
        return []
    f = bound_function(spec) if spec["fit"] is None else None
    out = []
    for name in spec["optimizer"]:
        if f is None:
            out.append((yield from _fit_run(spec, name)))
        else:
            out.append(_run(f, settings_of(spec, name), name))
            yield
    return out


trajectories = finished(running)


def _run(f: BoundExpression, spec: Spec, optimizer: str) -> Trajectory:
    """One optimizer's run, with its own settings (``spec`` is ``settings_of`` it)."""
    return descend(
        f,
        spec["start"],
        optimizer=optimizer,
        lr=spec["lr"],
        steps=spec["steps"],
        tol=spec["tol"],
        ascent=spec["ascent"],
        clip=tuple(spec["clip"]) if spec["clip"] else None,
        schedule=schedule_of(spec),
        clip_norm=spec["clip_norm"],
        **_hyper(spec),
    )


def _fit_run(spec: Spec, optimizer: str) -> Sliced[Trajectory]:
    spec = settings_of(spec, optimizer)
    fit = spec["fit"]
    result = yield from fitting(
        dataset(spec),
        spec["start"],
        fit["loss"],
        fit["method"],
        spec["lr"],
        spec["steps"],
        fit["batch_size"],
        fit["seed"],
        optimizer,
        Hyper(spec["lr"], **_hyper(spec)),
        schedule_of(spec),
        spec["clip_norm"],
    )
    return Trajectory(optimizer, result.params, result.losses, [], result.status)


# --- a line fit's data ------------------------------------------------------------------
@lru_cache(maxsize=8)
def _dataset(points: int, w: float, b: float, noise: float, seed: int) -> Dataset:
    return synthetic_dataset(points, w, b, noise, seed)


@lru_cache(maxsize=8)
def _author_data(points: tuple, standardize: bool) -> Dataset:
    return data_of({"data": points, "standardize": standardize})


def dataset(spec: Spec) -> Dataset:
    """The fit's points: the author's (``fit.data``), else synthetic ones."""
    fit = spec["fit"]
    if fit["data"] is not None:
        return _author_data(tuple(tuple(p) for p in fit["data"]), fit["standardize"])
    return _dataset(fit["points"], fit["w"], fit["b"], fit["noise"], fit["seed"])


def _landscape_rows(data: Dataset, loss: str, domain: tuple, samples: int):
    """The loss over a grid of (w, b), a row of b per slice."""
    value = FIT_LOSSES[loss][0]
    (w0, w1), (b0, b1) = domain
    ws, bs = linspace(w0, w1, samples), linspace(b0, b1, samples)
    everything = range(len(data.xs))
    rows = []
    for b in bs:
        rows.append([value(w, b, data, everything) for w in ws])
        yield
    return ws, bs, rows


def _landscape_key(spec: Spec, density: Density) -> tuple:
    return dataset(spec), spec["fit"]["loss"], _domain_key(spec), density.grid


def _landscape(spec: Spec, paths: list[Trajectory], density: Density) -> Sliced[dict[str, Any]]:
    key = _landscape_key(spec, density)
    found = yield from _LANDSCAPES.get(key, lambda: _landscape_rows(*key))
    return {"landscape": found}


def _fit(spec: Spec, paths: list[Trajectory], density: Density) -> dict[str, Any]:
    data = dataset(spec)
    fit = spec["fit"]
    shifted = None
    if fit["data"] is not None and fit["standardize"]:
        shifted = standardization([float(p[0]) for p in fit["data"]])
    return {"fit": Fit(data, least_squares(data), shifted)}


def _weights(spec: Spec, paths: list[Trajectory], density: Density) -> dict[str, Any]:
    """MSE and MAE against the weight alone, the intercept held at its least-squares value."""
    data = dataset(spec)
    _, b_best = least_squares(data)
    (w0, w1), _ = spec["domain"]
    ws = linspace(w0, w1, CURVE_SAMPLES)
    everything = range(len(data.xs))
    losses = {
        name: [value(w, b_best, data, everything) for w in ws]
        for name, (value, _) in FIT_LOSSES.items()
    }
    return {"weights": (ws, losses)}


# --- what each plot kind needs ----------------------------------------------------------
def _as(name: str, work: Sliced[Any]) -> Sliced[dict[str, Any]]:
    return {name: (yield from work)}


def _sweep(spec: Spec, paths: list[Trajectory], density: Density) -> Sliced[dict[str, Any]]:
    """Each optimizer run from the start at every rate of ``sweep``, a rate per slice."""
    o = spec["sweep"]
    rates = log_space(o["min"], o["max"], o["count"])
    f = bound_function(spec)
    schedule, hyper = schedule_of(spec), _hyper(spec)
    found: dict[str, list[SweepPoint]] = {}
    for name in spec["optimizer"]:
        found[name] = yield from sweep_rates(
            f, spec["start"], rates, name, o["steps"], o["tol"], schedule=schedule, **hyper
        )
    return {"rates": rates, "sweep": found}


def curvature(spec: Spec, paths: list[Trajectory]) -> Curvature | None:
    """The Hessian where ``stability`` takes it: the start, a point, or (``end``) where the
    demo's run ended, which needs it to have converged (:func:`end_converged`)."""
    where = spec["stability"]
    if where == "end" and paths:
        if not end_converged(spec, paths):
            return None
        point = paths[0].points[-1]
    elif isinstance(where, list):
        point = tuple(float(c) for c in where)
    else:
        point = tuple(spec["start"])
    hessian = bound_function(spec).hessian_at()(*point)
    eigen = [hessian[0]] if len(hessian) == 1 else list(symmetric_eigen(*hessian)[0])
    positive = all(math.isfinite(e) for e in eigen) and min(eigen) > 0
    return Curvature(point, eigen, 2 / eigen[0] if positive else None)


def end_converged(spec: Spec, paths: list[Trajectory]) -> bool:
    """Whether the demo's run ended at a minimum, as ``stability: end`` needs: its gradient
    there shorter than √tol (views.settled)."""
    return bool(paths) and settled(paths[0], spec["tol"] or DEFAULT_TOL)


def _directional(spec: Spec, paths: list[Trajectory], density: Density) -> dict[str, Any]:
    f = bound_function(spec)
    angles = linspace(0.0, 360.0, ANGLES)
    angle = spec["angle"] % 360.0
    (at,) = directional_derivative(f, spec["start"], [angle])
    values = directional_derivative(f, spec["start"], angles)
    gradient = tuple(f.gradient(spec["start"]))
    return {"directional": Directional(angles, values, angle, at, gradient)}


def _panels(spec: Spec, paths: list[Trajectory], density: Density) -> Sliced[dict[str, Any]]:
    """Small multiples: each panel's demo computed as its own, for the kind it draws."""
    kind = panel_kind(spec)
    panels = []
    for variant in spec["panels"]:
        panels.append((yield from computing(variant, [kind], density)))
    return {"panel_kind": kind, "panels": panels}


def _basin_map(spec: Spec, paths: list[Trajectory], density: Density) -> Sliced[dict[str, Any]]:
    o = spec["basins"]
    domain, optimizer, lr = _domain_key(spec), spec["optimizer"][0], spec["lr"]
    key = (*_key(spec), domain, optimizer, lr, o["samples"], o["steps"], o["tol"])
    f = bound_function(spec)
    found = yield from _BASINS.get(
        key, lambda: basin_rows(f, domain, o["samples"], optimizer, lr, o["steps"], o["tol"])
    )
    return {"basins": found}


def _arrows(spec: Spec, paths: list[Trajectory], density: Density) -> dict[str, Any]:
    f = bound_function(spec)
    field_ = gradient_field(
        f, spec["domain"], spec["arrows"], descent=not spec["ascent"], length=spec["arrow_length"]
    )
    return {"arrows": field_}


def _stability(spec: Spec, paths: list[Trajectory], density: Density) -> dict[str, Any]:
    return {"curvature": curvature(spec, paths) if spec["stability"] else None}


# What a plot kind may need (``PlotKind.needs``), each computed by one function (a
# generator function when its work comes in slices).
NEEDS: dict[str, Callable[[Spec, list[Trajectory], Density], Any]] = {
    "curve": lambda spec, _, __: {"curve": _curve(*_key(spec), _domain_key(spec))},
    "grid": lambda spec, _, density: _as("grid", _sampled(spec, density.grid)),
    "surface": lambda spec, _, density: _as("surface", _sampled(spec, density.surface)),
    "arrows": _arrows,
    "basins": _basin_map,
    "sweep": _sweep,
    "stability": _stability,
    "directional": _directional,
    "panels": _panels,
    "fit": _fit,
    "landscape": _landscape,
    "weights": _weights,
}
