"""A demo's ``controls``: which spec key each native form control sets, and how.

::

    controls:
      lr: {min: 0.001, max: 1, scale: log, label: "learning rate"}   # slider
      start.x: {min: -3, max: 3, step: 0.1}                         # slider
      optimizer: {options: [gd, momentum, adam]}                    # select
      function: {options: [peaks, himmelblau]}                      # select
      function: {type: text}                                        # a reader types f
      schedule.kind: {options: [none, step, cosine]}                # select of schedules
      play: {}                                                      # play/pause, step, reset

Problems are reported as (key path, message) pairs for the builder to place on a line.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from engine.catalogue import CATALOGUE
from engine.keys import NUMBERS, PER_OPTIMIZER, SCHEDULE_CONSTANTS, SCHEDULE_NUMBERS
from engine.optimizers import OPTIMIZERS
from engine.schema import Number

FIT_SLIDERS = ("points", "noise", "seed", "batch_size", "w", "b")
FIT_SELECTS = {"loss": ("mse", "mae"), "method": ("batch", "minibatch", "stochastic")}
NUMBER_KEYS = tuple(NUMBERS)  # every numeric spec key can be a slider
AXES = ("x", "y")
FIELDS = {
    "range": ("min", "max", "step", "scale", "label"),
    "select": ("options", "label"),
    "text": ("type", "label"),
    "play": ("label", "interval"),
}


@dataclass(frozen=True)
class Control:
    """One native form control; ``name`` is the spec key it sets, ``path`` its key path."""

    name: str
    kind: str  # "range", "select", "text" or "play"
    label: str
    path: list[str | int] = field(default_factory=list)
    value: Any = None
    min: float = 0.0
    max: float = 1.0
    step: float | str = "any"
    scale: str = "linear"
    options: list[str] = field(default_factory=list)
    interval: int = 120  # ms between frames when playing
    whole: bool = False  # a whole-number key: a log slider's value is rounded
    labels: list[str] = field(default_factory=list)  # a select's words per option, if not its own
    json: bool = False  # a select whose options are JSON values (a schedule), not names

    @property
    def path_json(self) -> str:
        return json.dumps(self.path)

    @property
    def display(self) -> str:
        return f"{self.value:.4g}" if isinstance(self.value, float) else str(self.value)

    # A log-scale slider moves over log10 of the value.
    @property
    def input_min(self) -> float:
        return math.log10(self.min) if self.scale == "log" else self.min

    @property
    def input_max(self) -> float:
        return math.log10(self.max) if self.scale == "log" else self.max

    @property
    def input_value(self) -> float:
        return math.log10(self.value) if self.scale == "log" else self.value

    @property
    def input_step(self) -> float | str:
        if self.scale == "log":
            return "any"
        return self.step


def own_settings(spec: dict[str, Any]) -> list[str]:
    """The sliders of settings a demo gives per optimizer: ``lr.adam`` for ``lr: {adam: …}``."""
    return [
        f"{key}.{name}"
        for name, own in spec.get("per_optimizer", {}).items()
        for key in own
        if key in PER_OPTIMIZER and key in NUMBERS
    ]


def spec_path(name: str) -> list[str | int]:
    """``start.y`` → ``["start", 1]``; ``params.a`` → ``["params", "a"]``; ``lr`` → ``["lr"]``."""
    parts: list[str | int] = []
    for part in name.split("."):
        parts.append(AXES.index(part) if parts == ["start"] and part in AXES else part)
    return parts


def _number(value: Any) -> bool:
    """A finite number a float holds (a 400-digit integer is not one)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return abs(value) < 1e300 if isinstance(value, int) else math.isfinite(value)


def _hint(word: Any, choices: Any) -> str:
    found = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {found[0]!r}?" if found else ""


MIN_INTERVAL, MAX_INTERVAL = 16, 10_000  # ms between a play control's frames
MAX_SLIDER_POSITIONS = 1_000_000
SLIDER_BOUND = 1e9  # a start or parameter slider's ends at most this far from 0


