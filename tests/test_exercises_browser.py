"""Exercises in Chromium: a wrong answer checked before the runtime is ready is graded once
it is, and said in words; a fixed one is solved; hints one at a time; the solution absent
from the page's text until asked for; progress kept across a reload; a typed answer."""

from __future__ import annotations

import pytest

from .conftest import open_empty_editor, poll

pytestmark = pytest.mark.browser


def write_code(page, exercise: str, code: str) -> None:
    """Open the exercise's editor and replace its code, typing as a reader would."""
    open_empty_editor(page, exercise, ".exercise-edit")
    page.keyboard.insert_text(code)


def check(page, exercise: str, how: str = "button", timeout: float = 120) -> dict:
    """Press Check (or Ctrl+Enter in the editor, or Enter in the answer box); the verdict."""
    page.evaluate(
        f"() => {{ window.__graded = null; document.querySelector('#{exercise}')"
        ".addEventListener('downhill:graded', (e) => { window.__graded = e.detail; }, "
        "{once: true}); }"
    )
    if how == "keyboard":
        page.click(f"#{exercise} .cm-content")
        page.keyboard.press("Control+Enter")
    elif how == "enter":
        page.press(f"#{exercise} .exercise-input", "Enter")
    else:
        page.click(f"#{exercise} .exercise-check")
    return poll(page, "() => window.__graded", timeout)


def result(page, exercise: str) -> str:
    return page.inner_text(f"#{exercise} .exercise-result")


def test_wrong_then_right_with_hints_solution_and_progress(page, site_url):
    page.goto(f"{site_url}/first-descent/")
    assert page.evaluate("() => window.downhill.runner.settled") is False
    # The solution is in no visible text (nor in the DOM's text) before it is asked for.
    assert "2*x + 5" not in page.evaluate("() => document.body.innerText")
    assert "2*x + 5" not in page.evaluate("() => document.body.textContent")
    write_code(page, "slope-by-hand", "def derivative(x):\n    return 2*x")
    page.click("#slope-by-hand .exercise-check")
    # Before the runtime is ready, Check says it will grade, and then does.
    assert "graded when it is ready" in result(page, "slope-by-hand")
    verdict = poll(
        page,
        "() => document.querySelector('#slope-by-hand').dataset.verdict || null",
        120,
    )
    assert verdict == "failed"
    said = result(page, "slope-by-hand")
    assert "f′(x) is wrong" in said and "where f′(x) is" in said and "2*x + 5" not in said
    assert page.get_attribute("#slope-by-hand", "data-progress") == "attempted"
    # A sign error is named as such.
    write_code(page, "slope-by-hand", "def derivative(x):\n    return -(2*x + 5)")
    assert "wrong sign" in check(page, "slope-by-hand", "keyboard")["message"]
    # Hints, one at a time.
    page.click("#slope-by-hand .exercise-hint")
    assert page.locator("#slope-by-hand .exercise-hints li").count() == 1
    assert "(2 of 2)" in page.inner_text("#slope-by-hand .exercise-hint")
    write_code(page, "slope-by-hand", "def derivative(x):\n    return 2*x + 5")
    verdict = check(page, "slope-by-hand")
    assert verdict["passed"] is True
    assert result(page, "slope-by-hand").startswith("✓ Correct")
    assert page.get_attribute("#slope-by-hand", "data-progress") == "solved"
    summary = page.inner_text(".exercises-progress")
    assert "1 of 2 exercises solved" in summary and "1 hint used" in summary
    # The solution, on request.
    page.click("#slope-by-hand .exercise-solution-button")
    assert "return 2*x + 5" in page.inner_text("#slope-by-hand .exercise-solution")
    # Progress survives a reload; the reader's code is kept.
    page.reload()
    poll(page, "() => window.downhill && window.downhill.exercises.length === 2")
    assert page.get_attribute("#slope-by-hand", "data-progress") == "solved"
    assert page.locator("#slope-by-hand .exercise-hints li").count() == 1
    assert "1 of 2 exercises solved" in page.inner_text(".exercises-progress")
    # An off-by-one loop is named.
    write_code(
        page,
        "fifteen-steps",
        "x = start\nfor k in range(1, steps):\n    x = x - lr * derivative(x)",
    )
    assert "ran 14 steps" in check(page, "fifteen-steps")["message"]


def test_a_typed_answer_and_a_momentum_step(page, site_url):
    page.goto(f"{site_url}/learning-rates-and-optimizers/")
    page.fill("#wavy-cliff .exercise-input", "0.5")
    verdict = check(page, "wavy-cliff", "enter")
    assert verdict["passed"] is False and "too large" in verdict["message"]
    assert "0.33" not in verdict["message"]  # a typed answer's message does not give it away
    page.fill("#wavy-cliff .exercise-input", "2/5.95")
    assert check(page, "wavy-cliff", "enter")["passed"] is True
    # Momentum without its velocity is named as such.
    write_code(
        page,
        "momentum-step",
        "def step(x, g, v):\n    return [xi - 0.1 * gi for xi, gi in zip(x, g)], v",
    )
    verdict = check(page, "momentum-step")
    assert "ignores the velocity" in verdict["message"]
