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
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

from engine import SpecError, normalize_spec
from engine.keys import NUMBERS as SPEC_NUMBER_TABLE
from engine.keys import RUN_KEYS
from engine.names import RUN_WORDS, STATUS_WORDS, settings_of
from engine.runs import trajectories
from engine.schema import suggest
from engine.trajectory import Trajectory

from .errors import ContentError
from .fences import FenceLocator, TextLocator, guarded, source_shown
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
NUMBERS = ("x", "y", "f", "gradient", "grad_norm", "step", "steps")
# A demo's settings a sentence can quote ({=id.lr}); steps is the run's (steps taken).
SPEC_NUMBERS = tuple(k for k in SPEC_NUMBER_TABLE if k not in NUMBERS)
TABLE_KEYS = (
    "columns",
    "rows",
    "precision",
    "format",
    "labels",
    "from",
    "caption",
    "id",
    "show_source",
)
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

        run_keys = (*RUN_KEYS, "path")  # (path: none is said to leave a table no run)
        for name in raw:
            if name not in TABLE_KEYS and name not in run_keys:
                every = (*run_keys, *TABLE_KEYS)
                self.fail(
                    at(name),
                    f"unknown key {name!r}{suggest(str(name), every)} (an iterates fence takes "
                    f"the run's keys: {', '.join(run_keys)}; and the table's: "
                    f"{', '.join(TABLE_KEYS)})",
                )
                return ""
        demo_keys = self.runs.expanded({k: v for k, v in raw.items() if k not in TABLE_KEYS})
        if "from" in raw:  # a demo's run, with this fence's keys on top
            try:
                based = self.runs.based_on(raw["from"], demo_keys, "table")
            except LookupError as exc:
                self.fail(at("from"), f"from: {exc}")
                return ""
            if based is None:
                return ""  # that demo's own error says what is wrong
            demo_keys = based
        try:
            spec = normalize_spec(demo_keys)
        except SpecError as exc:
            for issue in exc.issues:
                self.fail(at(*issue.path), str(issue))
            return ""
        if len(spec["optimizer"]) != 1:
            self.fail(at("optimizer"), "a table shows one run: name one optimizer")
            return ""
        dim = len(spec["start"])
        fitting = spec["fit"] is not None  # the run's point is (w, b), its height the loss
        columns = raw.get("columns", list(FIT_COLUMNS if fitting else DEFAULT_COLUMNS))
        if not isinstance(columns, list) or not columns:
            self.fail(at("columns"), f"columns must be a list of: {', '.join(COLUMNS)}")
            return ""
        columns = list(columns)
        for i, name in enumerate(columns):
            columns[i], problem = fit_name(name, fitting)
            if problem:
                self.fail(at("columns", i), problem)
                return ""
            name = columns[i]
            if name not in COLUMNS:
                self.fail(
                    at("columns", i),
                    f"unknown column {name!r}{suggest(name, COLUMNS)}; "
                    f"the columns are {', '.join(COLUMNS)}",
                )
                return ""
            if dim == 1 and name == "y":
                self.fail(at("columns", i), "a function of x alone has no y column")
                return ""
            if fitting and name in ("gradient", "grad_norm"):
                self.fail(
                    at("columns", i),
                    "a line fit's runs record no gradients; show k, w (or x), b (or y), "
                    "point, loss (or f) or step",
                )
                return ""
        formats = raw.get("format", {})
        labels = raw.get("labels", {})
        for key, table in (("format", formats), ("labels", labels)):
            if not isinstance(table, dict):
                self.fail(at(key), f"{key} maps columns to values, e.g. {{x: .3e}}")
                return ""
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
                    return ""
                if not isinstance(value, str):
                    self.fail(at(key, name), f"{key}.{name} must be text, e.g. '.3e'")
                    return ""
        for name, wanted in formats.items():
            try:
                formatted(1.5, wanted)
            except ValueError as exc:
                self.fail(
                    at("format", name),
                    f"format.{name}: bad format {wanted!r} ({exc}); "
                    "e.g. .3g (significant digits), .2e (scientific) or .4f (decimals)",
                )
                return ""
        precision = raw.get("precision", 4)
        if (
            not isinstance(precision, int)
            or isinstance(precision, bool)
            or not 0 <= precision <= 12
        ):
            self.fail(at("precision"), "precision is a number of decimals from 0 to 12")
            return ""
        if spec["path"] == "none":
            self.fail(at("path"), "a table of iterates shows a run; path: none has none")
            return ""
        run = trajectories(spec)[0]
        shown = self.rows(raw.get("rows", "all"), run.steps, at)
        if shown is None:
            return ""
        if "id" in raw:
            if not isinstance(raw["id"], str) or not ID.match(raw["id"]):
                self.fail(at("id"), "id must start with a letter: letters, digits, - and _")
                return ""
            if raw["id"] in self.runs.specs:
                self.fail(at("id"), f"id {raw['id']!r} is already used on this page")
                return ""
            self.runs.add(raw["id"], spec, fence_line, demo_keys)
        table = self.table(raw, run, columns, shown, precision, dim, spec, fence_line)
        return table + (source_shown("iterates", src) if raw.get("show_source") else "")

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
        line: int,
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


