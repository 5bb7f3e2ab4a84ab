"""Views, line fitting and figures."""

import itertools
import json
import math

import numpy as np
import pytest

from engine import CATALOGUE, compile_expression, render_demo, runs
from engine.drawing import RUN_STYLES
from engine.fitting import fit_line, least_squares, mae_gradient, mse_gradient, synthetic_dataset
from engine.keys import PLOT_KINDS
from engine.names import RUN_WORDS
from engine.runs import grid, trajectories
from engine.spec import SpecError, compare_variant, normalize_spec
from engine.views import basin_map, directional_derivative, gradient_field, grid_rows, lr_sweep


@pytest.mark.parametrize("length", [1.0, 2.5])
def test_gradient_field_arrows_point_downhill_with_square_root_lengths(length):
    f = compile_expression("x**2 + 3*y**2").bind()
    arrows = gradient_field(f, [[-1, 1], [-1, 1]], samples=5, descent=True, length=length)
    # Each arrow is 7 numbers: shaft start, tip, break, head, tip, head, break.
    xs, ys = arrows.x, arrows.y
    assert len(xs) % 7 == 0 and len(xs) == 7 * 24  # 25 points, none at the minimum
    longest = math.hypot(*f.gradient((1.0, 1.0)))
    for i in range(0, len(xs), 7):
        x, y, tx, ty = xs[i], ys[i], xs[i + 1], ys[i + 1]
        gx, gy = f.gradient((x, y))
        norm = math.hypot(gx, gy)
        # along −∇f exactly; the longest spans 0.9 of a cell (0.5 here) times length,
        # and the others √(|∇f| / longest) of that
        assert (tx - x) * gy - (ty - y) * gx == pytest.approx(0.0, abs=1e-12)
        assert (tx - x) * gx + (ty - y) * gy < 0
        want = 0.45 * length * math.sqrt(norm / longest)
        assert math.hypot(tx - x, ty - y) == pytest.approx(want, rel=1e-12)


def test_directional_derivative_peaks_along_the_gradient():
    f = compile_expression("x**2 + y**2").bind()
    point = (1.0, 1.0)  # ∇f = (2, 2), |∇f| = 2√2, pointing at 45°
    values = directional_derivative(f, point, [45, 135, 225])
    assert values == pytest.approx([2 * math.sqrt(2), 0.0, -2 * math.sqrt(2)], abs=1e-12)


def test_basin_map_finds_himmelblaus_four_minima():
    entry = CATALOGUE["himmelblau"]
    f = compile_expression(entry.formula).bind()
    result = basin_map(f, entry.domain, samples=12, lr=0.01, steps=600, tol=1e-10)
    assert len(result.minima) == 4
    for found in result.minima:
        assert any(math.dist(found, o.point) < 1e-3 for o in entry.minima)
    # A start right next to (3, 2) lands in the basin of (3, 2).
    label = next(k for k, p in enumerate(result.minima) if math.dist(p, (3, 2)) < 1e-3)
    i = min(range(12), key=lambda i: abs(result.xs[i] - 3.2))
    j = min(range(12), key=lambda j: abs(result.ys[j] - 2.3))
    assert result.labels[j][i] == label


def test_lr_sweep_converges_below_one_and_diverges_above():
    f = compile_expression("x**2 + 5*x + 6").bind()
    points = lr_sweep(f, [-8.0], [0.05, 0.1, 0.3, 0.5, 0.9, 1.1], steps=2000, tol=1e-10)
    assert [p.status for p in points[:5]] == ["converged"] * 5
    assert points[5].status == "diverged"
    assert points[0].steps > points[1].steps > points[2].steps > points[3].steps


def test_loss_gradients_against_numpy():
    data = synthetic_dataset(20, 2.0, 1.0, 0.5, seed=3)
    x, y = np.array(data.xs), np.array(data.ys)
    w, b = 0.7, -0.3
    r = w * x + b - y
    everything = range(20)
    assert mse_gradient(w, b, data, everything) == pytest.approx(
        (np.mean(2 * r * x), np.mean(2 * r)), rel=1e-12
    )
    assert mae_gradient(w, b, data, everything) == pytest.approx(
        (np.mean(np.sign(r) * x), np.mean(np.sign(r))), rel=1e-12
    )


