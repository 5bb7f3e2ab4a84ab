"""Live answers (issue 36): a heavy demo answers a first look, then its whole answer, and a
newer move drops the older refinement; in Python (engine.live) and in Chromium's worker."""

from __future__ import annotations

import json
import math
import time

import pytest

from engine import render_demo, render_json
from engine.budget import units
from engine.live import LOOK_UNITS, answers, first_look
from engine.runs import _BASINS, compute
from engine.slices import finish
from engine.spec import normalize_spec

from .conftest import article_served, poll

# A basin map whose every start runs all its steps (nothing is that converged): seconds of
# Pyodide, so that a move made when its first look is drawn comes long before the refinement
# is done.
HEAVY = {
    "function": "himmelblau",
    "plots": ["basins"],
    "basins": {"samples": 48, "steps": 400, "tol": 1e-300},
    "lr": 0.004,
}


def test_a_heavy_demo_answers_a_first_look_then_the_whole_answer():
    spec = normalize_spec(HEAVY)
    look = first_look(spec)
    assert look is not None
    assert look.spec["basins"]["samples"] < 48 and look.spec["lr"] == spec["lr"]
    assert units(look.spec)[0] < units(spec)[0] / 10
    assert "from 8×8 starts of 48×48" in look.summary()
    said = [json.loads(text) for text in answers(json.dumps(HEAVY)) if text is not None]
    assert [a["final"] for a in said] == [False, True]
    assert said[0]["ok"]["summary"].startswith("Refining: a first look, with the basin map")
    assert len(said[0]["ok"]["figures"][0]["data"][0]["z"]) == 8  # rows of the coarse map
    # the whole answer is the builder's, exactly
    assert said[1]["ok"] == json.loads(render_json(json.dumps(HEAVY)))["ok"]


def test_a_light_demo_and_an_error_answer_once():
    light = {"function": "bowl", "plots": ["contour"], "steps": 30}
    assert first_look(normalize_spec(light)) is None
    said = [json.loads(t) for t in answers(json.dumps(light)) if t is not None]
    assert [a["final"] for a in said] == [True] and "ok" in said[0]
    said = [json.loads(t) for t in answers('{"function": "x**2 +"}') if t is not None]
    assert [a["final"] for a in said] == [True] and "error" in said[0]
    said = [json.loads(t) for t in answers("not json") if t is not None]
    assert said[0]["error"]["message"].startswith("the spec is not valid JSON")


def test_first_looks_make_coarser_only_what_weighs():
    sweep = normalize_spec(
        {"function": "rosenbrock", "plots": ["sweep"], "sweep": {"count": 60, "steps": 2000}}
    )
    look = first_look(sweep)
    assert look.coarser == ["12 of the sweep's 60 rates"] and look.spec["steps"] == sweep["steps"]
    fit = {"fit": {"points": 200, "method": "minibatch"}, "steps": 3000, "plots": ["fit", "loss"]}
    look = first_look(normalize_spec(fit))
    assert look.spec["steps"] < 3000 and look.coarser[0].startswith("the first ")
    # the first look's run is the start of the whole one (a prefix, shown as such)
    whole, coarse = compute(normalize_spec(fit)), compute(look.spec)
    n = len(coarse.trajectories[0].points)
    assert coarse.trajectories[0].points == whole.trajectories[0].points[:n]
    assert units(normalize_spec(fit))[0] > LOOK_UNITS


def test_a_loss_landscape_sampled_afresh_comes_coarser_first_and_a_kept_one_does_not():
    fit = {"fit": {"points": 500, "noise": 1.25}, "steps": 20, "plots": ["fit", "landscape"]}
    said = [json.loads(t) for t in answers(json.dumps(fit)) if t is not None]
    assert [a["final"] for a in said] == [False, True]
    assert "the loss landscape on a 22×22 grid of 60×60" in said[0]["ok"]["summary"]
    landscape = said[0]["ok"]["figures"][1]["data"][0]
    assert len(landscape["x"]) == 22 and len(landscape["z"]) == 22
    assert said[1]["ok"] == render_demo(fit)
    # the same data again (another rate): its landscape is kept, and the answer comes whole
    said = [json.loads(t) for t in answers(json.dumps({**fit, "lr": 0.02})) if t is not None]
    assert [a["final"] for a in said] == [True]


def test_work_dropped_part_way_keeps_nothing_and_slices_compute_the_same():
    spec = normalize_spec({**HEAVY, "lr": 0.0041})
    work = answers(json.dumps({**HEAVY, "lr": 0.0041}))
    kept = len(_BASINS.found)
    for _ in range(20):  # the first look, then part of the whole map
        next(work)
    work.close()  # a newer request came
    assert len(_BASINS.found) == kept + 1  # the first look's map only: no part of the whole
    from engine.runs import computing

    assert finish(computing(spec)) == compute(spec)


ARTICLE = """---
title: Basins
date: 2026-12-05
---

```demo
id: heavy
function: himmelblau
plots: [basins]
basins: {samples: 48, steps: 400, tol: 1e-300}
lr: 0.004
keyframes: false
controls:
  lr: {min: 0.002, max: 0.006}
```
"""

# Every message the demo's listener gets (first looks and stale answers included).
RECORD = """() => {
  const demo = window.downhill.demos[0];
  window.__heard = [];
  const listener = demo.engine.listeners.get(demo.id);
  demo.engine.listeners.set(demo.id, (m) => {
    window.__heard.push({ seq: m.seq, final: m.final, type: m.type,
      summary: m.ok ? m.ok.summary : null, refining: null });
    listener(m);
    window.__heard.at(-1).refining = "refining" in demo.el.dataset;
  });
}"""

MOVE = """(value) => {
  const demo = window.downhill.demos[0];
  const input = demo.inputs[0];
  input.value = String(value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
  return demo.latest;
}"""


