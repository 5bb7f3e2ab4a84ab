"""The demo spec: the one plain dict shared by Markdown, the engine and the browser.

:func:`normalize_spec` checks an author's (or a reader's) dict against the key table
(:mod:`engine.keys`) and fills defaults. Every problem is reported, not just the first,
each with the key path it concerns so that the builder can point at the YAML line. A demo
descends either on a ``function`` (a catalogue name or an expression) or, with ``fit``, on
the loss of a line fitted to synthetic data.

The check is a walk in four steps, each a short function: what is descended on
(:func:`_subject`), where it starts (:func:`_place`), how it runs (:func:`_runs`) and what
is drawn (:func:`_views`). A key checked on its own is checked by its row in the table;
the code here holds only what relates keys to each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .budget import over_budget
from .catalogue import CATALOGUE, CatalogueEntry
from .expr import ExpressionError, compile_cached
from .keys import (
    DEMO_KEYS,
    FIT_OPTIONS,
    KEYS,
    NUMBERS,
    PER_OPTIMIZER,
    PLOT_KINDS,
    SCHEDULE_CONSTANTS,
)
from .optimizers import OPTIMIZERS, SECOND_ORDER
from .plots import PLOTS, read_by
from .schedules import KINDS as SCHEDULES
from .schema import Bad, Number, check_mapping, is_number, suggest
from .titles import labels_of, title_of

Kind = int | str  # 1 or 2 (a function's dimension) or "fit"


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
    plain = {
        name: _plain(raw, name, key.value, bad)
        for name, key in DEMO_KEYS.items()
        if key.value is not None
    }
    spec: dict[str, Any] = {}
    kind, entry = _subject(raw, spec, bad)
    _place(raw, spec, kind, entry, bad)
    _runs(raw, spec, kind, plain, bad)
    _views(raw, spec, kind, plain, bad, panel=panel, issues=issues)
    spec["controls"] = raw.get("controls", {})
    spec["id"], spec["caption"] = plain["id"], plain["caption"]
    if not issues:
        excess = over_budget(spec)
        if excess:
            bad(*excess)
    if issues:
        raise SpecError(issues)
    return spec


def _plain(raw: Mapping[str, Any], name: str, row: Any, bad: Bad) -> Any:
    """A key checked on its own, by its row: its value, or its default if it is wrong."""
    value = raw.get(name, row.default)
    problem = row.problem(name, value)
    if problem:
        bad((name,), problem)
        return row.default
    return value


def _subject(raw: Mapping[str, Any], spec: dict[str, Any], bad: Bad) -> tuple[Kind, Any]:
    """What is descended on: ``params``, then a line ``fit`` or a ``function`` (a catalogue
    entry or an expression) and its dimension. Returns the demo's kind and its catalogue
    entry (None for an expression or a fit)."""
    params = raw.get("params", {})
    if not isinstance(params, Mapping) or not all(is_number(v) for v in params.values()):
        bad(("params",), "params must map names to numbers, e.g. {a: 1.5}")
        params = {}
    spec["params"] = {str(k): float(v) for k, v in params.items()}
    function = raw.get("function")
    spec["fit"] = None
    kind: Kind
    entry, dim = None, 2
    if "fit" in raw:
        if function is not None:
            bad(("fit",), "a demo has either a function or a fit, not both")
        spec["fit"] = check_mapping(raw["fit"], FIT_OPTIONS, "fit", bad)
        given = raw["fit"] if isinstance(raw["fit"], Mapping) else {}
        if spec["fit"]["data"] is not None and "landscape" not in given:
            spec["fit"]["landscape"] = _landscape_around(spec["fit"])
        spec["expression"], kind = None, "fit"
    elif function is None:
        bad(
            ("function",),
            "every demo needs a function (a catalogue name or an expression) or a fit",
        )
        spec["expression"], kind = None, 1
    elif not isinstance(function, str):
        bad(("function",), "function must be text: a catalogue name or an expression")
        spec["expression"], kind = None, 1
    else:
        entry = CATALOGUE.get(function.strip())
        spec["expression"] = entry.formula if entry else function
        dim = kind = _dimension(raw, spec, entry, bad)
    spec["function"] = function
    spec["dim"] = dim
    return kind, entry


def _dimension(
    raw: Mapping[str, Any], spec: dict[str, Any], entry: CatalogueEntry | None, bad: Bad
) -> int:
    """A function's dimension: its expression's, or what its start, domain or plots ask."""
    function, text = raw["function"], spec["expression"]
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
            return 1
        compile_cached(text, names, dim)  # x² in a 2-D demo: a valley along y
        return dim
    except ExpressionError as exc:
        hint = suggest(function, CATALOGUE) if function.isidentifier() else ""
        bad(("function",), f"{exc}{hint}")
        return asked or 1  # the rest of the demo is judged as the author meant it


def _landscape_around(fit: dict[str, Any]) -> list[list[float]]:
    """A loss landscape around the least-squares line of the author's data."""
    from .fitting import data_of, least_squares

    w, b = least_squares(data_of(fit))
    dw, db = max(2.0, 1.5 * abs(w)), max(4.0, 1.5 * abs(b))
    return [[round(w - dw, 3), round(w + dw, 3)], [round(b - db, 3), round(b + db, 3)]]


