"""The pieces every chart is drawn with: each optimizer's look, the common layout, a run's
path and end marks, contour maps and their colour scales, axes made logarithmic, room for a
colour bar or a long legend. Pure drawing: every number comes from :mod:`engine.runs`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .names import label, run_name, short_name
from .trajectory import Trajectory

if TYPE_CHECKING:
    from .views import Grid


COLORBAR_MARGIN = 90  # px right of a chart with a colour bar (Plotly needs 78 for "−2.5")


COLORBAR_TITLE = 22  # px more for the bar's title, written upwards beside it


# One look per optimizer: an Okabe–Ito colour (told apart with any colour vision) and,
# so that print and colour blindness lose nothing, its own dash and marker (marker symbols
# that 2-D and 3-D charts both draw).
RUN_STYLES = {
    "gd": ("#D55E00", "solid", "circle"),
    "momentum": ("#0072B2", "dash", "square"),
    "nesterov": ("#CC79A7", "dot", "diamond"),
    "adagrad": ("#009E73", "dashdot", "cross"),
    "rmsprop": ("#56B4E9", "longdash", "x"),
    "adam": ("#E69F00", "longdashdot", "square-open"),
    # A neutral grey (4:1 on both backgrounds) with a dash of its own: 3-D charts, which
    # know only the six named dashes, draw it solid, and its marker tells it apart there.
    "newton": ("#767676", "6px,3px,1px,3px", "diamond-open"),
    "saddle-free-newton": ("#7f7a3a", "2px,2px", "triangle-down-open"),  # olive, 4:1 on both
}


PATH_COLORS = {name: colour for name, (colour, _, _) in RUN_STYLES.items()}


FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"  # the site's UI font


Figure = dict[str, Any]


def run_line(optimizer: str, **extra: Any) -> dict[str, Any]:
    """A run's line: its colour and dash (and ``extra``, e.g. a width)."""
    colour, dash, _ = RUN_STYLES[optimizer]
    return {"color": colour, **extra, "dash": dash}


# --- pieces ---------------------------------------------------------------------------
def finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def drawn_value(value: float) -> float | None:
    """A sampled surface value as drawn: six significant digits are more than a screen shows,
    and a third of the page weight of full precision. Paths keep every digit."""
    return float(f"{value:.6g}") if math.isfinite(value) else None


# Runs longer than this are drawn as lines when ``path`` is ``auto``: their marks would merge
# into a thick line, and each is an element of the page's chart, which took most of a race's
# repaint (bench/README.md, issue 36).
MARKED_POINTS = 151


def path_mode(spec: dict[str, Any], t: Trajectory) -> str:
    """How run ``t`` is drawn (Plotly's ``mode``): ``path``, with ``auto`` marking each step
    of a run of up to 150 steps and drawing a longer run as a line."""
    if spec["path"] != "auto":
        return spec["path"]
    return "lines+markers" if len(t.points) <= MARKED_POINTS else "lines"


def path_trace(
    spec: dict[str, Any], t: Trajectory, y_from_values: bool, **extra: Any
) -> dict[str, Any]:
    trace = {
        "type": "scatter",
        "mode": path_mode(spec, t),
        "name": run_name(spec, t.optimizer),
        "legendgroup": t.optimizer,
        "x": [p[0] for p in t.points],
        "y": t.values if y_from_values else [p[1] for p in t.points],
        "line": run_line(t.optimizer, width=2),
        "marker": {"size": 6, "symbol": RUN_STYLES[t.optimizer][2]},
        "meta": {"path": True},  # the page may reveal it step by step (play)
        "hovertemplate": f"{short_name(t.optimizer)}<br>step %{{pointNumber}}"
        "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    }
    trace.update(extra)
    return trace


def end_marks(
    spec: dict[str, Any], runs: list[Trajectory], y_from_values: bool, lift: float | None = None
) -> list[dict]:
    """With ``ends: true``, each run's start (an open circle) and end (a filled diamond);
    with ``lift``, on a surface, at the height of f plus ``lift``."""
    if not spec["ends"]:
        return []
    marks = []
    for t in runs:
        for k, where, symbol in ((0, "start", "circle-open"), (-1, "end", "diamond")):
            point = t.points[k]
            marks.append(
                {
                    "type": "scatter" if lift is None else "scatter3d",
                    "mode": "markers",
                    "name": f"{run_name(spec, t.optimizer)}: {where}",
                    "legendgroup": t.optimizer,
                    "showlegend": False,
                    "meta": {"mark": where},
                    "x": [point[0]],
                    "y": [t.values[k] if y_from_values else point[1]],
                    **({} if lift is None else {"z": [t.values[k] + lift]}),
                    "marker": {
                        "symbol": symbol,
                        "size": 13 if lift is None else 6,
                        "color": PATH_COLORS[t.optimizer],
                        "line": {"width": 2, "color": PATH_COLORS[t.optimizer]},
                    },
                    "hovertemplate": f"{where} of {run_name(spec, t.optimizer)}"
                    "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
                }
            )
    return marks


def layout_of(
    spec: dict[str, Any], kind: str, title_x: str, title_y: str, **extra: Any
) -> dict[str, Any]:
    """The common layout, with the axis titles the author gave for ``kind`` (or these)."""
    title_x, title_y = label(spec, kind, "x", title_x), label(spec, kind, "y", title_y)
    layout: dict[str, Any] = {
        # the page's font and background (the page sets the colours of a dark scheme)
        "font": {"family": FONT, "size": 13},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 55, "r": 10, "t": 10, "b": 45},
        "xaxis": {"title": {"text": title_x}},
        "yaxis": {"title": {"text": title_y}},
        "legend": {"orientation": "h", "y": 1.04, "yanchor": "bottom", "x": 0},
        "uirevision": "keep",
        "height": 380,
    }
    layout.update(extra)
    return layout


