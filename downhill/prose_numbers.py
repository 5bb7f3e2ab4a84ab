"""Numbers from the engine in prose: ``{=ID.QUANTITY[K]:FORMAT}`` (and ``{=ID.lr}``, a
demo's setting) filled in with a run of the page, as the engine computed it when the page
was built; inside a formula typeset as part of it. A registered inline stage of the
Markdown converter (:class:`EngineNumbersExtension`); a malformed or unknown number is an
error at its line."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as etree

import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

from engine.names import settings_of
from engine.schema import suggest
from engine.trajectory import Trajectory

from .errors import ContentError
from .fences import TextLocator
from .iterates import (
    COLUMNS,
    FIT_NAMES,
    NAME,
    NUMBERS,
    SPEC_NUMBERS,
    Runs,
    fit_name,
    formatted,
)

MAX_FORMAT_DIGITS = 40  # {=…:999999999f} would put a gigabyte of spaces into the page
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
        return self._of_run(m, run_id, run, quantity, fail)

    def _of_run(
        self, m: re.Match[str], run_id: str, run: Trajectory, quantity: str, fail: Callable
    ) -> str | None:
        """A quantity of one run at the iterate the number names, formatted as it asks."""
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
