"""The charts of a line fit, one function per plot kind (as :mod:`engine.figures`): the
data and each run's line, the loss landscape over (w, b), and each loss against the weight.
Drawn from :func:`engine.runs.compute`'s :class:`engine.runs.Fit` and loss samples."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .drawing import (
    Figure,
    drawn_value,
    end_marks,
    layout_of,
    path_trace,
    run_line,
    scaled_contours,
    tap_sets_start,
    with_colorbar,
    with_ranges,
)
from .names import fit_axis_titles, run_name

if TYPE_CHECKING:
    from .runs import Runs


def fit(spec: dict[str, Any], runs: Runs) -> Figure:
    """The data, the starting line (faint) and each optimizer's current line."""
    data_set = runs.fit.data
    lo, hi = min(data_set.xs), max(data_set.xs)
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": "data",
            "x": list(data_set.xs),
            "y": list(data_set.ys),
            "marker": {"color": "#555", "size": 6},
        }
    ]
    w0, b0 = runs.trajectories[0].points[0]
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "start",
            "x": [lo, hi],
            "y": [w0 * lo + b0, w0 * hi + b0],
            "line": {"color": "#bbb", "dash": "dot"},
        }
    )
    for t in runs.trajectories:
        w, b = t.points[-1]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": run_name(spec, t.optimizer),
                "legendgroup": t.optimizer,
                "x": [lo, hi],
                "y": [w * lo + b, w * hi + b],
                "line": run_line(t.optimizer, width=3),
                "hovertemplate": f"w = {w:.4g}, b = {b:.4g}<extra></extra>",
            }
        )
    titles = fit_axis_titles(spec, runs.fit.standardized)
    return {"data": data, "layout": layout_of(spec, "fit", *titles)}


def landscape(spec: dict[str, Any], runs: Runs) -> Figure:
    """The loss over (w, b) with each optimizer's path through it."""
    ws, bs, loss_values = runs.landscape
    z = [[drawn_value(v) for v in row] for row in loss_values]
    data = [scaled_contours("loss", ws, bs, z, spec)] + [
        path_trace(spec, t, y_from_values=False) for t in runs.trajectories
    ]
    data += end_marks(spec, runs.trajectories, y_from_values=False)
    layout = with_ranges(layout_of(spec, "landscape", "weight w", "bias b"), spec["domain"])
    tap_sets_start(layout, 2)  # a fit starts at (w, b)
    return with_colorbar({"data": data, "layout": layout}, spec, "landscape", "loss")


def weight(spec: dict[str, Any], runs: Runs) -> Figure:
    """MSE and MAE as functions of the weight alone, the intercept held at its best value:
    each on an axis of its own (MSE left, MAE right), since MSE grows as the square of
    what MAE grows as, and on one axis MAE would look flat."""
    ws, losses = runs.weights
    _, b_best = runs.fit.best_line
    data = []
    for name, color, axis in (("mse", "#0072B2", "y"), ("mae", "#D55E00", "y2")):
        side = "left" if axis == "y" else "right"
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{name.upper()} ({side} axis)",
                "x": ws,
                "y": losses[name],
                "yaxis": axis,
                "line": {"color": color, "width": 2 + (name == spec["fit"]["loss"])},
            }
        )
    layout = layout_of(spec, "weight", "weight w", f"MSE at b = {b_best:.3g}")
    layout["yaxis"]["title"]["font"] = {"color": "#0072B2"}
    layout["yaxis2"] = {
        "title": {"text": "MAE", "font": {"color": "#D55E00"}},
        "overlaying": "y",
        "side": "right",
        "showgrid": False,
        "automargin": True,  # room for its tick labels and title, however wide
    }
    layout["margin"]["r"] = 60
    return {"data": data, "layout": layout}