LEGEND_ROW = 20  # px a legend entry takes on a phone, where each entry has a row of its own


def with_legend_room(figure: Figure) -> Figure:
    """On a narrow chart a legend of three runs or more is one entry per row above the plot:
    the narrow layout grows by those rows, so that the plot keeps its height."""
    layout = figure["layout"]
    entries = [
        t
        for t in figure["data"]
        if t.get("showlegend", True) and t.get("name") and t["type"] in ("scatter", "scatter3d")
    ]
    if len(entries) < 3 or "scene" in layout:
        return figure
    narrow = layout.setdefault("meta", {}).setdefault("narrow", {})
    narrow.setdefault("height", layout["height"] + LEGEND_ROW * len(entries))
    return figure


def with_colorbar(figure: Figure, spec: dict[str, Any], kind: str, default: str) -> Figure:
    """Room on the right for the colour bar of the figure's first trace, its tick labels
    (up to about five characters) and its title, written up the bar.

    Plotly widens a margin too narrow for its colour bar itself, but only by laying the
    whole chart out a second time: a tenth of a contour map's first draw.
    """
    title = label(spec, kind, "colorbar", default)
    if figure["data"][0].get("meta", {}).get("scale") == "log":
        title += " (log scale)"
    colorbar = figure["data"][0].setdefault("colorbar", {})
    colorbar.update(thickness=12, title={"text": title, "side": "right"})
    figure["layout"]["margin"]["r"] = COLORBAR_MARGIN + COLORBAR_TITLE
    return figure


def contour_map(
    name: str, xs: list[float], ys: list[float], z: list[list[float | None]]
) -> dict[str, Any]:
    """A filled contour map of ``z`` over the grid ``xs`` × ``ys``.

    Filled bands rather than Plotly's "heatmap" colouring, which looks the same but is
    interpolated pixel by pixel in JavaScript: the bands draw faster, first chart included.
    """
    return {
        "type": "contour",
        "name": name,
        "x": xs,
        "y": ys,
        "z": z,
        "colorscale": "Viridis",
        "ncontours": 30,
        "contours": {"coloring": "fill"},
        "hoverinfo": "skip",
    }


def contour_trace(spec: dict[str, Any], g: Grid, **extra: Any) -> dict[str, Any]:
    """The function's filled contours over the grid ``g``: ``contours.levels`` bands, on a
    logarithmic colour scale when ``contours.scale`` says so (or, ``auto``, when most of the
    map lies in the lowest hundredth of its values: a valley floor that a linear scale paints
    as one band)."""
    z = [[drawn_value(v) for v in row] for row in g.z]
    return {**scaled_contours("f", g.xs, g.ys, z, spec), **extra}


def scaled_contours(
    name: str, xs: list[float], ys: list[float], z: list[list[float | None]], spec: dict
) -> dict[str, Any]:
    """A contour map with the spec's ``contours`` levels and colour scale."""
    trace = {**contour_map(name, xs, ys, z), "ncontours": spec["contours"]["levels"]}
    values = sorted(v for row in z for v in row if v is not None)
    if values and _log_scaled(spec["contours"]["scale"], values):
        trace.update(_log_colours(z, values[0], values[-1]))
    return trace


LOG_DECADES = 4  # a log colour scale shows this many decades above the map's lowest value


