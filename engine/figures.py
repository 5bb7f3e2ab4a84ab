"""The charts, one function per plot kind: ``kind(spec, runs) -> {"data", "layout"}``, a
Plotly figure of plain JSON types, drawn from what :func:`engine.runs.compute` computed.
Nothing here runs an optimizer or samples the function; the pieces every chart shares are
in :mod:`engine.drawing`, and what runs are called in :mod:`engine.names`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from . import fit_figures
from .drawing import (
    PATH_COLORS,
    RUN_STYLES,
    Figure,
    contour_trace,
    drawn_value,
    end_marks,
    finite_or_none,
    layout_of,
    note_trace,
    path_mode,
    path_trace,
    run_line,
    scaled,
    tap_sets_start,
    with_aspect,
    with_colorbar,
    with_ranges,
)
from .names import (
    RUN_WORDS,
    beyond_bound,
    f_of,
    label,
    panel_title,
    point_words,
    run_name,
    short_name,
)
from .trajectory import DIVERGED

if TYPE_CHECKING:
    from .runs import Runs


# --- figure kinds -----------------------------------------------------------------------
def curve(spec: dict[str, Any], runs: Runs) -> Figure:
    """1-D: the curve f(x) over the domain with each path's iterates (x, f(x))."""
    xs, ys = runs.curve
    line = {
        "type": "scatter",
        "mode": "lines",
        "name": "f",
        "x": xs,
        "y": [drawn_value(y) for y in ys],
        "line": {"color": "#777", "width": 2},
        "hoverinfo": "skip",
    }
    data = [line] + [path_trace(spec, t, y_from_values=True) for t in runs.trajectories]
    data += end_marks(spec, runs.trajectories, y_from_values=True)
    layout = tap_sets_start(layout_of(spec, "curve", "x", "f(x)"), 1)
    return scaled({"data": data, "layout": layout}, spec, {})


def contour(spec: dict[str, Any], runs: Runs, kind: str = "contour") -> Figure:
    """2-D: filled contours of f over the domain with each path on top (``kind`` names
    the labels it reads: a race is a contour map too)."""
    data = [contour_trace(spec, runs.grid)] + [
        path_trace(spec, t, y_from_values=False) for t in runs.trajectories
    ]
    data += end_marks(spec, runs.trajectories, y_from_values=False)
    layout = tap_sets_start(with_ranges(layout_of(spec, kind, "x", "y"), spec["domain"]), 2)
    return with_colorbar({"data": data, "layout": with_aspect(layout, spec)}, spec, kind, "f(x, y)")


def race(spec: dict[str, Any], runs: Runs) -> Figure:
    """Several optimizers on one contour, each path ending in a labelled star."""
    figure = contour(spec, runs, "race")
    for t in runs.trajectories:
        end = t.points[-1]
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{run_name(spec, t.optimizer)}: end",
                "legendgroup": t.optimizer,
                "showlegend": False,
                "x": [end[0]],
                "y": [end[1]],
                "marker": {
                    "symbol": "star",
                    "size": 14,
                    "color": PATH_COLORS[t.optimizer],
                    "line": {"color": "white", "width": 1},
                },
                "hovertemplate": f"{short_name(t.optimizer)}: {t.status} after "
                f"{t.steps} steps<extra></extra>",
            }
        )
    return figure