def test_batch_descent_reaches_least_squares_and_seeds_reproduce():
    data = synthetic_dataset(30, 2.0, 1.0, 1.0, seed=0)
    fit = fit_line(data, (0.0, 0.0), "mse", "batch", lr=0.02, steps=3000)
    assert fit.params[-1] == pytest.approx(least_squares(data), abs=1e-6)
    x, y = np.array(data.xs), np.array(data.ys)
    assert least_squares(data) == pytest.approx(tuple(np.polyfit(x, y, 1)), rel=1e-10)
    a = fit_line(data, (0.0, 0.0), "mse", "minibatch", lr=0.02, steps=50, batch_size=5, seed=4)
    b = fit_line(data, (0.0, 0.0), "mse", "minibatch", lr=0.02, steps=50, batch_size=5, seed=4)
    c = fit_line(data, (0.0, 0.0), "mse", "minibatch", lr=0.02, steps=50, batch_size=5, seed=5)
    assert a == b and a.params != c.params


SPECS = {
    1: {"function": "x**2 + 5*x + 6", "start": [-8], "compare": {"lr": [0.1, 0.5, 0.9]}},
    2: {
        "function": "himmelblau",
        "optimizer": ["gd", "adam"],
        "lr": 0.01,
        "steps": 40,
        "compare": {"lr": [0.001, 0.01]},
        "basins": {"samples": 8, "steps": 200},
    },
    "fit": {
        "fit": {"method": "stochastic"},
        "lr": 0.01,
        "steps": 30,
        "compare": {"fit.loss": ["mse", "mae"]},
    },
}


def for_plot(spec: dict, plot: str) -> dict:
    """``spec`` drawn as ``plot``, less the keys only other plot kinds read (a key no drawn
    chart reads is an error)."""
    from engine.plots import read_by

    def read(key: str) -> bool:
        readers = read_by(key)
        return not readers or plot in readers or plot == "multiples"

    return {**{k: v for k, v in spec.items() if read(k)}, "plots": [plot]}


@pytest.mark.parametrize(("kind", "plot"), [(k, p) for k, ps in PLOT_KINDS.items() for p in ps])
def test_every_figure_kind_renders_json_with_paths_named_in_words(kind, plot):
    result = render_demo(for_plot(SPECS[kind], plot))
    figure = json.loads(json.dumps(result["figures"][0], allow_nan=False))
    assert figure["data"] and "layout" in figure
    spec = normalize_spec(for_plot(SPECS[kind], plot))
    runs = [t for t in figure["data"] if t.get("legendgroup") in spec["optimizer"]]
    if plot not in ("basins", "directional", "multiples", "weight"):
        assert runs, "each run's traces are grouped by its optimizer"
        for trace in runs:  # "gradient descent, α = 0.1", never the key "gd"
            assert trace["name"].startswith(RUN_WORDS[trace["legendgroup"]]), trace["name"]
            if plot != "sweep":
                assert f"α = {spec['lr']:g}" in trace["name"]


def test_grid_is_cached_across_slider_moves(monkeypatch):
    spec = normalize_spec({"function": "peaks"})
    grid(spec)
    sampled = []
    monkeypatch.setattr(runs, "grid_rows", lambda *a: sampled.append(a) or grid_rows(*a))
    render_demo({"function": "peaks", "lr": 0.2})
    render_demo({"function": "peaks", "lr": 0.3, "start": [0.1, 0.2]})
    assert sampled == []
    render_demo({"function": "peaks", "lr": 0.3, "domain": [[-3, 3], [-3, 2]]})
    assert len(sampled) == 1  # a new domain is sampled afresh


@pytest.mark.parametrize(
    ("raw", "summary"),
    [
        (
            {"function": "-(x**2)", "start": [1], "ascent": True, "steps": 5},
            "Gradient ascent reached",
        ),
        (
            {"function": "x**2", "start": [1], "optimizer": "adam", "ascent": True, "steps": 3},
            "Adam (ascent) reached",
        ),
        (
            {"function": "x**2", "start": [1], "lr": 0, "steps": 5},
            "GD did not move from 1: every step was 0",
        ),
        ({"function": "x**2 + 5*x + 6", "start": [-8], "lr": 0.1, "steps": 1}, "after 1 step, f"),
        (
            {
                "function": "exp(-x**2)",
                "start": [1.5],
                "lr": 1,
                "steps": 500,
                "tol": 1e-6,
                "domain": [-2, 2],
            },
            "GD stopped outside the plot, at 2.95, where the ground is flat",
        ),
    ],
)
def test_summaries_say_what_happened(raw, summary):
    """Issue 13: an ascent is not called descent, a run that never moved is not
    "converged", one step is not "1 steps", a walk off the plot is not "converged"."""
    text = render_demo(raw)["summary"]
    assert summary in text, text
    assert "1 steps" not in text