def number_of(name: str) -> Number | None:
    """The numeric key a slider sets, with its range: ``lr``, ``schedule.gamma``, or a run's
    own setting (``lr.adam`` is an ``lr``); None for a start or a parameter."""
    key, _, optimizer = name.partition(".")
    own = NUMBERS.get(key) if key in PER_OPTIMIZER and optimizer in OPTIMIZERS else None
    return NUMBERS.get(name) or SCHEDULE_NUMBERS.get(name) or own


def _limit_problem(name: str, lo: float, hi: float) -> str | None:
    """Why a slider from ``lo`` to ``hi`` cannot set ``name``, or None: it would reach
    values the key does not allow (a numeric key's own range), or numbers too large to
    step through (a start or a parameter)."""
    number = number_of(name)
    if number is not None:
        if not number.allows(hi):
            return f"max {hi:g} is outside {name}'s range: {name} must be {number.allowed}"
        if not number.allows(lo):
            return f"min {lo:g} is outside {name}'s range: {name} must be {number.allowed}"
        return None
    if max(abs(lo), abs(hi)) > SLIDER_BOUND:
        which = "max" if abs(hi) >= abs(lo) else "min"
        value = hi if which == "max" else lo
        return f"{which} {value:g} is too large for a slider; keep {name} within ±{SLIDER_BOUND:g}"
    return None