def _log_scaled(scale: str, values: list[float]) -> bool:
    if scale != "auto":
        return scale == "log"
    low, high = values[0], values[-1]
    quarter = values[len(values) // 4]
    return high - low > 50 * max(quarter - low, 1e-300)


def _log_colours(z: list[list[float | None]], low: float, high: float) -> dict[str, Any]:
    """z as log₁₀(f − min + δ), δ a 10⁻⁴ of the range, with the colour bar's ticks in f."""
    span = high - low
    delta = span * 10.0**-LOG_DECADES if span > 0 else 1.0
    logged = [
        [None if v is None else drawn_value(math.log10(v - low + delta)) for v in row] for row in z
    ]
    first, last = math.ceil(math.log10(delta)), math.floor(math.log10(span + delta))
    stride = max(1, (last - first + 1) // 5)
    ticks = list(range(first, last + 1, stride))
    return {
        "z": logged,
        "colorbar": {
            "tickvals": ticks,
            "ticktext": [_tick_text(low + 10.0**k) for k in ticks],
        },
        "meta": {"scale": "log"},
    }


def _tick_text(value: float) -> str:
    return f"{value:.2g}".replace("e+0", "e").replace("e-0", "e-").replace("-", "−")


def tap_sets_start(layout: dict[str, Any], dim: int) -> dict[str, Any]:
    """A click on this chart's plot area at (x, y) sets the start there: ``layout.meta.tap``
    maps each axis to the spec path it sets (the page moves the controls of those paths)."""
    tap = {"x": ["start", 0], "y": ["start", 1]}
    layout.setdefault("meta", {})["tap"] = {axis: tap[axis] for axis in "xy"[:dim]}
    return layout


def with_ranges(layout: dict[str, Any], domain: list[list[float]]) -> dict[str, Any]:
    layout["xaxis"]["range"] = list(domain[0])
    layout["yaxis"]["range"] = list(domain[1])
    return layout


def with_aspect(layout: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """``aspect: equal``: one unit as long on both axes (a round bowl draws round)."""
    if spec["aspect"] == "equal":
        # The plot keeps its box (so the colour bar keeps its place) and one axis shows
        # more of the domain than asked, rather than the box shrinking to a square.
        layout["yaxis"].update(scaleanchor="x", scaleratio=1)
        layout["xaxis"]["constrain"] = layout["yaxis"]["constrain"] = "range"
    return layout


def note_trace(text: str) -> dict[str, Any]:
    """A legend entry that only says something (no data drawn)."""
    return {"type": "scatter", "mode": "none", "name": text, "x": [None], "y": [None]}


def scaled(figure: Figure, spec: dict[str, Any], defaults: dict[str, str]) -> Figure:
    """The author's ``scale: {x, y}`` on a chart's value axes (``defaults``: the chart's own
    choice for ``auto``, "" for leaving the axis as drawn). A log axis cannot show a value
    ≤ 0: such points are left out, and a legend entry says how many."""
    for axis in ("x", "y"):
        wanted = spec["scale"][axis]
        wanted = defaults.get(axis, "") if wanted == "auto" else wanted
        layout = figure["layout"][f"{axis}axis"]
        if wanted == "linear":
            layout.pop("type", None)
            layout.pop("dtick", None)
        elif wanted == "log":
            layout.update(type="log", exponentformat="power", automargin=True)
            layout.pop("range", None)
            hidden = 0
            for trace in figure["data"]:
                values = trace.get(axis)
                if not isinstance(values, list) or trace.get("mode") == "none":
                    continue
                kept = [v if not isinstance(v, int | float) or v > 0 else None for v in values]
                hidden += sum(
                    1 for v, k in zip(values, kept, strict=True) if v is not None and k is None
                )
                trace[axis] = kept
            if hidden:
                figure["data"].append(
                    note_trace(f"{hidden} point(s) at or below 0: not drawn on the log {axis} axis")
                )
    return figure


def themed_figure(figure: Figure) -> Figure:
    """An author's own Plotly figure (from a cell's ``show()``) in the charts' theme: the
    page's font, transparent backgrounds, the same margins and height, and the Okabe–Ito
    colours in order; whatever the author's layout says wins."""
    theme = {
        "font": {"family": FONT, "size": 13},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 55, "r": 10, "t": 30, "b": 45},
        "legend": {"orientation": "h", "y": 1.04, "yanchor": "bottom", "x": 0},
        "colorway": [colour for colour, _, _ in RUN_STYLES.values()],
        "uirevision": "keep",
        "height": 380,
    }
    layout = dict(figure.get("layout") or {})
    if not isinstance(layout, dict):
        raise TypeError("a figure's layout must be a mapping")
    for key, value in theme.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**value, **layout[key]}
        else:
            layout.setdefault(key, value)
    return {"data": list(figure["data"]), "layout": layout}
