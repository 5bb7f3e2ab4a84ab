"""The demo's keys, one row each: what a key means, its default, the values it allows, and
the nested tables of a key such as ``fit:``. The spec check (:mod:`engine.spec`), the
builder's controls, the command line and the guide's key reference are all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .fitting import LOSSES, METHODS
from .plots import PLOTS, kinds_for, read_by
from .schedules import KINDS as SCHEDULES
from .schema import (
    Field,
    Number,
    choice,
    flag,
    is_number,
    is_range,
    is_whole,
    positive,
    text,
    whole,
)

PLOT_KINDS = {demo: kinds_for(demo) for demo in (1, 2, "fit")}  # what each sort can draw
ALL_PLOT_KINDS = tuple(PLOTS)

MAX_STEPS = 5000
MAX_DATA_POINTS = 10_000  # an author's points in a fit


def _points(value: Any) -> bool:
    return (
        isinstance(value, list)
        and 2 <= len(value) <= MAX_DATA_POINTS
        and all(isinstance(p, list) and len(p) == 2 and all(is_number(c) for c in p) for p in value)
        and len({p[0] for p in value}) > 1  # a line needs two different x
    )


FIT_OPTIONS = {
    "data": Field(
        None,
        lambda v: v is None or _points(v),
        f"a list of [x, y] points, 2 to {MAX_DATA_POINTS:,} of them",
        "your points, or a CSV/JSON file beside the article (the builder reads it in)",
    ),
    "x": Field(None, lambda v: v is None or isinstance(v, str), "a name", "the x column"),
    "y": Field(None, lambda v: v is None or isinstance(v, str), "a name", "the y column"),
    "standardize": flag(False, "x as (x − mean) / sd"),
    "points": whole(30, 2, 1000, "synthetic points"),
    "w": Field(2.0, lambda v: is_number(v), "a number", "the synthetic data's true slope"),
    "b": Field(1.0, lambda v: is_number(v), "a number", "the synthetic data's intercept"),
    "noise": Field(
        1.0, lambda v: is_number(v) and v >= 0, "a number ≥ 0", "the synthetic noise's sd"
    ),
    "seed": Field(0, lambda v: is_whole(v) and abs(v) < 2**63, "a whole number", "the random seed"),
    "loss": choice("mse", tuple(LOSSES), "the loss minimized"),
    "method": choice("batch", tuple(METHODS), "full-batch, mini-batch or stochastic descent"),
    "batch_size": whole(8, 1, 1000, "a mini-batch's size"),
    "landscape": Field(
        [[-2.0, 6.0], [-4.0, 6.0]],
        lambda v: isinstance(v, list) and len(v) == 2 and all(map(is_range, v)),
        "[[w0, w1], [b0, b1]]",
        "the (w, b) region drawn (your data's: around the least-squares line)",
    ),
}
SWEEP_OPTIONS = {
    "min": positive(1e-3, "the lowest rate"),
    "max": positive(1.0, "the highest rate"),
    "count": whole(25, 2, 200, "rates, log-spaced"),
    "steps": whole(500, 1, MAX_STEPS, "steps each rate may take"),
    "tol": positive(1e-8, "a rate converges when its run reaches ‖∇f‖ < √tol"),
}
AXIS_SCALES = ("auto", "linear", "log")
CONTOUR_OPTIONS = {
    "levels": whole(30, 3, 200, "contour levels"),
    "scale": choice(
        "auto",
        AXIS_SCALES,
        "the colour scale (auto: log when most of the map lies in its lowest hundredth)",
        "auto, linear or log",
    ),
}
SCALE_OPTIONS = {
    axis: choice(
        "auto",
        AXIS_SCALES,
        f"the {axis} axis (auto: the chart's own choice; a value ≤ 0 is not drawn on a log "
        "axis, and the legend says how many)",
        "auto, linear or log",
    )
    for axis in ("x", "y")
}
BASIN_OPTIONS = {
    "samples": whole(30, 4, 80, "starts per side"),
    "steps": whole(300, 1, MAX_STEPS, "steps each start may take"),
    "tol": positive(1e-8, "what counts as converged"),
}


ASPECTS = ("auto", "equal")
PATHS = ("auto", "lines+markers", "lines", "markers", "none")


def _stability(value: Any) -> bool:
    return value in (False, True, "start", "end") or (
        isinstance(value, list) and 1 <= len(value) <= 2 and all(is_number(c) for c in value)
    )


@dataclass(frozen=True)
class Key:
    """One key of the demo spec: what it means, and, for a numeric key, its :class:`Number`
    (default and range). Which plots read it is said by the plot kinds' own entries
    (:data:`engine.plots.PLOTS`); ``plots`` only overrides that for the guide.

    :data:`DEMO_KEYS` is the one table of them: the spec check's known keys and their
    suggestions, the numeric checks, the controls' sliders and the guide's key reference
    (``python -m engine keys``, tested equal to the guide) all come from it."""

    meaning: str
    plots: str = ""
    number: Number | None = None
    options: dict[str, Field] | None = None  # a nested key's own table (fit, sweep, …)
    run: bool = False  # the run depends on it: a table or check ``from`` a demo inherits it
    value: Field | None = None  # a key checked on its own: its default and allowed values
    kept: bool = True  # False: read by the builder, not part of the normalized spec
    own: bool = False  # a race may give each optimizer its own: ``lr: {gd: 0.01, adam: 0.1}``

    @property
    def default(self) -> Any:
        row = self.number or self.value
        return row.default if row else None

    @property
    def allowed(self) -> str:
        """What the key allows in words, where the reference must say it."""
        if self.number:
            return self.number.allowed
        return self.value.allowed if self.value and not self.value.obvious else ""


def numeric(
    meaning: str,
    default: float | None,
    lo: float,
    hi: float,
    run: bool = False,
    own: bool = False,
    **range_: bool,
) -> Key:
    """A numeric key: its meaning is its Number's doc too."""
    return Key(meaning, number=Number(default, lo, hi, meaning, **range_), run=run, own=own)