MAX_FORMAT_DIGITS = 40  # {=…:999999999f} would put a gigabyte of spaces into the page
NAME = r"[A-Za-z][\w-]*"  # an id of a demo or a table: a letter, then letters, digits, - _
ID = re.compile(f"^{NAME}$")
FENCE_ID = re.compile(rf"^id:[ \t]*['\"]?({NAME})['\"]?[ \t]*$", re.MULTILINE)  # in YAML
NUMBER = re.compile(
    r"\{=(?P<id>" + NAME + r")(?:@(?P<optimizer>[\w-]+))?\.(?P<quantity>\w+)"
    r"(?:\[(?P<index>-?\d+)\])?(?::(?P<format>[^{}\s]+))?\}"
)


class EngineNumbers(InlineProcessor):
    """``{=id.quantity[k]:format}``: one number of a run on the page, as the engine has it."""

    def __init__(self, article: ArticleNumbers) -> None:
        super().__init__(NUMBER.pattern)
        self.article = article

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element | str, int, int]:
        text = self.article.number(m)
        if text is None:
            return "", m.start(0), m.end(0)
        span = etree.Element("span", {"class": "engine-number", "title": "computed by the engine"})
        span.text = AtomicString(text)
        return span, m.start(0), m.end(0)


class ArticleNumbers:
    """Where the inline numbers of the article being converted come from and go wrong."""

    def __init__(self) -> None:
        self.path = Path()
        self.source = TextLocator()
        self.runs = Runs()
        self.errors: list[ContentError] = []

    def start(self, path: Path, body: str, first_line: int, runs: Runs, errors: list) -> None:
        self.path, self.source = path, TextLocator(body, first_line)
        self.runs, self.errors = runs, errors

    def number(self, m: re.Match[str]) -> str | None:
        line = self.source.line_of(m.group(0))

        def fail(message: str) -> None:
            self.errors.append(ContentError(self.path, line, f"{m.group(0)}: {message}"))

        run_id, quantity = m.group("id"), m.group("quantity")
        if run_id in self.runs.failed:
            return None  # its fence's own error says what is wrong; one error, not two
        if run_id not in self.runs.specs:
            known = ", ".join(sorted(self.runs.specs)) or "none"
            fail(
                f"no demo or iterates fence with id {run_id!r} on this page"
                f"{suggest(run_id, self.runs.specs)} (ids here: {known})"
            )
            return None
        spec, wanted = self.runs.specs[run_id][0], m.group("optimizer")
        if wanted is not None and wanted not in spec["optimizer"]:
            fail(f"{run_id} has no {wanted!r} run; its runs are {', '.join(spec['optimizer'])}")
            return None
        if quantity in SPEC_NUMBERS and not m.group("index"):
            value = settings_of(spec, wanted).get(quantity) if wanted else spec.get(quantity)
            if value is None:
                fail(f"{run_id} leaves {quantity} to the optimizer's default; set it to quote it")
                return None
            return self.format(float(value), m.group("format") or "g", fail)
        quantity, problem = fit_name(quantity, spec.get("fit") is not None)
        if problem:
            fail(problem)
            return None
        if quantity not in NUMBERS:
            every = (*NUMBERS, *FIT_NAMES, *SPEC_NUMBERS)
            fail(
                f"unknown quantity {quantity!r}{suggest(quantity, every)}; use a run's "
                f"{', '.join(NUMBERS)} (a line fit's w, b and loss too), or a setting: "
                f"{', '.join(SPEC_NUMBERS)}"
            )
            return None
        runs = self.runs.of(run_id)
        if not runs:
            fail(f"{run_id} draws its function alone (path: none): it has no run to quote")
            return None
        names = [r.optimizer for r in runs]
        if wanted is None and len(runs) > 1:
            fail(f"{run_id} has several runs; name one, e.g. {{={run_id}@{names[0]}.{quantity}}}")
            return None
        run = runs[names.index(wanted)] if wanted else runs[0]
        wanted_format = m.group("format") or ""
        digits = re.findall(r"\d+", wanted_format)
        if any(len(d) > 3 or int(d) > MAX_FORMAT_DIGITS for d in digits):
            fail(f"a format's width and precision are at most {MAX_FORMAT_DIGITS}, e.g. :.2f")
            return None
        if quantity == "steps":
            return self.format(run.steps, wanted_format or "d", fail)
        text = m.group("index") or "-1"
        if len(text.lstrip("-")) > 6:  # (int() of 4,300 digits or more raises ValueError)
            fail(f"{run_id} has iterates 0 to {run.steps}; there is no iterate {text[:12]}…")
            return None
        index = int(text)
        k = index + run.steps + 1 if index < 0 else index
        if not 0 <= k <= run.steps:
            fail(f"{run_id} has iterates 0 to {run.steps}; there is no iterate {index}")
            return None
        dim = len(run.points[0])
        if quantity == "y" and dim == 1:
            fail("a function of x alone has no y")
            return None
        if quantity == "gradient" and dim == 2:
            fail("a gradient in two dimensions is two numbers; quote grad_norm, or use a table")
            return None
        if quantity in ("gradient", "grad_norm") and len(run.gradients) <= k:
            fail(
                f"{run_id}'s runs record no gradients (a line fit's loss is not a function of "
                "the plot's x); quote x, y, f or step"
            )
            return None
        value = COLUMNS[quantity].value(run, k)
        if value is None:
            fail("the start has no step before it; quote step from iterate 1 on")
            return None
        return self.format(float(value), wanted_format or ".4g", fail)

    def in_formula(self, tex: str) -> str:
        """``tex`` with each ``{=…}`` number typeset as TeX (``1.5\\times 10^{-3}``); a
        malformed one is an error at its line, as in prose."""

        def number(m: re.Match[str]) -> str:
            text = self.number(m)
            return "" if text is None else "{" + formatted_tex(text) + "}"

        filled = NUMBER.sub(number, tex)
        for m in MALFORMED.finditer(filled):
            self.errors.append(
                ContentError(self.path, self.source.line_of(m.group(0)), malformed(m.group(0)))
            )
        return filled

    def format(self, value: float, wanted: str, fail: Callable[[str], None]) -> str | None:
        try:
            return formatted(value, wanted)
        except ValueError as exc:
            fail(f"bad format {wanted!r} ({exc}); e.g. :.2f or :.3g")
            return None


