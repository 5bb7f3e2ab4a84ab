"""Layout checked from geometry, not pixels: every plot kind (tests/fixtures/kinds), at 360,
768, 1024 and 1280 px, light and dark. In each chart the titles, tick labels, legend, colour
bar and panel titles do not overlap one another and stay inside the chart's box, whose plot
areas fill it (not a squeezed half); the page does not scroll sideways; every path has
points inside its plot area. A 3-D chart draws its text with WebGL, out of reach of the
DOM: the page width covers it."""

from __future__ import annotations

import itertools
import time

import pytest

from downhill.site import BuildConfig, build_site

from .conftest import (
    ARTICLES,
    ROOT,
    built_and_served,
    content_articles,
    draw_every_chart,
    poll,
    serve_folder,
    switch_scheme,
)

# Boxes of the parts of every chart, relative to the chart, as [left, top, right, bottom].
PARTS = """() => [...document.querySelectorAll('.demo')].map((demo) => {
  const out = [];
  demo.querySelectorAll('.demo-chart').forEach((chart, c) => {
    const base = chart.getBoundingClientRect();
    const box = (el) => {
      const b = el.getBoundingClientRect();
      return [b.left - base.left, b.top - base.top, b.right - base.left, b.bottom - base.top];
    };
    const parts = [];
    // The colour bar is one part, its own tick labels and title included.
    const add = (kind, selector) => chart.querySelectorAll(selector).forEach((el) => {
      if (kind !== 'colour bar' && el.closest('.colorbar')) return;
      const b = el.getBoundingClientRect();
      const text = (el.textContent || '').trim();
      if (b.width > 0 && b.height > 0 && (text || kind === 'legend' || kind === 'colour bar')) {
        parts.push({kind, text: text.slice(0, 40), box: box(el)});
      }
    });
    add('tick', '[class*="tick"] > text');  // .xtick, .y2tick, … of every subplot
    add('axis title', '[class^="g-x"][class$="title"] text, [class^="g-y"][class$="title"] text');
    add('legend', '.legend .bg');
    add('colour bar', 'g.colorbar');
    add('panel title', '.annotation-text-g');
    const area = [...chart.querySelectorAll('.draglayer .nsewdrag')].map(box);
    const gd = chart;
    const paths = [];
    (gd._fullData || []).forEach((trace, t) => {
      if (!trace.meta || !trace.meta.path || !trace.visible || trace.type === 'scatter3d') return;
      const xa = gd._fullLayout[trace.xaxis.replace('x', 'xaxis')];
      const ya = gd._fullLayout[trace.yaxis.replace('y', 'yaxis')];
      let inside = 0;
      trace.x.forEach((x, k) => {
        const px = xa.c2p(x), py = ya.c2p(trace.y[k]);
        if (px >= 0 && px <= xa._length && py >= 0 && py <= ya._length) inside += 1;
      });
      paths.push({name: trace.name, inside, points: trace.x.length});
    });
    out.push({demo: demo.id, chart: c, width: base.width, height: base.height,
              parts: [...new Map(parts.map((p) => [p.box.join(), p])).values()], area, paths});
  });
  return out;
}).flat()"""

SLACK = 1.0  # px: boxes that only touch are apart
TITLE_GAP = 6.0  # px between two panels' titles side by side (touching, they read as one)


def overlap(a: list[float], b: list[float]) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > SLACK and min(a[3], b[3]) - max(a[1], b[1]) > SLACK


@pytest.fixture(scope="module")
def kinds_url(tmp_path_factory):
    out = tmp_path_factory.mktemp("kinds") / "site"
    with built_and_served(ROOT / "tests" / "fixtures" / "kinds", out) as (_, url):
        yield url