def _place(raw: Mapping[str, Any], spec: dict[str, Any], kind: Kind, entry: Any, bad: Bad) -> None:
    """The plotted ``domain`` and the ``start``: the author's, the catalogue entry's, or
    one chosen from the domain."""
    dim = spec["dim"]
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
    if not isinstance(start, list) or len(start) != dim or not all(is_number(c) for c in start):
        example = [1.0] * dim
        bad(("start",), f"start must be a list of {dim} number(s), e.g. {example}")
        start = default_start
    spec["start"] = [float(c) for c in start]


def _runs(
    raw: Mapping[str, Any], spec: dict[str, Any], kind: Kind, plain: dict[str, Any], bad: Bad
) -> None:
    """How it runs: the optimizers, every numeric setting (one for all, or one per
    optimizer), ascent, clipping and the schedule."""
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
        spec[key] = _number(raw, key, number, spec, bad)
    spec["ascent"] = plain["ascent"]
    spec["clip"] = [float(c) for c in plain["clip"]] if plain["clip"] else None
    spec["schedule"] = _schedules(raw.get("schedule"), spec, bad)
    if kind == "fit" and any(n in SECOND_ORDER for n in spec["optimizer"]):
        bad(("optimizer",), "Newton's method needs a function's Hessian; a line fit has none here")


def _number(
    raw: Mapping[str, Any], key: str, number: Number, spec: dict[str, Any], bad: Bad
) -> Any:
    """A numeric setting checked against its row; one given per optimizer (``lr: {gd: 0.01,
    adam: 0.1}``) goes to each run's own settings, and the rest run at the default."""
    value = raw.get(key, number.default)
    if key in PER_OPTIMIZER and isinstance(value, Mapping):
        for name, own in _per_optimizer(key, value, spec["optimizer"], bad, number).items():
            spec["per_optimizer"][name][key] = _as_number(own, number)
        value = number.default  # what an optimizer the mapping leaves out runs with
    if value is None and number.default is None:
        return None
    problem = number.problem(key, value)
    if problem:
        bad((key,), problem)
        value = number.default
    return _as_number(value, number)


def _as_number(value: Any, number: Number) -> Any:
    return value if number.whole or value is None else float(value)


