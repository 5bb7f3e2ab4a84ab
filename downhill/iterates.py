"""Numbers from the engine in the prose: the ``iterates`` fence and ``{=id.quantity[k]}``.

An ``iterates`` fence is a demo-style spec of one run (demo keys: function, start, lr,
steps, optimizer, …) and the table's own keys::

    columns: [k, x, gradient, f]        # any of COLUMNS, in this order
    rows: {first: 5, every: 5, last: 1} # or "all" (the default)
    precision: 4                        # decimals
    caption: Fifteen steps from −8.
    id: first-steps                     # to quote its numbers in the prose
    show_source: true                   # the fence's source under the table

It renders a table of the run's iterates, computed by the engine at build time and marked
so on the page. ``{=ID.QUANTITY[K]:FORMAT}`` in a sentence is one number of a run: ID is a
demo's or an iterates fence's id on the same page (``ID@OPTIMIZER`` picks one optimizer of
several), QUANTITY one of NUMBERS, K an iterate (default the last; negative counts from the
end) and FORMAT a Python format spec (default ``.4g``). Every mistake is a build error at
its line.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import SpecError, normalize_spec
from engine.keys import NUMBERS as SPEC_NUMBER_TABLE
from engine.keys import RUN_KEYS
from engine.names import RUN_WORDS, STATUS_WORDS
from engine.runs import trajectories
from engine.schema import Field, flag, is_whole, suggest, text
from engine.trajectory import Trajectory

from .errors import ContentError
from .fences import FenceLocator, guarded, source_shown
from .yamlmap import FenceYAMLError, line_of, load_fence


@dataclass(frozen=True)
class Column:
    """A column of the table: its heading (HTML) in one and two dimensions, and its value
    at iterate k (None where it has none, such as the step before the start).

    Headings are text, not typeset math: a header cell must hold text that assistive
    technology and axe's empty-table-header rule can read, and MathJax draws paths."""

    heading_1d: str
    heading_2d: str
    value: Callable[[Trajectory, int], float | tuple[float, ...] | None]


def _step(run: Trajectory, k: int) -> float | None:
    return math.dist(run.points[k], run.points[k - 1]) if k > 0 else None


_K = "<i>k</i>"
_X, _Y = f"<i>x</i><sub>{_K}</sub>", f"<i>y</i><sub>{_K}</sub>"
_X1, _Y1 = f"<i>x</i><sub>{_K}−1</sub>", f"<i>y</i><sub>{_K}−1</sub>"
_F = "<i>f</i>"
COLUMNS: dict[str, Column] = {
    "k": Column(_K, _K, lambda run, k: k),
    "x": Column(_X, _X, lambda run, k: run.points[k][0]),
    "y": Column("", _Y, lambda run, k: run.points[k][1]),
    "point": Column(_X, f"({_X}, {_Y})", lambda run, k: run.points[k]),
    "f": Column(f"{_F}({_X})", f"{_F}({_X}, {_Y})", lambda run, k: run.values[k]),
    "gradient": Column(
        f"{_F}′({_X})",
        f"∇{_F}({_X}, {_Y})",
        lambda run, k: run.gradients[k][0] if len(run.gradients[k]) == 1 else run.gradients[k],
    ),
    "grad_norm": Column(
        f"|{_F}′({_X})|", f"‖∇{_F}({_X}, {_Y})‖", lambda run, k: math.hypot(*run.gradients[k])
    ),
    "step": Column(f"|{_X} − {_X1}|", f"‖({_X}, {_Y}) − ({_X1}, {_Y1})‖", _step),
}
# The quantities a sentence can quote: a column's value at one iterate, or the step count.
NAME = r"[A-Za-z][\w-]*"  # an id of a demo or a table: a letter, then letters, digits, - _
ID = re.compile(f"^{NAME}$")
FENCE_ID = re.compile(rf"^id:[ \t]*['\"]?({NAME})['\"]?[ \t]*$", re.MULTILINE)  # in YAML


