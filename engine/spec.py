"""The demo spec: the one plain dict shared by Markdown, the engine and the browser.

:func:`normalize_spec` checks an author's (or a reader's) dict and fills defaults. Every
problem is reported, not just the first, each with the key path it concerns so that the
builder can point at the YAML line. A demo descends either on a ``function`` (a catalogue
name or an expression) or, with ``fit``, on the loss of a line fitted to synthetic data.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .budget import over_budget
from .catalogue import CATALOGUE
from .expr import ExpressionError, compile_cached
from .fitting import LOSSES, METHODS
from .optimizers import OPTIMIZERS, SECOND_ORDER
from .plots import PLOTS, kinds_for, read_by
from .schedules import KINDS as SCHEDULES

PLOT_KINDS = {demo: kinds_for(demo) for demo in (1, 2, "fit")}  # what each sort can draw
ALL_PLOT_KINDS = tuple(PLOTS)

MAX_STEPS = 5000
MAX_DATA_POINTS = 10_000  # an author's points in a fit


@dataclass(frozen=True)
class Number:
    """A numeric spec key: its default, the range an author may use, and what it means.

    The one table of these (:data:`NUMBERS`) is read by the spec check, by the builder's
    controls (a slider cannot leave the range) and by the command line.
    """

    default: float | None
    lo: float
    hi: float
    doc: str
    lo_open: bool = False  # lo itself is not allowed
    hi_open: bool = False  # hi itself is not allowed
    whole: bool = False

    def allows(self, value: Any) -> bool:
        if not _is_number(value) or (self.whole and not isinstance(value, int)):
            return False
        above = self.lo < value if self.lo_open else self.lo <= value
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    @property
    def allowed(self) -> str:
        """The range in words, e.g. "a number from 0 to 1, 1 excluded"."""
        kind = "a whole number" if self.whole else "a number"
        excluded = [f"{b:g}" for b, o in ((self.lo, self.lo_open), (self.hi, self.hi_open)) if o]
        tail = f" ({' and '.join(excluded)} excluded)" if excluded else ""
        return f"{kind} from {self.lo:g} to {self.hi:g}{tail}"

    def problem(self, key: str, value: Any) -> str | None:
        """What is wrong with ``value`` for ``key``, or None."""
        if self.allows(value):
            return None
        if _is_number(value) and (isinstance(value, int) or not self.whole):
            return f"{key} = {value!r} is out of range; use {self.allowed}"
        return f"{key} must be {self.allowed}, got {value!r}"


@dataclass(frozen=True)
class Option:
    """One option of a nested key (``fit.points``, ``sweep.count``): its default, its check,
    the values it allows in words, and what it means."""

    default: Any
    check: Callable[[Any], bool]
    allowed: str
    meaning: str


def whole_option(default: int, lo: int, hi: int, meaning: str) -> Option:
    """A whole-number option from ``lo`` to ``hi``."""
    return Option(
        default, lambda v: _whole(v) and lo <= v <= hi, f"a whole number {lo}..{hi}", meaning
    )


def positive_option(default: float, meaning: str) -> Option:
    """A number above 0."""
    return Option(default, lambda v: _is_number(v) and v > 0, "a number > 0", meaning)


FIT_OPTIONS = {
    "data": Option(
        None,
        lambda v: v is None or _points(v),
        f"a list of [x, y] points, 2 to {MAX_DATA_POINTS:,} of them",
        "your points, or a CSV/JSON file beside the article (the builder reads it in)",
    ),
    "x": Option(None, lambda v: v is None or isinstance(v, str), "a name", "the x column"),
    "y": Option(None, lambda v: v is None or isinstance(v, str), "a name", "the y column"),
    "standardize": Option(
        False, lambda v: isinstance(v, bool), "true or false", "x as (x − mean) / sd"
    ),
    "points": whole_option(30, 2, 1000, "synthetic points"),
    "w": Option(2.0, lambda v: _is_number(v), "a number", "the synthetic data's true slope"),
    "b": Option(1.0, lambda v: _is_number(v), "a number", "the synthetic data's intercept"),
    "noise": Option(
        1.0, lambda v: _is_number(v) and v >= 0, "a number ≥ 0", "the synthetic noise's sd"
    ),
    "seed": Option(0, lambda v: _whole(v) and abs(v) < 2**63, "a whole number", "the random seed"),
    "loss": Option(
        "mse",
        lambda v: isinstance(v, str) and v in LOSSES,
        f"one of {', '.join(LOSSES)}",
        "the loss minimized",
    ),
    "method": Option(
        "batch",
        lambda v: isinstance(v, str) and v in METHODS,
        f"one of {', '.join(METHODS)}",
        "full-batch, mini-batch or stochastic descent",
    ),
    "batch_size": whole_option(8, 1, 1000, "a mini-batch's size"),
    "landscape": Option(
        [[-2.0, 6.0], [-4.0, 6.0]],
        lambda v: _pair_of_ranges(v),
        "[[w0, w1], [b0, b1]]",
        "the (w, b) region drawn (your data's: around the least-squares line)",
    ),
}
SWEEP_OPTIONS = {
    "min": positive_option(1e-3, "the lowest rate"),
    "max": positive_option(1.0, "the highest rate"),
    "count": whole_option(25, 2, 200, "rates, log-spaced"),
    "steps": whole_option(500, 1, MAX_STEPS, "steps each rate may take"),
    "tol": positive_option(1e-8, "a rate converges when its run reaches ‖∇f‖ < √tol"),
}
CONTOUR_OPTIONS = {
    "levels": whole_option(30, 3, 200, "contour levels"),
    "scale": Option(
        "auto",
        lambda v: v in ("auto", "linear", "log"),
        "auto, linear or log",
        "the colour scale (auto: log when most of the map lies in its lowest hundredth)",
    ),
}
AXIS_SCALES = ("auto", "linear", "log")
SCALE_OPTIONS = {
    axis: Option(
        "auto",
        lambda v: v in AXIS_SCALES,
        "auto, linear or log",
        f"the {axis} axis (auto: the chart's own choice; a value ≤ 0 is not drawn on a log "
        "axis, and the legend says how many)",
    )
    for axis in ("x", "y")
}
BASIN_OPTIONS = {
    "samples": whole_option(30, 4, 80, "starts per side"),
    "steps": whole_option(300, 1, MAX_STEPS, "steps each start may take"),
    "tol": positive_option(1e-8, "what counts as converged"),
}


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
    options: dict[str, Option] | None = None  # a nested key's own table (fit, sweep, …)
    run: bool = False  # the run depends on it: a table or check ``from`` a demo inherits it


def numeric(
    meaning: str, default: float | None, lo: float, hi: float, run: bool = False, **range_: bool
) -> Key:
    """A numeric key: its meaning is its Number's doc too."""
    return Key(meaning, number=Number(default, lo, hi, meaning, **range_), run=run)


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
    "lr": numeric("learning rate α (Newton's damping)", 0.1, 0.0, 1e3, True),
    "steps": numeric("iterations at most", 50, 0, MAX_STEPS, True, whole=True),
    "tol": numeric("stop when |Δf| or ‖∇f‖ falls below it", 0.0, 0.0, 1e3, True),
    "momentum": numeric("momentum coefficient μ (momentum, nesterov)", 0.9, 0.0, 1.0, True),
    "alpha": numeric("RMSprop's smoothing constant", 0.99, 0.0, 1.0, True),
    # At β = 1 Adam's bias correction divides by 1 − βᵗ = 0.
    "beta1": numeric("Adam's first-moment decay β₁", 0.9, 0.0, 1.0, True, hi_open=True),
    "beta2": numeric("Adam's second-moment decay β₂", 0.999, 0.0, 1.0, True, hi_open=True),
    "eps": numeric(
        "ε in the denominator (default: the optimizer's own)", None, 0.0, 1.0, True, lo_open=True
    ),
    "ascent": Key("true: climb instead of descend", run=True),
    "clip": Key("[low, high]: clamp every coordinate of every iterate", run=True),
    "clip_norm": numeric(
        "scale each gradient to this length at most, as torch.nn.utils.clip_grad_norm_ does",
        None,
        0.0,
        1e6,
        True,
        lo_open=True,
    ),
    "schedule": Key(
        "a learning-rate schedule with torch's names: {kind: step, step_size, gamma}, "
        "{kind: exponential, gamma} or {kind: cosine, T_max, eta_min}",
        run=True,
    ),
    "warmup": numeric(
        "steps of a linear warm-up of the learning rate", 0, 0, MAX_STEPS, True, whole=True
    ),
    "plots": Key("what to draw: " + ", ".join(ALL_PLOT_KINDS)),
    "contours": Key("a contour map's levels and colour scale", options=CONTOUR_OPTIONS),
    "aspect": Key("equal: one unit as long on both axes"),
    "compare": Key("one key and 2–4 values, one panel each"),
    "sweep": Key("the learning rates a sweep tries", options=SWEEP_OPTIONS),
    "scale": Key(
        "linear or logarithmic value axes of a loss, sweep or curve chart", options=SCALE_OPTIONS
    ),
    "stability": Key(
        "mark 2/λ_max from the exact Hessian (on a sweep, and on multiples over lr): true "
        "(at the start), end (where the run ends) or a point [x, y]"
    ),
    "basins": Key("the grid of starts a basin map runs", options=BASIN_OPTIONS),
    "arrows": numeric("arrows per side of a gradient field", 15, 3, 40, whole=True),
    "arrow_length": numeric("a field's longest arrow, in grid cells", 1.0, 0.1, 3.0),
    "angle": numeric("direction of the directional derivative, in degrees", 0.0, -360.0, 360.0),
    "controls": Key("sliders, selects, a text box and play, each setting a key"),
    "id": Key("the demo's anchor, and its name in links, tables and prose numbers"),
    "caption": Key("a caption under the charts"),
    "title": Key("a title over the charts, or one per plot"),
    "labels": Key("axis, colour-bar and panel titles per plot kind; legend names under runs"),
    "path": Key("how runs are drawn: lines+markers, lines, markers or none"),
    "ends": Key("true: mark each run's start and end"),
    "show_source": Key("print the fence's Markdown source under the charts (for guides)"),
    "keyframes": Key("false: the page carries no precomputed positions for the controls"),
}
KEYS = tuple(DEMO_KEYS)
RUN_KEYS = tuple(name for name, key in DEMO_KEYS.items() if key.run)
NUMBERS = {name: key.number for name, key in DEMO_KEYS.items() if key.number is not None}


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
        number = key.number
        allowed = number.allowed if number else ""
        rows.append(_key_row(name, number.default if number else None, key.meaning, allowed, plots))
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
            shown = "—" if default is None else f"{default:g}" if _is_number(default) else default
        meaning = r["meaning"] + (f": {r['allowed']}" if r["allowed"] else "")
        meaning = meaning.replace("|", "\\|")  # a cell's own bar, as Markdown wants it
        lines.append(f"| `{r['key']}` | {shown} | {meaning} | {r['plots']} |")
    return "\n".join(lines)