def test_labels_name_axes_colour_bars_runs_and_panels():
    """Every label key lands where Plotly shows it; the defaults read as words."""
    result = render_demo(
        {
            "function": "x**2 + 3*y**2",
            "optimizer": ["gd", "adam"],
            "plots": ["contour", "surface", "loss"],
            "labels": {
                "contour": {"x": "weight w", "y": "bias b", "colorbar": "loss L"},
                "surface": {"z": "height"},
                "loss": {"y": "training loss"},
                "runs": {"adam": "Adam, tuned"},
            },
        }
    )
    contour, surface, loss = result["figures"]
    assert contour["layout"]["xaxis"]["title"]["text"] == "weight w"
    assert contour["layout"]["yaxis"]["title"]["text"] == "bias b"
    assert contour["data"][0]["colorbar"]["title"]["text"] == "loss L"
    assert surface["layout"]["scene"]["zaxis"]["title"]["text"] == "height"
    assert surface["layout"]["scene"]["xaxis"]["title"]["text"] == "x"  # not the contour's
    assert loss["layout"]["xaxis"]["title"]["text"] == "iteration"
    assert loss["layout"]["yaxis"]["title"]["text"] == "training loss"
    names = [t["name"] for t in loss["data"]]
    assert names == ["gradient descent, α = 0.1", "Adam, tuned"]

    default = render_demo({"function": "x**2 + 3*y**2"})["figures"][0]
    assert default["data"][0]["colorbar"]["title"]["text"] == "f(x, y)"

    panels = render_demo(
        {
            "function": "x**2",
            "plots": "multiples",
            "compare": {"lr": [0.1, 0.001, 1.1]},
            "tol": 1e-6,
            "steps": 200,
        }
    )["figures"][0]["layout"]["annotations"]
    assert [a["text"] for a in panels] == [
        "α = 0.1<br>converged",
        "α = 0.001<br>stopped after 200 steps",
        "α = 1.1<br>diverged",
    ]
    named = render_demo(
        {
            "function": "x**2",
            "plots": "multiples",
            "compare": {"optimizer": ["gd", "adam"]},
            "labels": {"multiples": {"panels": ["plain", "adaptive"], "x": "x"}},
        }
    )["figures"][0]["layout"]
    assert [a["text"] for a in named["annotations"]] == ["plain", "adaptive"]
    assert named["xaxis2"]["title"]["text"] == "x"


@pytest.mark.parametrize(
    ("labels", "path", "words"),
    [
        ({"labels": {"surface": {"x": "a"}}}, "labels.surface", "draws no surface plot"),
        ({"labels": {"contuor": {}}}, "labels.contuor", "did you mean 'contour'"),
        ({"labels": {"contour": {"z": "a"}}}, "labels.contour.z", "has no label 'z'"),
        ({"labels": {"runs": {"adam": "a"}}}, "labels.runs.adam", "no 'adam' run"),
        ({"labels": {"contour": {"x": 3}}}, "labels.contour.x", "a label must be text"),
        ({"labels": {"contour": {"x": "x" * 101}}}, "labels.contour.x", "1 to 100 characters"),
        ({"labels": "big"}, "labels", "must be a mapping"),
        ({"title": ["one", "two"]}, "title", "a list of 1 such titles"),
        (
            {
                "plots": "multiples",
                "compare": {"lr": [0.1, 0.2]},
                "labels": {"multiples": {"panels": ["a"]}},
            },
            "labels.multiples.panels",
            "a list of 2 titles",
        ),
    ],
)
def test_a_wrong_label_names_its_key(labels, path, words):
    with pytest.raises(SpecError) as caught:
        normalize_spec({"function": "x**2 + y**2", **labels})
    (issue,) = caught.value.issues
    assert ".".join(map(str, issue.path)) == path and words in issue.message, issue


@pytest.mark.parametrize("plot", ["curve", "contour", "surface", "field"])
def test_path_none_draws_the_function_alone_with_no_summary(plot):
    spec = {"function": "x**2" if plot == "curve" else "peaks", "plots": plot, "path": "none"}
    result = render_demo(spec)
    (figure,) = result["figures"]
    assert result["summary"] == "" and result["runs"] == []
    assert not [t for t in figure["data"] if t.get("legendgroup")]  # no run, no mark
    assert figure["data"][0]["name"] == "f"


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"plots": "race", "optimizer": ["gd", "adam"]}, "a race plot shows runs"),
        ({"plots": ["contour", "loss"]}, "a loss plot shows runs"),
        ({"plots": "multiples", "compare": {"lr": [0.1, 0.2]}}, "a multiples plot"),
    ],
)
def test_path_none_refuses_plots_made_of_runs(spec, words):
    with pytest.raises(SpecError) as caught:
        normalize_spec({"function": "peaks", "path": "none", **spec})
    assert any(i.path == ("path",) and words in i.message for i in caught.value.issues)


