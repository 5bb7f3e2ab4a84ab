"""Turn a normalized demo spec into Plotly figure dicts (plain JSON types only).

Each figure kind is one function ``kind(spec, runs) -> {"data": [...], "layout": {...}}``.
Path traces are named by optimizer. Surfaces and grids are cached by function, params and
domain, so a slider that moves only the start or the rate does not resample them.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from .descent import DIVERGED, Trajectory, descend
from .expr import BoundExpression, compile_cached
from .fitting import LOSSES as FIT_LOSSES
from .fitting import (
    Dataset,
    data_of,
    fit_line,
    least_squares,
    standardization,
    synthetic_dataset,
)
from .optimizers import OPTIMIZERS, Hyper, symmetric_eigen
from .schedules import schedule_of
from .views import (
    DEFAULT_TOL,
    basin_map,
    directional_derivative,
    gradient_field,
    linspace,
    log_space,
    lr_sweep,
    sample_grid,
    settled,
)

CURVE_SAMPLES = 241
GRID_SAMPLES = 60
SURFACE_SAMPLES = 50
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
RUN_WORDS = {  # a run's default legend name, before ", α = …"
    "gd": "gradient descent",
    "momentum": "momentum",
    "nesterov": "Nesterov momentum",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "newton": "Newton's method",
    "saddle-free-newton": "saddle-free Newton",
}
STATUS_WORDS = {
    "converged": "converged",
    "diverged": "diverged",
    "undefined": "left f's domain",
    "left_domain": "left the domain",
    "singular": "stopped: singular Hessian",
    "max_steps": "stopped after {steps} steps",
}
Figure = dict[str, Any]
Params = tuple[tuple[str, float], ...]


def run_line(optimizer: str, **extra: Any) -> dict[str, Any]:
    """A run's line: its colour and dash (and ``extra``, e.g. a width)."""
    colour, dash, _ = RUN_STYLES[optimizer]
    return {"color": colour, **extra, "dash": dash}


def run_name(spec: dict[str, Any], optimizer: str) -> str:
    """A run's legend name: the author's (``labels.runs``), else e.g. "Adam, α = 0.1"."""
    named = spec["labels"]["runs"].get(optimizer)
    own = settings_of(spec, optimizer)
    return named or f"{RUN_WORDS[optimizer]}, α = {own['lr']:g}" + _own_settings(spec, optimizer)


def _own_settings(spec: dict[str, Any], optimizer: str) -> str:
    """A run's settings of its own besides α, for its legend name: ", μ = 0.95"."""
    own = spec.get("per_optimizer", {}).get(optimizer, {})
    return "".join(f", {setting_words(k, v)}" for k, v in own.items() if k != "lr")


def setting_words(key: str, value: Any, constants: bool = False) -> str:
    """A run setting in words, as a legend or a panel's title says it: "μ = 0.95",
    "cosine schedule" (``constants``: with its constants on a line below), "5-step warm-up",
    "gradient clipped to 1"."""
    if key == "schedule":
        if not value:
            return "no schedule"
        named = ", ".join(f"{k} {v:g}" for k, v in value.items() if k != "kind")
        return f"{value['kind']} schedule" + (f"<br>{named}" if constants and named else "")
    if key == "warmup":
        return f"{value}-step warm-up" if value else "no warm-up"
    if key == "clip_norm":
        return f"gradient clipped to {value:g}"
    symbol = COMPARED_SYMBOLS.get(key, key.partition(".")[2] or key)
    return f"{symbol} = {value:g}" if isinstance(value, int | float) else f"{symbol} = {value}"


def schedule_words(spec: dict[str, Any]) -> str:
    """How the rate varies, as a sentence for the summary (a legend at phone width has no
    room for it): " The rate follows a cosine schedule after a 5-step warm-up." Or nothing."""
    kind = spec["schedule"]["kind"] if spec.get("schedule") else None
    warmup = spec.get("warmup") or 0
    ramp = f"a {warmup}-step warm-up" if warmup else ""
    if kind:
        article = "an" if kind == "exponential" else "a"
        return f" The rate follows {article} {kind} schedule" + (f" after {ramp}." if ramp else ".")
    return f" The rate rises linearly over {ramp}." if ramp else ""