def surface(spec: dict[str, Any], runs: Runs) -> Figure:
    """3-D surface of f with each path drawn on it (lifted a hair so it stays visible)."""
    g = runs.surface
    finite = [v for row in g.z for v in row if math.isfinite(v)]
    lift = 0.01 * (max(finite) - min(finite)) if finite else 0.0
    data: list[dict[str, Any]] = [
        {
            "type": "surface",
            "name": "f",
            "x": g.xs,
            "y": g.ys,
            "z": [[drawn_value(v) for v in row] for row in g.z],
            "colorscale": "Viridis",
            "showscale": False,
            "opacity": 0.85,  # a path behind a ridge shows through it
            "hoverinfo": "skip",
        }
    ]
    for t in runs.trajectories:
        data.append(
            {
                "type": "scatter3d",
                "mode": path_mode(spec, t),
                "name": run_name(spec, t.optimizer),
                "legendgroup": t.optimizer,
                "x": [p[0] for p in t.points],
                "y": [p[1] for p in t.points],
                "z": [v + lift for v in t.values],
                "line": run_line(t.optimizer, width=5),
                "marker": {
                    "size": 3,
                    "color": PATH_COLORS[t.optimizer],
                    "symbol": RUN_STYLES[t.optimizer][2],
                },
                # its shadow on the floor of the box: the path in plan, never hidden
                "projection": {"z": {"show": True, "opacity": 0.6}},
                "meta": {"path": True},
            }
        )
    data += end_marks(spec, runs.trajectories, y_from_values=False, lift=lift)
    layout = layout_of(spec, "surface", "x", "y", height=460)
    layout["margin"] = {"l": 0, "r": 0, "t": 10, "b": 0}
    layout["scene"] = {
        "xaxis": {"title": {"text": layout["xaxis"]["title"]["text"]}},
        "yaxis": {"title": {"text": layout["yaxis"]["title"]["text"]}},
        "zaxis": {"title": {"text": label(spec, "surface", "z", "f(x, y)")}},
        "camera": {"eye": {"x": 1.6, "y": -1.6, "z": 1.0}, "center": {"x": 0, "y": 0, "z": -0.12}},
        # Plotly's automatic aspect follows the data: a surface taller than it is wide
        # leaves its frame at the top and bottom. A fixed, flatter box stays inside.
        "aspectmode": "manual",
        "aspectratio": {"x": 1, "y": 1, "z": 0.75},
    }
    return {"data": data, "layout": layout}


def field(spec: dict[str, Any], runs: Runs) -> Figure:
    """Contour lines with gradient arrows (−∇f when descending, ∇f when climbing)."""
    arrows = runs.arrows
    arrow_name = "∇f" if spec["ascent"] else "−∇f"
    data = [
        contour_trace(
            spec, runs.grid, contours={"coloring": "lines"}, showscale=False, ncontours=20
        ),
        {
            "type": "scatter",
            "mode": "lines",
            "name": arrow_name,
            "x": [finite_or_none(v) for v in arrows.x],
            "y": [finite_or_none(v) for v in arrows.y],
            "line": {"color": "#444", "width": 1.2},
            "hoverinfo": "skip",
        },
    ] + [path_trace(spec, t, y_from_values=False) for t in runs.trajectories]
    data += end_marks(spec, runs.trajectories, y_from_values=False)
    layout = with_ranges(layout_of(spec, "field", "x", "y"), spec["domain"])
    # Equal units on both axes, so an arrow stands at right angles to its contour; the
    # plot area shrinks to keep them ("domain") rather than the ranges growing into empty
    # bands beside the domain.
    layout["yaxis"]["scaleanchor"] = "x"
    layout["xaxis"]["constrain"] = layout["yaxis"]["constrain"] = "domain"
    tap_sets_start(layout, 2)
    return {"data": data, "layout": layout}


LOG_SPAN = 1e3  # a loss axis turns logarithmic when its values span more than this factor