DEMO_KEYS: dict[str, Key] = {
    "function": Key("an expression in x (and y), or a catalogue name", run=True),
    "params": Key("named constants of the expression, e.g. `{a: 1.5}`", run=True),
    "fit": Key(
        "a line fit instead of a function: your data (a list or a CSV/JSON file) or "
        "synthetic points",
        "fit, landscape, weight (and loss, multiples)",
        options=FIT_OPTIONS,
        run=True,
    ),
    "domain": Key("the plotted region, one [low, high] per variable", run=True),
    "start": Key("the first iterate, one number per variable", run=True),
    "optimizer": Key(
        "gd, momentum, nesterov, adagrad, rmsprop, adam, newton (H⁻¹∇f, as taught) or "
        "saddle-free-newton (|H|⁻¹∇f), or a list",
        run=True,
    ),
    "lr": numeric("learning rate α (Newton's damping)", 0.1, 0.0, 1e3, True, True),
    "steps": numeric("iterations at most", 50, 0, MAX_STEPS, True, whole=True),
    "tol": numeric("stop when |Δf| or ‖∇f‖ falls below it", 0.0, 0.0, 1e3, True),
    "momentum": numeric("momentum coefficient μ (momentum, nesterov)", 0.9, 0.0, 1.0, True, True),
    "alpha": numeric("RMSprop's smoothing constant", 0.99, 0.0, 1.0, True, True),
    # At β = 1 Adam's bias correction divides by 1 − βᵗ = 0.
    "beta1": numeric("Adam's first-moment decay β₁", 0.9, 0.0, 1.0, True, True, hi_open=True),
    "beta2": numeric("Adam's second-moment decay β₂", 0.999, 0.0, 1.0, True, True, hi_open=True),
    "eps": numeric(
        "ε in the denominator (default: the optimizer's own)",
        None,
        0.0,
        1.0,
        True,
        True,
        lo_open=True,
    ),
    "ascent": Key("true: climb instead of descend", run=True, value=flag(False)),
    "clip": Key(
        "clamp every coordinate of every iterate",
        run=True,
        value=Field(None, lambda v: v is None or is_range(v), "[low, high] with low < high"),
    ),
    "clip_norm": numeric(
        "scale each gradient to this length at most, as torch.nn.utils.clip_grad_norm_ does",
        None,
        0.0,
        1e6,
        True,
        True,
        lo_open=True,
    ),
    "schedule": Key(
        "a learning-rate schedule with torch's names: {kind: step, step_size, gamma}, "
        "{kind: exponential, gamma} or {kind: cosine, T_max, eta_min}",
        run=True,
    ),
    "warmup": numeric(
        "steps of a linear warm-up of the learning rate", 0, 0, MAX_STEPS, True, True, whole=True
    ),
    "plots": Key("what to draw: " + ", ".join(ALL_PLOT_KINDS)),
    "contours": Key("a contour map's levels and colour scale", options=CONTOUR_OPTIONS),
    "aspect": Key(
        "equal: one unit as long on both axes",
        value=choice("auto", ASPECTS, allowed="auto or equal"),
    ),
    "compare": Key("one key and 2–4 values, one panel each"),
    "sweep": Key("the learning rates a sweep tries", options=SWEEP_OPTIONS),
    "scale": Key(
        "linear or logarithmic value axes of a loss, sweep or curve chart", options=SCALE_OPTIONS
    ),
    "stability": Key(
        "mark 2/λ_max from the exact Hessian (on a sweep, and on multiples over lr)",
        value=Field(
            False,
            _stability,
            "true (the Hessian at the start), end (where the demo's run ends) or a point [x, y]",
        ),
    ),
    "basins": Key("the grid of starts a basin map runs", options=BASIN_OPTIONS),
    "arrows": numeric("arrows per side of a gradient field", 15, 3, 40, whole=True),
    "arrow_length": numeric("a field's longest arrow, in grid cells", 1.0, 0.1, 3.0),
    "angle": numeric("direction of the directional derivative, in degrees", 0.0, -360.0, 360.0),
    "controls": Key("sliders, selects, a text box and play, each setting a key"),
    "id": Key(
        "the demo's anchor, and its name in links, tables and prose numbers",
        value=text(),
    ),
    "caption": Key("a caption under the charts", value=text()),
    "title": Key("a title over the charts, or one per plot"),
    "labels": Key("axis, colour-bar and panel titles per plot kind; legend names under runs"),
    "path": Key(
        "how runs are drawn (auto: each step marked up to 150 steps, a line beyond)",
        value=choice(PATHS[0], PATHS),
    ),
    "ends": Key("true: mark each run's start and end", value=flag(False)),
    "show_source": Key(
        "print the fence's Markdown source under the charts (for guides)",
        value=flag(False),
        kept=False,
    ),
    "keyframes": Key(
        "false: the page carries no precomputed positions for the controls",
        value=flag(True),
        kept=False,
    ),
}
KEYS = tuple(DEMO_KEYS)
RUN_KEYS = tuple(name for name, key in DEMO_KEYS.items() if key.run)
NUMBERS = {name: key.number for name, key in DEMO_KEYS.items() if key.number is not None}
PER_OPTIMIZER = tuple(name for name, key in DEMO_KEYS.items() if key.own)