def label(spec: dict[str, Any], kind: str, name: str, default: str) -> str:
    """The author's ``labels.<kind>.<name>``, else ``default``."""
    return spec["labels"].get(kind, {}).get(name, default)


def f_of(spec: dict[str, Any]) -> str:
    return "loss" if spec["fit"] else "f(x)" if spec["dim"] == 1 else "f(x, y)"


# --- cached computations --------------------------------------------------------------
@lru_cache(maxsize=32)
def _bound(expression: str, params: Params, dim: int) -> BoundExpression:
    compiled = compile_cached(expression, tuple(name for name, _ in params), dim)
    return compiled.bind(dict(params))


def _key(spec: dict[str, Any]) -> tuple[str, Params, int]:
    return spec["expression"], tuple(sorted(spec["params"].items())), spec["dim"]


def bound_function(spec: dict[str, Any]) -> BoundExpression:
    """The spec's function with its params bound (compiled once per function and params)."""
    return _bound(*_key(spec))


@lru_cache(maxsize=16)
def _grid(expression: str, params: Params, dim: int, domain: tuple, samples: int):
    return sample_grid(_bound(expression, params, dim), domain, samples)


def grid(spec: dict[str, Any], samples: int = GRID_SAMPLES):
    return _grid(*_key(spec), _domain_key(spec), samples)


@lru_cache(maxsize=8)
def _basins(
    expression: str,
    params: Params,
    dim: int,
    domain: tuple,
    optimizer: str,
    lr: float,
    options: tuple,
):
    samples, steps, tol = options
    return basin_map(_bound(expression, params, dim), domain, samples, optimizer, lr, steps, tol)


@lru_cache(maxsize=16)
def _curve(expression: str, params: Params, dim: int, domain: tuple) -> tuple[list, list]:
    """The sampled curve of a 1-D function (shared lists: callers must not change them)."""
    f = _bound(expression, params, dim)
    ((lo, hi),) = domain
    xs = linspace(lo, hi, CURVE_SAMPLES)
    return xs, [_shown(f.value_at(x)) for x in xs]


@lru_cache(maxsize=8)
def _dataset(points: int, w: float, b: float, noise: float, seed: int) -> Dataset:
    return synthetic_dataset(points, w, b, noise, seed)


def dataset(spec: dict[str, Any]) -> Dataset:
    """The fit's points: the author's (``fit.data``), else synthetic ones."""
    fit = spec["fit"]
    if fit["data"] is not None:
        return _author_data(_points_key(fit["data"]), fit["standardize"])
    return _dataset(fit["points"], fit["w"], fit["b"], fit["noise"], fit["seed"])


@lru_cache(maxsize=8)
def _author_data(points: tuple, standardize: bool) -> Dataset:
    return data_of({"data": points, "standardize": standardize})


def _points_key(points: list[list[float]]) -> tuple:
    """The author's points as a cache key."""
    return tuple(tuple(p) for p in points)


def fit_axis_titles(spec: dict[str, Any]) -> tuple[str, str]:
    """The fit's axis titles: the data's column names, and how x was standardized."""
    fit = spec["fit"]
    x, y = fit.get("x") or "x", fit.get("y") or "y"
    if fit.get("data") is not None and fit.get("standardize"):
        mean, sd = standardization([float(p[0]) for p in fit["data"]])
        x = f"({x} − {mean:.3g}) / {sd:.3g}"
    return x, y


@lru_cache(maxsize=8)
def _landscape(data: Dataset, loss: str, domain: tuple, samples: int):
    value = FIT_LOSSES[loss][0]
    (w0, w1), (b0, b1) = domain
    ws, bs = linspace(w0, w1, samples), linspace(b0, b1, samples)
    everything = range(len(data.xs))
    return ws, bs, [[_shown(value(w, b, data, everything)) for w in ws] for b in bs]


def _domain_key(spec: dict[str, Any]) -> tuple:
    return tuple(tuple(r) for r in spec["domain"])


# --- runs -----------------------------------------------------------------------------
def settings_of(spec: dict[str, Any], optimizer: str) -> dict[str, Any]:
    """The spec as ``optimizer``'s run sees it: its own settings (``lr: {adam: 0.05}``)
    over the demo's."""
    return {**spec, **spec.get("per_optimizer", {}).get(optimizer, {})}


