"""Contour maps an author can shape: their levels, a logarithmic colour scale (chosen by
itself for a valley whose floor a linear scale paints as one band), and equal aspect."""

from __future__ import annotations

import numpy as np
import pytest

from engine import SpecError, render_demo
from engine.spec import normalize_spec


def contour_of(**spec) -> tuple[dict, dict]:
    figure = render_demo({"plots": "contour", **spec})["figures"][0]
    return figure["data"][0], figure["layout"]


def test_a_long_valley_gets_a_log_scale_and_a_round_bowl_does_not():
    trace, _ = contour_of(function="rosenbrock")
    assert trace["meta"] == {"scale": "log"}
    assert trace["colorbar"]["title"]["text"] == "f(x, y) (log scale)"
    plain, _ = contour_of(function="bowl")
    assert "meta" not in plain and plain["colorbar"]["title"]["text"] == "f(x, y)"


def test_the_log_scale_is_log10_of_f_above_its_minimum_with_ticks_in_f():
    trace, _ = contour_of(function="(1 - x)**2 + 100*(y - x**2)**2", contours={"scale": "log"})
    xs, ys = np.meshgrid(trace["x"], trace["y"])
    f = (1 - xs) ** 2 + 100 * (ys - xs**2) ** 2
    delta = (f.max() - f.min()) * 1e-4
    # (the map's values are rounded to what a chart can show before they are scaled)
    assert np.allclose(trace["z"], np.log10(f - f.min() + delta), rtol=1e-4)
    for tick, text in zip(
        trace["colorbar"]["tickvals"], trace["colorbar"]["ticktext"], strict=True
    ):
        value = f.min() + 10.0**tick
        assert float(text.replace("−", "-")) == pytest.approx(value, rel=0.05)


def test_levels_and_equal_aspect():
    trace, layout = contour_of(function="bowl", contours={"levels": 12}, aspect="equal")
    assert trace["ncontours"] == 12
    assert layout["yaxis"]["scaleanchor"] == "x" and layout["yaxis"]["scaleratio"] == 1
    _, layout = contour_of(function="bowl")
    assert "scaleanchor" not in layout["yaxis"]


@pytest.mark.parametrize(
    ("raw", "path", "words"),
    [
        ({"contours": {"levels": 1}}, ("contours", "levels"), "3..200"),
        ({"contours": {"scale": "logarithmic"}}, ("contours", "scale"), "auto, linear or log"),
        ({"contours": {"level": 10}}, ("contours", "level"), "did you mean 'levels'"),
        ({"aspect": "square"}, ("aspect",), "auto or equal"),
    ],
)
def test_contour_mistakes_name_their_key(raw, path, words):
    with pytest.raises(SpecError) as refused:
        normalize_spec({"function": "bowl", **raw})
    [issue] = refused.value.issues
    assert issue.path == path and words in issue.message
