"""Typographic punctuation, in one pass over the Markdown tree (downhill/typography.py)."""

from __future__ import annotations

import pytest

from downhill.markdown import make_markdown
from downhill.mathjax import ArticleMath


def html_of(text: str) -> str:
    md = make_markdown({})
    return md.convert(text)


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ('He said "hello".', "He said \u201chello\u201d."),
        ("it's 'quoted'", "it\u2019s \u2018quoted\u2019"),
        ("the '90s", "the \u201990s"),
        ("a -- b --- c...", "a \u2013 b \u2014 c\u2026"),
        ("(\"nested 'one'\")", "(\u201cnested \u2018one\u2019\u201d)"),
        ('*"emphasis"* and "*inside*"', "\u201c<em>inside</em>\u201d"),
        ("**bold**'s", "<strong>bold</strong>\u2019s"),
    ],
)
def test_quotes_dashes_and_ellipses(source, shown):
    assert shown in html_of(source)


def test_code_math_and_raw_html_are_left_alone():
    math = ArticleMath()
    html = make_markdown({}, math=math).convert(
        '`don\'t "x"` and $x\' = "y" -- z$ and <b title=\'a\'>"raw"</b>\n'
    )
    assert '<code>don\'t "x"</code>' in html
    assert math.formulas[0][0] == 'x\' = "y" -- z'  # the formula MathJax gets, untouched
    assert "<b title='a'>\u201craw\u201d</b>" in html


def test_fenced_code_is_left_alone():
    html = html_of('```python\nprint("it\'s -- fine...")\n```\n')
    assert "\u2019" not in html and "\u2013" not in html and "\u2026" not in html
