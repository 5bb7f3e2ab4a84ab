"""Accessibility: axe-core (the pinned npm package, injected by the test) finds no
violation on any article, in the light and the dark colour scheme."""

from __future__ import annotations

import re

import pytest

from .conftest import ARTICLES, ROOT, draw_every_chart, switch_scheme

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

VIOLATIONS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}"""


@pytest.mark.parametrize("slug", ARTICLES)
def test_axe_finds_no_violations(browser, site_url, slug):
    """Light, then dark on the same load: the page switches its colours in place."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, color_scheme="light")
    try:
        # An init script runs outside the page's CSP, which allows no inline script.
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        page.goto(f"{site_url}/{slug}/")
        draw_every_chart(page)
        assert page.evaluate("() => typeof axe") == "object", "axe-core was not injected"
        for scheme in ("light", "dark"):
            switch_scheme(page, scheme)
            violations = page.evaluate(VIOLATIONS)
            assert not violations, f"{scheme}:\n" + "\n".join(map(str, violations))
    finally:
        context.close()


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_code_colours_meet_wcag_aa_in_both_schemes():
    """Every token colour of the two Pygments styles reads at 4.5:1 or more on the code
    background, light and dark; static/highlight.css is what the script writes."""
    import runpy

    from pygments.styles import get_style_by_name

    script = runpy.run_path(str(ROOT / "scripts" / "highlight-css.py"))
    assert (ROOT / "static" / "highlight.css").read_text() == script["stylesheet"]()
    css = (ROOT / "static" / "style.css").read_text()
    code_backgrounds = re.findall(r"--code-bg: (#[0-9a-f]{6})", css)  # light, then dark
    assert len(code_backgrounds) == 2
    for name, page_background in zip(
        (script["LIGHT"], script["DARK"]), code_backgrounds, strict=True
    ):
        style = get_style_by_name(name)
        for token, colours in style:
            if not colours["color"]:
                continue
            own = colours["bgcolor"]  # a token with its own background is read on it
            for background in [own] if own else [style.background_color, page_background]:
                ratio = contrast(f"#{colours['color']}", f"#{background.lstrip('#')}")
                assert ratio >= 4.5, (name, str(token), colours["color"], background, ratio)
