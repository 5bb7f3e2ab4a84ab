"""Issue 24: before the engine is ready, a slider whose keyframes were thinned answers the
keyboard by stepping between its precomputed positions (it used to snap back to the built
value, so a keyboard reader could not move it at all), and the chart and summary shown are
the engine's for the value shown."""

from __future__ import annotations

import itertools
import json

import pytest

from engine import render_demo

from .conftest import poll

pytestmark = pytest.mark.browser

DEMO = "fit-centred"  # its lr slider keeps 7 of 41 positions (the build says so)


def state(page) -> dict:
    return page.evaluate(
        """(id) => {
          const demo = window.downhill.demos.find((d) => d.id === id);
          const input = demo.el.querySelector('input[name=lr]');
          return {value: input.value, positions: demo.frames.best.controls.lr.positions,
                  exact: demo.frames.best.controls.lr.exact, spec: demo.spec,
                  summary: demo.summary.textContent, state: demo.el.dataset.state,
                  stale: !!demo.el.querySelector('.demo-stale')};
        }""",
        DEMO,
    )


def test_arrow_keys_step_between_the_kept_positions_before_the_engine(page, site_url):
    page.route("**/*.wasm*", lambda route: route.abort())  # the engine never gets ready
    page.goto(f"{site_url}/fitting-a-line/#{DEMO}")
    poll(
        page,
        """() => { const d = window.downhill?.demos.find((d) => d.id === 'fit-centred');
                   return d && d.frames.best && d.el.querySelector('.main-svg'); }""",
    )
    first = state(page)
    assert not first["exact"] and 2 < len(first["positions"]) < 41
    positions = first["positions"]
    start = positions.index(float(first["value"]))
    page.focus(f"#{DEMO} input[name=lr]")
    seen = []
    for key, expected in [
        ("ArrowRight", start + 1),
        ("ArrowRight", start + 2),
        ("ArrowLeft", start + 1),
        ("End", len(positions) - 1),
        ("Home", 0),
        ("PageUp", 1),
    ]:
        page.keyboard.press(key)
        poll(
            page,
            f"() => Math.abs(Number(document.querySelector('#{DEMO} input[name=lr]').value)"
            f" - ({positions[expected]})) < 1e-9",
            10,
        )
        now = state(page)
        assert now["state"] != "ready" and not now["stale"], now
        lr = now["spec"]["lr"]
        assert lr == float(f"{10 ** positions[expected]:.4g}")
        poll(
            page,
            f"() => window.downhill.demos.find((d) => d.id === '{DEMO}')"
            f".summary.textContent === {json.dumps(render_demo(now['spec'])['summary'])}",
            10,
        )
        seen.append(lr)
    assert all(a != b for a, b in itertools.pairwise(seen))  # every press moved it