@pytest.fixture(scope="module")
def heavy_site(tmp_path_factory):
    with article_served(tmp_path_factory, "basins", ARTICLE) as (_, url):
        yield url


def heard(page, seq, final):
    return page.evaluate(
        "([seq, final]) => window.__heard.some((m) => m.seq === seq && m.final === final)",
        [seq, final],
    )


def test_the_worker_answers_first_looks_and_drops_older_refinements(page, heavy_site):
    page.goto(heavy_site)
    page.evaluate("() => window.downhill.demos[0].el.scrollIntoView()")
    poll(page, "() => document.querySelector('#heavy').dataset.state === 'ready'", 120)
    page.evaluate(RECORD)

    first = page.evaluate(MOVE, 0.005)
    poll(page, lambda_heard(first, True), 120)
    said = page.evaluate("() => window.__heard")
    assert [(m["seq"], m["final"]) for m in said] == [(first, False), (first, True)]
    assert said[0]["summary"].startswith("Refining: a first look") and said[0]["refining"]
    assert not said[1]["refining"] and not said[1]["summary"].startswith("Refining")

    # A move once the next first look is drawn: that state's refinement is dropped.
    second = page.evaluate(MOVE, 0.003)
    poll(page, lambda_heard(second, False), 120)
    third = page.evaluate(MOVE, 0.0025)
    poll(page, lambda_heard(third, True), 120)
    assert heard(page, third, False)  # the newer move's own first look came first
    assert not heard(page, second, True)  # never refined: the worker dropped it
    order = [(m["seq"], m["final"]) for m in page.evaluate("() => window.__heard")]
    assert order.index((third, False)) < order.index((third, True))

    # what is drawn is the builder's answer for the state the controls show, to 1e-9
    shown = page.evaluate(
        "() => Array.from(document.querySelector('#heavy .demo-chart').data[0].z,"
        " (row) => Array.from(row))"
    )
    built = render_demo({**HEAVY, "lr": 0.0025})["figures"][0]["data"][0]["z"]
    assert_close(shown, built)
    assert page.inner_text("#heavy output") == "0.0025"
    assert page.problems == []


def lambda_heard(seq: int, final: bool) -> str:
    return f"() => window.__heard.some((m) => m.seq === {seq} && m.final === {str(final).lower()})"


def assert_close(shown, built):
    assert len(shown) == len(built)
    for row_shown, row_built in zip(shown, built, strict=True):
        for a, b in zip(row_shown, row_built, strict=True):
            assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


AHEAD = (
    """---
title: Ahead
date: 2026-12-05
---

```demo
id: top
function: bowl
lr: 0.1
controls:
  lr: {min: 0.05, max: 0.5}
```

"""
    + "\n\n".join(["A paragraph between the two demos, so that the second is a screen below."] * 12)
    + """

```demo
id: solid
function: peaks
plots: [surface]
```
"""
)


@pytest.fixture(scope="module")
def ahead_site(tmp_path_factory):
    with article_served(tmp_path_factory, "ahead", AHEAD) as (_, url):
        yield url


def test_drawing_ahead_waits_while_the_reader_moves_a_control(page, ahead_site):
    """A 3-D chart a screen below is drawn ahead only once the reader pauses: its first
    drawing takes the page's main thread for a second here, and a slider dragged meanwhile
    would not answer."""
    page.goto(ahead_site)
    poll(page, "() => window.downhill && window.downhill.painter")
    where = page.evaluate(
        "() => [document.getElementById('solid').getBoundingClientRect().top, innerHeight]"
    )
    assert where[1] + 200 < where[0] < 2 * where[1]  # beyond near, within a screen ahead
    touch = """(k) => { const input = document.querySelector('#top input[name=lr]');
      input.value = String(-1.2 + 0.1 * (k % 5));
      input.dispatchEvent(new Event('input', { bubbles: true })); }"""
    solid_drawn = "() => !!document.querySelector('#solid .demo-chart').data"
    k, ready_at = 0, None
    while ready_at is None or time.monotonic() - ready_at < 2.5:
        page.evaluate(touch, k)
        k += 1
        assert not page.evaluate(solid_drawn), "drawn ahead while the reader moved a control"
        if ready_at is None and page.evaluate(
            "() => document.getElementById('top').dataset.state === 'ready'"
        ):
            ready_at = time.monotonic()
        time.sleep(0.2)
    poll(page, solid_drawn, 60)  # the reader paused: now it is drawn
    assert page.problems == []


def test_a_3d_chart_is_drawn_from_its_points_at_the_screens_pixel_ratio(page, ahead_site):
    """Plotly's own defaults would draw the 50×50 surface as 200×200 (interpolated) and at
    twice a 1× screen's pixels: sixty-four times the work of each frame WebGL draws in
    software, as here."""
    page.goto(ahead_site)
    page.evaluate("() => document.getElementById('solid').scrollIntoView()")
    chart = "document.querySelector('#solid .demo-chart')"
    poll(page, f"() => !!{chart}._fullLayout?.scene?._scene", 60)
    width, shown = page.evaluate(
        f"() => [{chart}.querySelector('canvas').width, {chart}.clientWidth]"
    )
    assert width == shown > 0  # the screen's pixel ratio here is 1
    vertices, rows, columns = page.evaluate(
        f"""() => {{ const scene = {chart}._fullLayout.scene._scene;
        const trace = Object.values(scene.traces).find((t) => t.data.type === 'surface');
        return [trace.surface._vertexCount, trace.data.z.length, trace.data.z[0].length]; }}"""
    )
    assert (rows, columns) == (50, 50)
    assert vertices == 6 * (rows - 1) * (columns - 1)  # two triangles per cell of its grid
    assert page.problems == []
