"""ipywidgets' ``interact`` for cells: ``from ipywidgets import interact, FloatSlider`` runs
unchanged at build time and in the reader's browser (engine.cells puts this module in
``sys.modules["ipywidgets"]``: the real one needs a Jupyter kernel's front end).

``interact(f, lr=FloatSlider(min=0.01, max=1, step=0.01, value=0.1, description="α"))``,
the ``@interact`` decorator and ipywidgets' abbreviations (``(0, 10)``, ``(0.0, 1.0, 0.01)``,
a number, a list or dict, a bool) become the page's controls, labelled by the description:
the builder reads them from the code (``interactions``) with ipywidgets' own rules, and the
page carries the function's output at their positions (keyframes), as ``#| controls`` does.
When the cell runs, ``interact`` calls the function once, with the page's values for this
run (``VALUES``, set by engine.cells) or else the widgets' own, and shows what it returns.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar

# The page's control values for the running cell (engine.cells.run_cell sets them), and the
# running cell's display() for what an interact function returns.
VALUES: ContextVar[dict[str, Any] | None] = ContextVar("values", default=None)
DISPLAY: ContextVar[Callable[[Any], None] | None] = ContextVar("display", default=None)


class WidgetError(ValueError):
    """A widget or abbreviation Downhill cannot make a control of (said at its line)."""


@dataclass
class IntSlider:
    """A whole-number slider (ipywidgets' defaults)."""

    value: int = 0
    min: int = 0
    max: int = 100
    step: int = 1
    description: str = ""
    kind: ClassVar[str] = "range"

    def control(self) -> dict[str, Any]:
        return {
            "kind": "range",
            "value": self.value,
            "min": self.min,
            "max": self.max,
            "step": self.step,
            "scale": "linear",
        }


@dataclass
class FloatSlider(IntSlider):
    """A slider over real numbers (ipywidgets' defaults)."""

    value: float = 0.0  # type: ignore[assignment]
    min: float = 0.0  # type: ignore[assignment]
    max: float = 10.0  # type: ignore[assignment]
    step: float = 0.1  # type: ignore[assignment]


@dataclass
class FloatLogSlider:
    """A slider over ``base**min`` … ``base**max``: its min and max are exponents."""

    value: float = 1.0
    base: float = 10.0
    min: float = 0.0
    max: float = 4.0
    step: float = 0.1
    description: str = ""

    def control(self) -> dict[str, Any]:
        return {
            "kind": "range",
            "value": self.value,
            "min": self.base**self.min,
            "max": self.base**self.max,
            "step": "any",
            "scale": "log",
        }


@dataclass
class Dropdown:
    """A choice among ``options``: a list of values, of (label, value) pairs, or a dict."""

    options: Any = field(default_factory=list)
    value: Any = None
    description: str = ""

    def __post_init__(self) -> None:
        self.choices = labelled(self.options)
        if not self.choices:
            raise WidgetError("a Dropdown needs at least one option")
        if self.value is None or self.value not in self.choices.values():
            self.value = next(iter(self.choices.values()))

    def control(self) -> dict[str, Any]:
        label = next(k for k, v in self.choices.items() if v == self.value)
        return {"kind": "select", "value": label, "choices": self.choices}


class RadioButtons(Dropdown):
    """Shown as the page's select, as a Dropdown is."""


class ToggleButtons(Dropdown):
    """Shown as the page's select, as a Dropdown is."""


@dataclass
class Checkbox:
    """True or false, as a select of the two."""

    value: bool = False
    description: str = ""

    def control(self) -> dict[str, Any]:
        return {
            "kind": "select",
            "value": str(bool(self.value)),
            "choices": {"True": True, "False": False},
        }


@dataclass
class fixed:
    """A value passed to the function as it is, with no control."""

    value: Any = None


WIDGETS = {
    c.__name__: c
    for c in (
        IntSlider,
        FloatSlider,
        FloatLogSlider,
        Dropdown,
        RadioButtons,
        ToggleButtons,
        Checkbox,
        fixed,
    )
}
UNSUPPORTED = (
    "Text",
    "Textarea",
    "IntText",
    "FloatText",
    "IntRangeSlider",
    "FloatRangeSlider",
    "SelectMultiple",
    "ColorPicker",
    "DatePicker",
    "Button",
)


def labelled(options: Any) -> dict[str, Any]:
    """Option label → value, as ipywidgets labels a list, (label, value) pairs or a dict."""
    if isinstance(options, dict):
        return {str(k): v for k, v in options.items()}
    pairs = {}
    for option in options:
        if isinstance(option, tuple) and len(option) == 2:
            pairs[str(option[0])] = option[1]
        else:
            pairs[str(option)] = option
    return pairs


def _range_of(value: float) -> tuple[float, float]:
    """ipywidgets' range for a single number: [-v, 3v] (or [3v, -v]; [0, 1] for 0)."""
    if value == 0:
        return (value, value + 1)
    return (-value, 3 * value) if value > 0 else (3 * value, -value)


def widget_for(abbreviation: Any, default: Any = inspect.Parameter.empty) -> Any:
    """The widget an abbreviation stands for (ipywidgets' ``widget_from_abbrev`` rules)."""
    if isinstance(abbreviation, (*WIDGETS.values(),)):
        return abbreviation
    if (
        isinstance(abbreviation, tuple)
        and len(abbreviation) in (2, 3)
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in abbreviation)
    ):
        low, high = abbreviation[:2]
        step = abbreviation[2] if len(abbreviation) == 3 else None
        if step is not None and step <= 0:
            raise WidgetError(f"a slider's step must be above 0, not {step!r}")
        whole = all(isinstance(v, int) for v in abbreviation)
        value = low + (high - low) // 2 if whole else low + (high - low) / 2
        if step is not None:
            value = low + int((value - low) / step) * step
        if default is not inspect.Parameter.empty and low <= default <= high:
            value = default
        cls = IntSlider if whole else FloatSlider
        return cls(value=value, min=low, max=high, **({"step": step} if step else {}))
    if isinstance(abbreviation, bool):
        return Checkbox(value=abbreviation)
    if isinstance(abbreviation, int | float):
        low, high = _range_of(abbreviation)
        cls = IntSlider if isinstance(abbreviation, int) else FloatSlider
        return cls(value=abbreviation, min=low, max=high)
    if isinstance(abbreviation, str):
        raise WidgetError(
            "a text box is not a control a page can answer before Python loads: give a "
            "list of the texts (a Dropdown)"
        )
    if isinstance(abbreviation, list | dict):
        widget = Dropdown(options=abbreviation)
        if default is not inspect.Parameter.empty and default in widget.choices.values():
            widget.value = default
        return widget
    raise WidgetError(f"{abbreviation!r} cannot be a control")


