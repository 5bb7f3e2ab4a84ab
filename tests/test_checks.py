"""Every kind of check: a true claim passes, a false one fails at the line of its key with
both sides, and tolerance means the same in each (|claimed − exact| ≤ tol · max(1, |exact|))."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from downhill.checks import CheckFence
from downhill.errors import ContentError
from downhill.fences import FenceLocator
from engine.exercises import agrees


def check(src: str) -> tuple[str, list[str]]:
    """Run one check fence opened on line 1; its errors as 'LINE: message'."""
    src = textwrap.dedent(src)
    errors: list[ContentError] = []
    fence = CheckFence(Path("a.md"), FenceLocator(f"```check\n{src}```\n", 1), errors)
    html = fence(src)
    return html, [f"{e.line}: {e.message}" for e in errors]


# (claim, then the same claim made false: the line of the wrong key and the message)
CASES = {
    "one partial": (
        """\
        gradient: 3*x^2 + 8*x*y - 3*y^5
        equals: {y: 8*x - 15*y^4}
        """,
        """\
        gradient: 3*x^2 + 8*x*y - 3*y^5
        equals:
          y: 8 - 15*y^4
        """,
        4,
        "the claimed ∂f/∂y = 8 - 15*y^4 is wrong",
    ),
    "second derivative": (
        """\
        hessian: x^3 - 2*x
        equals: 6*x
        """,
        """\
        hessian: x^3 - 2*x
        equals: 3*x^2
        """,
        3,
        "the claimed ∂²f/∂x∂x = 3*x^2 is wrong",
    ),
    "hessian": (
        """\
        hessian: x^2*y + y^3
        equals: [[2*y, 2*x], [2*x, 6*y]]
        """,
        """\
        hessian: x^2*y + y^3
        equals:
          - [2*y, 2*x]
          - [2*x, 6]
        """,
        5,
        "the claimed ∂²f/∂y∂y = 6 is wrong",
    ),
    "critical point": (
        """\
        critical: x^2 - y^2
        at: [0, 0]
        is: saddle
        """,
        """\
        critical: x^2 - y^2
        at: [0, 0]
        is: minimum
        """,
        4,
        "(0, 0) is a saddle, not a minimum (det ∇²f = -4",
    ),
    "not a critical point": (
        """\
        critical: himmelblau
        at: [3, 2]
        is: minimum
        """,
        """\
        critical: himmelblau
        at: [3, 2.1]
        is: minimum
        """,
        3,
        "(3, 2.1) is not a critical point: ∇f there is",
    ),
    "directional derivative along": (
        """\
        directional: x^2 + 3*y^2
        at: [1, 1]
        along: [3, 4]
        equals: 6
        """,
        """\
        directional: x^2 + 3*y^2
        at: [1, 1]
        along: [3, 4]
        equals: 8
        """,
        5,
        "in that direction is 6 (= |∇f| cos θ",
    ),
    "directional derivative at an angle": (
        """\
        directional: x^2 + 3*y^2
        at: [1, 1]
        angle: 90
        equals: 6
        tolerance: 1e-12
        """,
        """\
        directional: x^2 + 3*y^2
        at: [1, 1]
        angle: 0
        equals: 6
        """,
        5,
        "in that direction is 2 (",
    ),
    "a sign over a grid": (
        """\
        holds: "dfdx < 0"
        function: x^2 + 5*x + 6
        over: [[-10, -2.6]]
        """,
        """\
        holds: "dfdx < 0"
        function: x^2 + 5*x + 6
        over: [[-10, 0]]
        """,
        2,
        "'dfdx < 0' fails at (-2.5): dfdx = 0",
    ),
    "an implication at points": (
        """\
        holds: "x_next > x"
        where: "dfdx < 0"
        function: x^2 + 5*x + 6
        lr: 0.1
        at: [[-8], [-3], [0], [4]]
        """,
        """\
        holds: "x_next < x"
        where: "dfdx < 0"
        function: x^2 + 5*x + 6
        lr: 0.1
        at: [[-8], [-3], [0], [4]]
        """,
        2,
        "'x_next < x' fails at (-8): x = -8, x_next = -6.9",
    ),
    "a step along minus the gradient lowers f": (
        """\
        holds: "f_next <= f"
        function: peaks
        lr: 0.01
        over: [[-3, 3], [-3, 3]]
        """,
        """\
        holds: "f_next <= f"
        function: peaks
        lr: 1
        over: [[-3, 3], [-3, 3]]
        """,
        2,
        "'f_next <= f' fails at",
    ),
    "the first iterates": (
        """\
        descend: {function: x^2 + 5*x + 6, start: [-8], lr: 0.1, steps: 15}
        iterates: [-8, -6.9, -6.02, -5.316, -4.7528]
        """,
        """\
        descend: {function: x^2 + 5*x + 6, start: [-8], lr: 0.1, steps: 15}
        iterates:
          - -8
          - -6.9
          - -6.2
        """,
        6,
        "iterate 2 of gd is (-6.02), not the claimed (-6.2)",
    ),
    "a step count": (
        """\
        descend: {function: x^2 + 5*x + 6, start: [-8], lr: 0.1, steps: 500, tol: 1e-6}
        steps_fewer_than: 40
        """,
        """\
        descend: {function: x^2 + 5*x + 6, start: [-8], lr: 0.1, steps: 500, tol: 1e-6}
        steps_fewer_than: 30
        """,
        3,
        "gd took 38 steps (converged), not fewer than 30 to converge",
    ),
    "a central difference": (
        """\
        central_difference: x^3
        at: [1]
        h: 0.1
        equals: 3.01
        error_below: 0.011
        """,
        """\
        central_difference: x^3
        at: [1]
        h: 0.1
        error_below: 0.001
        """,
        5,
        "is 0.01 from the exact ∂f/∂x = 3, not below the claimed 0.001",
    ),
    "a fit at the least-squares line": (
        """\
        descend: {fit: {data: [[1, 2], [2, 3], [3, 5], [4, 4]]}, lr: 0.05, steps: 3000}
        ends_near: least_squares
        tolerance: 1e-6
        """,
        """\
        descend: {fit: {data: [[1, 2], [2, 3], [3, 5], [4, 4]]}, lr: 0.05, steps: 30}
        ends_near: least_squares
        tolerance: 1e-6
        """,
        3,
        "not at the least-squares line (0.8, 1.5)",
    ),
    "a fit at its least MAE": (
        """\
        descend: {fit: {data: [[1, 2], [2, 3], [3, 5], [4, 4]], loss: mae}, lr: 0.01, steps: 2000}
        ends_near: least_squares
        tolerance: 0.01
        """,
        """\
        descend:
          fit: {data: [[1, 2], [2, 3], [3, 5], [4, 4]], loss: mae}
          lr: 0.01
          steps: 5
        ends_near: least_squares
        tolerance: 0.01
        """,
        6,
        "not at a least-absolute-deviations line: its MAE is",
    ),
    "ends near": (
        """\
        descend: {function: booth, start: [-5, -5], lr: 0.02, steps: 2000}
        ends_near: [1, 3]
        tolerance: 1e-6
        """,
        """\
        descend: {function: booth, start: [-5, -5], lr: 0.02, steps: 20}
        ends_near: [1, 3]
        tolerance: 1e-6
        """,
        3,
        "gd ends at (",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_true_claim_passes_and_a_false_one_fails_at_its_key(case):
    true, false, line, message = CASES[case]
    html, errors = check(true)
    assert errors == [] and 'class="check"' in html
    html, errors = check(false)
    assert html == ""
    assert len(errors) == 1 and errors[0].startswith(f"{line}: check: "), errors
    assert message in errors[0], errors


def test_a_nested_list_in_equals_names_equals_and_the_shape_it_wants():
    _, errors = check(
        """\
        gradient: x^2 + y^2
        equals:
          - [2*x]
          - 2*y
        """
    )
    assert len(errors) == 1 and errors[0].startswith("4: check: equals.0 holds a list")
    assert "equals wants a list of 2 expression(s) [∂f/∂x, ∂f/∂y]" in errors[0]


def test_tolerance_is_absolute_up_to_one_and_relative_above():
    assert agrees(1e-10, 0.0, 1e-9) and not agrees(2e-9, 0.0, 1e-9)
    assert agrees(1000.0000005, 1000.0, 1e-9) and not agrees(1000.000002, 1000.0, 1e-9)
    # the same rule in a value check and in a descent's end point
    _, errors = check("value: x^2\nat: [1000]\nequals: 1000000.0005\n")
    assert errors == []
    _, errors = check("value: x^2\nat: [1000]\nequals: 1000000.002\n")
    assert errors and "tolerance 1e-09" in errors[0]


def test_a_holds_claim_must_say_where():
    _, errors = check('holds: "f > 0"\nfunction: x^2 + 1\n')
    assert errors and "say where" in errors[0]


def test_next_point_names_need_a_rate():
    _, errors = check('holds: "f_next < f"\nfunction: x^2\nover: [[-1, 1]]\n')
    assert errors and "give its rate with 'lr:'" in errors[0]
