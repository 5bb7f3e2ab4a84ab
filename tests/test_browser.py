"""Browser: the built article in headless Chromium, served on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import poll


def cli_trajectory(function: str, start: str, lr: float, steps: int) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "descend",
            "--function",
            function,
            "--start",
            start,
            "--lr",
            repr(lr),
            "--steps",
            str(steps),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def gd_trace(page) -> dict:
    return page.evaluate(
        "(() => { const t = document.querySelector('.demo .demo-chart').data"
        ".find(t => t.legendgroup === 'gd' && t.meta && t.meta.path);"
        " return {x: Array.from(t.x), y: Array.from(t.y)}; })()"
    )


def test_first_descent_article_end_to_end(page, site_url):
    page.goto(f"{site_url}/first-descent/")
    # Charts are drawn at once; the engine starts only when a demo nears the viewport.
    poll(page, "window.__timeline.chart")
    assert page.get_attribute(".demo", "data-state") == "static"
    page.evaluate("document.querySelector('.demo').scrollIntoView()")
    poll(page, "window.__timeline.ready || window.__timeline.error")
    timeline = page.evaluate("window.__timeline")
    assert "error" not in timeline, page.inner_text(".demo-status")
    # The pre-rendered chart was drawn before the Python engine was ready.
    assert timeline["chart"] < timeline["ready"]
    assert page.get_attribute(".demo", "data-state") == "ready"

    # The static chart is the build-time trajectory for lr 0.1.
    expected = cli_trajectory("x**2 + 5*x + 6", "-8", 0.1, 15)
    assert gd_trace(page) == {"x": [p[0] for p in expected["points"]], "y": expected["values"]}

    # Moving the slider redraws with exactly the CLI's trajectory for the new rate.
    page.fill("input[name=lr]", "0.35")
    poll(page, "window.__drawn >= 1")
    expected = cli_trajectory("x**2 + 5*x + 6", "-8", 0.35, 15)
    assert gd_trace(page) == {"x": [p[0] for p in expected["points"]], "y": expected["values"]}
    assert page.inner_text(".demo output") == "0.35"

    # Every formula was typeset when the site was built: an SVG with its MathML beside it.
    assert_math_typeset(page)
    assert page.problems == []


def assert_math_typeset(page) -> None:
    """Each formula of the page is MathJax's SVG, drawn, with no error node, and the page
    loads no MathJax script (the math was typeset when the site was built)."""
    counts = page.evaluate(
        r"""() => [document.querySelectorAll('.arithmatex').length,
          [...document.querySelectorAll('.arithmatex')].filter((m) => {
            // a reference on its own, "see (3)", is a plain link that reads its number
            const link = m.querySelector(':scope > a.eqref');
            if (link) return /^\(.+\)$/.test(link.textContent);
            const svg = m.querySelector('mjx-container > svg');
            return svg && svg.getBoundingClientRect().width > 0
              && m.querySelector('mjx-assistive-mml math');
          }).length,
          document.querySelectorAll('[data-mjx-error], merror').length,
          [...document.scripts].filter((s) => /mathjax/i.test(s.src)).length]"""
    )
    assert counts[0] > 5 and counts[1] == counts[0], counts
    assert counts[2] == 0 and counts[3] == 0, counts