@pytest.mark.parametrize("path", ["lines", "markers", "lines+markers"])
def test_paths_as_lines_or_markers_and_their_ends(path):
    spec = {"function": "peaks", "start": [1, 1], "steps": 12, "plots": ["contour", "surface"]}
    result = render_demo({**spec, "path": path, "ends": True})
    run = trajectories(normalize_spec(spec))[0]
    for figure in result["figures"]:
        (trace,) = [t for t in figure["data"] if t.get("meta", {}).get("path")]
        assert trace["mode"] == path
        marks = {t["meta"]["mark"]: t for t in figure["data"] if "mark" in t.get("meta", {})}
        assert [marks["start"]["x"][0], marks["start"]["y"][0]] == list(run.points[0])
        assert [marks["end"]["x"][0], marks["end"]["y"][0]] == list(run.points[-1])
        assert marks["start"]["marker"]["symbol"] == "circle-open"
    plain = render_demo(spec)["figures"][0]["data"]
    assert not [t for t in plain if "mark" in t.get("meta", {})]  # ends: false by default


def test_a_loss_chart_spanning_decades_is_logarithmic_and_marks_the_diverged_run():
    race = {
        "function": "rosenbrock",
        "optimizer": ["gd", "momentum", "nesterov"],
        "lr": 0.0015,
        "steps": 300,
        "plots": "loss",
    }
    result = render_demo(race)
    layout, data = result["figures"][0]["layout"], result["figures"][0]["data"]
    assert layout["yaxis"]["type"] == "log"
    runs = {r["optimizer"]: r for r in result["runs"]}
    assert runs["nesterov"]["status"] == "diverged" and runs["gd"]["status"] != "diverged"
    (mark,) = [t for t in data if t.get("meta", {}).get("mark") == "diverged"]
    assert mark["legendgroup"] == "nesterov" and mark["text"] == ["diverged"]
    assert mark["x"] == [runs["nesterov"]["steps"]] and mark["y"] == [runs["nesterov"]["value"]]


def test_a_linear_loss_chart_keeps_the_calm_runs_range():
    # f reaches negative values, so no log axis: the range is the calm run's, and the
    # diverged run's mark sits at its top
    calm = {"function": "x**2 - 4", "start": [1], "lr": 0.1, "steps": 20}
    wild = {"function": "x**2 - 4", "start": [1], "lr": 1.5, "steps": 2000}
    for_both = render_demo({**calm, "optimizer": ["gd", "adam"], "plots": "loss"})
    assert "range" not in for_both["figures"][0]["layout"]["yaxis"]
    mixed = render_demo({**wild, "optimizer": ["gd", "adam"], "plots": "loss"})
    runs = {r["optimizer"]: r for r in mixed["runs"]}
    assert runs["gd"]["status"] == "diverged" and runs["adam"]["status"] != "diverged"
    layout, data = mixed["figures"][0]["layout"], mixed["figures"][0]["data"]
    adam = next(t for t in data if t.get("legendgroup") == "adam" and t.get("meta", {}).get("path"))
    low, high = layout["yaxis"]["range"]
    assert low < min(adam["y"]) and max(adam["y"]) < high < 100
    (mark,) = [t for t in data if t.get("meta", {}).get("mark") == "diverged"]
    assert mark["y"] == [high] and mark["text"] == ["diverged ↑"]


