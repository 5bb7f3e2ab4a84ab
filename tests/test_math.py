"""Math typeset when the site is built (downhill/mathjax.py, scripts/typeset.mjs)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site

from .conftest import ARTICLES

NUMBERED = r"""---
title: Numbers
date: 2026-01-01
---

Forward: see $\eqref{eq:late}$ before it is written.

\begin{equation}
a = b \label{eq:first}
\end{equation}

A tagged one:

$$
c = d \tag{A} \label{eq:tagged}
$$

\begin{align}
e &= f \label{eq:late} \\
g &= h
\end{align}

Back: $\eqref{eq:first}$, $\eqref{eq:tagged}$ and $\eqref{eq:late}$.
Inside a formula: $y = 2 \cdot \eqref{eq:first}$.
"""


def text_of(html: str) -> str:
    """What a reader reads: the page's text without the typeset math and the scripts (and
    without a fence's Markdown source, which the guide shows as source on purpose)."""
    html = re.sub(r"<mjx-container.*?</mjx-container>", " ", html, flags=re.S)
    html = re.sub(r'<details class="demo-source".*?</details>', " ", html, flags=re.S)
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture(scope="session")
def content_site(built_site):
    """The repository's site, as the session built it once for every suite."""
    return built_site


@pytest.mark.parametrize("slug", ARTICLES)
def test_every_article_is_typeset_with_no_error_and_no_tex_left(content_site, slug):
    html = (content_site / slug / "index.html").read_text()
    formulas = html.count('class="arithmatex"')
    references = html.count('<a class="eqref"')  # "see (3)": a plain link, no drawing
    assert formulas == html.count("<mjx-container") + references
    assert html.count("<mjx-container") == html.count("<mjx-assistive-mml")
    assert "data-mjx-error" not in html and "<merror" not in html
    text = text_of(html)
    for leftover in (r"\(", r"\[", "$$", r"\frac", r"\begin", r"\alpha", "\x02"):
        assert leftover not in text, (slug, leftover)
    assert not re.search(r"<script[^>]*mathjax", html, re.I)  # no MathJax in the page


def test_equation_numbers_tags_and_references(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "numbers.md").write_text(NUMBERED)
    out = tmp_path / "site"
    build_site(BuildConfig(content=tmp_path / "content", out=out, cache=None))
    html = (out / "numbers" / "index.html").read_text()
    # numbered in reading order: (1) the equation, (A) the tag, (2) and (3) the align
    for label, shown in [("eq:first", "(1)"), ("eq:tagged", "(A)"), ("eq:late", "(2)")]:
        assert f'id="mjx-eqn:{label}"' in html
        target = f'href="#mjx-eqn%3A{label.replace(":", "%3A")}"'
        # a reference on its own is a plain link that reads the number; inside a formula
        # the MathML beside the drawing reads it, and the drawn link takes no focus
        links = html.count(f'<a class="eqref" {target}>{shown}</a>')
        assert links == (2 if label == "eq:late" else 1), label  # eq:late: forward and back
    drawn = [
        a for svg in re.findall(r"<svg.*?</svg>", html, re.S) for a in re.findall("<a [^>]*>", svg)
    ]
    assert drawn and all('tabindex="-1"' in anchor for anchor in drawn), drawn
    assert 'id="mjx-eqn:3"' in html
    assert "???" not in html


def test_the_feed_is_xml_and_carries_mathml(content_site):
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(content_site / "feed.xml").getroot()
    contents = [e.find(f"{atom}content").text for e in feed.findall(f"{atom}entry")]
    assert contents and all(contents)
    mathml = [c for c in contents if "<math" in c]
    assert mathml
    for content in mathml:
        assert "<svg" not in content and "<mjx-container" not in content
        math = re.search(r"<math.*?</math>", content, re.S).group(0)
        ET.fromstring(math)  # each formula is well-formed MathML


def test_a_broken_formula_fails_the_build_at_its_line(tmp_path, previous_site):
    content = tmp_path / "content"
    content.mkdir()
    (content / "bad.md").write_text(
        "---\ntitle: Bad\ndate: 2026-01-01\n---\n\nFine: $x^2$.\n\nBroken: $\\frac{1}{$ here.\n"
        "\nUnknown: $\\alpah$.\n"
    )
    before = {p: p.read_bytes() for p in previous_site.rglob("*") if p.is_file()}
    with pytest.raises(BuildFailed) as failed:
        build_site(BuildConfig(content=content, out=previous_site, cache=None))
    messages = [f"{e.line}: {e.message}" for e in failed.value.errors]
    assert any(m.startswith("8: TeX error in '\\\\frac{1}{'") for m in messages), messages
    assert any(m.startswith("10: ") and "alpah" in m for m in messages), messages
    assert before == {p: p.read_bytes() for p in previous_site.rglob("*") if p.is_file()}


def test_formulas_are_cached_and_a_rebuild_needs_no_node(tmp_path, monkeypatch):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "numbers.md").write_text(NUMBERED)
    config = BuildConfig(content=tmp_path / "content", out=tmp_path / "site", cache=tmp_path / "c")
    build_site(config)
    first = (tmp_path / "site" / "numbers" / "index.html").read_text()
    (tmp_path / "content" / "numbers.md").write_text(NUMBERED + "\nOne more line.\n")
    import downhill.mathjax

    def no_node(self):
        raise AssertionError("the rebuild started Node")

    monkeypatch.setattr(downhill.mathjax.MathJax, "start", no_node)
    build_site(config)
    again = (tmp_path / "site" / "numbers" / "index.html").read_text()
    assert again.replace("One more line.", "").count("mjx-container") == first.count(
        "mjx-container"
    )
    assert Path(tmp_path / "c" / "math.json").exists()