def loss(spec: dict[str, Any], runs: Runs) -> Figure:
    """The loss at each iteration, one line per optimizer.

    The axis is logarithmic when every value is positive and they span more than
    LOG_SPAN (a run converging to 1e-12 beside one at 10). A diverged run is marked ✕
    "diverged" where it stops; on a linear axis the range is the other runs', so one run
    at 1e9 does not flatten the rest into a line at zero (its mark then sits at the top).
    """
    paths = runs.trajectories
    data = [
        path_trace(
            spec,
            t,
            y_from_values=True,
            x=list(range(len(t.values))),
            hovertemplate="step %{x}<br>f = %{y:.6g}<extra></extra>",
        )
        for t in paths
    ]
    layout = layout_of(spec, "loss", "iteration", f_of(spec))
    values = [v for t in paths for v in t.values if math.isfinite(v)]
    calm = [v for t in paths if t.status != DIVERGED for v in t.values if math.isfinite(v)]
    top = None
    if values and min(values) > 0 and max(values) / min(values) > LOG_SPAN:
        # powers of ten are wider than the margin kept for tick labels: let Plotly widen it
        layout["yaxis"].update(type="log", exponentformat="power", automargin=True)
        # whole powers of ten only, at most about four of them (Plotly labels 2 and 5 between
        # decades on a short axis, and those crowd on a phone)
        decades = math.log10(max(values) / min(values))
        layout["yaxis"]["dtick"] = max(1, math.ceil(decades / 4))
    elif calm and len(calm) < len(values) and spec["scale"]["y"] != "log":
        lo, hi = min(calm), max(calm)
        pad = 0.08 * (hi - lo) or 1.0
        top = hi + pad
        layout["yaxis"]["range"] = [lo - pad, top]
    for t in paths:
        if t.status != DIVERGED:
            continue
        last = t.values[-1]
        shown = last if top is None or not math.isfinite(last) or last <= top else top
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": f"{run_name(spec, t.optimizer)}: diverged",
                "legendgroup": t.optimizer,
                "showlegend": False,
                "meta": {"mark": "diverged"},
                "x": [len(t.values) - 1],
                "y": [shown],
                "text": ["diverged" if shown == last else "diverged ↑"],
                # towards the middle of the chart, where the word has room
                "textposition": ("bottom " if shown != last else "top ")
                + ("right" if 2 * t.steps < max(len(r.values) for r in paths) else "left"),
                "cliponaxis": False,
                "marker": {"symbol": "x", "size": 12, "color": PATH_COLORS[t.optimizer]},
                "hovertemplate": f"{run_name(spec, t.optimizer)} diverged after step "
                f"{t.steps} (f = {last:.4g})<extra></extra>",
            }
        )
    return scaled({"data": data, "layout": layout}, spec, {})


NARROW_PANEL = 300  # px per stacked panel of small multiples: title 40, plot 220, ticks 40


def multiples(spec: dict[str, Any], runs: Runs) -> Figure:
    """Small multiples: the same demo side by side for each value of one key, each panel
    drawn from its own runs (``runs.panels``) as the kind ``runs.panel_kind`` draws.

    Panels of a 2-D function share their ranges, so only the first shows y tick labels.
    ``layout.meta.narrow`` is the layout for a chart narrower than the page's breakpoint:
    the panels stacked, each as wide as the chart (the page merges it in, key by key).
    """
    ((key, values),) = spec["compare"].items()
    base = PANEL_FIGURES[runs.panel_kind]
    shared = bool(spec["dim"] == 2 or spec["fit"])  # the same x and y ranges in every panel
    data: list[dict[str, Any]] = []
    layout = layout_of(spec, "multiples", "", "", height=360)
    layout["margin"].update(t=48, b=40)
    count = len(values)
    gap = 0.05 if shared else 0.1  # room for the tick labels of the panel to the right
    width = (1 - gap * (count - 1)) / count
    paper = count * NARROW_PANEL  # the stacked chart's plot area, px
    narrow: dict[str, Any] = {"height": paper + 18, "margin": {"t": 8, "b": 10}}
    annotations, stacked = [], []
    panels = spec["labels"].get("multiples", {}).get("panels")
    # Panels over the rate say which side of 2/λ_max they are on (one Hessian for all).
    marked = key == "lr" and spec["stability"] and not panels and runs.curvature
    bound = runs.curvature.bound if marked else None
    if bound is not None:
        layout["margin"]["t"] = 62  # three lines of title
    for i, (value, variant) in enumerate(zip(values, spec["panels"], strict=True)):
        own = runs.panels[i]
        suffix = "" if i == 0 else str(i + 1)
        title = panels[i] if panels else panel_title(key, value, own.trajectories[0])
        data += _panel_traces(base(variant, own), suffix, key, value, title)
        lo = i * (width + gap)
        layout.update(_panel_axes(spec, suffix, [lo, lo + width], first=i == 0, shared=shared))
        if bound is not None:
            title = beyond_bound(title, value, bound)
        annotation = {
            "text": title,
            "xref": "paper",
            "yref": "paper",
            "x": lo + width / 2,
            "y": 1.0,
            "xanchor": "center",  # ("auto" anchors a paper annotation by its nearest side)
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 11},  # two lines, as wide as a third of a phone's column
        }
        annotations.append(annotation)
        top = 1 - i * NARROW_PANEL / paper  # this panel's block, from the top of the chart
        plot = [top - (NARROW_PANEL - 40) / paper, top - 40 / paper]
        narrow[f"xaxis{suffix}"] = {"domain": [0, 1]}
        narrow[f"yaxis{suffix}"] = {
            "domain": plot,
            "showticklabels": True,
            "title": {"text": label(spec, "multiples", "y", "")},
        }
        stacked.append({**annotation, "x": 0.5, "y": plot[1]})
    layout["annotations"] = annotations
    narrow["annotations"] = stacked
    layout["meta"] = {"narrow": narrow}
    return {"data": data, "layout": layout}


