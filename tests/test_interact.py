"""ipywidgets' interact in cells (issue 32): every widget kind and abbreviation becomes the
page's control by ipywidgets' own rules, read from the code (a control that cannot be is
an error at its line); the function runs with the page's values; the build's keyframes
redraw a matplotlib interact with the runtime blocked, and a package that cannot be
downloaded falls back to them, never to a control that disagrees with its output."""

from __future__ import annotations

import json
import re

import pytest

from downhill.cell_output import image_src
from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site
from engine.cells import run_cell
from engine.widgets import (
    Checkbox,
    Dropdown,
    FloatLogSlider,
    FloatSlider,
    IntSlider,
    interactions,
    widget_for,
)

from .conftest import article_served, poll


@pytest.mark.parametrize(
    ("abbreviation", "default", "expected"),
    [
        ((0, 10), None, IntSlider(value=5, min=0, max=10)),
        ((0, 10, 3), None, IntSlider(value=3, min=0, max=10, step=3)),
        ((0.0, 1.0), None, FloatSlider(value=0.5, min=0.0, max=1.0)),
        ((0.0, 1.0, 0.3), None, FloatSlider(value=0.3, min=0.0, max=1.0, step=0.3)),
        ((0.0, 1.0), 0.2, FloatSlider(value=0.2, min=0.0, max=1.0)),  # the function's default
        (10, None, IntSlider(value=10, min=-10, max=30)),
        (-2.5, None, FloatSlider(value=-2.5, min=-7.5, max=2.5)),
        (0, None, IntSlider(value=0, min=0, max=1)),
        (True, None, Checkbox(value=True)),
        (["gd", "adam"], None, Dropdown(options=["gd", "adam"], value="gd")),
        (["gd", "adam"], "adam", Dropdown(options=["gd", "adam"], value="adam")),
        ({"slow": 0.01, "fast": 0.5}, None, Dropdown(options={"slow": 0.01, "fast": 0.5})),
    ],
)
def test_abbreviations_follow_ipywidgets(abbreviation, default, expected):
    import inspect

    got = widget_for(abbreviation, inspect.Parameter.empty if default is None else default)
    assert got == expected


def test_widgets_say_their_controls():
    assert FloatLogSlider(value=0.01, min=-4, max=0).control() == {
        "kind": "range",
        "value": 0.01,
        "min": 0.0001,
        "max": 1.0,
        "step": "any",
        "scale": "log",
    }
    assert Dropdown(options=[("slow", 0.01), ("fast", 0.5)], value=0.5).control() == {
        "kind": "select",
        "value": "fast",
        "choices": {"slow": 0.01, "fast": 0.5},
    }
    assert Checkbox(value=False).control()["value"] == "False"


CODE = """
import ipywidgets as widgets
from ipywidgets import interact, interactive, fixed, FloatSlider, IntSlider, Dropdown

def f(lr, steps=20, method="gd", shown=True, scale=fixed(2)):
    print(lr, steps, method, shown, scale)
    return lr * steps

interact(
    f,
    lr=FloatSlider(min=0.01, max=1.0, step=0.01, value=0.1, description="learning rate α"),
    steps=IntSlider(min=1, max=50, value=20),
    method=widgets.RadioButtons(options=["gd", "momentum"]),
)

@interact(x=(0.0, 2.0, 0.5))
def g(x=1.0):
    print("g", x)
"""


def test_controls_are_read_from_the_code_in_order():
    found = [(name, type(w).__name__, line) for name, w, line in interactions(CODE)]
    assert found == [
        ("lr", "FloatSlider", 11),
        ("steps", "IntSlider", 12),
        ("method", "RadioButtons", 13),
        ("shown", "Checkbox", 9),  # from f's default
        ("x", "FloatSlider", 16),
    ]


def test_the_function_runs_with_the_pages_values():
    output = run_cell(CODE, {})
    assert output["error"] is None
    assert output["stdout"] == "0.1 20 gd True 2\ng 1.0\n"
    assert output["displays"] == [{"text": "2.0"}]  # what f returns, shown
    moved = run_cell(CODE, {}, overrides={"lr": 0.5, "method": "momentum", "shown": False})
    assert moved["stdout"].splitlines()[0] == "0.5 20 momentum False 2"
    assert moved["displays"] == [{"text": "10.0"}]
    made = run_cell(CODE + "\nw = interactive(f, lr=0.3, method=['gd'])\nw.result", {})
    assert made["value"] == "6.0"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        ("interact(f, lr='fast')", "a text box is not a control"),
        ("interact(f, lr=widgets.Text())", "Text is not a control"),
        ("top = 3\ninteract(f, lr=(0, top))", "a control is written out in the call"),
        ("interact(lambda lr: lr, lr=(0, 1))", "interact's function must be defined"),
        ("interact(f, lr=(1, 0, -1))", "step must be above 0"),
    ],
)
def test_a_control_it_cannot_make_is_an_error_at_its_line(tmp_path, call, words):
    body = "import ipywidgets as widgets\nfrom ipywidgets import interact\n"
    body += "def f(lr):\n    return lr\n" + call
    content = tmp_path / "content"
    content.mkdir()
    (content / "w.md").write_text(
        f"---\ntitle: W\ndate: 2026-12-01\n---\n\n```python run\n{body}\n```\n"
    )
    with pytest.raises(BuildFailed) as failed:
        build_site(BuildConfig(content=content, out=tmp_path / "site", cache=None))
    [error] = failed.value.errors
    assert words in error.message
    assert error.line == 6 + len(body.split("\n"))  # the call's own line, the last