def problems_of(chart: dict) -> list[str]:
    found = []
    where = f"{chart['demo']} chart {chart['chart'] + 1}"
    parts = chart["parts"]
    for part in parts:
        left, top, right, bottom = part["box"]
        if (
            left < -SLACK
            or top < -SLACK
            or right > chart["width"] + SLACK
            or bottom > chart["height"] + SLACK
        ):
            found.append(f"{where}: {part['kind']} {part['text']!r} leaves the chart {part['box']}")
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            if overlap(a["box"], b["box"]):
                found.append(
                    f"{where}: {a['kind']} {a['text']!r} overlaps {b['kind']} {b['text']!r}"
                )
    titles = sorted((p["box"] for p in parts if p["kind"] == "panel title"), key=lambda b: b[0])
    for a, b in itertools.pairwise(titles):  # side by side: apart enough to read as two
        if min(a[3], b[3]) > max(a[1], b[1]) and b[0] - a[2] < TITLE_GAP:
            found.append(f"{where}: panel titles {a} and {b} are {b[0] - a[2]:.0f} px apart")
    for box in titles:  # each over its own panel's middle
        middle = (box[0] + box[2]) / 2
        if chart["area"] and min(abs(middle - (p[0] + p[2]) / 2) for p in chart["area"]) > 3:
            found.append(f"{where}: the panel title at {box} is over no panel's middle")
    if chart["area"]:  # the plot areas together use the chart's box (not a squeezed half)
        left, top = min(a[0] for a in chart["area"]), min(a[1] for a in chart["area"])
        right, bottom = max(a[2] for a in chart["area"]), max(a[3] for a in chart["area"])
        # 0.4: a gradient field keeps equal units, so a square domain is a square plot
        if right - left < 0.4 * chart["width"] or bottom - top < 0.5 * chart["height"]:
            found.append(
                f"{where}: its plots fill {right - left:.0f}×{bottom - top:.0f} px "
                f"of a {chart['width']:.0f}×{chart['height']:.0f} px chart"
            )
    for path in chart["paths"]:
        if path["inside"] == 0:
            found.append(f"{where}: the path {path['name']!r} has no point inside its plot area")
    return found


def settled_parts(page, timeout: float = 60.0) -> list:
    """The charts' parts once two measurements 0.1 s apart agree (a chart laid out again
    after a late font or a resize has moved nothing since)."""
    deadline = time.monotonic() + timeout
    parts = page.evaluate(PARTS)
    while True:
        time.sleep(0.1)
        again = page.evaluate(PARTS)
        if again == parts:
            return parts
        assert time.monotonic() < deadline, "the charts never stopped moving"
        parts = again


# Every drawn chart laid out at its container's present width (after a resize).
LAID_OUT = """() => [...document.querySelectorAll('.demo-chart')].every((chart) => {
  const svg = chart.querySelector('.main-svg');
  return !svg || Math.abs(svg.getBoundingClientRect().width - chart.clientWidth) <= 1;
})"""


def measured(
    browser, url: str, width: int, schemes=("light",), then: tuple[int, ...] = ()
) -> list[tuple[list, list]]:
    """For each colour scheme in turn, switched in place on one load of the page, and then
    at each width of ``then``, the window resized as a reader's is: the page's [scroll
    width, window width] and the parts of every chart, all drawn."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=schemes[0])
    try:
        page = context.new_page()
        page.goto(url)
        out = []
        for scheme in schemes:
            switch_scheme(page, scheme)
            out.append(_measure(page))
        for narrower in then:
            page.set_viewport_size({"width": narrower, "height": 900})
            poll(page, LAID_OUT)
            out.append(_measure(page))
        return out
    finally:
        context.close()


def _measure(page) -> tuple[list, list]:
    draw_every_chart(page)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    return widths, settled_parts(page)


WIDTHS = [360, 768, 1024, 1280]  # a phone, a tablet upright and on its side, a laptop


@pytest.mark.parametrize("width", WIDTHS)
def test_every_plot_kind_is_laid_out_cleanly(browser, kinds_url, width):
    """Light and dark on one load: the page switches its charts' colours in place."""
    for scheme, (widths, charts) in zip(
        ("light", "dark"),
        measured(browser, f"{kinds_url}/every-kind/", width, ("light", "dark")),
        strict=True,
    ):
        assert widths[0] <= widths[1], f"{scheme}: the page scrolls sideways: {widths}"
        assert len(charts) == 18  # 14 demos; the race draws 2 charts, the fit 4
        found = [f"{scheme}: {problem}" for chart in charts for problem in problems_of(chart)]
        assert not found, "\n".join(found)


