"""Descent: trajectories against closed forms, statuses, and the command line."""

import json
import subprocess
import sys

import pytest

from engine import compile_expression, descend


def test_quadratic_trajectory_matches_closed_form():
    # x_{k+1} = x_k - lr (2 x_k + 5)  ⇒  x_k + 2.5 = (1 - 2 lr)^k (x_0 + 2.5)
    f = compile_expression("x**2 + 5*x + 6").bind()
    t = descend(f, [-8.0], lr=0.1, steps=15)
    assert t.steps == 15
    assert t.status == "max_steps"
    for k, (x,) in enumerate(t.points):
        expected = -2.5 + (0.8**k) * (-5.5)
        assert x == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert t.values[k] == pytest.approx(expected**2 + 5 * expected + 6, rel=1e-12)


def test_divergence_stops_at_once_without_nan_points():
    f = compile_expression("x**2").bind()
    t = descend(f, [1.0], lr=1.5, steps=500)
    assert t.status == "diverged"
    # |x| doubles every step: the run stops once it passes the exploding bound.
    assert all(abs(p[0]) <= 1e8 for p in t.points)
    assert t.steps < 30


def test_converged_when_altitude_barely_changes():
    f = compile_expression("x**2 + y**2").bind()
    t = descend(f, [1.0, 1.0], lr=0.1, steps=1000, tol=1e-9)
    assert t.status == "converged"
    assert abs(t.values[-1] - t.values[-2]) < 1e-9
    assert t.steps < 1000


def test_ascent_climbs_the_upside_down_bowl():
    f = compile_expression("-(x**2 + y**2) + 4").bind()
    t = descend(f, [1.0, 1.0], lr=0.1, steps=10, ascent=True)
    for k, (x, y) in enumerate(t.points):
        assert x == pytest.approx(0.8**k, rel=1e-12)
        assert y == pytest.approx(0.8**k, rel=1e-12)


def test_left_domain_and_clip():
    f = compile_expression("-x").bind()
    left = descend(f, [0.0], lr=1.0, steps=10, domain=[(-2.0, 2.0)])
    assert left.status == "left_domain"
    assert left.points[-1] == (3.0,)
    clipped = descend(f, [0.0], lr=1.0, steps=10, clip=(-2.0, 2.0))
    assert clipped.status == "max_steps"
    assert clipped.points[-1] == (2.0,)


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], capture_output=True, text=True, check=False
    )


def test_cli_descend_prints_the_trajectory():
    result = run_cli(
        "descend", "--function", "x**2 + 5*x + 6", "--start", "-8", "--lr", "0.1", "--steps", "15"
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["steps"] == 15
    assert out["status"] == "max_steps"
    assert out["points"][0] == [-8.0]
    assert out["points"][1] == [pytest.approx(-6.9)]
    assert len(out["values"]) == 16


def test_cli_bad_expression_exits_2_with_one_line():
    result = run_cli("descend", "--function", "x**2 + foo(x)", "--start", "1")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "unknown function 'foo'" in lines[0]
    assert "column 8" in lines[0]


def test_cli_gradient_prints_gradient_and_latex():
    result = run_cli("gradient", "--function", "x**2*sin(y)", "--at", "1,0")
    out = json.loads(result.stdout)
    assert out["gradient"] == [0.0, 1.0]
    assert out["latex"]["df/dy"] == r"x^{2} \cos\left(y\right)"