ASPECTS = ("auto", "equal")


@dataclass(frozen=True)
class SpecIssue:
    """One problem in a spec; ``path`` is the key path, e.g. ``("controls", "lr", "min")``."""

    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path)
        return f"{where}: {self.message}" if where else self.message


class SpecError(ValueError):
    """A spec with one or more problems."""

    def __init__(self, issues: list[SpecIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _landscape_around(fit: dict[str, Any]) -> list[list[float]]:
    """A loss landscape around the least-squares line of the author's data."""
    from .fitting import data_of, least_squares

    w, b = least_squares(data_of(fit))
    dw, db = max(2.0, 1.5 * abs(w)), max(4.0, 1.5 * abs(b))
    return [[round(w - dw, 3), round(w + dw, 3)], [round(b - db, 3), round(b + db, 3)]]


def _stability(value: Any) -> bool:
    return value in (False, True, "start", "end") or (
        isinstance(value, list) and 1 <= len(value) <= 2 and all(_is_number(c) for c in value)
    )


def _points(value: Any) -> bool:
    return (
        isinstance(value, list)
        and 2 <= len(value) <= MAX_DATA_POINTS
        and all(
            isinstance(p, list) and len(p) == 2 and all(_is_number(c) for c in p) for p in value
        )
        and len({p[0] for p in value}) > 1  # a line needs two different x
    )


def _pair_of_ranges(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(
            isinstance(r, list) and len(r) == 2 and all(_is_number(v) for v in r) and r[0] < r[1]
            for r in value
        )
    )


# Words authors bring from other tools, and the key each means here.
SYNONYMS = {
    "learning_rate": "lr",
    "rate": "lr",
    "eta": "lr",
    "iterations": "steps",
    "iters": "steps",
    "n_steps": "steps",
    "num_steps": "steps",
    "epochs": "steps",
    "tolerance": "tol",
    "x0": "start",
    "initial": "start",
    "init": "start",
    "method": "optimizer",
    "optimiser": "optimizer",
    "mu": "momentum",
    "scheduler": "schedule",
    "lr_schedule": "schedule",
    "warm_up": "warmup",
    "plot": "plots",
    "func": "function",
    "f": "function",
}


def suggest(word: Any, choices: Any) -> str:
    """ "; did you mean 'lr'?" for a near-synonym or a near-spelling of one of ``choices``."""
    known = list(choices)
    meant = SYNONYMS.get(str(word).lower())
    if meant in known:
        return f"; did you mean {meant!r}?"
    hint = difflib.get_close_matches(str(word), known, n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


Bad = Callable[[tuple[str | int, ...], str], None]


def _options(raw: Any, key: str, bad: Bad) -> dict[str, Any]:
    """Validate a nested mapping such as ``fit:`` or ``sweep:`` against its options."""
    table = DEMO_KEYS[key].options or {}
    out = {name: option.default for name, option in table.items()}
    if raw is None or raw is True:
        return out
    if not isinstance(raw, Mapping):
        bad((key,), f"{key} must be a mapping of options ({', '.join(table)})")
        return out
    for name, value in raw.items():
        if name not in table:
            bad((key, name), f"unknown {key} option {name!r}{suggest(name, table)}")
            continue
        if not table[name].check(value):
            bad((key, name), f"{key}.{name} must be {table[name].allowed}, got {value!r}")
            continue
        out[name] = value
    return out


# The settings a race may give each optimizer its own of: ``lr: {gd: 0.01, adam: 0.1}``.
PER_OPTIMIZER = ("lr", "momentum", "alpha", "beta1", "beta2", "eps", "clip_norm", "warmup")


def _as_number(value: Any, number: Number) -> Any:
    return value if number.whole or value is None else float(value)


def _per_optimizer(
    key: str, value: Mapping, optimizers: list[str], bad: Bad, problem: Callable[..., Any]
) -> dict[str, Any]:
    """A setting given per optimizer (``lr: {gd: 0.01, adam: 0.1}``), each value checked as
    the key's own; an optimizer the demo does not run is an error."""
    out = {}
    for name, own in value.items():
        if name not in optimizers:
            bad(
                (key, name),
                f"{key}.{name}: {name!r} is not an optimizer of this demo (it runs "
                f"{', '.join(optimizers)}){suggest(str(name), optimizers)}",
            )
            continue
        wrong = problem(f"{key}.{name}", own)
        if wrong:
            bad((key, name), wrong)
            continue
        out[name] = own
    return out


def _read_by_a_chart(raw: Mapping[str, Any], plots: list[str], bad: Bad) -> None:
    """A key that only some plot kinds read (``PlotKind.keys``) needs one of them drawn: else
    it would change nothing, in silence. (Small multiples draw other kinds' panels.)"""
    if "multiples" in plots:
        return
    for key in raw:
        readers = read_by(key)
        if readers and not set(readers) & set(plots):
            bad(
                (key,),
                f"{key} is read by {', '.join(readers)} charts, and this demo draws "
                f"{', '.join(plots)}: add one of them to plots, or leave {key} out",
            )


def normalize_spec(raw: Mapping[str, Any], *, panel: bool = False) -> dict[str, Any]:
    """Return a complete spec (defaults filled, catalogue names resolved) or raise SpecError.

    ``panel``: the spec is one of small multiples' panels, whose keys the whole demo's
    charts read."""
    issues: list[SpecIssue] = []

    def bad(path: tuple[str | int, ...], message: str) -> None:
        issues.append(SpecIssue(path, message))

    if not isinstance(raw, Mapping):
        raise SpecError([SpecIssue((), "a demo must be a mapping of keys to values")])
    for key in raw:
        if key not in KEYS:
            hint = suggest(key, KEYS) or f" (a demo's keys are: {', '.join(KEYS)})"
            bad((key,), f"unknown key {key!r}{hint}")
    spec: dict[str, Any] = {}

    # What is descended on: a function, or a line fit --------------------------------
    params = raw.get("params", {})
    if not isinstance(params, Mapping) or not all(_is_number(v) for v in params.values()):
        bad(("params",), "params must map names to numbers, e.g. {a: 1.5}")
        params = {}
    spec["params"] = {str(k): float(v) for k, v in params.items()}
    function, entry, dim = raw.get("function"), None, 2
    spec["fit"] = None
    if "fit" in raw:
        if function is not None:
            bad(("fit",), "a demo has either a function or a fit, not both")
        spec["fit"] = _options(raw["fit"], "fit", bad)
        given = raw["fit"] if isinstance(raw["fit"], Mapping) else {}
        if spec["fit"]["data"] is not None and "landscape" not in given:
            spec["fit"]["landscape"] = _landscape_around(spec["fit"])
        spec["expression"] = None
        kind: int | str = "fit"
    elif function is None:
        bad(
            ("function",),
            "every demo needs a function (a catalogue name or an expression) or a fit",
        )
        spec["expression"] = None
        kind = 1
    elif not isinstance(function, str):
        bad(("function",), "function must be text: a catalogue name or an expression")
        spec["expression"] = None
        kind = 1
    else:
        entry = CATALOGUE.get(function.strip())
        text = entry.formula if entry else function
        spec["expression"] = text
        asked = None if entry else _dimension_asked(raw)  # a catalogue entry has its own
        names = tuple(sorted(spec["params"]))
        try:
            dim = max(compile_cached(text, names).dim, asked or 1)
            if asked == 1 and dim == 2:
                # One error, not three: the start, plots and controls are all 1-D here.
                bad(
                    ("function",),
                    "this demo is one-dimensional (its start has one coordinate), but the "
                    "function uses y; write a function of x alone",
                )
                dim = 1
            else:
                compile_cached(text, names, dim)  # x² in a 2-D demo: a valley along y
        except ExpressionError as exc:
            hint = suggest(function, CATALOGUE) if function.isidentifier() else ""
            bad(("function",), f"{exc}{hint}")
            dim = asked or 1  # the rest of the demo is judged as the author meant it
        kind = dim
    spec["function"] = function
    spec["dim"] = dim

    # Domain and start -----------------------------------------------------------------
    if kind == "fit":
        default_domain = spec["fit"]["landscape"]
    elif entry:
        default_domain = entry.domain
    else:
        default_domain = [(-10.0, 10.0)] if dim == 1 else [(-3.0, 3.0)] * 2
    default_domain = [[float(lo), float(hi)] for lo, hi in default_domain]
    spec["domain"] = default_domain
    if "domain" in raw:
        spec["domain"] = _box(raw["domain"], dim, bad) or default_domain
    if kind == "fit":
        default_start = [0.0, 0.0]
    elif entry:
        default_start = list(entry.start)
    else:
        default_start = [lo + 0.75 * (hi - lo) for lo, hi in spec["domain"]]
    start = raw.get("start", default_start)
    if not isinstance(start, list) or len(start) != dim or not all(_is_number(c) for c in start):
        example = [1.0] * dim
        bad(("start",), f"start must be a list of {dim} number(s), e.g. {example}")
        start = default_start
    spec["start"] = [float(c) for c in start]

    # Optimizers and hyper-parameters ---------------------------------------------------
    optimizer = raw.get("optimizer", "gd")
    names = optimizer if isinstance(optimizer, list) else [optimizer]
    for i, name in enumerate(names):
        if not (isinstance(name, str) and name in OPTIMIZERS):
            path = ("optimizer", i) if isinstance(optimizer, list) else ("optimizer",)
            bad(
                path,
                f"unknown optimizer {name!r} (known: {', '.join(OPTIMIZERS)})"
                f"{suggest(name, OPTIMIZERS)}",
            )
    known = [n for n in names if isinstance(n, str) and n in OPTIMIZERS]
    spec["optimizer"] = list(dict.fromkeys(known)) or ["gd"]
    spec["per_optimizer"] = {name: {} for name in spec["optimizer"]}
    for key, number in NUMBERS.items():
        value = raw.get(key, number.default)
        if key in PER_OPTIMIZER and isinstance(value, Mapping):
            own = _per_optimizer(key, value, spec["optimizer"], bad, number.problem)
            for name, own_value in own.items():
                spec["per_optimizer"][name][key] = _as_number(own_value, number)
            value = number.default  # what an optimizer the mapping leaves out runs with
        if value is None and number.default is None:
            spec[key] = None
            continue
        problem = number.problem(key, value)
        if problem:
            bad((key,), problem)
            value = number.default
        spec[key] = _as_number(value, number)
    ascent = raw.get("ascent", False)
    if not isinstance(ascent, bool):
        bad(("ascent",), "ascent must be true or false")
        ascent = False
    spec["ascent"] = ascent
    clip = raw.get("clip")
    if clip is not None and not (
        isinstance(clip, list)
        and len(clip) == 2
        and all(_is_number(c) for c in clip)
        and clip[0] < clip[1]
    ):
        bad(("clip",), "clip must be [low, high] with low < high")
        clip = None
    spec["clip"] = [float(c) for c in clip] if clip else None
    schedule = raw.get("schedule")
    if (  # a schedule per optimizer: {gd: {kind: step, …}, adam: {kind: cosine, …}}
        isinstance(schedule, Mapping)
        and schedule
        and "kind" not in schedule
        and all(name in OPTIMIZERS for name in schedule)
    ):
        for name, own in schedule.items():
            if name not in spec["optimizer"]:
                bad(("schedule", name), f"schedule.{name}: {name!r} is not run by this demo")
                continue
            spec["per_optimizer"][name]["schedule"] = _schedule(own, bad)
        schedule = None
    spec["schedule"] = _schedule(schedule, bad)
    second = [n for n in spec["optimizer"] if n in SECOND_ORDER]
    if second and kind == "fit":
        bad(("optimizer",), "Newton's method needs a function's Hessian; a line fit has none here")

    # Views --------------------------------------------------------------------------
    kinds = PLOT_KINDS[kind]
    plots = raw.get("plots", kinds[0])
    plot_list = plots if isinstance(plots, list) else [plots]
    for i, plot in enumerate(plot_list):
        if plot not in kinds:
            path = ("plots", i) if isinstance(plots, list) else ("plots",)
            what = "a line fit" if kind == "fit" else f"a {dim}-D function"
            bad(
                path,
                f"plot kind {plot!r} does not fit {what} (use one of: {', '.join(kinds)})"
                f"{suggest(plot, kinds)}",
            )
    spec["plots"] = [p for p in plot_list if p in kinds] or [kinds[0]]
    if not panel:
        _read_by_a_chart(raw, spec["plots"], bad)
    spec["sweep"] = _options(raw.get("sweep"), "sweep", bad)
    if spec["sweep"]["min"] >= spec["sweep"]["max"]:
        bad(("sweep", "min"), "sweep.min must be below sweep.max")
    spec["basins"] = _options(raw.get("basins"), "basins", bad)
    spec["stability"] = raw.get("stability", False)
    if not _stability(spec["stability"]):
        bad(
            ("stability",),
            "stability is true (the Hessian at the start), end (where the demo's run ends) "
            f"or a point [x, y], got {spec['stability']!r}",
        )
        spec["stability"] = False
    if spec["stability"] and kind == "fit":
        bad(("stability",), "stability needs a function's Hessian; a line fit has none here")
        spec["stability"] = False
    spec["contours"] = _options(raw.get("contours"), "contours", bad)
    spec["scale"] = _options(raw.get("scale"), "scale", bad)
    spec["aspect"] = raw.get("aspect", "auto")
    if spec["aspect"] not in ASPECTS:
        bad(
            ("aspect",),
            f"aspect must be auto or equal (equal: one unit is as long on both "
            f"axes, so a round bowl draws round), got {spec['aspect']!r}"
            f"{suggest(spec['aspect'], ASPECTS)}",
        )
        spec["aspect"] = "auto"
    # The values are checked by normalizing the demo at each, once the demo itself is right.
    spec["compare"], spec["panels"] = _compare(raw, spec, bad, check_values=not issues)
    if "multiples" in spec["plots"] and raw.get("compare") is None:
        bad(("plots",), "multiples needs compare, e.g. 'compare: {lr: [0.01, 0.1, 0.5]}'")

    spec["path"], spec["ends"] = _path(raw, kind, spec["plots"], bad)
    spec["title"] = _title(raw.get("title"), spec["plots"], bad)
    spec["labels"] = _labels(
        raw.get("labels"), spec["plots"], spec["optimizer"], spec["compare"], bad
    )

    spec["controls"] = raw.get("controls", {})
    spec["id"] = raw.get("id")
    spec["caption"] = raw.get("caption")
    if not isinstance(raw.get("keyframes", True), bool):
        bad(("keyframes",), "keyframes must be true or false")
    if not issues:
        excess = over_budget(spec)
        if excess:
            bad(*excess)
    if issues:
        raise SpecError(issues)
    return spec


def _schedule(raw: Any, bad: Bad) -> dict[str, Any] | None:
    """``schedule: {kind: step, step_size: 10, gamma: 0.5}`` checked against its table."""
    if raw is None:
        return None
    kinds = ", ".join(SCHEDULES)
    if not isinstance(raw, Mapping) or "kind" not in raw:
        bad(
            ("schedule",),
            f"schedule must be a mapping with a kind ({kinds}), e.g. "
            "{kind: step, step_size: 10, gamma: 0.5}",
        )
        return None
    kind = raw["kind"]
    if kind not in SCHEDULES:
        bad(
            ("schedule", "kind"),
            f"unknown schedule {kind!r}{suggest(kind, SCHEDULES)} "
            f"(one of {kinds}, as torch.optim.lr_scheduler's StepLR, ExponentialLR and "
            "CosineAnnealingLR)",
        )
        return None
    constants = SCHEDULE_CONSTANTS[kind]
    out: dict[str, Any] = {"kind": kind}
    for name, number in constants.items():
        value = raw.get(name, number.default)
        problem = number.problem(name, value)
        if problem:
            bad(("schedule", name), f"schedule.{problem}")
            value = number.default
        out[name] = value if number.whole else float(value)
    for name in raw:
        if name != "kind" and name not in constants:
            bad(
                ("schedule", name),
                f"a {kind} schedule has no {name!r}"
                f"{suggest(name, constants)} (it takes {', '.join(constants) or 'nothing'})",
            )
    return out


PATHS = ("lines+markers", "lines", "markers", "none")
RUN_PLOTS = tuple(name for name, kind in PLOTS.items() if kind.runs)


def _path(raw: Mapping[str, Any], kind: int | str, plots: list[str], bad: Bad) -> tuple[str, bool]:
    """How runs are drawn: lines and markers, either alone, or not at all (``none``: the
    function on its own, with no summary of a run nobody drew); ``ends`` marks each run's
    start and end."""
    path = raw.get("path", PATHS[0])
    if path not in PATHS:
        bad(
            ("path",), f"path must be one of {', '.join(PATHS)}, got {path!r}{suggest(path, PATHS)}"
        )
        path = PATHS[0]
    elif path == "none" and kind == "fit":
        bad(("path",), "a line fit is drawn from its runs; path: none is for a function alone")
    elif path == "none" and (shown := [p for p in plots if p in RUN_PLOTS]):
        bad(
            ("path",),
            f"path: none draws no run, but a {shown[0]} plot shows runs; "
            f"drop {shown[0]} from plots, or draw the path",
        )
    ends = raw.get("ends", False)
    if not isinstance(ends, bool):
        bad(("ends",), "ends must be true or false (true marks where each run starts and ends)")
        ends = False
    return path, ends


LABELS = {name: kind.labels for name, kind in PLOTS.items()}  # labels: {kind: {name: text}}
MAX_LABEL = 100  # characters


def _is_label(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= MAX_LABEL


LABEL_TEXT = f"text of 1 to {MAX_LABEL} characters (in quotes if it holds ': ')"


def _title(value: Any, plots: list[str], bad: Bad) -> str | list[str] | None:
    """A demo's title: one for all its charts, or a list with one per plot."""
    if value is None or _is_label(value):
        return value
    if isinstance(value, list) and len(value) == len(plots) and all(map(_is_label, value)):
        return value
    bad(
        ("title",),
        f"title must be {LABEL_TEXT}, or a list of {len(plots)} such titles, one per plot "
        f"({', '.join(plots)})",
    )
    return None


def _labels(
    value: Any, plots: list[str], runs: list[str], compare: dict | None, bad: Bad
) -> dict[str, dict[str, Any]]:
    """Axis, colour-bar and panel titles per plot kind, and legend names per run."""
    out: dict[str, dict[str, Any]] = {"runs": {}}
    if value is None:
        return out
    if not isinstance(value, Mapping):
        bad(("labels",), "labels must be a mapping, e.g. {contour: {x: weight w}, runs: {gd: GD}}")
        return out
    for group, given in value.items():
        path: tuple[str | int, ...] = ("labels", group)
        names = runs if group == "runs" else LABELS.get(group, ())
        if group != "runs" and group not in LABELS:
            bad(
                path,
                f"unknown label group {group!r}: use a plot kind of this demo "
                f"({', '.join(plots)}) or runs{suggest(group, [*plots, 'runs'])}",
            )
            continue
        if group != "runs" and group not in plots:
            bad(path, f"this demo draws no {group} plot (its plots: {', '.join(plots)})")
            continue
        if not isinstance(given, Mapping):
            bad(path, f"labels.{group} must be a mapping with any of: {', '.join(names)}")
            continue
        out[group] = {}
        for name, text in given.items():
            if name not in names:
                what = (
                    f"this demo has no {name!r} run; its runs are"
                    if group == "runs"
                    else (f"a {group} plot has no label {name!r}; it has")
                )
                bad((*path, name), f"{what} {', '.join(names)}{suggest(name, names)}")
            elif name == "panels":
                count = len(next(iter(compare.values()))) if compare else 0
                if not (
                    isinstance(text, list) and len(text) == count and all(map(_is_label, text))
                ):
                    bad(
                        (*path, name),
                        f"panels takes a list of {count} titles, one per compared "
                        "value, each " + LABEL_TEXT,
                    )
                else:
                    out[group][name] = text
            elif not _is_label(text):
                bad((*path, name), f"a label must be {LABEL_TEXT}, got {text!r}")
            else:
                out[group][name] = text
    return out


RUN_NUMBERS = ("lr", "steps", "tol", "momentum", "alpha", "beta1", "beta2", "eps", "clip_norm")
MAX_COMPARE = 4
NOT_VARIED = ("compare", "plots", "controls", "labels", "title", "id", "caption", "show_source")


def comparable(spec: dict[str, Any]) -> list[str]:
    """The keys ``compare`` may vary: what a control can set and a run depends on."""
    keys = [*RUN_NUMBERS, "optimizer", "start", "clip", "ascent"]
    keys += [f"start.{axis}" for axis in "xy"[: spec["dim"]]]
    keys += [f"params.{name}" for name in spec["params"]]
    if spec["fit"] is not None:
        keys += [f"fit.{key}" for key in FIT_OPTIONS if key != "landscape"]
    keys += ["schedule", "warmup"]
    if spec.get("schedule"):  # its constants, as a control sets them: schedule.gamma
        keys += [f"schedule.{name}" for name in SCHEDULE_CONSTANTS[spec["schedule"]["kind"]]]
    return keys


def compare_variant(raw: Mapping[str, Any], spec: dict[str, Any], key: str, value: Any) -> dict:
    """The demo with ``key`` set to ``value`` (a raw spec: it is normalized, and checked,
    like any demo), without what only the whole demo has (its plots, controls, labels)."""
    out = {k: v for k, v in raw.items() if k not in NOT_VARIED}
    head, _, tail = key.partition(".")
    if head == "start" and tail:
        out["start"] = list(spec["start"])
        out["start"]["xy".index(tail)] = value
    elif head in ("params", "fit", "schedule") and tail:
        out[head] = {**spec[head], tail: value}
    else:
        out[key] = value
    return out


def _compare(
    raw: Mapping[str, Any], spec: dict[str, Any], bad: Bad, check_values: bool
) -> tuple[dict[str, list] | None, list[dict[str, Any]]]:
    """``compare: {KEY: [v1, v2, …]}``: the key, its values, and the demo normalized at each
    value (each checked by this same function, so a wrong value is named as the key's)."""
    value = raw.get("compare")
    if value is None:
        return None, []
    if not (isinstance(value, Mapping) and len(value) == 1):
        bad(("compare",), "compare names one key and its values, e.g. {lr: [0.01, 0.1, 0.5]}")
        return None, []
    ((key, values),) = value.items()
    keys = comparable(spec)
    if key not in keys:
        bad(("compare", key), f"compare can vary one of {', '.join(keys)}{suggest(key, keys)}")
        return None, []
    if not isinstance(values, list) or not 2 <= len(values) <= MAX_COMPARE:
        bad(("compare", key), f"compare takes a list of 2 to {MAX_COMPARE} values")
        return None, []
    if not check_values:
        return None, []
    varied = tuple(key.split(".")) if not key.startswith("start.") else ("start",)
    panels = []
    for i, item in enumerate(values):
        try:
            panels.append(normalize_spec(compare_variant(raw, spec, key, item), panel=True))
        except SpecError as exc:
            own = [issue for issue in exc.issues if issue.path[: len(varied)] == varied]
            for issue in own or exc.issues[:1]:
                bad(("compare", key, i), issue.message)
    return ({key: values}, panels) if len(panels) == len(values) else (None, [])


TWO_D_ONLY = tuple(k for k in PLOT_KINDS[2] if k not in PLOT_KINDS[1])


def _dimension_asked(raw: Mapping[str, Any]) -> int | None:
    """The dimension a demo's start, domain or plots ask for, or None if they do not say."""
    start, domain, plots = raw.get("start"), raw.get("domain"), raw.get("plots")
    if isinstance(start, list) and len(start) in (1, 2):
        return len(start)
    if isinstance(domain, list) and len(domain) == 2 and all(isinstance(r, list) for r in domain):
        return 2
    plot_list = plots if isinstance(plots, list) else [plots]
    if any(isinstance(p, str) and p in TWO_D_ONLY for p in plot_list):
        return 2
    return None


def _box(value: Any, dim: int, bad: Bad) -> list[list[float]] | None:
    """Accept ``[lo, hi]`` (every axis) or ``[[lo, hi], [lo, hi]]`` (one per axis)."""
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        value = [value] * dim
    ok = (
        isinstance(value, list)
        and len(value) == dim
        and all(
            isinstance(r, list) and len(r) == 2 and all(_is_number(v) for v in r) and r[0] < r[1]
            for r in value
        )
    )
    if not ok:
        bad(("domain",), "domain must be [low, high] or one [low, high] per axis, with low < high")
        return None
    return [[float(lo), float(hi)] for lo, hi in value]