def _panel_traces(panel: Figure, suffix: str, key: str, value: Any, title: str) -> list[dict]:
    """A panel's traces on its own axes, without legend or colour bar; its paths named by
    the panel (the CSV's rows say which panel they are from)."""
    for trace in panel["data"]:
        trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}", showlegend=False)
        trace["meta"] = {**trace.get("meta", {}), key: value}
        if trace["meta"].get("path"):
            trace["name"] = f"{title.split('<br>')[0]}: {trace['name']}"
        if trace["type"] == "contour":
            trace["showscale"] = False
            trace.pop("colorbar", None)
    return panel["data"]


def _panel_axes(
    spec: dict[str, Any], suffix: str, across: list[float], *, first: bool, shared: bool
) -> dict[str, Any]:
    """A panel's axes side by side: ``across`` the chart's width; y tick labels on the first
    panel only where the panels share their ranges."""
    x: dict[str, Any] = {
        "domain": across,
        "anchor": f"y{suffix}",
        "title": {"text": label(spec, "multiples", "x", "")},
    }
    y: dict[str, Any] = {
        "anchor": f"x{suffix}",
        "title": {"text": label(spec, "multiples", "y", "") if first else ""},
        "showticklabels": first or not shared,
    }
    if shared:
        x["range"] = list(spec["domain"][0])
        y["range"] = list(spec["domain"][1])
    return {f"xaxis{suffix}": x, f"yaxis{suffix}": y}


def basins(spec: dict[str, Any], runs: Runs) -> Figure:
    """Basins of attraction: which minimum each start reaches, and in how many steps."""
    result = runs.basins
    count = max(len(result.minima), 1)
    palette = [
        "#4e79a7",
        "#f28e2b",
        "#59a14f",
        "#e15759",
        "#76b7b2",
        "#edc948",
        "#b07aa1",
        "#ff9da7",
        "#9c755f",
        "#bab0ac",
    ]
    scale = [[0.0, "#dddddd"], [1 / (count + 1), "#dddddd"]]
    for k in range(count):
        color = palette[k % len(palette)]
        scale += [[(k + 1) / (count + 1), color], [(k + 2) / (count + 1), color]]
    data: list[dict[str, Any]] = [
        {
            "type": "heatmap",
            "name": "basins",
            "x": result.xs,
            "y": result.ys,
            "z": result.labels,
            "customdata": result.steps,
            "zmin": -1,
            "zmax": count - 1,
            "colorscale": scale,
            "showscale": False,
            "hovertemplate": "start (%{x:.3g}, %{y:.3g})<br>minimum %{z}"
            "<br>%{customdata} steps<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "markers+text",
            "name": "minima",
            "x": [p[0] for p in result.minima],
            "y": [p[1] for p in result.minima],
            "text": [f"{k}: f = {v:.3g}" for k, v in enumerate(result.values)],
            "textposition": "top center",
            "marker": {"symbol": "x", "size": 11, "color": "black"},
        },
    ]
    layout = layout_of(spec, "basins", "start x", "start y")
    return {"data": data, "layout": with_ranges(layout, spec["domain"])}


