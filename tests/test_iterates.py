"""Numbers in the prose from the engine: the ``iterates`` fence, ``{=id.quantity[k]}``
numbers, and the leftovers of other generators that would pass into a page as text."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from downhill.markdown_stage import MarkdownStage
from downhill.read import read_source
from engine import render_demo
from engine.descent import descend
from engine.expr import compile_expression

from .conftest import ROOT

FRONT = "---\ntitle: T\ndate: 2026-01-01\n---\n\n"  # the body starts on line 5
STAGE = MarkdownStage(ROOT / "templates", "/")


def render(tmp_path: Path, body: str) -> tuple[str, list[str]]:
    """The article's HTML and its errors as 'LINE: message'."""
    path = tmp_path / "a.md"
    path.write_text(FRONT + textwrap.dedent(body))
    errors: list = []
    source = read_source(path, errors)
    if source is None:
        return "", [f"{e.line}: {e.message}" for e in errors]
    rendered, more = STAGE.render(source)
    return rendered.html, [f"{e.line}: {e.message}" for e in errors + more]


def cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1])
    return [re.findall(r"<td>(.*?)</td>", row) for row in rows]


QUADRATIC = """\
    ```iterates
    function: x**2 + 5*x + 6
    start: [-8]
    lr: 0.1
    steps: 15
    {extra}
    ```
    """


def test_a_table_of_iterates_is_the_engines_run(tmp_path):
    html, errors = render(tmp_path, QUADRATIC.format(extra="columns: [k, x, gradient, f, step]"))
    assert errors == []
    f = compile_expression("x**2 + 5*x + 6").bind({})
    run = descend(f, [-8.0], lr=0.1, steps=15)  # the engine's own descent, called directly
    rows = cells(html)
    assert len(rows) == 16
    for k, row in enumerate(rows):
        want = [
            str(k),
            f"{run.points[k][0]:.4f}",
            f"{run.gradients[k][0]:.4f}",
            f"{run.values[k]:.4f}",
            f"{run.step_sizes[k - 1]:.4f}" if k else "",
        ]
        assert row == [w.replace("-", "−") for w in want]
    assert "Computed by the engine when this page was built" in html
    # Headings are text a screen reader and axe read (typeset math is drawn as paths).
    headings = re.findall(r'<th scope="col" class="iterates-symbol">(.*?)</th>', html)
    assert [re.sub(r"<.*?>", "", h) for h in headings] == [
        "k",
        "xk",
        "f′(xk)",
        "f(xk)",
        "|xk − xk−1|",
    ]


def test_rows_first_every_last_with_a_gap_row(tmp_path):
    html, errors = render(tmp_path, QUADRATIC.format(extra="rows: {first: 3, every: 5, last: 1}"))
    assert errors == []
    shown = [row[0] for row in cells(html)]
    assert shown == ["0", "1", "2", "5", "10", "15"]
    assert html.count("iterates-gap") == 3  # before 5, 10 and 15


def test_a_two_dimensional_table(tmp_path):
    body = """\
    ```iterates
    function: x**2 + 3*y**2
    start: [1, 1]
    lr: 0.1
    steps: 2
    columns: [k, point, gradient, grad_norm]
    precision: 2
    ```
    """
    html, errors = render(tmp_path, body)
    assert errors == []
    assert cells(html)[1] == ["1", "(0.80, 0.40)", "(1.60, 2.40)", "2.88"]


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ("columns: [k, x, slope]", 14, "unknown column 'slope'"),
        ("columns: [k, y]", 13, "a function of x alone has no y column"),
        ("precision: 40", 11, "precision must be a number of decimals from 0 to 12, got 40"),
        ("rows: {first: 0}", 11, "rows.first must be a whole number ≥ 1"),
        ("rows: some", 11, "rows is 'all' or a mapping of first, every and last"),
        ("optimizer: [gd, adam]", 11, "a table shows one run: name one optimizer"),
        ("lr: -1", 9, "lr"),
    ],
)
def test_table_mistakes_are_errors_at_their_line(tmp_path, extra, line, message):
    # list items on lines of their own, so that an error can name an item's line
    extra = extra.replace("columns: [k, x, slope]", "columns:\n    - k\n    - x\n    - slope")
    extra = extra.replace("columns: [k, y]", "columns:\n    - k\n    - y")
    body = QUADRATIC.format(extra=extra)
    if extra == "lr: -1":
        body = QUADRATIC.format(extra="").replace("lr: 0.1", "lr: -1")
    html, errors = render(tmp_path, body)
    assert html.count("<table") == 0
    assert any(e.startswith(f"{line}: iterates:") and message in e for e in errors), errors


