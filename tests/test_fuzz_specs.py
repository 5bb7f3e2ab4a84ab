"""Fuzzing whole demo and check specs: keys, values and nesting near every limit.

Every generated spec either renders or raises the engine's own SpecError; a check either
passes, or fails as a build error. 10,000 examples run in CI; ``pytest --fuzz`` runs
100,000 (the profile registered in conftest). A spec that passes the compute budget is
rendered, so the budget is what bounds each example's time.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from downhill.checks import CheckFence
from downhill.errors import ContentError
from downhill.fences import FenceLocator
from engine import SpecError, normalize_spec, render_demo, render_json
from engine.api import to_json
from engine.budget import BUDGET, units
from engine.catalogue import CATALOGUE
from engine.keys import ALL_PLOT_KINDS, KEYS, NUMBERS
from engine.optimizers import OPTIMIZERS

EXAMPLES = 10_000


def _fuzz_settings(fn):
    """10,000 examples here, the conftest's --fuzz profile's count under --fuzz."""
    current = settings()
    count = max(EXAMPLES, current.max_examples)
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )(fn)


odd = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def near(number) -> st.SearchStrategy:
    """Values at, just inside and just outside a numeric key's range."""
    edges = [number.lo, number.hi, (number.lo + number.hi) / 2]
    values = st.sampled_from(edges).flatmap(
        lambda v: st.sampled_from([v, v * (1 + 1e-12), v - 1e-9, v + 1e-9, -v])
    )
    return values.map(lambda v: int(v) if number.whole else v)


functions = st.one_of(
    st.sampled_from(list(CATALOGUE)),
    st.sampled_from(["x**2", "x^2 + y^2", "log(x)", "1/x", "sqrt(x*y)", "x**x", "exp(x*y)"]),
    st.integers(1, 60).map(lambda n: "(" * n + "x" + ")**x" * n),
    st.integers(1, 70).map(lambda n: "sin(" * n + "x" + ")" * n),
    st.text(max_size=30),
)

value_for = {
    "function": functions,
    "start": st.lists(st.floats(-10, 10), min_size=0, max_size=3) | odd,
    "domain": st.lists(st.floats(-10, 10), min_size=2, max_size=2) | odd,
    "optimizer": st.sampled_from(list(OPTIMIZERS))
    | st.lists(st.sampled_from(list(OPTIMIZERS)))
    | odd,
    "plots": st.sampled_from(ALL_PLOT_KINDS) | st.lists(st.sampled_from(ALL_PLOT_KINDS)) | odd,
    "compare": st.dictionaries(
        st.sampled_from(["lr", "steps", "momentum", "optimizer", "nope"]),
        st.lists(st.integers(0, 10**9) | st.floats(0, 2) | odd, max_size=5),
        max_size=2,
    )
    | odd,
    "basins": st.fixed_dictionaries(
        {},
        optional={
            "samples": st.integers(0, 100),
            "steps": st.integers(0, 6000),
            "tol": st.floats(0, 1) | odd,
        },
    )
    | odd,
    "sweep": st.fixed_dictionaries(
        {},
        optional={"count": st.integers(0, 250), "steps": st.integers(0, 6000), "min": odd},
    )
    | odd,
    "fit": st.fixed_dictionaries(
        {},
        optional={
            "points": st.integers(0, 1200),
            "method": st.sampled_from(["batch", "minibatch", "stochastic", "x"]),
            "batch_size": st.integers(0, 1200),
            "noise": odd,
        },
    )
    | odd,
    "params": st.dictionaries(st.sampled_from(["a", "b", "x", "pi", "1a"]), odd, max_size=2),
    "clip": st.lists(st.floats(-5, 5), max_size=3) | odd,
    "ascent": odd,
}
for name, number in NUMBERS.items():
    value_for[name] = near(number) | odd

specs = st.fixed_dictionaries(
    {},
    optional={
        **value_for,
        "nonsense": odd,
        "id": odd,
        "caption": st.text(max_size=20) | odd,
    },
)