def _hyper(spec: dict[str, Any]) -> dict[str, Any]:
    keys = ("momentum", "alpha", "beta1", "beta2", "eps")
    return {k: spec[k] for k in keys}


def trajectories(spec: dict[str, Any]) -> list[Trajectory]:
    """One run per optimizer named in the spec, in order (a line fit is a run too); none
    when the demo draws its function alone (``path: none``)."""
    if spec["path"] == "none":
        return []
    if spec["fit"] is not None:
        return [_fit_run(spec, name) for name in spec["optimizer"]]
    f = bound_function(spec)
    return [_run(f, settings_of(spec, name), name) for name in spec["optimizer"]]


def _run(f: BoundExpression, spec: dict[str, Any], optimizer: str) -> Trajectory:
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


def _fit_run(spec: dict[str, Any], optimizer: str) -> Trajectory:
    spec = settings_of(spec, optimizer)
    fit = spec["fit"]
    result = fit_line(
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


# --- pieces ---------------------------------------------------------------------------
def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _shown(value: float) -> float | None:
    """A sampled surface value as drawn: six significant digits are more than a screen shows,
    and a third of the page weight of full precision. Paths keep every digit."""
    return float(f"{value:.6g}") if math.isfinite(value) else None


def _path_trace(
    spec: dict[str, Any], t: Trajectory, y_from_values: bool, **extra: Any
) -> dict[str, Any]:
    trace = {
        "type": "scatter",
        "mode": spec["path"],
        "name": run_name(spec, t.optimizer),
        "legendgroup": t.optimizer,
        "x": [p[0] for p in t.points],
        "y": t.values if y_from_values else [p[1] for p in t.points],
        "line": run_line(t.optimizer, width=2),
        "marker": {"size": 6, "symbol": RUN_STYLES[t.optimizer][2]},
        "meta": {"path": True},  # the page may reveal it step by step (play)
        "hovertemplate": f"{OPTIMIZERS[t.optimizer].label}<br>step %{{pointNumber}}"
        "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
    }
    trace.update(extra)
    return trace


def _ends(
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


def _layout(
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


def _with_colorbar(figure: Figure, spec: dict[str, Any], kind: str, default: str) -> Figure:
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


def _contour_map(
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


def _contour_trace(spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The function's filled contours: ``contours.levels`` bands, on a logarithmic colour
    scale when ``contours.scale`` says so (or, ``auto``, when most of the map lies in the
    lowest hundredth of its values: a valley floor that a linear scale paints as one band)."""
    g = grid(spec)
    z = [[_shown(v) for v in row] for row in g.z]
    return {**_scaled_contours("f", g.xs, g.ys, z, spec), **extra}


def _scaled_contours(
    name: str, xs: list[float], ys: list[float], z: list[list[float | None]], spec: dict
) -> dict[str, Any]:
    """A contour map with the spec's ``contours`` levels and colour scale."""
    trace = {**_contour_map(name, xs, ys, z), "ncontours": spec["contours"]["levels"]}
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
        [None if v is None else _shown(math.log10(v - low + delta)) for v in row] for row in z
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


def _tap_sets_start(layout: dict[str, Any], dim: int) -> dict[str, Any]:
    """A click on this chart's plot area at (x, y) sets the start there: ``layout.meta.tap``
    maps each axis to the spec path it sets (the page moves the controls of those paths)."""
    tap = {"x": ["start", 0], "y": ["start", 1]}
    layout.setdefault("meta", {})["tap"] = {axis: tap[axis] for axis in "xy"[:dim]}
    return layout


def _ranges(layout: dict[str, Any], domain: list[list[float]]) -> dict[str, Any]:
    layout["xaxis"]["range"] = list(domain[0])
    layout["yaxis"]["range"] = list(domain[1])
    return layout


# --- figure kinds -----------------------------------------------------------------------
def curve(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """1-D: the curve f(x) over the domain with each path's iterates (x, f(x))."""
    xs, ys = _curve(*_key(spec), _domain_key(spec))
    line = {
        "type": "scatter",
        "mode": "lines",
        "name": "f",
        "x": xs,
        "y": ys,
        "line": {"color": "#777", "width": 2},
        "hoverinfo": "skip",
    }
    data = [line] + [_path_trace(spec, t, y_from_values=True) for t in runs]
    data += _ends(spec, runs, y_from_values=True)
    layout = _tap_sets_start(_layout(spec, "curve", "x", "f(x)"), 1)
    return scaled({"data": data, "layout": layout}, spec, {})


def contour(spec: dict[str, Any], runs: list[Trajectory], kind: str = "contour") -> Figure:
    """2-D: filled contours of f over the domain with each path on top (``kind`` names
    the labels it reads: a race is a contour map too)."""
    data = [_contour_trace(spec)] + [_path_trace(spec, t, y_from_values=False) for t in runs]
    data += _ends(spec, runs, y_from_values=False)
    layout = _tap_sets_start(_ranges(_layout(spec, kind, "x", "y"), spec["domain"]), 2)
    return _with_colorbar({"data": data, "layout": _aspect(layout, spec)}, spec, kind, "f(x, y)")


def _aspect(layout: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """``aspect: equal``: one unit as long on both axes (a round bowl draws round)."""
    if spec["aspect"] == "equal":
        # The plot keeps its box (so the colour bar keeps its place) and one axis shows
        # more of the domain than asked, rather than the box shrinking to a square.
        layout["yaxis"].update(scaleanchor="x", scaleratio=1)
        layout["xaxis"]["constrain"] = layout["yaxis"]["constrain"] = "range"
    return layout


def race(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """Several optimizers on one contour, each path ending in a labelled star."""
    figure = contour(spec, runs, "race")
    for t in runs:
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
                "hovertemplate": f"{OPTIMIZERS[t.optimizer].label}: {t.status} after "
                f"{t.steps} steps<extra></extra>",
            }
        )
    return figure


def surface(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """3-D surface of f with each path drawn on it (lifted a hair so it stays visible)."""
    g = grid(spec, SURFACE_SAMPLES)
    finite = [v for row in g.z for v in row if math.isfinite(v)]
    lift = 0.01 * (max(finite) - min(finite)) if finite else 0.0
    data: list[dict[str, Any]] = [
        {
            "type": "surface",
            "name": "f",
            "x": g.xs,
            "y": g.ys,
            "z": [[_shown(v) for v in row] for row in g.z],
            "colorscale": "Viridis",
            "showscale": False,
            "opacity": 0.85,  # a path behind a ridge shows through it
            "hoverinfo": "skip",
        }
    ]
    for t in runs:
        data.append(
            {
                "type": "scatter3d",
                "mode": spec["path"],
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
    data += _ends(spec, runs, y_from_values=False, lift=lift)
    layout = _layout(spec, "surface", "x", "y", height=460)
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


def field(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """Contour lines with gradient arrows (−∇f when descending, ∇f when climbing)."""
    arrows = gradient_field(
        bound_function(spec),
        spec["domain"],
        spec["arrows"],
        descent=not spec["ascent"],
        length=spec["arrow_length"],
    )
    arrow_name = "∇f" if spec["ascent"] else "−∇f"
    data = [
        _contour_trace(spec, contours={"coloring": "lines"}, showscale=False, ncontours=20),
        {
            "type": "scatter",
            "mode": "lines",
            "name": arrow_name,
            "x": [_finite_or_none(v) for v in arrows.x],
            "y": [_finite_or_none(v) for v in arrows.y],
            "line": {"color": "#444", "width": 1.2},
            "hoverinfo": "skip",
        },
    ] + [_path_trace(spec, t, y_from_values=False) for t in runs]
    data += _ends(spec, runs, y_from_values=False)
    layout = _ranges(_layout(spec, "field", "x", "y"), spec["domain"])
    # Equal units on both axes, so an arrow stands at right angles to its contour; the
    # plot area shrinks to keep them ("domain") rather than the ranges growing into empty
    # bands beside the domain.
    layout["yaxis"]["scaleanchor"] = "x"
    layout["xaxis"]["constrain"] = layout["yaxis"]["constrain"] = "domain"
    _tap_sets_start(layout, 2)
    return {"data": data, "layout": layout}


LOG_SPAN = 1e3  # a loss axis turns logarithmic when its values span more than this factor


def loss(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """The loss at each iteration, one line per optimizer.

    The axis is logarithmic when every value is positive and they span more than
    LOG_SPAN (a run converging to 1e-12 beside one at 10). A diverged run is marked ✕
    "diverged" where it stops; on a linear axis the range is the other runs', so one run
    at 1e9 does not flatten the rest into a line at zero (its mark then sits at the top).
    """
    data = [
        _path_trace(
            spec,
            t,
            y_from_values=True,
            x=list(range(len(t.values))),
            hovertemplate="step %{x}<br>f = %{y:.6g}<extra></extra>",
        )
        for t in runs
    ]
    layout = _layout(spec, "loss", "iteration", f_of(spec))
    values = [v for t in runs for v in t.values if math.isfinite(v)]
    calm = [v for t in runs if t.status != DIVERGED for v in t.values if math.isfinite(v)]
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
    for t in runs:
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
                + ("right" if 2 * t.steps < max(len(r.values) for r in runs) else "left"),
                "cliponaxis": False,
                "marker": {"symbol": "x", "size": 12, "color": PATH_COLORS[t.optimizer]},
                "hovertemplate": f"{run_name(spec, t.optimizer)} diverged after step "
                f"{t.steps} (f = {last:.4g})<extra></extra>",
            }
        )
    return scaled({"data": data, "layout": layout}, spec, {})


NARROW_PANEL = 300  # px per stacked panel of small multiples: title 40, plot 220, ticks 40


def multiples(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """Small multiples: the same demo side by side for each value of one key.

    Panels of a 2-D function share their ranges, so only the first shows y tick labels.
    ``layout.meta.narrow`` is the layout for a chart narrower than the page's breakpoint:
    the panels stacked, each as wide as the chart (the page merges it in, key by key).
    ``panel_runs`` hands each panel's runs to its sentences (engine.words), which would
    otherwise run them again; :func:`engine.api.render_demo` drops it from the figure.
    """
    ((key, values),) = spec["compare"].items()
    base = landscape if spec["fit"] else curve if spec["dim"] == 1 else contour
    shared = bool(spec["dim"] == 2 or spec["fit"])  # the same x and y ranges in every panel
    data: list[dict[str, Any]] = []
    layout = _layout(spec, "multiples", "", "", height=360)
    layout["margin"].update(t=48, b=40)
    count = len(values)
    gap = 0.05 if shared else 0.1  # room for the tick labels of the panel to the right
    width = (1 - gap * (count - 1)) / count
    paper = count * NARROW_PANEL  # the stacked chart's plot area, px
    narrow: dict[str, Any] = {"height": paper + 18, "margin": {"t": 8, "b": 10}}
    annotations, stacked, panel_runs = [], [], []
    panels = spec["labels"].get("multiples", {}).get("panels")
    # Panels over the rate say which side of 2/λ_max they are on (one Hessian for all).
    marked = key == "lr" and spec["stability"] and not panels
    where = curvature(spec, runs) if marked else None
    bound = stability_bound(where[1]) if where else None
    if bound is not None:
        layout["margin"]["t"] = 62  # three lines of title
    for i, (value, variant) in enumerate(zip(values, spec["panels"], strict=True)):
        variant_runs = trajectories(variant)
        panel_runs.append(variant_runs)
        panel = base(variant, variant_runs)
        suffix = "" if i == 0 else str(i + 1)
        title = panels[i] if panels else _panel_title(key, value, variant_runs[0])
        for trace in panel["data"]:
            trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}", showlegend=False)
            trace["meta"] = {**trace.get("meta", {}), key: value}
            if trace["meta"].get("path"):  # the CSV's rows say which panel they are from
                trace["name"] = f"{title.split('<br>')[0]}: {trace['name']}"
            if trace["type"] == "contour":
                trace["showscale"] = False
                trace.pop("colorbar", None)
            data.append(trace)
        lo = i * (width + gap)
        layout[f"xaxis{suffix}"] = {
            "domain": [lo, lo + width],
            "anchor": f"y{suffix}",
            "title": {"text": label(spec, "multiples", "x", "")},
        }
        layout[f"yaxis{suffix}"] = {
            "anchor": f"x{suffix}",
            "title": {"text": label(spec, "multiples", "y", "") if i == 0 else ""},
            "showticklabels": i == 0 or not shared,
        }
        if shared:
            layout[f"xaxis{suffix}"]["range"] = list(spec["domain"][0])
            layout[f"yaxis{suffix}"]["range"] = list(spec["domain"][1])
        if bound is not None:
            title = _beyond_bound(title, value, bound)
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
    return {"data": data, "layout": layout, "panel_runs": panel_runs}


COMPARED_SYMBOLS = {
    "lr": "α",
    "momentum": "μ",
    "alpha": "ρ",
    "beta1": "β₁",
    "beta2": "β₂",
    "eps": "ε",
    "tol": "tolerance",
}


def _panel_title(key: str, value: Any, run: Trajectory) -> str:
    """A panel's default title in words, on two lines: "α = 0.5<br>diverged"."""
    head, _, tail = key.partition(".")
    if key == "optimizer":
        compared = RUN_WORDS[value]
    elif key == "steps":
        compared = f"{value} steps"
    elif key == "start":
        compared = "start (" + ", ".join(f"{v:g}" for v in value) + ")"
    elif head == "start":
        compared = f"{tail}₀ = {value:g}"
    elif key == "fit.loss":
        compared = str(value).upper()
    elif key == "fit.method":
        compared = f"{value} descent"
    elif key == "clip":
        compared = f"clipped to [{value[0]:g}, {value[1]:g}]" if value else "not clipped"
    elif key == "ascent":
        compared = "ascent" if value else "descent"
    else:
        compared = setting_words(key, value, constants=True)
    status = STATUS_WORDS[run.status].format(steps=run.steps)
    return f"{re.sub(r'-(?=[0-9.])', '−', compared)}<br>{status}"  # a minus sign


def _beyond_bound(title: str, rate: float, bound: float) -> str:
    """A panel over lr says which side of the stability bound 2/λ_max its rate is on."""
    side = "above" if rate > bound else "below"
    head, _, tail = title.partition("<br>")
    return f"{head}<br>{side} 2/λ_max = {bound:.3g}<br>{tail}"  # (a line each: panels are narrow)


def basins(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """Basins of attraction: which minimum each start reaches, and in how many steps."""
    o = spec["basins"]
    result = _basins(
        *_key(spec),
        _domain_key(spec),
        spec["optimizer"][0],
        spec["lr"],
        (o["samples"], o["steps"], o["tol"]),
    )
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
    layout = _layout(spec, "basins", "start x", "start y")
    return {"data": data, "layout": _ranges(layout, spec["domain"])}


def sweep(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """Steps to converge against the learning rate (log axis); diverged rates marked ×."""
    o = spec["sweep"]
    rates = log_space(o["min"], o["max"], o["count"])
    f = bound_function(spec)
    data = []
    for name in spec["optimizer"]:
        words = spec["labels"]["runs"].get(name, RUN_WORDS[name])  # no α: the rate varies
        points = lr_sweep(
            f,
            spec["start"],
            rates,
            name,
            o["steps"],
            o["tol"],
            schedule=schedule_of(spec),
            **_hyper(spec),
        )
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
    data += stability_marks(spec, runs, rates, o["steps"])
    layout = _layout(spec, "sweep", "learning rate α", "steps to converge")
    return scaled({"data": data, "layout": layout}, spec, {"x": "log"})


def curvature(
    spec: dict[str, Any], runs: list[Trajectory]
) -> tuple[tuple[float, ...], list[float]] | None:
    """Where ``stability`` takes the Hessian, and its eigenvalues there (largest first);
    None for ``end`` when the run did not converge (:func:`end_converged`)."""
    where = spec["stability"]
    if where == "end" and runs:
        if not end_converged(spec, runs):
            return None
        point = runs[0].points[-1]
    elif isinstance(where, list):
        point = tuple(float(c) for c in where)
    else:
        point = tuple(spec["start"])
    hessian = bound_function(spec).hessian_at()(*point)
    return point, [hessian[0]] if len(hessian) == 1 else list(symmetric_eigen(*hessian)[0])


def end_converged(spec: dict[str, Any], runs: list[Trajectory]) -> bool:
    """Whether the demo's run ended at a minimum, as ``stability: end`` needs: its gradient
    there shorter than √tol (views.settled)."""
    return bool(runs) and settled(runs[0], spec["tol"] or DEFAULT_TOL)


def stability_bound(eigen: list[float]) -> float | None:
    """2/λ_max where the curvature is positive in every direction (else no bound)."""
    if all(math.isfinite(e) for e in eigen) and min(eigen) > 0:
        return 2 / eigen[0]
    return None


def stability_marks(
    spec: dict[str, Any], runs: list[Trajectory], rates: list[float], steps: int
) -> list[dict[str, Any]]:
    """The sweep's stability bound 2/λ_max as a line, and the rates beyond it shaded: on the
    quadratic model of f there, gradient descent diverges for α > 2/λ_max. The legend states
    the condition number λ_max/λ_min."""
    if not spec["stability"]:
        return []
    found = curvature(spec, runs)
    if found is None:
        return [_note_trace(NO_END)]
    point, eigen = found
    top, low = eigen[0], eigen[-1]
    where = f"at {_point_words(point)}"
    bound = stability_bound(eigen)
    if bound is None:
        return [
            _note_trace(
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


def _note_trace(text: str) -> dict[str, Any]:
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
                    _note_trace(
                        f"{hidden} point(s) at or below 0: not drawn on the log {axis} axis"
                    )
                )
    return figure


def _point_words(point: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{c:.3g}" for c in point) + ")"


def directional(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """D_v f at the start point as the direction v = (cos θ, sin θ) turns through 360°."""
    f = bound_function(spec)
    angles = linspace(0.0, 360.0, 181)
    values = directional_derivative(f, spec["start"], angles)
    chosen = spec["angle"] % 360.0
    (at,) = directional_derivative(f, spec["start"], [chosen])
    norm = math.hypot(*f.gradient(spec["start"]))
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
    layout = _layout(spec, "directional", "direction θ (degrees)", "directional derivative")
    layout["xaxis"]["range"] = [0, 360]
    layout["xaxis"]["dtick"] = 45
    return {"data": data, "layout": layout}


def fit(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """The data, the starting line (faint) and each optimizer's current line."""
    data_set = dataset(spec)
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
    w0, b0 = runs[0].points[0]
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
    for t in runs:
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
    return {"data": data, "layout": _layout(spec, "fit", *fit_axis_titles(spec))}


def landscape(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """The loss over (w, b) with each optimizer's path through it."""
    ws, bs, z = _landscape(dataset(spec), spec["fit"]["loss"], _domain_key(spec), GRID_SAMPLES)
    data = [_scaled_contours("loss", ws, bs, z, spec)] + [
        _path_trace(spec, t, y_from_values=False) for t in runs
    ]
    data += _ends(spec, runs, y_from_values=False)
    layout = _ranges(_layout(spec, "landscape", "weight w", "bias b"), spec["domain"])
    _tap_sets_start(layout, 2)  # a fit starts at (w, b)
    return _with_colorbar({"data": data, "layout": layout}, spec, "landscape", "loss")


def weight(spec: dict[str, Any], runs: list[Trajectory]) -> Figure:
    """MSE and MAE as functions of the weight alone, the intercept held at its best value:
    each on an axis of its own (MSE left, MAE right), since MSE grows as the square of
    what MAE grows as, and on one axis MAE would look flat."""
    data_set = dataset(spec)
    _, b_best = least_squares(data_set)
    (w0, w1), _ = spec["domain"]
    ws = linspace(w0, w1, CURVE_SAMPLES)
    everything = range(len(data_set.xs))
    data = []
    for name, color, axis in (("mse", "#0072B2", "y"), ("mae", "#D55E00", "y2")):
        value = FIT_LOSSES[name][0]
        side = "left" if axis == "y" else "right"
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{name.upper()} ({side} axis)",
                "x": ws,
                "y": [value(w, b_best, data_set, everything) for w in ws],
                "yaxis": axis,
                "line": {"color": color, "width": 2 + (name == spec["fit"]["loss"])},
            }
        )
    layout = _layout(spec, "weight", "weight w", f"MSE at b = {b_best:.3g}")
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