NUMBERS = """\
    We start at {=walk.x[0]:g}; after 15 steps we are at {=walk.x[15]:.2f}, after
    {=walk.steps} steps in all. The slope there is {=walk.gradient:.3f}, the first step
    {=walk.step[1]:.2g} long, the height {=walk.f[-1]:.4g}.

    ```demo
    id: walk
    function: x**2 + 5*x + 6
    start: [-8]
    lr: 0.1
    steps: 15
    ```
    """


def test_numbers_in_the_prose_are_the_engines(tmp_path):
    html, errors = render(tmp_path, NUMBERS)
    assert errors == []
    numbers = re.findall(r'<span class="engine-number"[^>]*>([^<]*)</span>', html)
    run = render_demo(
        {"function": "x**2 + 5*x + 6", "start": [-8], "lr": 0.1, "steps": 15}
    )  # the same spec through the engine's public API
    f = compile_expression("x**2 + 5*x + 6").bind({})
    walk = descend(f, [-8.0], lr=0.1, steps=15)
    assert run["summary"]
    want = [
        f"{walk.points[0][0]:g}",
        f"{walk.points[15][0]:.2f}",
        "15",
        f"{walk.gradients[-1][0]:.3f}",
        f"{walk.step_sizes[0]:.2g}",
        f"{walk.values[-1]:.4g}",
    ]
    assert numbers == [w.replace("-", "−") for w in want]
    assert numbers[1] == "−2.69"


def test_a_number_in_inline_code_stays_literal(tmp_path):
    html, errors = render(tmp_path, "Write `{=walk.x[15]}` to quote one.\n")
    assert errors == [] and "{=walk.x[15]}" in html


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (
            "{=wlak.x[15]}",
            "no demo or iterates fence with id 'wlak' on this page; did you mean 'walk'?",
        ),
        ("{=walk.slope[3]}", "unknown quantity 'slope'"),
        ("{=walk.x[16]}", "walk has iterates 0 to 15; there is no iterate 16"),
        ("{=walk.y[3]}", "a function of x alone has no y"),
        ("{=walk.step[0]}", "the start has no step before it"),
        ("{=walk.x[3]:.2q}", "bad format '.2q'"),
        ("{=walk.x[3]:999999999f}", "a format's width and precision are at most 40"),
        ("{=walk@adam.x}", "walk has no 'adam' run; its runs are gd"),
    ],
)
def test_number_mistakes_are_errors_at_their_line(tmp_path, number, message):
    body = NUMBERS.replace("{=walk.steps}", number)
    _, errors = render(tmp_path, body)
    assert [e for e in errors if e.startswith(f"7: {number}: ") and message in e], errors


def test_a_run_of_several_optimizers_needs_one_named(tmp_path):
    body = """\
    Adam ends at {=race@adam.x:.3f}; the plain {=race.x}.

    ```demo
    id: race
    function: x**2
    start: [3]
    optimizer: [gd, adam]
    steps: 10
    ```
    """
    html, errors = render(tmp_path, body)
    assert len(errors) == 1 and errors[0].startswith("6: {=race.x}: race has several runs")
    assert html.count('class="engine-number"') == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("See {% include figure.html %} here.", 7, "is a Liquid tag (Jekyll)"),
        ("Home is {{ site.baseurl }}/.", 7, "is a Liquid output (Jekyll)"),
        ('<script src="/plot.js"></script>', 7, "an article cannot run scripts"),
    ],
)
def test_leftovers_of_other_generators_are_errors(tmp_path, text, line, message):
    _, errors = render(tmp_path, f"Intro.\n{text}\n")
    assert [e for e in errors if e.startswith(f"{line}: ") and message in e], errors


