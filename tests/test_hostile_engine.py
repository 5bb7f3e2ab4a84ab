"""Hostile input to the engine and its command line: every one ends in a clear error, in
bounded time and memory (issue 16's reproductions, each a test)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine import SpecError, normalize_spec, render_demo, render_json
from engine.budget import BUDGET, units
from engine.expr import MAX_DERIVED_DEPTH, ExpressionError, compile_expression, depth
from engine.keys import NUMBERS

from .conftest import ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("descend --function log(x) --start -1", "undefined at --start -1"),
        ("descend --function 1/x --start 0", "undefined at --start 0"),
        ("descend --function x**2 --start nan", "--start must be finite"),
        ("gradient --function log(x) --at -1", "undefined at --at -1"),
        (
            "descend --function x**2 --start 1 --steps 1000000000",
            "--steps: steps = 1000000000 is out of range; use a whole number from 0 to 5000",
        ),
        (
            "descend --function x**2 --start 0 --optimizer adagrad --eps 0",
            "--eps: eps = 0.0 is out of range",
        ),
        ("descend --function x**2 --start 1 --optimizer adam --beta2 1", "(1 excluded)"),
        ("descend --start 1 --function " + "(" * 50 + "x" + ")**x" * 50, "nested too deeply"),
    ],
)
def test_cli_refuses_with_one_line_and_exit_2(args, message):
    result = cli(*args.split(" "))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""  # never half a JSON document
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert message in lines[0]


def test_cli_takes_negative_coordinates_as_written():
    result = cli("descend", "--function", "peaks", "--start", "-0.5,0.5", "--steps", "3")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["points"][0] == [-0.5, 0.5]
    clipped = cli("descend", "--function", "x**2", "--start", "-2", "--clip", "-3,3")
    assert clipped.returncode == 0, clipped.stderr


@pytest.mark.parametrize(
    ("raw", "path", "words"),
    [
        ({"function": "x**2", "start": [1], "optimizer": "adam", "beta1": 1}, ("beta1",), "1 excl"),
        ({"function": "x**2", "start": [1], "optimizer": "adam", "beta2": 1}, ("beta2",), "1 excl"),
        ({"function": "x**2", "start": [0], "optimizer": "adagrad", "eps": 0}, ("eps",), "0 excl"),
        (
            {"function": "x**2", "plots": "multiples", "compare": {"steps": [1_000_000_000, 2]}},
            ("compare", "steps", 0),
            "out of range",
        ),
        (
            {"function": "x**2", "plots": "multiples", "compare": {"lr": ["a", None, {}]}},
            ("compare", "lr", 0),
            "lr must be a number",
        ),
        (
            {"function": "x**2", "plots": "multiples", "compare": {"optimizer": ["nope", "gd"]}},
            ("compare", "optimizer", 0),
            "unknown optimizer 'nope'",
        ),
        (
            {"function": "peaks", "plots": "basins", "basins": {"samples": 80, "steps": 5000}},
            ("basins", "steps"),
            "too much work",
        ),
        ({"function": "(" * 50 + "x" + ")**x" * 50, "start": [1]}, ("function",), "too deeply"),
    ],
)
def test_spec_problems_are_spec_errors_at_their_key(raw, path, words):
    with pytest.raises(SpecError) as caught:
        render_demo(raw)
    issue = next(i for i in caught.value.issues if i.path == path)
    assert words in issue.message
    answer = json.loads(render_json(json.dumps(raw)))
    assert words in answer["error"]["message"]


@pytest.mark.parametrize("text", ["not json", "", "[1, 2", "null", "[]", '"peaks"', "1e999"])
def test_render_json_answers_an_error_for_any_text(text):
    answer = json.loads(render_json(text))
    assert set(answer) == {"error"} and answer["error"]["message"]


def test_the_budget_is_counted_before_work_and_bounds_the_time():
    # 80×80 starts × 5000 steps with a tolerance nothing reaches: 2 min 24 s before.
    raw = {"function": "peaks", "plots": "basins", "basins": {"samples": 80, "steps": 5000}}
    raw["basins"]["tol"] = 1e-300
    with pytest.raises(SpecError):
        normalize_spec(raw)
    # The same map with fewer steps fits, and its cost is what was counted.
    raw["basins"]["steps"] = 100
    total, parts = units(normalize_spec(raw))
    assert total <= BUDGET
    assert any(p.evaluations == 80 * 80 * 101 for p in parts)


def test_a_larger_expression_costs_more_of_the_budget():
    small = normalize_spec({"function": "x**2", "start": [1]})
    large = normalize_spec({"function": "+".join(f"sin({k}*x)" for k in range(1, 40))})
    assert units(large)[0] > 5 * units(small)[0]


def test_deep_expressions_are_refused_before_they_reach_the_compiler():
    # 40 nested powers are the deepest of that kind that fit; their code compiles.
    fits = "(" * 40 + "x" + ")**x" * 40
    compiled = compile_expression(fits)
    assert max(depth(t) for t in (compiled.tree, *compiled.partials)) <= MAX_DERIVED_DEPTH
    assert compiled.bind().value([1.0]) == 1.0
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_expression("(" * 41 + "x" + ")**x" * 41)


@pytest.mark.parametrize("optimizer", ["adagrad", "rmsprop", "adam"])
def test_an_optimizer_at_the_edge_of_its_ranges_never_divides_by_zero(optimizer):
    edges = {k: NUMBERS[k].hi if not NUMBERS[k].hi_open else 0.999999 for k in NUMBERS}
    raw = {"function": "x**2", "start": [0.0], "optimizer": optimizer, "steps": 20}
    raw.update({k: edges[k] for k in ("momentum", "alpha", "beta1", "beta2")})
    raw["eps"] = 1e-300
    result = render_demo(raw)
    assert result["runs"][0]["status"] in ("converged", "max_steps", "diverged")
