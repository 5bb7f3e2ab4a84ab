"""The catalogue's published optima, checked by descent and by independent root finding."""

import math

import numpy as np
import pytest

from engine import CATALOGUE, compile_expression, descend
from engine.views import central_gradient

MINIMA = [
    (name, k)
    for name, e in CATALOGUE.items()
    for k, o in enumerate(e.optima)
    if o.kind == "minimum"
]


@pytest.mark.parametrize(("name", "k"), MINIMA)
def test_descent_from_nearby_reaches_each_published_minimum(name, k):
    entry = CATALOGUE[name]
    optimum = entry.optima[k]
    f = compile_expression(entry.formula).bind()
    for offset in [(0.05, 0.03), (-0.04, 0.05)][: 1 if entry.dim == 1 else 2]:
        start = [c + d for c, d in zip(optimum.point, offset, strict=False)]
        t = descend(f, start, "adam", lr=0.002, steps=5000, tol=1e-14)
        assert t.status in ("converged", "max_steps")
        # Published coordinates carry 4 to 6 decimals.
        for got, published in zip(t.points[-1], optimum.point, strict=True):
            assert got == pytest.approx(published, abs=2e-4)
        assert t.values[-1] == pytest.approx(optimum.value, abs=2e-4)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_optimum_is_a_critical_point(name):
    entry = CATALOGUE[name]
    f = compile_expression(entry.formula).bind()
    for optimum in entry.optima:
        gradient = f.gradient(optimum.point)
        scale = max(1.0, abs(optimum.value))
        assert math.hypot(*gradient) < 5e-3 * scale, (optimum, gradient)
        assert f.value(optimum.point) == pytest.approx(optimum.value, abs=1e-3 * scale)


def test_wavy_bowl_minima_against_numpy_newton():
    # ∂f/∂x = 2x + 1.5 cos 3x, ∂f/∂y = 2y − 1.5 sin 3y, solved independently.
    def newton(g, dg, x):
        for _ in range(100):
            x = x - g(x) / dg(x)
        return x

    x = newton(lambda x: 2 * x + 1.5 * np.cos(3 * x), lambda x: 2 - 4.5 * np.sin(3 * x), 0.0)
    y = newton(lambda y: 2 * y - 1.5 * np.sin(3 * y), lambda y: 2 - 4.5 * np.cos(3 * y), 0.7)
    minima = CATALOGUE["wavy_bowl"].minima
    assert minima[1].point == pytest.approx((x, y), abs=1e-12)
    assert minima[0].point == pytest.approx((x, -y), abs=1e-12)


def test_central_difference_is_second_order():
    f = compile_expression("sin(x)*exp(y)").bind()
    exact = f.gradient((0.3, 0.2))
    errors = [abs(central_gradient(f, (0.3, 0.2), h)[0] - exact[0]) for h in (1e-2, 1e-3)]
    assert errors[1] < errors[0] / 50  # O(h²): a 10× smaller step, ~100× smaller error