def test_braces_in_math_and_code_are_not_leftovers(tmp_path):
    body = r"""
    Math: $x^{{2}}$ and \(\frac{{a}}{b}\) and `{{ site.title }}` in code.

    ```python
    print("{% not liquid %}")
    ```
    """
    _, errors = render(tmp_path, body)
    assert errors == []


def test_build_help_lists_the_builds_own_options():
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for option in ("--out", "--content", "--drafts", "--base-url", "--assets", "--no-cache"):
        assert option in result.stdout
    assert "serve" in result.stdout and "new" in result.stdout


def test_a_table_id_must_be_new_on_the_page(tmp_path):
    body = NUMBERS.rstrip(" ") + "\n" + QUADRATIC.format(extra="id: walk")
    _, errors = render(tmp_path, body)
    assert [e for e in errors if "id 'walk' is already used on this page" in e], errors


def test_a_function_drawn_alone_has_no_run_to_quote_or_tabulate(tmp_path):
    demo = "```demo\nid: alone\nfunction: peaks\nplots: contour\npath: none\n```\n"
    _, errors = render(tmp_path, demo + "The end is {=alone.x}.\n")
    (error,) = errors
    assert error.startswith("12: {=alone.x}: alone draws its function alone (path: none)")
    _, errors = render(tmp_path, QUADRATIC.format(extra="path: none"))
    (error,) = errors
    assert error.startswith("11: ") and "path: none has none" in error


def test_a_number_inside_a_formula_is_typeset_as_the_engines(tmp_path):
    body = NUMBERS + textwrap.dedent(
        r"""
        Inline, $x_{15} = {=walk.x[15]:.4f}$ and $f = {=walk.f[-1]:.2e}$.

        $$
        x_{0} = {=walk.x[0]:g}
        $$

        \begin{align}
        s &= {=walk.steps}
        \end{align}
        """
    )
    path = tmp_path / "a.md"
    path.write_text(FRONT + textwrap.dedent(body))
    errors: list = []
    rendered, more = STAGE.render(read_source(path, errors))
    assert errors + more == []
    f = compile_expression("x**2 + 5*x + 6").bind({})
    walk = descend(f, [-8.0], lr=0.1, steps=15)
    mantissa, exponent = f"{walk.values[-1]:.2e}".split("e")
    formulas = [tex for tex, _, _ in rendered.math]
    assert formulas[0] == f"x_{{15}} = {{{walk.points[15][0]:.4f}}}"
    assert formulas[1] == f"f = {{{mantissa}\\times 10^{{{int(exponent)}}}}}"
    assert "x_{0} = {-8}" in formulas[2]
    assert "s &= {15}" in formulas[3]
    assert not [tex for tex in formulas if "{=" in tex]


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("$x = {=wlak.x[15]}$", "no demo or iterates fence with id 'wlak'"),
        ("$x = {= walk.x}$", "not a number from the engine"),
    ],
)
def test_a_number_mistake_inside_a_formula_is_an_error_at_its_line(tmp_path, formula, message):
    _, errors = render(tmp_path, NUMBERS + f"\nSee {formula}.\n")
    assert [e for e in errors if e.startswith("18: ") and message in e], errors


def test_an_unknown_key_lists_the_iterates_fences_own_keys(tmp_path):
    _, errors = render(tmp_path, QUADRATIC.format(extra="colums: [k, x]"))
    (error,) = errors
    assert error.startswith("11: iterates: unknown key 'colums'; did you mean 'columns'?"), error
    assert "and the table's: columns, rows" in error and "from" in error
    assert "plots" not in error and "controls" not in error  # a table draws no chart
