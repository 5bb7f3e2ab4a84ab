"""Live answers for the browser's worker: a heavy demo's first look, then its whole answer.

A reader moving a control should see the chart answer at once. :func:`answers` is the
worker's call: for a demo whose whole answer is more work than :data:`LOOK_UNITS`, it first
answers a coarser version of it (:func:`first_look`: fewer starts of a basin map, fewer
rates of a sweep, the first steps of the runs, a coarser grid where the function or a fit's
loss must be sampled afresh), whose summary says the chart is still refining; then the
whole answer, which is :func:`engine.api.render_demo`'s. Between slices of the work it
yields None: there the worker reads its messages, and drops the rest of the work when a
newer request for the same demo has come.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .api import failure, parsed, rendering, to_json
from .budget import FULL, Density, costs, expression_weight
from .runs import unsampled
from .spec import normalize_spec

LOOK_UNITS = 25_000  # the work a first look may take: about 40 ms of Pyodide on 2 cores
FIT_WEIGHT = 0.1  # a fit's unit is one point's loss: about a tenth of an evaluation of f
MIN_STEPS, MIN_SAMPLES, MIN_RATES, MIN_GRID = 10, 8, 5, 20


@dataclass(frozen=True)
class FirstLook:
    """A coarser version of a demo's normalized spec, and what is coarser, in words."""

    spec: dict[str, Any]
    coarser: list[str]
    density: Density = FULL

    def summary(self) -> str:
        return f"Refining: a first look, with {' and '.join(self.coarser)}…"


def heavy_parts(spec: dict[str, Any]) -> dict[str, float]:
    """The work a first look can lessen, by part: ``steps`` (the runs, panels included),
    ``basins``, ``sweep`` and ``samples`` (the function's grid and surface, or a fit's loss
    landscape, when they are not sampled already), in budget units (engine.budget)."""
    weight = expression_weight(spec) if spec["fit"] is None else FIT_WEIGHT
    parts: dict[str, float] = {}
    for cost in costs(spec):
        part = "steps" if cost.path[0] == "compare" else str(cost.path[0])
        if part in ("steps", "basins", "sweep"):
            parts[part] = parts.get(part, 0.0) + cost.evaluations * weight
    fresh = unsampled(spec)
    points = {"grid": FULL.grid**2, "surface": FULL.surface**2}
    samples = sum(points[k] for k in fresh if k in points) * weight
    if "landscape" in fresh:
        samples += FULL.grid**2 * spec["fit"]["points"] * FIT_WEIGHT
    if samples:
        parts["samples"] = samples
    return parts


def first_look(spec: dict[str, Any]) -> FirstLook | None:
    """A coarser spec doing about :data:`LOOK_UNITS` of work, or None if ``spec``'s whole
    answer is not much more (or nothing of it can be made coarser)."""
    parts = heavy_parts(spec)
    total = sum(parts.values())
    if total <= 2 * LOOK_UNITS:
        return None
    share = LOOK_UNITS / total
    # only the parts that weigh are made coarser
    weighs = {part for part, units in parts.items() if units > LOOK_UNITS / 4}
    look, coarser = copy.deepcopy(spec), []
    steps = max(MIN_STEPS, int(spec["steps"] * share))
    if "steps" in weighs and steps < spec["steps"] and spec["path"] != "none":
        look["steps"] = steps
        for panel in look.get("panels") or []:
            panel["steps"] = min(panel["steps"], steps)
        coarser.append(f"the first {steps} of {spec['steps']} steps")
    if "basins" in weighs:
        samples = spec["basins"]["samples"]
        fewer = max(MIN_SAMPLES, int(samples * math.sqrt(share)))
        if fewer < samples:
            look["basins"]["samples"] = fewer
            coarser.append(f"the basin map from {fewer}×{fewer} starts of {samples}×{samples}")
    if "sweep" in weighs:
        count = spec["sweep"]["count"]
        fewer = max(MIN_RATES, int(count * share))
        if fewer < count:
            look["sweep"]["count"] = fewer
            coarser.append(f"{fewer} of the sweep's {count} rates")
    density, side = FULL, math.sqrt(share)
    grid = max(MIN_GRID, int(FULL.grid * side))
    if "samples" in weighs and grid < FULL.grid:
        density = Density(grid, max(MIN_GRID, int(FULL.surface * side)))
        what = "the loss landscape" if spec["fit"] is not None else "the function"
        coarser.append(f"{what} on a {grid}×{grid} grid of {FULL.grid}×{FULL.grid}")
    return FirstLook(look, coarser, density) if coarser else None


def answers(spec_text: str) -> Iterator[str | None]:
    """The worker's call: None between slices of work, and each answer's JSON when it is
    ready, as :func:`engine.api.render_json`'s with ``"final"``: a first look (false), for
    a heavy demo, then the whole answer (true). An error is a final answer; nothing raises."""
    try:
        spec = normalize_spec(parsed(spec_text))
        look = first_look(spec)
        if look is not None:
            coarse = yield from rendering(look.spec, look.density)
            coarse["summary"] = look.summary()
            yield to_json({"ok": coarse, "final": False})
        whole = yield from rendering(spec)
        yield to_json({"ok": whole, "final": True})
    except Exception as exc:  # failure() says what each kind of exception means
        yield to_json({**failure(exc), "final": True})