def _per_optimizer(
    key: str, value: Mapping, optimizers: list[str], bad: Bad, number: Number
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
        wrong = number.problem(f"{key}.{name}", own)
        if wrong:
            bad((key, name), wrong)
            continue
        out[name] = own
    return out


def _schedules(raw: Any, spec: dict[str, Any], bad: Bad) -> dict[str, Any] | None:
    """The demo's schedule; or one per optimizer (``{gd: {kind: step, …}, adam: {kind:
    cosine, …}}``), each to its run's own settings."""
    if not (
        isinstance(raw, Mapping)
        and raw
        and "kind" not in raw
        and all(name in OPTIMIZERS for name in raw)
    ):
        return _schedule(raw, bad)
    for name, own in raw.items():
        if name not in spec["optimizer"]:
            bad(("schedule", name), f"schedule.{name}: {name!r} is not run by this demo")
            continue
        spec["per_optimizer"][name]["schedule"] = _schedule(own, bad)
    return None


def _views(
    raw: Mapping[str, Any],
    spec: dict[str, Any],
    kind: Kind,
    plain: dict[str, Any],
    bad: Bad,
    *,
    panel: bool,
    issues: list[SpecIssue],
) -> None:
    """What is drawn: the plots, their nested tables, stability, compare's panels, how runs
    are drawn, titles and labels. ``issues``: the problems found so far."""
    spec["plots"] = _plots(raw, kind, spec["dim"], bad)
    if not panel:
        _read_by_a_chart(raw, spec["plots"], bad)
    for name in ("sweep", "basins", "contours", "scale"):
        spec[name] = check_mapping(raw.get(name), DEMO_KEYS[name].options or {}, name, bad)
    if spec["sweep"]["min"] >= spec["sweep"]["max"]:
        bad(("sweep", "min"), "sweep.min must be below sweep.max")
    spec["stability"] = plain["stability"]
    if spec["stability"] and kind == "fit":
        bad(("stability",), "stability needs a function's Hessian; a line fit has none here")
        spec["stability"] = False
    spec["aspect"] = plain["aspect"]
    # The values are checked by normalizing the demo at each, once the demo itself is right
    # (else each panel would repeat the demo's own problems as its value's).
    spec["compare"], spec["panels"] = _compare(raw, spec, bad, check_values=not issues)
    if "multiples" in spec["plots"] and raw.get("compare") is None:
        bad(("plots",), "multiples needs compare, e.g. 'compare: {lr: [0.01, 0.1, 0.5]}'")
    spec["path"], spec["ends"] = plain["path"], plain["ends"]
    _path(spec["path"], kind, spec["plots"], bad)
    spec["title"] = title_of(raw.get("title"), spec["plots"], bad)
    spec["labels"] = labels_of(
        raw.get("labels"), spec["plots"], spec["optimizer"], spec["compare"], bad
    )


def _plots(raw: Mapping[str, Any], kind: Kind, dim: int, bad: Bad) -> list[str]:
    """The plot kinds drawn: each one this sort of demo can draw."""
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
    return [p for p in plot_list if p in kinds] or [kinds[0]]


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
                f"{', '.join(plots)}: add one of them to plots, or leave {key} out"
                + WHERE_INSTEAD.get((key, "race" in plots), ""),
            )


# Where a key an author gives to the wrong chart is said for the chart they drew.
WHERE_INSTEAD = {
    ("scale", True): " (a race shows its values as colours: 'contours: {scale: log}' makes "
    "them logarithmic)",
}


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


RUN_PLOTS = tuple(name for name, kind in PLOTS.items() if kind.runs)


def _path(path: str, kind: Kind, plots: list[str], bad: Bad) -> None:
    """``path: none`` draws the function on its own, with no summary of a run nobody drew:
    not for a line fit (drawn from its runs), nor beside a chart that shows runs."""
    if path == "none" and kind == "fit":
        bad(("path",), "a line fit is drawn from its runs; path: none is for a function alone")
    elif path == "none" and (shown := [p for p in plots if p in RUN_PLOTS]):
        bad(
            ("path",),
            f"path: none draws no run, but a {shown[0]} plot shows runs; "
            f"drop {shown[0]} from plots, or draw the path",
        )


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
    if isinstance(value, list) and len(value) == 2 and all(is_number(v) for v in value):
        value = [value] * dim
    ok = (
        isinstance(value, list)
        and len(value) == dim
        and all(
            isinstance(r, list) and len(r) == 2 and all(is_number(v) for v in r) and r[0] < r[1]
            for r in value
        )
    )
    if not ok:
        bad(("domain",), "domain must be [low, high] or one [low, high] per axis, with low < high")
        return None
    return [[float(lo), float(hi)] for lo, hi in value]