# The articles with small multiples, whose panel titles are the articles' own words.
WITH_PANELS = [p.stem for p in content_articles() if "multiples" in p.read_text("utf-8")]


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("slug", ARTICLES)
def test_every_article_is_laid_out_cleanly(browser, site_url, slug, width):
    """The same checks on the articles' own charts (the schemes differ only in colour).
    Issue 34: multiples' titles ran together at tablet widths, so an article with small
    multiples is measured at 1024 and 768 px too, with its own titles, its window narrowed
    from 1280 as a reader's is."""
    then = (1024, 768) if width == 1280 and slug in WITH_PANELS else ()
    for at, (widths, charts) in zip((width, *then), measured(
        browser, f"{site_url}/{slug}/", width, then=then
    ), strict=True):  # fmt: skip
        assert widths[0] <= widths[1], f"{at} px: the page scrolls sideways: {widths}"
        if at != width:
            assert any(p["kind"] == "panel title" for chart in charts for p in chart["parts"])
        found = [f"{at} px: {problem}" for chart in charts for problem in problems_of(chart)]
        assert not found, "\n".join(found)


WIDE = """---
title: Wide things
date: 2026-12-03
---

| k | x | y | f | g | h | i | j | l | m | n |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
| 0 | 1.000000 | 2.000000 | 3.000000 | 4.000000 | 5.000000 | 6.000000 | 7.000000 | {rest} |

```python
def descend(f, x, rate=0.1, steps=100):  # {comment}
    return x
```

```python run
for k in range(3):
    print(f"{{k:3d}} {{k:16.10f}} {{2 * k:16.10f}} {{3 * k:16.10f}} {{4 * k:16.10f}}")
```
""".format(rest="8.000000 | 9.000000 | 10.000000", comment="a long comment, wrapped at phone width")


def test_wide_tables_and_code_scroll_in_their_own_box_at_phone_width(browser, tmp_path):
    """Issue 24: an 11-column table and a long line of code scroll sideways in their own box
    (the page does not), the code is not wrapped, and a keyboard can reach both boxes; so
    does a cell's printed table (issue 34), its numbers never wrapped mid-line."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "wide.md").write_text(WIDE)
    build_site(BuildConfig(content=tmp_path / "content", out=tmp_path / "site", cache=None))
    server = serve_folder(tmp_path / "site")
    context = browser.new_context(viewport={"width": 360, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/wide/")
        page.wait_for_load_state("load")
        boxes = page.evaluate(
            """() => ['.article > table', '.article pre', '.cell-stdout'].map((s) => {
              const box = document.querySelector(s);
              const line = parseFloat(getComputedStyle(box).lineHeight);
              return {scroll: box.scrollWidth, client: box.clientWidth, tab: box.tabIndex,
                      shadows: getComputedStyle(box).backgroundImage.split('gradient(').length - 1,
                      lines: (box.clientHeight - parseFloat(getComputedStyle(box).paddingTop)
                              - parseFloat(getComputedStyle(box).paddingBottom)) / line,
                      name: box.getAttribute('aria-label')};
            })"""
        )
        widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    finally:
        context.close()
        server.shutdown()
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    for box in boxes:
        assert box["scroll"] > box["client"] and box["tab"] == 0, box
    assert boxes[1]["lines"] < 2.5, f"the listing's two lines wrapped: {boxes[1]}"
    assert boxes[2]["lines"] < 3.5, f"the printed table's three lines wrapped: {boxes[2]}"
    assert boxes[0]["shadows"] == 4, "the table has math's edge shadows (two covers, two shadows)"


def test_on_a_phone_no_toolbar_covers_a_legend(browser, site_url):
    """Issue 34: at 360 px on a touch screen, Plotly's toolbar hid the first legend entry of
    every chart with a legend."""
    context = browser.new_context(
        viewport={"width": 360, "height": 800}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(f"{site_url}/learning-rates-and-optimizers/")
        draw_every_chart(page)
        overlaps = page.evaluate(
            """() => {
              const box = (e) => e.getBoundingClientRect();
              const meet = (a, b) => a.left < b.right && b.left < a.right &&
                a.top < b.bottom && b.top < a.bottom && a.width > 0 && b.width > 0;
              const legends = [...document.querySelectorAll('.demo-chart .legend')];
              const bars = [...document.querySelectorAll('.demo-chart .modebar')]
                .filter((b) => getComputedStyle(b).opacity !== '0');
              return {legends: legends.length,
                      hits: legends.filter((l) => bars.some((b) => meet(box(l), box(b)))).length};
            }"""
        )
    finally:
        context.close()
    assert overlaps["legends"] > 3 and overlaps["hits"] == 0, overlaps
