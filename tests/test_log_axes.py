"""Issue 34: ``scale: {x, y}`` puts a loss, sweep or curve chart's axes on a log scale (or
keeps them linear), and a value a log axis cannot show is left out with a note."""

from __future__ import annotations

import pytest

from engine import SpecError, render_demo


def first_figure(**spec):
    return render_demo(spec)["figures"][0]


def test_a_loss_on_a_log_axis_leaves_out_what_is_not_above_zero_and_says_so():
    figure = first_figure(
        function="peaks", start=[0.3, -1.2], lr=0.05, steps=30, plots=["loss"], scale={"y": "log"}
    )
    assert figure["layout"]["yaxis"]["type"] == "log"
    (path,) = [t for t in figure["data"] if t.get("meta", {}).get("path")]
    run = render_demo(
        {"function": "peaks", "start": [0.3, -1.2], "lr": 0.05, "steps": 30, "plots": ["contour"]}
    )
    below = sum(1 for v in path["y"] if v is None)
    assert below > 0 and all(v is None or v > 0 for v in path["y"])
    (note,) = [t["name"] for t in figure["data"] if t.get("mode") == "none"]
    assert note == f"{below} point(s) at or below 0: not drawn on the log y axis"
    assert run["runs"][0]["value"] < 0  # (the run does end below 0)


def test_auto_keeps_the_charts_own_choice_and_linear_overrides_it():
    sweep = {"function": "x**2", "start": [1], "plots": ["sweep"]}
    assert first_figure(**sweep)["layout"]["xaxis"]["type"] == "log"
    assert "type" not in first_figure(**sweep, scale={"x": "linear"})["layout"]["xaxis"]
    assert first_figure(**sweep, scale={"y": "log"})["layout"]["yaxis"]["type"] == "log"
    curve = first_figure(function="exp(x)", start=[1], plots=["curve"], scale={"y": "log"})
    assert curve["layout"]["yaxis"]["type"] == "log"
    assert not [t for t in curve["data"] if t.get("mode") == "none"]  # exp is positive


@pytest.mark.parametrize(
    ("scale", "words"),
    [({"y": "logarithmic"}, "scale.y must be auto, linear or log"), ({"z": "log"}, "unknown")],
)
def test_scale_mistakes_name_their_key(scale, words):
    with pytest.raises(SpecError) as refused:
        render_demo({"function": "x**2", "start": [1], "plots": ["loss"], "scale": scale})
    assert words in str(refused.value)


def test_a_key_no_drawn_chart_reads_is_an_error():
    with pytest.raises(SpecError) as refused:
        render_demo({"function": "x**2 + y**2", "plots": ["contour"], "scale": {"y": "log"}})
    [issue] = refused.value.issues
    assert issue.path == ("scale",)
    assert "scale is read by curve, loss, sweep charts, and this demo draws contour" in str(issue)