# A schedule's constants, kind by kind, from engine.schedules' one table of them; and as
# the controls name them (schedule.gamma: the kinds that share a name share its range).
SCHEDULE_CONSTANTS = {
    kind: {
        name: Number(c.default, c.lo, c.hi, c.doc, lo_open=c.lo_open, whole=c.whole)
        for name, c in constants.items()
    }
    for kind, (_, constants, _) in SCHEDULES.items()
}
SCHEDULE_NUMBERS = {
    f"schedule.{name}": number
    for numbers in SCHEDULE_CONSTANTS.values()
    for name, number in numbers.items()
}


def key_rows() -> list[dict[str, Any]]:
    """Every demo key, and each option of a nested one (``fit.points``), from the tables:
    its default, the values it allows, what it means and which plots read it."""
    rows = []
    for name, key in DEMO_KEYS.items():
        plots = key.plots or ", ".join(read_by(name))
        rows.append(_key_row(name, key.default, key.meaning, key.allowed, plots))
        for option, o in (key.options or {}).items():
            default = o.default if isinstance(o.default, str | int | float | None) else None
            rows.append(_key_row(f"{name}.{option}", default, o.meaning, o.allowed, plots))
        if name == "schedule":  # its constants, from engine.schedules' table, kind by kind
            for kind, numbers in SCHEDULE_CONSTANTS.items():
                for option, c in numbers.items():
                    meaning = f"{kind} ({SCHEDULES[kind][0]}): {c.doc}"
                    constant = f"schedule.{option}"
                    rows.append(_key_row(constant, c.default, meaning, c.allowed, plots))
    return rows


def _key_row(name: str, default: Any, meaning: str, allowed: str, plots: str) -> dict[str, Any]:
    return {
        "key": name,
        "default": default,
        "allowed": allowed,
        "meaning": meaning,
        "plots": plots or "all",
    }


def key_reference() -> str:
    """The guide's table of every demo key, from :func:`key_rows`."""
    lines = ["| key | default | what it sets | plots |", "| --- | --- | --- | --- |"]
    for r in key_rows():
        default = r["default"]
        if isinstance(default, bool):
            shown = "true" if default else "false"
        else:
            shown = "—" if default is None else f"{default:g}" if is_number(default) else default
        meaning = r["meaning"] + (f": {r['allowed']}" if r["allowed"] else "")
        meaning = meaning.replace("|", "\\|")  # a cell's own bar, as Markdown wants it
        lines.append(f"| `{r['key']}` | {shown} | {meaning} | {r['plots']} |")
    return "\n".join(lines)
