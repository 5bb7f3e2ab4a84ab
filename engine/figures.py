"""Turn a normalized demo spec into Plotly figure dicts (plain JSON types only)."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from .descent import Trajectory, descend
from .expr import BoundExpression, compile_expression
from .optimizers import OPTIMIZERS

CURVE_SAMPLES = 241
GRID_SAMPLES = 60
PATH_COLORS = {
    "gd": "#d62728",
    "momentum": "#1f77b4",
    "nesterov": "#9467bd",
    "adagrad": "#8c564b",
    "rmsprop": "#2ca02c",
    "adam": "#ff7f0e",
}


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


@lru_cache(maxsize=16)
def _bound(expression: str, params: tuple[tuple[str, float], ...]) -> BoundExpression:
    compiled = compile_expression(expression, tuple(name for name, _ in params))
    return compiled.bind(dict(params))


def bound_function(spec: dict[str, Any]) -> BoundExpression:
    """The spec's function with its params bound (compiled once per function and params)."""
    return _bound(spec["expression"], tuple(sorted(spec["params"].items())))


@lru_cache(maxsize=16)
def _grid(
    expression: str,
    params: tuple[tuple[str, float], ...],
    domain: tuple[tuple[float, float], ...],
    samples: int,
) -> tuple[list[float], list[float], list[list[float | None]]]:
    f = _bound(expression, params)
    (x0, x1), (y0, y1) = domain
    xs = [x0 + (x1 - x0) * i / (samples - 1) for i in range(samples)]
    ys = [y0 + (y1 - y0) * j / (samples - 1) for j in range(samples)]
    value = f.value_at
    z = [[_json_number(value(x, y)) for x in xs] for y in ys]
    return xs, ys, z


def grid(spec: dict[str, Any], samples: int = GRID_SAMPLES):
    """Sample f on a samples×samples grid over the domain: (xs, ys, z[row y][col x]).

    NaN (undefined) is None. Cached by function, params, domain and size, so a slider that
    moves only the start or the rate does not resample the surface.
    """
    return _grid(
        spec["expression"],
        tuple(sorted(spec["params"].items())),
        tuple(tuple(r) for r in spec["domain"]),
        samples,
    )


def trajectories(spec: dict[str, Any]) -> list[Trajectory]:
    """One trajectory per optimizer named in the spec, in order."""
    f = bound_function(spec)
    return [
        descend(
            f,
            spec["start"],
            optimizer=name,
            lr=spec["lr"],
            steps=spec["steps"],
            tol=spec["tol"],
            ascent=spec["ascent"],
            clip=tuple(spec["clip"]) if spec["clip"] else None,
            momentum=spec["momentum"],
            alpha=spec["alpha"],
            beta1=spec["beta1"],
            beta2=spec["beta2"],
            eps=spec["eps"],
        )
        for name in spec["optimizer"]
    ]


def _path_trace(t: Trajectory, y_from_values: bool) -> dict[str, Any]:
    xs = [p[0] for p in t.points]
    ys = t.values if y_from_values else [p[1] for p in t.points]
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": t.optimizer,
        "legendgroup": t.optimizer,
        "x": xs,
        "y": ys,
        "line": {"color": PATH_COLORS[t.optimizer], "width": 2},
        "marker": {"size": 6},
        "hovertemplate": f"{OPTIMIZERS[t.optimizer].label}<br>step %{{pointNumber}}"
        "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    }


def _layout(title_x: str, title_y: str, **extra: Any) -> dict[str, Any]:
    layout = {
        "margin": {"l": 50, "r": 10, "t": 10, "b": 45},
        "xaxis": {"title": {"text": title_x}},
        "yaxis": {"title": {"text": title_y}},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "uirevision": "keep",
        "height": 380,
    }
    layout.update(extra)
    return layout


def curve_figure(spec: dict[str, Any], paths: list[Trajectory]) -> dict[str, Any]:
    """1-D: the curve f(x) over the domain with each path's iterates (x, f(x))."""
    f = bound_function(spec)
    ((lo, hi),) = spec["domain"]
    xs = [lo + (hi - lo) * i / (CURVE_SAMPLES - 1) for i in range(CURVE_SAMPLES)]
    curve = {
        "type": "scatter",
        "mode": "lines",
        "name": "f",
        "x": xs,
        "y": [_json_number(f.value_at(x)) for x in xs],
        "line": {"color": "#555", "width": 2},
        "hoverinfo": "skip",
    }
    data = [curve] + [_path_trace(t, y_from_values=True) for t in paths]
    return {"data": data, "layout": _layout("x", "f(x)")}


def contour_figure(spec: dict[str, Any], paths: list[Trajectory]) -> dict[str, Any]:
    """2-D: filled contours of f over the domain with each path on top."""
    xs, ys, z = grid(spec)
    contour = {
        "type": "contour",
        "name": "f",
        "x": xs,
        "y": ys,
        "z": z,
        "colorscale": "Viridis",
        "ncontours": 30,
        "contours": {"coloring": "heatmap"},
        "colorbar": {"thickness": 12},
        "hoverinfo": "skip",
    }
    data = [contour] + [_path_trace(t, y_from_values=False) for t in paths]
    (x0, x1), (y0, y1) = spec["domain"]
    layout = _layout("x", "y")
    layout["xaxis"]["range"] = [x0, x1]
    layout["yaxis"]["range"] = [y0, y1]
    return {"data": data, "layout": layout}


def loss_figure(spec: dict[str, Any], paths: list[Trajectory]) -> dict[str, Any]:
    """f at each iteration, one line per optimizer."""
    data = []
    for t in paths:
        trace = _path_trace(t, y_from_values=True)
        trace["x"] = list(range(len(t.values)))
        trace["hovertemplate"] = "step %{x}<br>f = %{y:.6g}<extra></extra>"
        data.append(trace)
    return {"data": data, "layout": _layout("iteration", "f")}


FIGURES = {"curve": curve_figure, "contour": contour_figure, "loss": loss_figure}