def identifier(meaning: str) -> Field:
    """An optional id of a fence (a table's, a cell's), in the page's one namespace."""
    return Field(
        None,
        lambda v: v is None or (isinstance(v, str) and bool(ID.match(v))),
        "letters, digits, - and _, starting with a letter",
        meaning,
    )


NUMBERS = ("x", "y", "f", "gradient", "grad_norm", "step", "steps")
# A demo's settings a sentence can quote ({=id.lr}); steps is the run's (steps taken).
SPEC_NUMBERS = tuple(k for k in SPEC_NUMBER_TABLE if k not in NUMBERS)
# An iterates fence's own keys, one row each (the run's keys are the demo's: engine.keys).
# Columns, rows, formats and labels are checked against the run below.
TABLE: dict[str, Field] = {
    "columns": Field(None, lambda v: True, "a list of columns", "the table's columns"),
    "rows": Field("all", lambda v: True, "all, or {first, every, last}", "the rows shown"),
    "precision": Field(
        4,
        lambda v: is_whole(v) and 0 <= v <= 12,
        "a number of decimals from 0 to 12",
        "decimals of every number",
    ),
    "format": Field({}, lambda v: True, "a mapping of columns to formats", "a column's format"),
    "labels": Field({}, lambda v: True, "a mapping of columns to text", "a column's heading"),
    "from": Field(None, lambda v: True, "a demo's id", "the demo whose run the table shows"),
    "caption": text("a caption above the table"),
    "id": identifier("the table's name in prose numbers"),
    "show_source": flag(False, "print the fence's Markdown source under it (for guides)"),
}
TABLE_KEYS = tuple(TABLE)
ROW_KEYS = ("first", "every", "last")
DEFAULT_COLUMNS = ("k", "x", "gradient", "f")
FIT_COLUMNS = ("k", "x", "y", "f")
FIT_LABELS = {"x": "w", "y": "b", "point": "(w, b)", "f": "loss"}  # a fit's names, by default
# A line fit's quantities by their own names: its point is (w, b), its height the loss.
FIT_NAMES = {"w": "x", "b": "y", "loss": "f"}


def fit_name(name: Any, fitting: bool) -> tuple[Any, str | None]:
    """``name`` with a fit's own names (w, b, loss) read as the run's (x, y, f), and what
    is wrong when a function's run is asked for them."""
    if name not in FIT_NAMES:
        return name, None
    if fitting:
        return FIT_NAMES[name], None
    return name, (
        f"{name} is a line fit's ({', '.join(FIT_NAMES)}); this run descends a function: "
        "quote x, y or f"
    )


def formatted(value: float, spec: str) -> str:
    """``value`` with Python's format ``spec``, a typographic minus and ∞ for infinities."""
    if math.isinf(value):
        return "−∞" if value < 0 else "∞"
    return format(value, spec).replace("-", "−")


LARGE = 1e6  # a table's number this large or larger is written in scientific notation


def decimals(value: float, precision: int) -> str:
    """``value`` with ``precision`` decimals, as a table shows it: scientific notation where
    the decimals would say nothing (0.0000 for 2e−7) or run long (1e150), and no sign on a
    zero."""
    if (
        math.isfinite(value)
        and value != 0
        and (abs(value) >= LARGE or abs(value) < 0.5 * 10.0**-precision)
    ):
        return formatted(value, f".{max(precision - 1, 1)}e")
    text = formatted(value, f".{precision}f")
    return text[1:] if text.startswith("−") and not text.strip("−0.") else text


