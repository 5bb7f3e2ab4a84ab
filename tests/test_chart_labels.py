"""Chart titles and labels an author writes in a demo: where the page shows them, what
assistive technology calls each chart, and the line a wrong one is reported at."""

from __future__ import annotations

import json
import re

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site

DEMO = """```demo
id: {id}
function: x**2 + 3*y**2
plots: [contour, loss]
{extra}
controls:
  lr: {{min: 0.01, max: 0.3}}
```
"""


def build_page(tmp_path, *demos: str) -> str:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    body = "\n".join(demos)
    (content / "post.md").write_text(f"---\ntitle: Labels\ndate: 2026-01-01\n---\n\n{body}")
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None))
    return (out / "post" / "index.html").read_text()


def test_titles_sit_above_the_charts_and_name_them(tmp_path):
    html = build_page(
        tmp_path,
        DEMO.format(
            id="one",
            extra="title: [Where the steps land, How fast f falls]\n"
            "labels:\n  contour: {x: weight w, colorbar: loss}\n  runs: {gd: plain GD}",
        ),
        DEMO.format(id="two", extra="title: One title over both charts"),
        DEMO.format(id="three", extra="caption: Same words"),
        DEMO.format(id="four", extra="caption: Same words"),
    )
    one = html[html.index('id="one"') : html.index('id="two"')]
    assert re.findall(r'<p class="demo-chart-title">([^<]*)</p>', one) == [
        "Where the steps land",
        "How fast f falls",
    ]
    assert 'aria-label="Where the steps land: interactive chart"' in one
    figures = json.loads(re.search(r'class="demo-figures">(.*?)</script>', one).group(1))
    assert figures[0]["layout"]["xaxis"]["title"]["text"] == "weight w"
    assert figures[1]["data"][0]["name"] == "plain GD"
    two = html[html.index('id="two"') : html.index('id="three"')]
    assert '<p class="demo-title">One title over both charts</p>' in two
    assert "demo-chart-title" not in two
    # Every form of controls has its own name (axe: landmark-unique), and no chart is an
    # image wrapped around Plotly's buttons (axe: nested-interactive).
    forms = re.findall(r'<form class="demo-controls" aria-label="([^"]*)"', html)
    assert len(forms) == 4 and len(set(forms)) == 4, forms
    assert forms[1] == "Controls of One title over both charts"
    assert 'role="img"' not in html


@pytest.mark.parametrize(
    ("extra", "line", "words"),
    [
        ("labels:\n  contour: {z: height}", 6, "has no label 'z'"),
        ("labels:\n  surface:\n    x: a", 6, "draws no surface plot"),
        ("labels:\n  runs:\n    adam: Adam", 7, "no 'adam' run"),
        ("title: [only one]", 5, "a list of 2 such titles"),
    ],
)
def test_a_wrong_label_fails_the_build_at_its_line(tmp_path, extra, line, words):
    with pytest.raises(BuildFailed) as caught:
        build_page(tmp_path, DEMO.format(id="one", extra=extra))
    (error,) = caught.value.errors
    assert words in error.message, error.message
    assert error.line == line + 5, (error.line, error.message)  # 5: front matter and blank


def test_a_fields_arrows_and_their_length_are_sliders(tmp_path):
    html = build_page(
        tmp_path,
        "```demo\nid: field\nfunction: peaks\nplots: field\npath: none\ncontrols:\n"
        "  arrows: {min: 5, max: 30}\n  arrow_length: {min: 0.3, max: 2.5, step: 0.1}\n```\n",
    )
    arrows = re.search(r'<input id="field-arrows"[^>]*>', html).group(0)
    assert 'step="1"' in arrows and 'value="15"' in arrows  # a whole number, the default
    length = re.search(r'<input id="field-arrow_length"[^>]*>', html).group(0)
    assert 'step="0.1"' in length and 'value="1' in length
    assert '<p class="demo-summary" aria-live="polite"></p>' in html  # no run, no summary
