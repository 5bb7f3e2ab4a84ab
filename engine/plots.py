"""The plot kinds, one entry each: which demos it draws for, the labels an author may set on
it, the keys it reads, its figure and its sentences. The spec check, the renderer, the guide's
reference and the summaries all read this table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import figures, fit_figures, words

if TYPE_CHECKING:
    from .runs import Runs

Spec = dict[str, Any]
AXES = ("x", "y")


@dataclass(frozen=True)
class PlotKind:
    """One kind of chart.

    ``demos`` says what it can draw: 1 and 2 (a function of one or two variables) and
    "fit" (a line fit). ``needs`` names what :func:`engine.runs.compute` computes for it
    besides the runs (``engine.runs.NEEDS``); ``figure`` draws it from those and ``says``
    states what it shows, in sentences. ``keys`` are the spec keys only this kind reads.
    ``runs``: a chart that is nothing without a run (``path: none`` is refused).
    """

    name: str
    meaning: str
    demos: tuple[int | str, ...]
    figure: Callable[[Spec, Runs], figures.Figure]
    says: Callable[[Spec, Runs, figures.Figure], list[str]]
    labels: tuple[str, ...] = AXES
    keys: tuple[str, ...] = ()
    runs: bool = False
    needs: tuple[str, ...] = ()


PLOTS: dict[str, PlotKind] = {
    kind.name: kind
    for kind in (
        PlotKind(
            "curve",
            "the function of one variable, with each run on it",
            (1,),
            figures.curve,
            words.runs_say,
            keys=("scale",),
            needs=("curve",),
        ),
        PlotKind(
            "contour",
            "filled contours of f(x, y), with each run on top",
            (2,),
            figures.contour,
            words.runs_say,
            (*AXES, "colorbar"),
            ("contours", "aspect"),
            needs=("grid",),
        ),
        PlotKind(
            "surface",
            "f(x, y) as a 3-D surface, with each run on it",
            (2,),
            figures.surface,
            words.runs_say,
            (*AXES, "z"),
            needs=("surface",),
        ),
        PlotKind(
            "field",
            "contour lines with the gradient's arrows",
            (2,),
            figures.field,
            words.runs_say,
            keys=("arrows", "arrow_length", "contours"),
            needs=("grid", "arrows"),
        ),
        PlotKind(
            "race",
            "several optimizers on one contour map, each ending in a star",
            (2,),
            figures.race,
            words.race_says,
            (*AXES, "colorbar"),
            ("contours", "aspect"),
            runs=True,
            needs=("grid",),
        ),
        PlotKind(
            "loss",
            "the loss at each step, one line per run",
            (1, 2, "fit"),
            figures.loss,
            words.race_says,
            keys=("scale",),
            runs=True,
        ),
        PlotKind(
            "basins",
            "which minimum each start reaches",
            (2,),
            figures.basins,
            words.basins_says,
            keys=("basins",),
            needs=("basins",),
        ),
        PlotKind(
            "sweep",
            "steps to converge against the learning rate",
            (1, 2),
            figures.sweep,
            words.sweep_says,
            keys=("sweep", "stability", "scale"),
            needs=("sweep", "stability"),
        ),
        PlotKind(
            "multiples",
            "the same chart side by side, one panel per compared value",
            (1, 2, "fit"),
            figures.multiples,
            words.multiples_says,
            (*AXES, "panels"),
            ("compare", "stability"),
            runs=True,
            needs=("panels", "stability"),
        ),
        PlotKind(
            "directional",
            "the directional derivative at the start as the direction turns",
            (2,),
            figures.directional,
            words.directional_says,
            keys=("angle",),
            needs=("directional",),
        ),
        PlotKind(
            "fit",
            "the data and each run's fitted line",
            ("fit",),
            fit_figures.fit,
            words.fit_says,
            needs=("fit",),
        ),
        PlotKind(
            "landscape",
            "the loss over (w, b), with each run's path",
            ("fit",),
            fit_figures.landscape,
            words.runs_say,
            (*AXES, "colorbar"),
            ("contours",),
            needs=("landscape",),
        ),
        PlotKind(
            "weight",
            "MSE and MAE against the weight, the bias held at its best",
            ("fit",),
            fit_figures.weight,
            words.weight_says,
            needs=("fit", "weights"),
        ),
    )
}


DEFAULT_PLOT = {1: "curve", 2: "contour", "fit": "fit"}


def panel_kind(spec: Spec) -> str:
    """What each panel of small multiples draws: a fit's loss landscape, a curve, or a
    contour map."""
    return "landscape" if spec["fit"] else "curve" if spec["dim"] == 1 else "contour"


def kinds_for(demo: int | str) -> tuple[str, ...]:
    """The plot kinds a demo of this sort can draw, its default first."""
    default = DEFAULT_PLOT[demo]
    return (default, *(n for n, kind in PLOTS.items() if demo in kind.demos and n != default))


def read_by(key: str) -> list[str]:
    """The plot kinds that read spec key ``key`` (their ``keys``); [] for a key every kind
    reads."""
    return [name for name, kind in PLOTS.items() if key in kind.keys]


def plot_reference() -> str:
    """The guide's table of plot kinds, from :data:`PLOTS`."""
    rows = ["| plot | draws | for | its own keys | labels |", "| --- | --- | --- | --- | --- |"]
    sorts = {1: "f(x)", 2: "f(x, y)", "fit": "fit"}
    for name, kind in PLOTS.items():
        keys = ", ".join(f"`{k}`" for k in kind.keys) or "—"
        rows.append(
            f"| `{name}` | {kind.meaning} | {', '.join(sorts[d] for d in kind.demos)} "
            f"| {keys} | {', '.join(kind.labels)} |"
        )
    return "\n".join(rows)