def build_controls(
    declared: Any, spec: dict[str, Any]
) -> tuple[list[Control], list[tuple[tuple[str | int, ...], str]]]:
    """Controls for a normalized ``spec`` from the author's ``controls`` mapping."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if declared in (None, {}):
        return [], problems
    if not isinstance(declared, dict):
        problems.append(
            (
                ("controls",),
                "controls must map a spec key to its control, e.g. 'lr: {min: 0.01, max: 1}'",
            )
        )
        return [], problems
    sliders = [
        *NUMBER_KEYS,
        *(f"start.{a}" for a in AXES[: len(spec["start"])]),
        *(f"params.{p}" for p in spec["params"]),
    ]
    fit_sliders = [f"fit.{k}" for k in FIT_SLIDERS] if spec["fit"] else []
    fit_selects = [f"fit.{k}" for k in FIT_SELECTS] if spec["fit"] else []
    sliders += fit_sliders
    if spec.get("schedule"):  # a schedule's constants (schedule.gamma, …)
        sliders += [f"schedule.{k}" for k in spec["schedule"] if k != "kind"]
    sliders += own_settings(spec)  # lr.adam, where a race gives each optimizer its own
    selects = ["optimizer", "function", "schedule", "schedule.kind", *fit_selects]
    known = [*sliders, *selects, "play"]
    controls: list[Control] = []
    for name, options in declared.items():
        where: tuple[str | int, ...] = ("controls", name)
        if name not in known:
            problems.append(
                (
                    where,
                    f"no control can set {name!r}{_hint(name, known)} "
                    f"(controls: {', '.join(known)})",
                )
            )
            continue
        options = {} if options in (None, True) else options
        if not isinstance(options, dict):
            problems.append(
                (where, f"control {name} must be a mapping like {{min: 0, max: 1, step: 0.01}}")
            )
            continue
        control = _control(name, options, spec, selects, where, problems)
        if control:
            controls.append(control)
    problems += _constants_offered(controls)
    return controls, problems


def _control(
    name: str,
    options: dict[str, Any],
    spec: dict[str, Any],
    selects: list[str],
    where: tuple[str | int, ...],
    problems: list,
) -> Control | None:
    """One control, of the kind its key takes: play, a text box, a select or a slider."""
    if name == "play":
        kind = "play"
    elif name in selects and options.get("type") != "text":
        kind = "select"
    elif name == "function":
        kind = "text"
    else:
        kind = "range"
    for key in options:
        if key not in FIELDS[kind]:
            problems.append(
                (
                    (*where, key),
                    f"unknown option {key!r} for a {kind} control{_hint(key, FIELDS[kind])}",
                )
            )
    label = str(options.get("label", name))
    if kind == "play":
        interval = options.get("interval", 120)
        if not _number(interval) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
            problems.append(
                (
                    (*where, "interval"),
                    f"interval must be a number of milliseconds between frames, from "
                    f"{MIN_INTERVAL} to {MAX_INTERVAL}, got {interval!r}",
                )
            )
            return None
        return Control(name, kind, label or "play", interval=int(interval))
    if kind == "text":
        return Control(name, kind, label, ["function"], spec["expression"])
    if kind == "select":
        return _select(name, options, spec, label, where, problems)
    return _slider(name, options, spec, label, where, problems)


def _constants_offered(controls: list[Control]) -> list[tuple[tuple[str | int, ...], str]]:
    """A slider on a schedule's constant (``schedule.gamma``) needs that constant in every
    schedule a select offers: else, once the reader picks one without it, the slider would
    set a constant that schedule refuses."""
    problems = []
    for select in (c for c in controls if c.json):
        schedules = [json.loads(option) for option in select.options]
        for slider in controls:
            constant = slider.name.removeprefix("schedule.")
            if slider.kind != "range" or constant == slider.name:
                continue
            lacking = [s["kind"] if s else "none" for s in schedules if constant not in (s or {})]
            if lacking:
                problems.append(
                    (
                        ("controls", slider.name),
                        f"the {select.name} select offers {', '.join(lacking)}, which has no "
                        f"{constant}: drop the {slider.name} slider, or offer only schedules "
                        f"with {constant}",
                    )
                )
    return problems


def _select(
    name: str,
    options: dict[str, Any],
    spec: dict[str, Any],
    label: str,
    where: tuple[str | int, ...],
    problems: list,
) -> Control | None:
    choices = options.get("options")
    if not isinstance(choices, list) or len(choices) < 2:
        problems.append(
            ((*where, "options"), f"a {name} select needs 'options:' with at least two choices")
        )
        return None
    path = spec_path(name)
    if name == "schedule":
        return _schedule_select(choices, spec, label, where, problems)
    if name == "schedule.kind":
        return _kind_select(choices, spec, label, where, problems)
    if name == "optimizer":
        allowed, what, current = OPTIMIZERS, "optimizer", spec["optimizer"][0]
    elif name == "function":
        allowed, what, current = CATALOGUE, "catalogue function", spec["function"]
    else:
        allowed, what, current = FIT_SELECTS[path[1]], name, spec["fit"][path[1]]
    for i, choice in enumerate(choices):
        if choice not in allowed:
            problems.append(
                ((*where, "options", i), f"unknown {what} {choice!r}{_hint(choice, allowed)}")
            )
    if current not in choices:
        problems.append(
            ((*where, "options"), f"the demo's {name} {current!r} is not among the options; add it")
        )
        return None
    return Control(name, "select", label, path, current, options=[str(c) for c in choices])


def _kind_select(
    choices: list, spec: dict[str, Any], label: str, where: tuple, problems: list
) -> Control | None:
    """``schedule.kind: {options: [none, step, cosine]}``: a select of schedule kinds, each
    with its constants: the demo's own for its own kind, the kind's defaults for another
    (the option's words say which). It sets the whole schedule, as a ``schedule`` select."""
    own = spec.get("schedule") or {}
    schedules: list[Any] = []
    for i, kind in enumerate(choices):
        if kind in (None, "none") or kind == own.get("kind"):
            schedules.append(own if kind == own.get("kind") else None)
        elif kind in SCHEDULE_CONSTANTS:
            constants = SCHEDULE_CONSTANTS[kind].items()
            schedules.append({"kind": kind, **{name: c.default for name, c in constants}})
        else:
            kinds = ["none", *SCHEDULE_CONSTANTS]
            problems.append(
                (
                    (*where, "options", i),
                    f"unknown schedule kind {kind!r}{_hint(kind, kinds)} "
                    f"(one of {', '.join(kinds)})",
                )
            )
    if len(schedules) < len(choices):
        return None
    return _schedule_select(schedules, spec, label, where, problems, "schedule.kind")


def _schedule_select(
    choices: list,
    spec: dict[str, Any],
    label: str,
    where: tuple,
    problems: list,
    name: str = "schedule",
) -> Control | None:
    """``schedule: {options: [none, {kind: step, …}, {kind: cosine, …}]}``: each option a
    whole schedule (its constants with it), checked as the demo's own would be."""
    from engine import SpecError, normalize_spec

    values: list[Any] = []
    for i, choice in enumerate(choices):
        value = None if choice in (None, "none") else choice
        try:
            value = normalize_spec({"function": "x**2", "start": [1], "schedule": value})[
                "schedule"
            ]
        except SpecError as exc:
            issue = exc.issues[0]
            problems.append(((*where, "options", i), f"schedule option {i + 1}: {issue.message}"))
            continue
        values.append(value)
    if len(values) < len(choices):
        return None
    texts = [schedule_json(v) for v in values]
    current = schedule_json(spec.get("schedule"))
    if current not in texts:
        own = (spec.get("schedule") or {}).get("kind", "none")
        what = f"kind {own!r}" if name == "schedule.kind" else "schedule"
        problems.append(
            ((*where, "options"), f"the demo's own {what} is not among the options; add it")
        )
        return None
    return Control(
        name,
        "select",
        label,
        ["schedule"],
        current,
        options=texts,
        labels=[schedule_label(v) for v in values],
        json=True,
    )


def schedule_json(value: Any) -> str:
    """A schedule as a select's option value: canonical JSON (``null`` for none)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def schedule_label(value: Any) -> str:
    """A schedule in words for its option: "cosine, T_max 40"; "constant" for none."""
    if not value:
        return "constant"
    constants = ", ".join(f"{k} {v:g}" for k, v in value.items() if k != "kind")
    return value["kind"] + (f", {constants}" if constants else "")


def _current(name: str, path: list[str | int], spec: dict[str, Any]) -> Any:
    """The value a slider starts at: the spec's, or a run's own (``lr.adam``); ε's default
    where the optimizer's own is left to it."""
    node: Any = spec
    key, _, optimizer = name.partition(".")
    if optimizer in spec.get("per_optimizer", {}):  # lr.adam: that run's own rate
        node = spec["per_optimizer"][optimizer].get(key)
    else:
        for part in path:
            node = node[part] if node is not None else None
    return 1e-8 if name == "eps" and node is None else node


def _slider(
    name: str,
    options: dict[str, Any],
    spec: dict[str, Any],
    label: str,
    where: tuple[str | int, ...],
    problems: list,
) -> Control | None:
    path = spec_path(name)
    value = _current(name, path, spec)
    lo, hi = options.get("min", 0.0), options.get("max", 1.0)
    if not (_number(lo) and _number(hi)) or lo >= hi:
        problems.append(
            ((*where, "min"), f"control {name} needs numbers min < max, got min={lo!r}, max={hi!r}")
        )
        return None
    limit = _limit_problem(name, lo, hi)
    if limit:
        problems.append(((*where, "max" if "max" in limit[:4] else "min"), limit))
        return None
    scale = options.get("scale", "linear")
    if scale not in ("linear", "log"):
        problems.append(((*where, "scale"), "scale must be linear or log"))
        return None
    if scale == "log" and lo <= 0:
        problems.append(((*where, "min"), "a log-scale slider needs min > 0"))
        return None
    if not lo <= value <= hi:
        problems.append(
            (
                where,
                f"{name} starts at {value:g}, outside its slider's range "
                f"{lo:g}..{hi:g}; widen the range or change {name}",
            )
        )
        return None
    number = number_of(name)
    whole = name in ("fit.points", "fit.seed", "fit.batch_size") or (
        number is not None and number.whole
    )
    step = options.get("step", 1 if whole else "any")
    if step != "any" and not (_number(step) and step > 0):
        problems.append(((*where, "step"), "step must be a positive number"))
        return None
    if whole and step == "any":
        step = 1
    if step != "any" and step > hi - lo:
        problems.append(
            ((*where, "step"), f"step {step:g} is larger than the range {lo:g}..{hi:g}")
        )
        return None
    if step != "any" and (hi - lo) / step > MAX_SLIDER_POSITIONS:
        problems.append(
            (
                (*where, "step"),
                f"step {step:g} cuts {lo:g}..{hi:g} into more than {MAX_SLIDER_POSITIONS:,} "
                "positions; use a larger step",
            )
        )
        return None
    return Control(
        name,
        "range",
        label,
        path,
        value if whole else float(value),
        float(lo),
        float(hi),
        step,
        scale,
        whole=whole,
    )
