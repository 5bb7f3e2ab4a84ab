"""Browser: the built article in headless Chromium, served on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

# Records, from before any page script runs, when the first chart and the first "ready"
# appear. Init scripts run outside the page's CSP, which forbids eval for page scripts.
TIMELINE = """
window.__timeline = {};
new MutationObserver(() => {
  const t = window.__timeline, now = performance.now();
  if (!t.chart && document.querySelector('.demo .main-svg')) t.chart = now;
  if (!t.ready && document.querySelector('.demo[data-state=ready]')) t.ready = now;
  if (!t.error && document.querySelector('.demo[data-state=error]')) t.error = now;
}).observe(document, {subtree: true, childList: true, attributes: true});
document.addEventListener('downhill:drawn', (e) => { window.__drawn = e.detail.seq; }, true);
"""


def poll(page, expression, timeout=60.0):
    """Evaluate ``expression`` until truthy (wait_for_function needs eval, which CSP blocks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {expression}")


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(TIMELINE)
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"uncaught: {e}"))
    yield page
    context.close()


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
        ".find(t => t.name === 'gd'); return {x: Array.from(t.x), y: Array.from(t.y)}; })()"
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

    # MathJax typeset every formula, with no error nodes.
    counts = page.evaluate(
        "MathJax.startup.promise.then(() => [document.querySelectorAll('mjx-container').length,"
        " document.querySelectorAll('mjx-merror').length,"
        " document.querySelectorAll('.arithmatex').length])"
    )
    assert counts[0] >= counts[2] > 5
    assert counts[1] == 0
    assert page.problems == []
