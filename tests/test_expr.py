"""Expressions: parsing, safety, symbolic gradients against hand-derived ones."""

import math

import pytest

from engine.expr import ExpressionError, compile_expression, evaluate_tree, parse

# (expression, hand-derived ∂f/∂x, ∂f/∂y) as Python lambdas, written independently.
HAND_DERIVED = [
    ("x**2 + 5*x + 6", lambda x, y: 2 * x + 5, None),
    ("x^2 + y^2", lambda x, y: 2 * x, lambda x, y: 2 * y),
    ("3*x^2 + 8*x*y - 3*y^5", lambda x, y: 6 * x + 8 * y, lambda x, y: 8 * x - 15 * y**4),
    ("x**2*sin(y)", lambda x, y: 2 * x * math.sin(y), lambda x, y: x**2 * math.cos(y)),
    (
        "exp(-x**2 - y**2)",
        lambda x, y: -2 * x * math.exp(-(x**2) - y**2),
        lambda x, y: -2 * y * math.exp(-(x**2) - y**2),
    ),
    ("log(x) + sqrt(y)", lambda x, y: 1 / x, lambda x, y: 0.5 / math.sqrt(y)),
    (
        "tan(x) * cos(y)",
        lambda x, y: math.cos(y) / math.cos(x) ** 2,
        lambda x, y: -math.tan(x) * math.sin(y),
    ),
    (
        "tanh(x*y)",
        lambda x, y: y * (1 - math.tanh(x * y) ** 2),
        lambda x, y: x * (1 - math.tanh(x * y) ** 2),
    ),
    ("sinh(x) + cosh(y)", lambda x, y: math.cosh(x), lambda x, y: math.sinh(y)),
    ("atan(x/y)", lambda x, y: y / (x**2 + y**2), lambda x, y: -x / (x**2 + y**2)),
    ("x**y", lambda x, y: y * x ** (y - 1), lambda x, y: x**y * math.log(x)),
    ("2**x", lambda x, y: math.log(2) * 2**x, None),
    (
        "(1 - x)**2 + 100*(y - x**2)**2",
        lambda x, y: -2 * (1 - x) - 400 * x * (y - x**2),
        lambda x, y: 200 * (y - x**2),
    ),
    ("abs(x) + 1/y", lambda x, y: math.copysign(1, x), lambda x, y: -1 / y**2),
    ("pi*x - e*y", lambda x, y: math.pi, lambda x, y: -math.e),
]


@pytest.mark.parametrize(("text", "dfdx", "dfdy"), HAND_DERIVED)
def test_symbolic_gradient_matches_hand_derived(text, dfdx, dfdy):
    expression = compile_expression(text)
    f = expression.bind()
    for x, y in [(0.7, 1.3), (1.9, 0.4), (1.1, 2.2)]:
        point = (x, y) if expression.dim == 2 else (x,)
        gradient = f.gradient(point)
        assert gradient[0] == pytest.approx(dfdx(x, y), rel=1e-12)
        if dfdy is not None:
            assert gradient[1] == pytest.approx(dfdy(x, y), rel=1e-12)


def test_compiled_value_matches_tree_walk():
    text = "3*(1-x)**2*exp(-x**2-(y+1)**2) - 10*(x/5-x**3-y**5)*exp(-x**2-y**2)"
    f = compile_expression(text).bind()
    tree = parse(text)
    for x, y in [(0.1, -0.2), (1.5, 1.0), (-2.0, 0.3)]:
        assert f.value((x, y)) == evaluate_tree(tree, {"x": x, "y": y})


def test_caret_means_power_with_power_precedence():
    f = compile_expression("x^2*3").bind()
    assert f.value((2.0,)) == 12.0


def test_parameters_are_bound_at_evaluation():
    expression = compile_expression("a*x**2 + y**2", ("a",))
    assert expression.bind({"a": 3.0}).gradient((1.0, 2.0)) == (6.0, 4.0)
    assert expression.bind({"a": 0.5}).gradient((1.0, 2.0)) == (1.0, 4.0)


def test_undefined_points_give_nan_not_exceptions():
    assert math.isnan(compile_expression("log(x)").bind().value((-1.0,)))
    assert math.isnan(compile_expression("1/x").bind().value((0.0,)))
    assert math.isnan(compile_expression("exp(x)").bind().value((1e6,)))
    assert math.isnan(compile_expression("x**0.5").bind().value((-4.0,)))
    assert all(math.isnan(g) for g in compile_expression("log(x*y)").bind().gradient((0.0, 0.0)))


def test_simplified_derivatives_have_no_zero_or_one_noise():
    expression = compile_expression("3*x^2 + 8*x*y - 3*y^5")
    assert expression.latex() == {
        "f": "3 x^{2} + 8 x y - 3 y^{5}",
        "df/dx": "6 x + 8 y",
        "df/dy": "8 x - 15 y^{4}",
    }


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ("x.real", 1, "attributes"),
        ("__import__('os')", 1, "unknown function"),
        ("x[0]", 1, "indexing"),
        ("x + 'a'", 5, "text literal"),
        ("lambda: 1", 1, "lambda"),
        ("[x for x in y]", 1, "comprehensions"),
        ("x ** 1e9", 6, "exponent"),
        ("sinn(x)", 1, "did you mean sin"),
        ("x^2 + yy", 7, "did you mean y"),
        ("x +* 2", 4, "not a valid expression"),
        ("x if y else 1", 1, "not allowed"),
        ("x < y", 1, "comparisons"),
        ("sin(x, y)", 1, "exactly one argument"),
        ("x % 2", 1, "%"),
        ("(" * 300 + "x" + ")" * 300, 0, ""),
        ("x" * 1001, 1001, "at most 1000"),
        ("", 1, "empty"),
        ("True + x", 1, "bool"),
    ],
)
def test_bad_expressions_raise_engine_error_with_column(text, column, words):
    with pytest.raises(ExpressionError) as info:
        compile_expression(text)
    if column:
        assert info.value.column == column
    assert words in info.value.message


def test_a_number_in_scientific_notation_is_typeset_as_a_power_of_ten():
    from engine.expr import parse

    assert parse("1e-12").latex() == "10^{-12}"  # not 1e − 12, a subtraction
    assert parse("-1e-12 + x").latex() == "-10^{-12} + x"
    assert parse("2.5e-9*x").latex() == r"2.5 \times 10^{-9} x"
    assert parse("3e5").latex() == "300000"
