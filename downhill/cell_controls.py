"""A cell's controls: ``#| controls`` bound to its top-level names, and ipywidgets'
``interact`` read from its code (engine.widgets), as the page's sliders and selects."""

from __future__ import annotations

import difflib
from typing import Any

from engine.cells import bound_values
from engine.widgets import LineError, interactions

from .controls import Control, _number

CONTROL_FIELDS = ("min", "max", "step", "scale", "label", "options")


def hint(word: str, choices: Any) -> str:
    found = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {found[0]!r}?" if found else f" (options: {', '.join(choices)})"


def cell_controls(
    declared: Any, code: str, lines: dict, bad: Any
) -> tuple[list[Control], dict[str, dict[str, Any]]]:
    """``interact``: a control per name, starting at the cell's own ``name = value``."""
    if declared in (None, {}):
        return [], {}
    if not isinstance(declared, dict):
        bad(
            ("controls",),
            "controls must map a name of the cell to its control, e.g. 'lr: {min: 0.01, max: 0.5}'",
        )
        return [], {}
    bound = bound_values(code)
    controls: list[Control] = []
    choices: dict[str, dict[str, Any]] = {}
    for name, spec in declared.items():
        where = ("controls", name)
        if name not in bound:
            bad(
                where,
                f"the cell assigns no value to {name!r} at its top level; a control "
                f"starts from the cell's own assignment, e.g. '{name} = 0.1'"
                + (hint(str(name), bound) if bound else ""),
            )
            continue
        spec = {} if spec in (None, True) else spec
        if not isinstance(spec, dict):
            bad(where, f"control {name} must be a mapping like {{min: 0, max: 1, step: 0.01}}")
            continue
        for key in spec:
            if key not in CONTROL_FIELDS:
                bad(
                    (*where, key),
                    f"unknown option {key!r} for a control{hint(str(key), CONTROL_FIELDS)}",
                )
        value = bound[name][0]
        label = str(spec.get("label", name))
        if "options" in spec:
            texts = _select_options(name, spec["options"], value, where, bad)
            if texts is not None:
                choices[name] = texts
                controls.append(
                    Control(name, "select", label, [name], str(value), options=list(texts))
                )
            continue
        control = _slider(name, spec, value, label, where, bad)
        if control is not None:
            controls.append(control)
    return controls, choices


def _select_options(
    name: str, options: Any, value: Any, where: tuple, bad: Any
) -> dict[str, Any] | None:
    """A select's options by the text the page shows, each distinct, the cell's own value
    among them (of its own type)."""
    if not isinstance(options, list) or len(options) < 2:
        bad((*where, "options"), f"a select for {name} needs at least two options")
        return None
    texts = {str(o): o for o in options}
    if len(texts) < len(options):
        same = next(o for o in options if [str(p) for p in options].count(str(o)) > 1)
        twins = ", ".join(repr(o) for o in options if str(o) == str(same))
        bad(
            (*where, "options"),
            f"options {twins} read the same in the select; keep one, or make them "
            "distinct (a text in quotes is a text: '1' and 1 differ in the code but "
            "not on the page)",
        )
        return None
    if value not in options or type(value) is not type(options[options.index(value)]):
        bad((*where, "options"), f"the cell's {name} = {value!r} is not among the options; add it")
        return None
    return texts


def _slider(
    name: str, spec: dict[str, Any], value: Any, label: str, where: tuple, bad: Any
) -> Control | None:
    """A slider from min to max over the cell's own number."""
    if not _number(value):
        bad(
            where,
            f"{name} = {value!r} is not a number: a slider needs one, a select needs 'options:'",
        )
        return None
    lo, hi = spec.get("min"), spec.get("max")
    if not (_number(lo) and _number(hi)) or lo >= hi:
        bad((*where, "min"), f"control {name} needs numbers min < max, got min={lo!r}, max={hi!r}")
        return None
    scale = spec.get("scale", "linear")
    if scale not in ("linear", "log") or (scale == "log" and lo <= 0):
        bad((*where, "scale"), "scale must be linear or log (a log slider needs min > 0)")
        return None
    if not lo <= value <= hi:
        bad(
            where,
            f"{name} = {value:g} is outside its slider's range {lo:g}..{hi:g}; "
            "widen the range or change the assignment",
        )
        return None
    step = spec.get("step", 1 if isinstance(value, int) else "any")
    if step != "any" and not (_number(step) and step > 0):
        bad((*where, "step"), "step must be a positive number")
        return None
    return range_control(name, label, value, lo, hi, step, scale)


def range_control(
    name: str, label: str, value: Any, low: float, high: float, step: Any, scale: str
) -> Control:
    """A cell's slider bound to ``name``; a whole-number value stays whole."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    return Control(
        name,
        "range",
        label,
        [name],
        value if whole else float(value),
        float(low),
        float(high),
        step,
        scale,
    )


def interact_controls(
    code: str, controls: list[Control], choices: dict[str, dict[str, Any]], bad: Any
) -> None:
    """ipywidgets' ``interact`` in the cell (engine.widgets reads it): a control per argument,
    added to ``controls``, labelled by the widget's description."""
    try:
        found = interactions(code)
    except LineError as exc:
        bad(exc.line, str(exc))
        return
    for name, widget, line in found:
        if any(c.name == name for c in controls):
            bad(line, f"{name!r} has a control already; give it one, in interact or #| controls")
            continue
        spec = widget.control()
        label = widget.description or name
        if spec["kind"] == "select":
            choices[name] = spec["choices"]
            controls.append(
                Control(name, "select", label, [name], spec["value"], options=list(spec["choices"]))
            )
            continue
        low, high, value = spec["min"], spec["max"], spec["value"]
        if not (low < high and low <= value <= high):
            bad(line, f"the control for {name!r} needs min < max and its value between them")
            continue
        whole = all(isinstance(v, int) for v in (low, high, value))
        shown = value if whole else float(value)  # (a FloatSlider's 1 is 1.0)
        controls.append(range_control(name, label, shown, low, high, spec["step"], spec["scale"]))