def sweep(spec: dict[str, Any], runs: Runs) -> Figure:
    """Steps to converge against the learning rate (log axis); diverged rates marked ×."""
    data = []
    for name, points in runs.sweep.items():
        words = spec["labels"]["runs"].get(name, RUN_WORDS[name])  # no α: the rate varies
        converged = [p for p in points if p.status == "converged"]
        failed = [p for p in points if p.status != "converged"]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": words,
                "legendgroup": name,
                "x": [p.lr for p in converged],
                "y": [p.steps for p in converged],
                "line": run_line(name),
                "meta": {"points": True, "converged": True},  # rows of the CSV
                "hovertemplate": "lr %{x:.3g}: converged in %{y} steps<extra></extra>",
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{words}: did not converge",
                "legendgroup": name,
                "x": [p.lr for p in failed],
                "y": [p.steps for p in failed],
                "text": [p.status.replace("_", " ") for p in failed],
                "marker": {"symbol": "x", "size": 9, "color": PATH_COLORS[name]},
                "meta": {"points": True, "converged": False},
                "hovertemplate": "lr %{x:.3g}: %{text} at step %{y}<extra></extra>",
            }
        )
    data += stability_marks(spec, runs, spec["sweep"]["steps"])
    layout = layout_of(spec, "sweep", "learning rate α", "steps to converge")
    return scaled({"data": data, "layout": layout}, spec, {"x": "log"})


def stability_marks(spec: dict[str, Any], runs: Runs, steps: int) -> list[dict[str, Any]]:
    """The sweep's stability bound 2/λ_max as a line, and the rates beyond it shaded: on the
    quadratic model of f there, gradient descent diverges for α > 2/λ_max. The legend states
    the condition number λ_max/λ_min."""
    if not spec["stability"]:
        return []
    found, rates = runs.curvature, runs.rates
    if found is None:
        return [note_trace(NO_END)]
    eigen, bound = found.eigen, found.bound
    top, low = eigen[0], eigen[-1]
    where = f"at {point_words(found.point)}"
    if bound is None:
        return [
            note_trace(
                f"no stability bound: the curvature {where} is not positive in every direction"
            )
        ]
    kappa = f", κ = {top / low:.3g}" if len(eigen) == 2 else ""
    shown = min(max(rates), max(bound, min(rates)))
    mark = {
        "type": "scatter",
        "mode": "lines",
        "name": f"2/λ_max = {bound:.3g}{kappa}",
        "x": [bound, bound],
        "y": [0, steps],
        "line": {"color": "#767676", "dash": "dash", "width": 2},
        "hovertemplate": f"2/λ_max = {bound:.3g}: λ_max = {top:.3g} {where}"
        + (f", condition number λ_max/λ_min = {top / low:.3g}" if kappa else "")
        + "<extra></extra>",
    }
    beyond = {
        "type": "scatter",
        "mode": "none",
        "name": "α > 2/λ_max: diverges near there",
        "x": [shown, max(rates), max(rates), shown, shown],
        "y": [0, 0, steps, steps, 0],
        "fill": "toself",
        "fillcolor": "rgba(127, 127, 127, 0.15)",
        "hoverinfo": "skip",
    }
    return [mark, beyond] if bound < max(rates) else [mark]


NO_END = "no stability bound: the demo's run did not converge, so it has no end to take it at"


def directional(spec: dict[str, Any], runs: Runs) -> Figure:
    """D_v f at the start point as the direction v = (cos θ, sin θ) turns through 360°."""
    d = runs.directional
    angles, values, chosen, at = d.angles, d.values, d.angle, d.at
    norm = math.hypot(*d.gradient)
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "∇f·v",
            "x": angles,
            "y": values,
            "line": {"color": "#1f77b4", "width": 2},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "±|∇f|",
            "x": [0, 360, None, 0, 360],
            "y": [norm, norm, None, -norm, -norm],
            "line": {"color": "#999", "dash": "dot"},
        },
        {
            "type": "scatter",
            "mode": "markers",
            "name": "θ",
            "x": [chosen],
            "y": [at],
            "marker": {"size": 12, "color": "#d62728"},
        },
    ]
    layout = layout_of(spec, "directional", "direction θ (degrees)", "directional derivative")
    layout["xaxis"]["range"] = [0, 360]
    layout["xaxis"]["dtick"] = 45
    return {"data": data, "layout": layout}


# What each of small multiples' panels draws (``runs.panel_kind``).
PANEL_FIGURES = {"curve": curve, "contour": contour, "landscape": fit_figures.landscape}