@pytest.mark.parametrize(
    ("spec", "key", "values", "titles"),
    [
        ({"function": "rosenbrock", "lr": 0.001}, "start", [[-1, 1], [0, 2]], ["start (−1, 1)"]),
        ({"function": "peaks", "start": [0, 1]}, "start.x", [-1, 1], ["x₀ = −1", "x₀ = 1"]),
        ({"function": "x**2 + a*y**2", "params": {"a": 1}}, "params.a", [1, 5], ["a = 1"]),
        ({"function": "peaks", "optimizer": "adam"}, "beta1", [0.5, 0.9], ["β₁ = 0.5"]),
        ({"function": "peaks", "lr": 0.3}, "clip", [[-1, 1], None], ["clipped to [−1, 1]"]),
        ({"fit": True, "lr": 0.02, "steps": 40}, "fit.loss", ["mse", "mae"], ["MSE", "MAE"]),
        ({"fit": True, "lr": 0.02}, "fit.method", ["batch", "stochastic"], ["batch descent"]),
    ],
)
def test_compare_varies_any_key_a_control_can_set(spec, key, values, titles):
    """Each panel is the demo with that one key changed, run by the engine as any demo."""
    figure = render_demo({**spec, "plots": "multiples", "compare": {key: values}})["figures"][0]
    texts = [a["text"] for a in figure["layout"]["annotations"]]
    assert all(text.startswith(title) for text, title in zip(texts, titles, strict=False))
    for i, value in enumerate(values):
        variant = normalize_spec(compare_variant(spec, normalize_spec(spec), key, value))
        (run,) = trajectories(variant)
        suffix = "" if i == 0 else str(i + 1)
        (path,) = [
            t
            for t in figure["data"]
            if t.get("meta", {}).get("path") and t["xaxis"] == f"x{suffix}"
        ]
        assert path["x"] == [p[0] for p in run.points]
        assert path["y"] == ([p[1] for p in run.points] if len(run.points[0]) == 2 else run.values)


@pytest.mark.parametrize(
    ("spec", "compare", "path", "words"),
    [
        ({"function": "peaks"}, {"beta1": [0.5, 1.0]}, ("compare", "beta1", 1), "1 excluded"),
        ({"function": "peaks"}, {"start": [[1], [0, 2]]}, ("compare", "start", 0), "list of 2"),
        ({"fit": True}, {"fit.loss": ["mse", "l1"]}, ("compare", "fit.loss", 1), "mse, mae"),
        ({"function": "peaks"}, {"fit.loss": ["mse", "mae"]}, ("compare", "fit.loss"), "start.y"),
        ({"function": "peaks"}, {"angle": [1, 2]}, ("compare", "angle"), "can vary one of"),
    ],
)
def test_a_wrong_compared_value_is_named_at_its_place(spec, compare, path, words):
    with pytest.raises(SpecError) as caught:
        normalize_spec({**spec, "plots": "multiples", "compare": compare})
    (issue,) = caught.value.issues
    assert issue.path == path and words in issue.message, issue


def test_small_multiples_carry_a_stacked_layout_for_narrow_charts():
    figure = render_demo(
        {"function": "peaks", "plots": "multiples", "compare": {"lr": [0.01, 0.1, 0.3]}}
    )["figures"][0]
    layout = figure["layout"]
    wide = [layout[f"xaxis{s}"]["domain"] for s in ("", "2", "3")]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(wide))  # side by side, apart
    assert [layout[f"yaxis{s}"]["showticklabels"] for s in ("", "2", "3")] == [True, False, False]
    narrow = layout["meta"]["narrow"]
    stacked = [narrow[f"yaxis{s}"]["domain"] for s in ("", "2", "3")]
    assert all(narrow[f"xaxis{s}"]["domain"] == [0, 1] for s in ("", "2", "3"))
    assert all(b[1] < a[0] for a, b in itertools.pairwise(stacked))  # top to bottom, apart
    assert narrow["height"] > layout["height"]
    assert [a["y"] for a in narrow["annotations"]] == [d[1] for d in stacked]


OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
# The seventh run (Newton) is a neutral grey: Okabe–Ito's remaining yellow and black each
# vanish on one of the page's two backgrounds; #767676 keeps 4:1 or more on both, and so
# does the eighth's (saddle-free Newton) olive, #7f7a3a.
NEUTRAL = {"#767676", "#7f7a3a"}


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        c = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_each_optimizer_has_its_own_colour_dash_and_marker():
    """Colour-blind safe: Okabe–Ito colours, and a dash and a marker no other run shares,
    on every plot that draws runs (3-D included), over a transparent, font-matched chart."""
    assert {c for c, _, _ in RUN_STYLES.values()} <= OKABE_ITO | NEUTRAL
    for grey in NEUTRAL:
        assert min(contrast(grey, "#fdfdfb"), contrast(grey, "#151517")) >= 4
    for part in range(3):
        assert len({style[part] for style in RUN_STYLES.values()}) == len(RUN_STYLES)
    result = render_demo(
        {"function": "booth", "optimizer": list(RUN_STYLES), "plots": ["race", "surface", "loss"]}
    )
    for figure in result["figures"]:
        assert figure["layout"]["paper_bgcolor"] == "rgba(0,0,0,0)"
        assert figure["layout"]["font"]["family"].startswith("system-ui")
        paths = [t for t in figure["data"] if t.get("meta", {}).get("path")]
        assert len(paths) == len(RUN_STYLES)
        for trace in paths:
            colour, dash, symbol = RUN_STYLES[trace["legendgroup"]]
            assert (trace["line"]["color"], trace["line"]["dash"]) == (colour, dash)
            assert trace["marker"]["symbol"] == symbol