@dataclass
class Runs:
    """The runs of one article by id (demos and iterates fences), computed on first use."""

    specs: dict[str, tuple[dict[str, Any], int]] = field(default_factory=dict)
    raws: dict[str, dict[str, Any]] = field(default_factory=dict)  # the keys as written
    computed: dict[str, list[Trajectory]] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)  # ids whose fence failed (said already)
    # The article's named functions: name → (formula, display name), from its front matter.
    definitions: dict[str, tuple[str, str]] = field(default_factory=dict)

    def formula(self, value: Any) -> Any:
        """A defined function's formula for its name; anything else as it is."""
        if isinstance(value, str) and value.strip() in self.definitions:
            return self.definitions[value.strip()][0]
        return value

    def display(self, value: Any) -> str | None:
        """How a defined name is shown (``L(w, b)``), or None."""
        if isinstance(value, str) and value.strip() in self.definitions:
            return self.definitions[value.strip()][1]
        return None

    def expanded(self, raw: Any) -> Any:
        """A demo's keys with a defined function name replaced by its formula."""
        if isinstance(raw, dict) and "function" in raw:
            return {**raw, "function": self.formula(raw["function"])}
        return raw

    def add(
        self, run_id: str, spec: dict[str, Any], line: int, raw: dict[str, Any] | None = None
    ) -> None:
        self.specs.setdefault(run_id, (spec, line))
        self.raws.setdefault(run_id, raw or {})

    def based_on(self, source: Any, own: dict[str, Any], where: str) -> dict[str, Any] | None:
        """``own`` keys on top of the run of the demo (or table) ``source``; None when that
        fence failed (its own error says why). Raises LookupError naming the ids there are."""
        if source in self.failed:
            return None
        if not isinstance(source, str) or source not in self.raws:
            known = ", ".join(sorted(self.raws)) or "none"
            raise LookupError(
                f"no demo with id {source!r} above this {where}"
                f"{suggest(source, self.raws)} (ids: {known})"
            )
        inherited = {k: v for k, v in self.raws[source].items() if k in RUN_KEYS}
        return {**inherited, **own}

    def note_failure(self, src: str, html: str) -> None:
        """A fence that rendered nothing failed, and said so: numbers that quote its id
        stay quiet rather than add an error of their own."""
        found = FENCE_ID.search(src)
        if not html and found and found.group(1) not in self.specs:
            self.failed.add(found.group(1))

    def of(self, run_id: str) -> list[Trajectory]:
        if run_id not in self.computed:
            self.computed[run_id] = trajectories(self.specs[run_id][0])
        return self.computed[run_id]