ARTICLE = """---
title: Interact
date: 2026-12-01
---

```python run
#| id: bowl
import matplotlib.pyplot as plt
from ipywidgets import interact, FloatSlider

def draw(lr, steps=12):
    x = [-8.0]
    for _ in range(steps):
        x.append(x[-1] - lr * 2 * x[-1])
    plt.figure(figsize=(5, 3))
    plt.plot(x, "o-")
    plt.title(f"lr = {lr:.2f}")
    plt.show()

interact(draw, lr=FloatSlider(min=0.05, max=0.95, step=0.1, value=0.25, description="α"),
         steps=(4, 16, 4))
```
"""


@pytest.fixture(scope="module")
def interact_site(tmp_path_factory):
    with article_served(tmp_path_factory, "interact", ARTICLE) as served:
        yield served


def test_the_page_has_the_control_and_its_keyframes(interact_site):
    out, _ = interact_site
    page = (out / "interact" / "index.html").read_text()
    assert re.search(r"<label[^>]*>\s*α", page)
    assert 'name="lr"' in page and 'min="0.05"' in page and 'max="0.95"' in page
    assert list((out / "interact").glob("bowl.*.json"))


def expected_svg(lr: float, steps: int = 12) -> str:
    """The SVG the cell draws (white space folded: the build's URL folds it)."""
    code = ARTICLE.split("```python run\n")[1].split("```")[0]
    output = run_cell(code, {}, overrides={"lr": lr, "steps": steps})
    [shown] = output["displays"]
    assert image_src(shown["image"]).startswith("data:image/svg+xml,")
    return shown["image"]["data"].replace("\n", " ").strip()


# The SVG the page shows, from its data URL (however it was quoted).
# The whole keyframes set is in (a large one comes with a first, coarse file too).
WHOLE_SET = """() => { const frames = window.downhill.cells[0].frames;
  return Boolean(frames.best) && frames.rank === frames.urls.length - 1; }"""


def kept_positions(page) -> list[str]:
    """The learning rates the keyframes hold besides the built one (how many the build
    keeps depends on how long a render took: the test takes what it kept)."""
    positions = page.evaluate("() => window.downhill.cells[0].frames.best.controls.lr.positions")
    kept = [f"{p:.2f}" for p in positions if abs(p - 0.25) > 1e-9]
    assert kept
    return kept


SOURCE = """() => { const src = document.querySelector('#bowl img.cell-image').src;
  return decodeURIComponent(src.slice(src.indexOf(',') + 1)).replace(/\\n/g, ' ').trim(); }"""


def move(page, value: str, name: str = "lr") -> None:
    page.evaluate(
        f"""() => {{ const i = document.querySelector('#bowl input[name={name}]');
        i.value = '{value}'; i.dispatchEvent(new Event('input', {{bubbles: true}})); }}"""
    )


@pytest.mark.browser
def test_a_matplotlib_interact_redraws_from_keyframes_with_the_runtime_blocked(page, interact_site):
    _, url = interact_site
    page.route("**/*.wasm*", lambda route: route.abort())
    page.goto(url)
    poll(page, WHOLE_SET, 20)
    for lr in kept_positions(page)[:2]:
        move(page, lr)
        want = expected_svg(float(lr))
        poll(page, f"() => ({SOURCE})() === {json.dumps(want)}", 20)
        assert page.evaluate("() => document.querySelector('#bowl').dataset.state") == "static"


@pytest.mark.browser
def test_a_package_that_cannot_load_falls_back_to_the_keyframes(page, interact_site):
    """matplotlib cannot be downloaded (its release's server is blocked): a state the
    build did not compute (two controls moved) goes back to the built one, controls
    included, and a state it did compute is drawn from its keyframe; output and controls
    always agree."""
    _, url = interact_site
    page.route(re.compile(r"^https://"), lambda route: route.abort())  # the release's server
    page.goto(url)
    poll(page, WHOLE_SET, 20)
    page.evaluate("() => window.downhill.runner.start()")
    poll(page, "() => window.downhill.runner.settled", 120)
    move(page, "0.65")
    move(page, "8", "steps")  # two moved: no keyframe holds it, so the cell runs, and fails
    poll(
        page,
        "() => /could not be loaded/"
        ".test(document.querySelector('#bowl .cell-status').textContent)",
        120,
    )
    values = "() => [...document.querySelectorAll('#bowl input')].map((i) => i.value)"
    assert page.evaluate(values) == ["0.25", "12"]
    poll(page, f"() => ({SOURCE})() === {json.dumps(expected_svg(0.25, 12))}", 20)
    lr = kept_positions(page)[-1]
    move(page, lr)  # one moved: its keyframe, with no download asked for
    poll(page, f"() => ({SOURCE})() === {json.dumps(expected_svg(float(lr), 12))}", 20)
    assert page.evaluate(values) == [lr, "12"]