def test_maps_of_the_domain_say_a_click_sets_the_start():
    taps = {"x": ["start", 0], "y": ["start", 1]}
    two = render_demo(
        {"function": "peaks", "plots": ["contour", "race", "field", "surface", "loss"]}
    )
    assert [f["layout"].get("meta", {}).get("tap") for f in two["figures"]] == [
        taps,
        taps,
        taps,
        None,  # a 3-D view has no one point under the pointer
        None,  # a loss chart's axes are steps and heights
    ]
    (curve,) = render_demo({"function": "x**2"})["figures"]
    assert curve["layout"]["meta"]["tap"] == {"x": ["start", 0]}
    (landscape,) = render_demo({"fit": True, "plots": "landscape"})["figures"]
    assert landscape["layout"]["meta"]["tap"] == taps  # a fit starts at (w, b)


def test_mse_and_mae_against_the_weight_each_have_their_own_axis():
    result = render_demo({"fit": {"loss": "mae"}, "plots": ["weight"]})
    figure = result["figures"][0]
    mse, mae = figure["data"]
    assert (mse.get("yaxis"), mae["yaxis"]) == ("y", "y2")
    assert figure["layout"]["yaxis2"]["overlaying"] == "y"
    assert figure["layout"]["yaxis2"]["side"] == "right"
    # on one axis MAE's range would be a sliver of MSE's: here each fills its own
    assert (max(mae["y"]) - min(mae["y"])) < 0.5 * (max(mse["y"]) - min(mse["y"]))
    assert "(left axis)" in mse["name"] and "(right axis)" in mae["name"]
    assert "each on an axis of its own: MSE left, MAE right" in result["summary"]


@pytest.mark.parametrize(
    ("compare", "extra", "titles"),
    [
        (
            {"schedule": [{"kind": "step", "step_size": 5, "gamma": 0.5}, {"kind": "cosine"}]},
            {},
            ["step schedule<br>step_size 5, gamma 0.5", "cosine schedule"],
        ),
        ({"warmup": [0, 5]}, {}, ["no warm-up", "5-step warm-up"]),
        ({"schedule": [None, {"kind": "cosine"}]}, {}, ["no schedule", "cosine schedule"]),
        (
            {"schedule.gamma": [0.5, 0.9]},
            {"schedule": {"kind": "exponential", "gamma": 0.7}},
            ["gamma = 0.5", "gamma = 0.9"],
        ),
        ({"clip_norm": [0.5, 2]}, {}, ["gradient clipped to 0.5", "gradient clipped to 2"]),
    ],
)
def test_compare_varies_schedules_warm_up_and_clipping(compare, extra, titles):
    spec = {"function": "x**2 + 10*y**2", "start": [1.5, 1.2], "lr": 0.05, "steps": 30}
    result = render_demo({**spec, **extra, "plots": ["multiples"], "compare": compare})
    shown = [a["text"].rsplit("<br>", 1)[0] for a in result["figures"][0]["layout"]["annotations"]]
    assert shown == titles
    ((key, values),) = compare.items()
    for panel, value in zip(result["figures"][0]["data"][1::2], values, strict=False):
        assert panel["meta"][key] == value
    # each panel is the engine's run with that value, as a demo of its own would draw it
    for value in values:
        variant = {**spec, **extra}
        if key == "schedule.gamma":
            variant["schedule"] = {**variant["schedule"], "gamma": value}
        else:
            variant[key] = value
        own = render_demo({**variant, "plots": ["contour"]})["runs"][0]
        assert own["end"] in [r["end"] for r in _panel_runs({**spec, **extra}, compare)]


def _panel_runs(spec: dict, compare: dict) -> list[dict]:
    from engine.runs import compute
    from engine.spec import normalize_spec

    full = normalize_spec({**spec, "plots": ["multiples"], "compare": compare})
    return [{"end": list(panel.trajectories[0].points[-1])} for panel in compute(full).panels]