@_fuzz_settings
@given(specs)
def test_every_spec_renders_or_raises_a_spec_error(raw):
    assert set(raw) - {"nonsense"} <= set(KEYS)
    try:
        spec = normalize_spec(raw)
    except SpecError as exc:
        assert exc.issues and all(i.message for i in exc.issues)
        answer = json.loads(render_json(json.dumps(raw, default=str)))
        assert "error" in answer
        return
    assert units(spec)[0] <= BUDGET
    result = render_demo(raw)
    text = to_json(result)  # every figure is valid JSON: NaN and infinities become null
    assert json.loads(text)["summary"]


# Values for every key a check may have; each generated check is mostly one kind's keys
# (and sometimes any keys at all), so that every kind's own code is reached.
CHECK_VALUES = {
    "equals": st.lists(st.text(max_size=10) | st.floats(), max_size=3)
    | st.lists(st.lists(st.text(max_size=6) | st.floats(), max_size=2), max_size=2)
    | st.dictionaries(st.sampled_from(["x", "y", "z"]), st.text(max_size=8), max_size=2)
    | st.floats()
    | odd,
    "at": st.lists(st.floats(-5, 5), max_size=3)
    | st.lists(st.lists(st.floats(-5, 5), max_size=3), max_size=3)
    | odd,
    "ends_near": st.lists(st.floats(-5, 5), max_size=3) | odd,
    "tolerance": st.floats(-1, 1) | odd,
    "params": odd,
    "function": functions | odd,
    "holds": st.sampled_from(["f > 0", "dfdx < 0", "f_next <= f", "x <", "y >= dfdy"]) | odd,
    "where": st.sampled_from(["dfdx > 0", "f", "x_next < 1"]) | odd,
    "over": st.lists(st.lists(st.floats(-5, 5), max_size=3), max_size=3) | odd,
    "lr": st.floats(-1, 2) | odd,
    "is": st.sampled_from(["minimum", "maximum", "saddle", "peak"]) | odd,
    "along": st.lists(st.floats(-5, 5), max_size=3) | odd,
    "angle": st.floats(-400, 400) | odd,
    "h": st.floats(-1, 1) | odd,
    "wrt": st.sampled_from(["x", "y", "z"]) | odd,
    "error_below": st.floats(0, 1) | odd,
    "iterates": st.lists(st.floats(-5, 5) | st.lists(st.floats(-5, 5)), max_size=4) | odd,
    "steps_fewer_than": st.integers(-2, 100) | odd,
}
CHECK_KINDS = {
    "gradient": functions,
    "hessian": functions,
    "value": functions,
    "critical": functions,
    "directional": functions,
    "central_difference": functions,
    "holds": CHECK_VALUES["holds"],
    "descend": specs,
}
checks = st.one_of(
    *(
        st.fixed_dictionaries(
            {kind: claim | odd}, optional={k: v for k, v in CHECK_VALUES.items() if k != kind}
        )
        for kind, claim in CHECK_KINDS.items()
    ),
    st.fixed_dictionaries({}, optional={**CHECK_VALUES, **CHECK_KINDS}),  # any keys at all
)


@_fuzz_settings
@given(checks)
def test_every_check_passes_or_fails_as_a_build_error(claim):
    from pathlib import Path

    import yaml

    src = yaml.safe_dump(claim, allow_unicode=True)
    errors: list[ContentError] = []
    fence = CheckFence(Path("fuzz.md"), FenceLocator(f"```check\n{src}```\n", 1), errors)
    fence(src)
    for error in errors:
        assert error.line >= 1 and error.message
        # A failure inside the check's own code would read "check could not be built".
        assert "could not be built" not in error.message, error.message


@pytest.mark.parametrize("n", [1, 40, 41, 60])
def test_power_towers_at_the_depth_limit(n):
    raw = {"function": "(" * n + "x" + ")**x" * n, "start": [1.0]}
    try:
        result = render_demo(raw)
    except SpecError as exc:
        assert n > 40 and "nested" in str(exc)
    else:
        assert n <= 40 and math.isfinite(result["runs"][0]["value"])