# Anything that starts like a number but is not one: ``{= d.x}``, ``{=d.x[1.5]}``, ``{=d.x:{0}}``.
MALFORMED = re.compile(r"\{=[^\n{}]{0,80}(?:\{[^\n{}]{0,20}\})?[^\n{}]{0,20}\}?")


class MalformedNumbers(InlineProcessor):
    """A ``{=`` that the number pattern did not take is a mistake, never text."""

    def __init__(self, article: ArticleNumbers) -> None:
        super().__init__(MALFORMED.pattern)
        self.article = article

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:
        article = self.article
        line = article.source.line_of(m.group(0))
        article.errors.append(ContentError(article.path, line, malformed(m.group(0))))
        return "", m.start(0), m.end(0)


def malformed(text: str) -> str:
    return (
        f"{text}: not a number from the engine; write {{=ID.QUANTITY}}, "
        "{=ID.QUANTITY[K]} or {=ID.QUANTITY[K]:FORMAT} with no spaces, K a whole "
        "number, e.g. {=descent.x[15]:.2f}"
    )


def formatted_tex(text: str) -> str:
    """A number as :func:`formatted` wrote it (the author's format kept: digits, commas, %),
    as TeX writes it in a formula (engine.expr.tex_number writes a float of its own)."""
    text = text.replace("−", "-")
    if text.lstrip("-") == "∞":
        return text.replace("∞", "\\infty")
    found = re.fullmatch(r"(.*?)[eE]([+-]?\d+)(%?)", text)
    if found and re.search(r"\d", found.group(1)):
        mantissa, exponent, percent = found.groups()
        power = f"{formatted_tex(mantissa)}\\times 10^{{{int(exponent)}}}"
        return power + ("\\%" if percent else "")
    if not re.fullmatch(r"[-+ ]*[\d.,_]*%?", text):
        return f"\\text{{{text}}}"  # nan, or a format of the author's own
    return text.replace(",", "{,}").replace("%", "\\%").replace("_", "\\_")


class EngineNumbersExtension(markdown.Extension):
    def __init__(self, article: ArticleNumbers) -> None:
        super().__init__()
        self.article = article

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Before the link and emphasis patterns, so nothing inside the braces is touched.
        md.inlinePatterns.register(EngineNumbers(self.article), "engine-numbers", 185)
        md.inlinePatterns.register(MalformedNumbers(self.article), "malformed-numbers", 184)
