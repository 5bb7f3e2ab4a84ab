"""Fuzzing the surfaces of issue 22: control settings, prose numbers and TeX, 10,000 each
(``pytest --fuzz``: 100,000 of the first two). Each either works or ends in an error in
words: never an exception from inside the builder, never a number left as text."""

from __future__ import annotations

import random
from pathlib import Path

import markdown
from hypothesis import given
from hypothesis import strategies as st

from downhill.cache import Cache
from downhill.controls import Control, build_controls
from downhill.errors import ContentError
from downhill.iterates import Runs
from downhill.keyframes import slider_positions, spec_value
from downhill.mathjax import MathJax, typeset
from downhill.prose_numbers import ArticleNumbers, EngineNumbersExtension
from engine import normalize_spec
from engine.keys import NUMBERS

from .conftest import ROOT
from .test_fuzz_specs import EXAMPLES, _fuzz_settings, near

SPEC = normalize_spec({"function": "x**2 + a*y**2", "params": {"a": 1.0}, "start": [1, 1]})
NAMES = [*NUMBERS, "start.x", "start.y", "params.a", "optimizer", "function", "play", "lr2"]
value = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**400), 10**400),
    *(near(number) for number in NUMBERS.values()),
    st.sampled_from([1e9, 1e9 + 1, -1e9, 1e-300, 1e308, -1e308, 5e-324]),
    st.sampled_from(["any", "log", "linear", ".inf", "-5"]),
    st.lists(st.sampled_from(["gd", "adam", "peaks", "nope", 1]), max_size=3),
)
control = st.dictionaries(
    st.sampled_from(["min", "max", "step", "scale", "label", "options", "interval", "type", "x"]),
    value,
    max_size=4,
)


@_fuzz_settings
@given(st.dictionaries(st.sampled_from(NAMES), st.one_of(control, value), max_size=3))
def test_every_control_setting_builds_or_is_refused_in_words(declared):
    controls, problems = build_controls(declared, SPEC)
    for path, message in problems:
        assert isinstance(message, str) and message and path[0] == "controls"
    for made in controls:
        assert isinstance(made, Control)
        if made.kind != "range":
            continue
        positions, _ = slider_positions(made)
        assert 2 <= len(positions) <= 201
        number = NUMBERS.get(made.name)
        for position in positions:
            value_sent = spec_value(made, position)
            if number is not None:  # a slider never sends what its key refuses
                assert number.allows(value_sent) or made.scale == "log", (made, value_sent)


RUNS_BODY = "```demo\nid: d\nfunction: x**2\nstart: [2]\nsteps: 5\n```\n"
piece = st.sampled_from(
    [
        "{=",
        "}",
        "d",
        "fitd",
        "x",
        "y",
        "f",
        "steps",
        "grad_norm",
        ".",
        "[",
        "]",
        ":",
        "-1",
        "0",
        "5",
        "99999999",
        "9" * 50,
        ".2f",
        ".4g",
        "{0}",
        " ",
        "@gd",
        "@",
        "e",
        "%",
        "\\",
        "=",
    ]
)


NUMBERS_ON_A_PAGE = ArticleNumbers()
# Markdown with the numbers' own inline patterns and code spans (what protects them); the
# site's other extensions do not touch ``{=`` and would make each example ten times slower.
CONVERTER = markdown.Markdown(extensions=[EngineNumbersExtension(NUMBERS_ON_A_PAGE)])
RUNS = Runs()
RUNS.add("d", {"function": "x**2", "start": [2], "steps": 5}, 1)
RUNS.add("fitd", {"fit": {"points": 10}}, 1)


@_fuzz_settings
@given(st.lists(piece, min_size=1, max_size=10))
def test_every_prose_number_is_a_number_or_an_error(pieces):
    text = "".join(pieces)
    errors: list[ContentError] = []
    body = f"A {text} B.\n"
    NUMBERS_ON_A_PAGE.start(Path("p.md"), body, 1, RUNS, errors)
    CONVERTER.reset()
    html = CONVERTER.convert(body)
    for error in errors:
        assert error.line == 1 and error.message
    if "{=" in text:  # each one is a number, or an error; none is published as text
        assert "{=" not in html or errors, html


def formulas(count: int, seed: int = 22) -> list[list]:
    """Nested calls to the depth limit, \\unicode of every class of code point, nested
    braces and fractions: mostly shallow, each limit reached now and then."""
    rng = random.Random(seed)

    def depth(limit: int) -> int:
        return limit if rng.random() < 0.01 else min(limit, int(rng.expovariate(0.25)) + 1)

    points = [
        0,
        1,
        9,
        0x0B,
        0x1F,
        0x7F,
        0xA0,
        0x2028,
        0xD7FF,
        0xD800,
        0xDBFF,
        0xDC00,
        0xDFFF,
        0xE000,
        0xFFFE,
        0xFFFF,
        0x10000,
        0x10FFFF,
        0x110000,
        2**31,
        2**64,
    ]
    out = []
    for k in range(count):
        kind = k % 5
        if kind == 0:
            d = depth(60)
            tex = rf"\{rng.choice(['sin', 'exp', 'log', 'sqrt'])}(" * d + "x" + ")" * d
        elif kind == 1:
            point = rng.choice(points) if rng.random() < 0.7 else rng.randint(0, 0x10FFFF)
            tex = rf"x + \unicode{{{point}}}"
        elif kind == 2:
            d = depth(400)
            tex = "{" * d + "x" + "}" * d
        elif kind == 3:
            d = depth(300)
            tex = r"\frac{1}{" * d + "x" + "}" * d
        else:
            d = depth(200)
            tex = r"\overbrace{" * d + "x" + "}" * d
        out.append([tex, bool(k % 2), k + 1])
    return out


def test_ten_thousand_formulas_typeset_or_fail_at_their_line():
    cases = formulas(EXAMPLES)
    articles = [(Path(f"f{k}.md"), cases[k::4]) for k in range(4)]  # within MAX_FORMULAS
    mathjax = MathJax(ROOT)
    try:
        typeset_articles, errors = typeset(articles, Cache(None), mathjax)
    finally:
        mathjax.close()
    cases = [case for _, part in articles for case in part]
    shown = [formula for article in typeset_articles for formula in article]
    assert len(shown) == len(cases)
    failed = {error.line for error in errors}
    for (tex, _, line), result in zip(cases, shown, strict=True):
        if line in failed:
            continue
        assert result.html, tex[:80]
        result.html.encode("utf-8")  # no lone surrogate reaches a page
    assert all(e.message.startswith(("TeX error", "this formula")) for e in errors)
    # (whether a formula at the depth limits overflows MathJax's stack depends on how warm
    # Node's compiler is: either way it is typeset or is an error at its line, above)
    assert any("Invalid code point" in e.message or "surrogate" in e.message for e in errors)
