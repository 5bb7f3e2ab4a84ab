"""The compute budget: what a spec will cost, counted before any of it is computed.

Every figure of a demo is a known number of evaluations of f and ∇f (a run of n steps is
n + 1, a 60×60 contour grid 3600, a basin map one run per start, …). :func:`costs` lists
them from a normalized spec, each with the key that sets it; :func:`over_budget` says in
words which part is too large. The builder and the browser's worker call the same check
(it is part of :func:`engine.spec.normalize_spec`), so a spec that builds also runs live.

The unit is one evaluation of an expression of :data:`BASE_SIZE` nodes; a larger
expression (with its derivatives) costs proportionally more, since its evaluation does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# About 2 s of CPython on this project's reference machine, 5 s in Pyodide: well inside the
# browser's 20 s limit per request. The costliest shipped demo (a basin map) takes 0.35.
BUDGET = 2_000_000
BASE_SIZE = 40  # nodes of f, ∂f/∂x and ∂f/∂y that one unit of the budget pays for


@dataclass(frozen=True)
class Density:
    """How finely a demo samples its function or a fit's loss: points per side of the
    contour grid (and loss landscape) and of the surface. A first look (engine.live) takes
    a coarser one."""

    grid: int = 60
    surface: int = 50


FULL = Density()
CURVE_SAMPLES, GRID_SAMPLES, SURFACE_SAMPLES, FIELD_SAMPLES = 241, FULL.grid, FULL.surface, 40
GRID_KINDS = ("contour", "race", "field", "directional")


@dataclass(frozen=True)
class Cost:
    """``evaluations`` of f and ∇f for one part of a demo, set by the key at ``path``."""

    path: tuple[str | int, ...]
    evaluations: int
    what: str


def _runs(spec: dict[str, Any], steps: int, optimizers: int, path: tuple, what: str) -> Cost:
    per_step = 1
    if spec["fit"] is not None:  # a step: ∇ over the batch, then the loss over every point
        fit = spec["fit"]
        size = {"batch": fit["points"], "minibatch": fit["batch_size"], "stochastic": 1}
        per_step = fit["points"] + min(size[fit["method"]], fit["points"])
    return Cost(path, optimizers * (steps + 1) * per_step, what)


def _figure_costs(spec: dict[str, Any], steps: int, optimizers: int) -> list[Cost]:
    """What one set of runs and the views beside them cost (no ``multiples``)."""
    runs = _runs(spec, steps, optimizers, ("steps",), f"{optimizers} run(s) of {steps} steps")
    out = [runs]
    plots = spec["plots"]
    if spec["fit"] is not None:
        points = spec["fit"]["points"]
        if "landscape" in plots:
            out.append(Cost(("plots",), GRID_SAMPLES**2 * points, "the loss landscape"))
        if "weight" in plots:
            out.append(Cost(("plots",), CURVE_SAMPLES * points, "the loss over w"))
        return out
    if spec["dim"] == 1 and {"curve", "multiples"} & set(plots):
        out.append(Cost(("plots",), CURVE_SAMPLES, "the curve"))
    if spec["dim"] == 2 and any(k in plots for k in (*GRID_KINDS, "multiples")):
        out.append(Cost(("plots",), GRID_SAMPLES**2, "the contour grid"))
    if "surface" in plots:
        out.append(Cost(("plots",), SURFACE_SAMPLES**2, "the surface"))
    if "field" in plots:
        out.append(Cost(("arrows",), spec["arrows"] ** 2, "the gradient field"))
    if "basins" in plots:
        o = spec["basins"]
        out.append(
            Cost(
                ("basins", "steps"),
                o["samples"] ** 2 * (o["steps"] + 1),
                f"the basin map ({o['samples']}×{o['samples']} starts × {o['steps']} steps)",
            )
        )
    if "sweep" in plots:
        o = spec["sweep"]
        out.append(
            Cost(
                ("sweep", "steps"),
                optimizers * o["count"] * (o["steps"] + 1),
                f"the sweep ({o['count']} rates × {o['steps']} steps)",
            )
        )
    return out


def costs(spec: dict[str, Any]) -> list[Cost]:
    """Every part of a normalized spec's work, in evaluations of f and ∇f."""
    optimizers = len(spec["optimizer"])
    out = _figure_costs(spec, spec["steps"], optimizers)
    compare = spec.get("compare")
    if compare and "multiples" in spec["plots"]:
        ((key, values),) = compare.items()
        for i, (value, variant) in enumerate(zip(values, spec["panels"], strict=True)):
            runs = len(variant["optimizer"])
            panel = _runs(variant, variant["steps"], runs, ("compare", key, i), f"panel {i + 1}")
            grid = GRID_SAMPLES**2 if spec["dim"] == 2 or spec["fit"] else CURVE_SAMPLES
            out.append(Cost(panel.path, panel.evaluations + grid, f"{key} = {value}"))
    return out


def expression_size(spec: dict[str, Any]) -> int:
    """Distinct nodes of f and its partial derivatives (0 for a line fit)."""
    if spec["fit"] is not None or spec.get("expression") is None:
        return 0
    return _size(spec["expression"], tuple(sorted(spec["params"])), spec["dim"])


@lru_cache(maxsize=64)
def _size(expression: str, params: tuple[str, ...], dim: int) -> int:
    """Counted once per function: every slider move and keyframe asks again."""
    from .expr import compile_cached, distinct_nodes

    compiled = compile_cached(expression, params, dim)
    return distinct_nodes((compiled.tree, *compiled.partials))


def expression_weight(spec: dict[str, Any]) -> float:
    """Budget units per evaluation of the spec's function: 1 up to :data:`BASE_SIZE` nodes
    (and for a line fit), more for a larger expression."""
    return max(1.0, expression_size(spec) / BASE_SIZE)


def units(spec: dict[str, Any]) -> tuple[int, list[Cost]]:
    """The spec's cost in budget units, and its parts."""
    parts = costs(spec)
    return int(sum(p.evaluations for p in parts) * expression_weight(spec)), parts


def over_budget(spec: dict[str, Any]) -> tuple[tuple[str | int, ...], str] | None:
    """None if ``spec`` fits the budget; else the key path to blame and what to do, in words."""
    total, parts = units(spec)
    if total <= BUDGET:
        return None
    worst = max(parts, key=lambda p: p.evaluations)
    return (
        worst.path,
        f"this demo is too much work to compute: about {total:,} units (evaluations of f and "
        f"∇f, weighted by the expression's size), above the budget of {BUDGET:,}; the largest "
        f"part is {worst.what}: lower {'.'.join(map(str, worst.path))}",
    )