def resolve(function: Callable, given: dict[str, Any]) -> dict[str, Any]:
    """Each of the function's parameters → its widget (or ``fixed``), from the keyword
    arguments given or the parameter's default, as ipywidgets pairs them."""
    widgets = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in given:
            widgets[name] = widget_for(given[name], parameter.default)
        elif parameter.default is not inspect.Parameter.empty:
            widgets[name] = widget_for(parameter.default)
        else:
            raise WidgetError(f"interact has no control for {function.__name__}'s {name!r}")
    return widgets


def interact(function: Callable | None = None, **given: Any) -> Any:
    """Call ``function`` with the page's values for its controls (or the widgets' own), and
    show what it returns; with no function, a decorator that does so."""
    if function is None:
        return lambda decorated: interact(decorated, **given)
    result = interactive(function, **given).result
    show = DISPLAY.get()
    if result is not None and show is not None:
        show(result)
    return function


class interactive:
    """``interactive(f, …)``: as ``interact``, keeping the function's result and arguments."""

    def __init__(self, function: Callable, **given: Any) -> None:
        values = VALUES.get() or {}
        self.kwargs = {
            name: widget.value if isinstance(widget, fixed) else values.get(name, widget.value)
            for name, widget in resolve(function, given).items()
        }
        self.result = function(**self.kwargs)


# ---- reading the controls from a cell's code (the builder's side) ------------------------


def _literal(node: ast.AST) -> Any:
    """A literal, or a widget constructed from literals; WidgetError otherwise."""
    if isinstance(node, ast.Call):
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name in UNSUPPORTED:
            raise WidgetError(f"{name} is not a control a page can answer before Python loads")
        if name not in WIDGETS or (node.args and name != "fixed"):
            raise WidgetError(
                "a control is written out in the call: numbers, a list, or a widget such as "
                "FloatSlider(min=0, max=1, step=0.01, value=0.5), so the page can draw it"
            )
        args = [_literal(a) for a in node.args]
        return WIDGETS[name](*args, **{k.arg: _literal(k.value) for k in node.keywords if k.arg})
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        raise WidgetError(
            "a control is written out in the call: numbers, a list, or a widget such as "
            "FloatSlider(min=0, max=1, step=0.01, value=0.5), so the page can draw it"
        ) from None


def _name(node: ast.AST) -> str:
    """``interact`` of ``interact`` or of ``widgets.interact``."""
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _is_interact(node: ast.AST) -> bool:
    return _name(node.func if isinstance(node, ast.Call) else node) in ("interact", "interactive")


def interactions(code: str) -> list[tuple[str, Any, int]]:
    """(name, widget, line) for each control a cell's ``interact`` calls and ``@interact``
    decorators make, in order; raises WidgetError (with ``line``) for one it cannot make."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    calls: list[tuple[int, list]] = []  # (line, its controls in the function's order)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if _is_interact(decorator):
                    keywords = decorator.keywords if isinstance(decorator, ast.Call) else []
                    calls.append((decorator.lineno, _controls(node, keywords, decorator.lineno)))
        elif isinstance(node, ast.Call) and _is_interact(node) and node.args:
            target = node.args[0]
            function = functions.get(target.id) if isinstance(target, ast.Name) else None
            if function is None:
                raise LineError(
                    node.lineno,
                    "interact's function must be defined at the top "
                    "of a cell with 'def', so the page can know its controls",
                )
            calls.append((node.lineno, _controls(function, node.keywords, node.lineno)))
    return [control for _, controls in sorted(calls, key=lambda c: c[0]) for control in controls]


class LineError(WidgetError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _controls(function: ast.FunctionDef, keywords: list[ast.keyword], line: int) -> list:
    given = {k.arg: k for k in keywords if k.arg}
    arguments = function.args
    names = [a.arg for a in arguments.args + arguments.kwonlyargs]
    defaults = dict(
        zip(reversed([a.arg for a in arguments.args]), reversed(arguments.defaults), strict=False)
    )
    defaults.update(
        {a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d}
    )
    controls = []
    for name in names:
        where = given[name].value.lineno if name in given else line
        try:
            default = _literal(defaults[name]) if name in defaults else inspect.Parameter.empty
            if name in given:
                widget = widget_for(_literal(given[name].value), default)
            elif default is not inspect.Parameter.empty:
                widget = widget_for(default)
            else:
                raise WidgetError(f"interact has no control for {function.name}'s {name!r}")
        except LineError:
            raise
        except WidgetError as exc:
            raise LineError(where, f"the control for {name!r}: {exc}") from None
        if not isinstance(widget, fixed):
            controls.append((name, widget, where))
    return controls