class IteratesFence:
    """The ``iterates`` fence formatter for one article; collects errors."""

    def __init__(
        self,
        path: Path,
        locator: FenceLocator,
        errors: list[ContentError],
        runs: Runs,
    ) -> None:
        self.path = path
        self.locator = locator
        self.errors = errors
        self.runs = runs

    def __call__(self, src: str) -> str:
        fence_line = self.locator.line_of("iterates", src)
        html = guarded(
            self.errors, self.path, fence_line, "iterates", lambda: self.render(src, fence_line)
        )
        self.runs.note_failure(src, html)
        return html

    def fail(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.path, line, f"iterates: {message}"))

    def render(self, src: str, fence_line: int) -> str:
        try:
            raw, lines = load_fence(src, fence_line)
        except FenceYAMLError as exc:
            self.fail(exc.line, f"not valid YAML: {exc.message}")
            return ""
        if not isinstance(raw, dict):
            self.fail(fence_line, "write the run's demo keys and the table's keys, one per line")
            return ""

        def at(*path: str | int) -> int:
            return line_of(lines, tuple(path), fence_line)

        found = self._run(raw, at)
        if found is None:
            return ""
        spec, demo_keys = found
        fitting = spec["fit"] is not None  # the run's point is (w, b), its height the loss
        columns = self._columns(raw, len(spec["start"]), fitting, at)
        if columns is None or not self._formats(raw, columns, fitting, at):
            return ""
        for key, row in TABLE.items():
            if key in raw and (problem := row.problem(key, raw[key])):
                self.fail(at(key), problem)
                return ""
        run = trajectories(spec)[0]
        shown = self.rows(raw.get("rows", "all"), run.steps, at)
        if shown is None:
            return ""
        if "id" in raw:
            if raw["id"] in self.runs.specs:
                self.fail(at("id"), f"id {raw['id']!r} is already used on this page")
                return ""
            self.runs.add(raw["id"], spec, fence_line, demo_keys)
        precision = raw.get("precision", TABLE["precision"].default)
        table = self.table(raw, run, columns, shown, precision, len(spec["start"]), spec)
        return table + (source_shown("iterates", src) if raw.get("show_source") else "")

    def _run(
        self, raw: dict[str, Any], at: Callable[..., int]
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The run the table shows: its demo keys (the fence's own, or a demo's ``from``
        with the fence's on top), normalized; one optimizer, and a path."""
        run_keys = (*RUN_KEYS, "path")  # (path: none is said to leave a table no run)
        for name in raw:
            if name not in TABLE and name not in run_keys:
                every = (*run_keys, *TABLE)
                self.fail(
                    at(name),
                    f"unknown key {name!r}{suggest(str(name), every)} (an iterates fence takes "
                    f"the run's keys: {', '.join(run_keys)}; and the table's: "
                    f"{', '.join(TABLE)})",
                )
                return None
        demo_keys = self.runs.expanded({k: v for k, v in raw.items() if k not in TABLE})
        if "from" in raw:  # a demo's run, with this fence's keys on top
            try:
                based = self.runs.based_on(raw["from"], demo_keys, "table")
            except LookupError as exc:
                self.fail(at("from"), f"from: {exc}")
                return None
            if based is None:
                return None  # that demo's own error says what is wrong
            demo_keys = based
        try:
            spec = normalize_spec(demo_keys)
        except SpecError as exc:
            for issue in exc.issues:
                self.fail(at(*issue.path), str(issue))
            return None
        if len(spec["optimizer"]) != 1:
            self.fail(at("optimizer"), "a table shows one run: name one optimizer")
            return None
        if spec["path"] == "none":
            self.fail(at("path"), "a table of iterates shows a run; path: none has none")
            return None
        return spec, demo_keys

    def _columns(
        self, raw: dict[str, Any], dim: int, fitting: bool, at: Callable[..., int]
    ) -> list[str] | None:
        """The table's columns, each one the run has (a fit's w, b and loss by x, y, f)."""
        columns = raw.get("columns", list(FIT_COLUMNS if fitting else DEFAULT_COLUMNS))
        if not isinstance(columns, list) or not columns:
            self.fail(at("columns"), f"columns must be a list of: {', '.join(COLUMNS)}")
            return None
        columns = list(columns)
        for i, name in enumerate(columns):
            columns[i], problem = fit_name(name, fitting)
            name = columns[i]
            if problem is None and name not in COLUMNS:
                problem = (
                    f"unknown column {name!r}{suggest(name, COLUMNS)}; "
                    f"the columns are {', '.join(COLUMNS)}"
                )
            elif problem is None and dim == 1 and name == "y":
                problem = "a function of x alone has no y column"
            elif problem is None and fitting and name in ("gradient", "grad_norm"):
                problem = (
                    "a line fit's runs record no gradients; show k, w (or x), b (or y), "
                    "point, loss (or f) or step"
                )
            if problem:
                self.fail(at("columns", i), problem)
                return None
        return columns

    def _formats(
        self, raw: dict[str, Any], columns: list[str], fitting: bool, at: Callable[..., int]
    ) -> bool:
        """``format`` and ``labels``: text per column of the table (a fit's w for x), each
        format one Python can use."""
        for key in ("format", "labels"):
            table = raw.get(key, {})
            if not isinstance(table, dict):
                self.fail(at(key), f"{key} maps columns to values, e.g. {{x: .3e}}")
                return False
            for name, value in list(table.items()):
                if fitting and name in FIT_NAMES:  # format: {w: .3f} is x's
                    table[FIT_NAMES[name]] = table.pop(name)
                    name = FIT_NAMES[name]
                if name not in columns:
                    self.fail(
                        at(key, name),
                        f"{key}: {name!r} is not one of this table's "
                        f"columns ({', '.join(columns)}){suggest(name, columns)}",
                    )
                    return False
                if not isinstance(value, str):
                    self.fail(at(key, name), f"{key}.{name} must be text, e.g. '.3e'")
                    return False
        for name, wanted in raw.get("format", {}).items():
            try:
                formatted(1.5, wanted)
            except ValueError as exc:
                self.fail(
                    at("format", name),
                    f"format.{name}: bad format {wanted!r} ({exc}); "
                    "e.g. .3g (significant digits), .2e (scientific) or .4f (decimals)",
                )
                return False
        return True

    def rows(self, rows: Any, steps: int, at: Callable[..., int]) -> list[int] | None:
        """The iterates to show: all, or the first n, every m-th and the last l."""
        if rows == "all":
            return list(range(steps + 1))
        if not isinstance(rows, dict) or not rows or any(k not in ROW_KEYS for k in rows):
            self.fail(
                at("rows"),
                "rows is 'all' or a mapping of first, every and last, e.g. "
                "{first: 5, every: 10, last: 1}",
            )
            return None
        for key, value in rows.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                self.fail(at("rows", key), f"rows.{key} must be a whole number ≥ 1")
                return None
        first, every, last = (rows.get(k, 0) for k in ROW_KEYS)
        return [
            k
            for k in range(steps + 1)
            if k < first or (every and k % every == 0) or k > steps - last
        ]

    def table(
        self,
        raw: dict[str, Any],
        run: Trajectory,
        columns: list[str],
        shown: list[int],
        precision: int,
        dim: int,
        spec: dict[str, Any],
    ) -> str:
        formats, labels = raw.get("format", {}), raw.get("labels", {})
        if spec["fit"] is not None:
            labels = {**FIT_LABELS, **labels}

        def number(value: float, wanted: str | None) -> str:
            return formatted(value, wanted) if wanted else decimals(value, precision)

        def cell(value: Any, name: str) -> str:
            wanted = formats.get(name)
            if value is None:
                return ""
            if isinstance(value, tuple):
                return "(" + ", ".join(number(v, wanted) for v in value) + ")"
            if isinstance(value, int):
                return format(value, wanted) if wanted else str(value)
            return number(value, wanted)

        def heading(name: str) -> str:
            column = COLUMNS[name]
            text = column.heading_1d if dim == 1 else column.heading_2d
            if name in labels:
                text = html.escape(labels[name])
            return f'<th scope="col" class="iterates-symbol">{text}</th>'

        body = []
        previous = -1
        for k in shown:
            if k != previous + 1:  # a gap: the rows left out
                body.append(f'<tr class="iterates-gap"><td colspan="{len(columns)}">⋮</td></tr>')
            cells = "".join(f"<td>{cell(COLUMNS[n].value(run, k), n)}</td>" for n in columns)
            body.append(f"<tr>{cells}</tr>")
            previous = k
        caption = html.escape(str(raw["caption"])) + " " if "caption" in raw else ""
        who = RUN_WORDS[run.optimizer]
        if spec["ascent"]:
            who = "gradient ascent" if run.optimizer == "gd" else f"{who} (ascent)"
        status = STATUS_WORDS[run.status].format(steps=run.steps)
        if run.status == "converged":
            status += f" in {run.steps} step{'s' * (run.steps != 1)}"
        note = (
            f"Computed by the engine when this page was built: {who}, "
            f"α = {formatted(spec['lr'], 'g')}, {status}."
        )
        return (
            '<div class="iterates"><table>'
            f'<caption>{caption}<span class="engine-note">{html.escape(note)}</span></caption>'
            f"<thead><tr>{''.join(heading(n) for n in columns)}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
