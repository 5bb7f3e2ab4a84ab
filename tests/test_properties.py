"""Property tests: symbolic gradients against central differences, and parser fuzzing.

The parser fuzzer runs 10,000 examples normally and 100,000 with ``pytest --fuzz``; each
example has a 1-second deadline, and only ExpressionError may ever escape.
"""

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.expr import ExpressionError, compile_expression
from engine.views import central_gradient

FUNCS = ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "atan", "abs"]


def expressions(depth: int = 3):
    """Random well-formed expressions over x and y."""
    leaves = st.one_of(
        st.sampled_from(["x", "y", "pi", "e"]),
        st.floats(0.1, 5.0).map(lambda v: f"{v:.3g}"),
    )

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(inner, st.integers(2, 4)).map(lambda t: f"({t[0]})**{t[1]}"),
            st.tuples(st.sampled_from(FUNCS), inner).map(lambda t: f"{t[0]}({t[1]})"),
            inner.map(lambda s: f"-{s}"),
        )

    return st.recursive(leaves, extend, max_leaves=8)


@settings(max_examples=300)
@given(expressions(), st.floats(-2, 2), st.floats(-2, 2))
def test_symbolic_gradient_agrees_with_central_differences(text, x, y):
    f = compile_expression(text, dim=2).bind()
    point = (x, y)
    exact = f.gradient(point)
    coarse = central_gradient(f, point, 1e-4)
    fine = central_gradient(f, point, 1e-5)
    value = f.value(point)
    assume(math.isfinite(value) and abs(value) < 1e6)
    assume(all(math.isfinite(v) and abs(v) < 1e4 for v in (*exact, *coarse, *fine)))
    # Skip kinks and poles: where the two step sizes disagree, f is not smooth here.
    assume(all(abs(a - b) <= 1e-5 * (1 + abs(a)) for a, b in zip(coarse, fine, strict=True)))
    for e, c in zip(exact, fine, strict=True):
        assert abs(e - c) <= 1e-4 * (1 + abs(e))


ALPHABET = "xy0123456789.+-*/^()[]{},:;'\" _abcdefghijklmnopqrstuvwxyz@%&|<>=!~#\\\n\t"
TOKENS = [
    "x",
    "y",
    "**",
    "^",
    "(",
    ")",
    "sin",
    "exp",
    "log",
    "1e308",
    "9" * 30,
    "lambda",
    "__import__",
    ".",
    "[",
    "]",
    "'",
    "import",
    "**-",
    "pi",
    ",",
    "*",
    "/",
    "0",
    "abs",
]


@settings(max_examples=10_000)
@given(
    st.one_of(
        st.text(alphabet=ALPHABET, max_size=60),
        st.lists(st.sampled_from(TOKENS), max_size=40).map("".join),
        st.text(max_size=40),
    )
)
def test_parser_lets_only_its_own_error_escape(text):
    try:
        expression = compile_expression(text)
    except ExpressionError as exc:
        assert exc.message
        assert 0 <= exc.column <= len(text) + 1
        return
    bound = expression.bind()
    point = (0.5, -0.25)[: expression.dim]
    assert isinstance(bound.value(point), float)
    assert len(bound.gradient(point)) == expression.dim
