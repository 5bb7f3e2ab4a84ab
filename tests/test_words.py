"""Each plot kind says what it draws (issue 24): summaries from the charts, not from a run
nobody sees, with the legend's run names; and the CSV carries the same runs."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from engine import compile_expression, descend, render_demo
from engine.keys import PLOT_KINDS
from engine.plots import PLOTS, kinds_for
from engine.spec import normalize_spec
from engine.words import number

ROOT = Path(__file__).resolve().parents[1]


def summary(**spec) -> str:
    return render_demo(spec)["summary"]


def test_the_directional_derivative_says_its_extremes_not_a_run():
    text = summary(function="x**2 + 3*y**2", start=[1, 1], angle=30, plots=["directional"])
    gx, gy = 2.0, 6.0  # ∇f at (1, 1)
    steepest = math.degrees(math.atan2(gy, gx))
    assert f"largest, {math.hypot(gx, gy):.3g} = |∇f|, at θ = {steepest:.0f}°" in text
    assert f"smallest, −{math.hypot(gx, gy):.3g}, at θ = {steepest + 180:.0f}°" in text
    at_30 = gx * math.cos(math.radians(30)) + gy * math.sin(math.radians(30))
    assert f"at θ = 30° it is {at_30:.3g}" in text
    assert "reached" not in text and "GD" not in text


def test_a_sweep_says_its_best_rate_and_where_divergence_starts_not_the_default_run():
    spec = {
        "function": "x**2 + 3*y**2",
        "start": [1.0, 1.0],
        "lr": 0.5,  # diverges: a run at this rate is not what a sweep draws
        "plots": ["sweep"],
        "sweep": {"min": 0.01, "max": 1.0, "count": 12, "steps": 400, "tol": 1e-8},
    }
    text = summary(**spec)
    assert "diverged at step" not in text
    f = compile_expression("x**2 + 3*y**2").bind()
    rates = np.logspace(-2, 0, 12)
    runs = [descend(f, [1.0, 1.0], "gd", float(lr), 400, 1e-8) for lr in rates]
    converged = [
        (t.steps, -lr, lr) for t, lr in zip(runs, rates, strict=True) if t.status == "converged"
    ]
    fastest = min(converged)[2]
    first_diverging = min(lr for t, lr in zip(runs, rates, strict=True) if t.status == "diverged")
    assert f"fastest at α = {fastest:.3g}" in text, text
    assert f"from α = {first_diverging:.3g} on, it diverges" in text, text
    # 2/λ_max = 2/6 on this bowl: the sweep's mark, said when drawn
    marked = summary(**spec, stability=True)
    assert "The dashed line marks 2/λ_max = 0.333, κ = 3." in marked


def test_multiples_say_each_panel_and_which_ends_lowest():
    spec = {
        "function": "x**2 + 3*y**2",
        "start": [1.0, 1.0],
        "steps": 30,
        "plots": ["multiples"],
        "compare": {"lr": [0.01, 0.1, 0.5]},
    }
    text = summary(**spec)
    f = compile_expression("x**2 + 3*y**2").bind()
    ends = {lr: descend(f, [1.0, 1.0], "gd", lr, 30) for lr in (0.01, 0.1, 0.5)}
    for lr, run in ends.items():  # each panel's own run, by its own end
        assert f"α = {lr:g}: GD " in text
        assert f"f = {number(run.values[-1])}" in text
    assert "α = 0.5: GD diverged" in text and ends[0.5].status == "diverged"
    assert "Lowest at the end: α = 0.1" in text


def test_runs_are_named_as_the_legend_names_them():
    text = summary(
        function="x**2 + y**2",
        start=[1, 1],
        optimizer="newton",
        steps=3,
        labels={"runs": {"newton": "Newton's method"}},
    )
    assert text.startswith("Newton's method ") and "GD" not in text
    two = summary(
        function="x**2 + 10*y**2",
        start=[1, 1],
        optimizer=["gd", "adam"],
        plots=["race"],
        lr=0.05,
        steps=40,
        labels={"runs": {"adam": "the adaptive one"}},
    )
    f = compile_expression("x**2 + 10*y**2").bind()
    gd, adam = (descend(f, [1, 1], o, 0.05, 40) for o in ("gd", "adam"))
    winner = "GD" if gd.values[-1] < adam.values[-1] else "the adaptive one"
    assert f"{winner} ends lowest" in two
    assert "the adaptive one reached" in two


def test_basins_say_the_minima_and_their_shares():
    text = summary(
        function="himmelblau",
        plots=["basins"],
        lr=0.01,
        basins={"samples": 12, "steps": 300, "tol": 1e-8},
    )
    assert "reaches 4 minima" in text
    shares = [int(s) for s in re.findall(r"from (\d+)% of them", text)]
    assert len(shares) == 4 and 96 <= sum(shares) <= 104


def test_a_fit_says_its_line_and_the_least_squares_line():
    points = [[1, 2.1], [2, 3.9], [3, 6.2], [4, 7.8], [5, 10.1]]
    text = summary(fit={"data": points}, plots=["fit", "weight"], steps=200, lr=0.02)
    slope, intercept = np.polyfit(*np.array(points, dtype=float).T, 1)
    assert f"The least-squares line is ŷ = {slope:.3g}x" in text
    assert f"With b held at {intercept:.3g}".replace("-", "−") in text


@pytest.mark.parametrize("kind", list(PLOTS))
def test_every_plot_kind_says_something(kind):
    demo = next(d for d in (2, 1, "fit") if kind in kinds_for(d))
    spec = {"plots": [kind], "steps": 20}
    if demo == "fit":
        spec["fit"] = {"points": 12}
    else:
        spec["function"] = "x**2 + 3*y**2" if demo == 2 else "x**2"
        spec["start"] = [1.0, 1.0] if demo == 2 else [1.0]
    if kind == "multiples":
        spec["compare"] = {"lr": [0.05, 0.1]}
    if kind == "basins":
        spec["basins"] = {"samples": 6}
    result = render_demo(spec)
    assert result["summary"].endswith("."), result["summary"]
    assert PLOT_KINDS[demo][0] == {1: "curve", 2: "contour", "fit": "fit"}[demo]  # defaults


def csv_rows(figures) -> list[dict]:
    out = subprocess.run(
        ["node", str(ROOT / "tests" / "node" / "csv_of.mjs")],
        input=json.dumps(figures),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return list(csv.DictReader(io.StringIO(out)))


def test_the_csv_holds_the_runs_the_summary_names():
    panels = render_demo(
        {
            "function": "x**2 + 3*y**2",
            "start": [1, 1],
            "steps": 5,
            "plots": ["multiples"],
            "compare": {"momentum": [0.0, 0.9]},
            "optimizer": "momentum",
        }
    )
    rows = csv_rows(panels["figures"])
    assert {r["trace"] for r in rows} == {"μ = 0: momentum, α = 0.1", "μ = 0.9: momentum, α = 0.1"}
    assert len(rows) == 2 * 6
    sweep = render_demo(
        {
            "function": "x**2",
            "start": [1.0],
            "plots": ["sweep"],
            "sweep": {"min": 0.1, "max": 1.5, "count": 5},
            "labels": {"runs": {"gd": "plain"}},
        }
    )
    rows = csv_rows(sweep["figures"])
    assert {r["trace"] for r in rows} == {"plain", "plain: did not converge"}
    assert sorted(float(r["x"]) for r in rows) == pytest.approx(np.logspace(-1, math.log10(1.5), 5))
    assert normalize_spec({"function": "x**2"})["plots"] == ["curve"]
