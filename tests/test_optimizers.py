"""Every optimizer against an independent, vectorized numpy oracle on catalogue functions.

The oracle is written from torch.optim's documented update rules, not from the engine:
gradients are hand-derived numpy expressions, and all starts run at once as arrays.
"""

import numpy as np
import pytest

from engine import CATALOGUE, compile_expression, descend

GRADIENTS = {
    "bowl": lambda x, y: np.stack([2 * x, 2 * y], axis=-1),
    "rosenbrock": lambda x, y: np.stack(
        [-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], axis=-1
    ),
    "himmelblau": lambda x, y: np.stack(
        [
            4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
            2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7),
        ],
        axis=-1,
    ),
    "booth": lambda x, y: np.stack(
        [2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5), 4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5)],
        axis=-1,
    ),
    "wavy_bowl": lambda x, y: np.stack(
        [2 * x + 1.5 * np.cos(3 * x), 2 * y - 1.5 * np.sin(3 * y)], axis=-1
    ),
    "beale": lambda x, y: np.stack(
        [
            2 * (1.5 - x + x * y) * (y - 1)
            + 2 * (2.25 - x + x * y**2) * (y**2 - 1)
            + 2 * (2.625 - x + x * y**3) * (y**3 - 1),
            2 * (1.5 - x + x * y) * x
            + 2 * (2.25 - x + x * y**2) * 2 * x * y
            + 2 * (2.625 - x + x * y**3) * 3 * x * y**2,
        ],
        axis=-1,
    ),
}
# Learning rates each function tolerates for every optimizer over the steps below.
RATES = {
    "bowl": 0.1,
    "rosenbrock": 0.0005,
    "himmelblau": 0.005,
    "booth": 0.02,
    "wavy_bowl": 0.05,
    "beale": 0.001,
}
STEPS = 40


def oracle(name: str, grad, starts: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """All iterates, shape (steps + 1, n_starts, 2), by torch.optim's update rules."""
    theta = starts.astype(float).copy()
    path = [theta.copy()]
    buf = np.zeros_like(theta)
    sq = np.zeros_like(theta)
    m = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = grad(theta[:, 0], theta[:, 1])
        if name == "gd":
            theta = theta - lr * g
        elif name == "momentum":
            buf = 0.9 * buf + g
            theta = theta - lr * buf
        elif name == "nesterov":
            buf = 0.9 * buf + g
            theta = theta - lr * (g + 0.9 * buf)
        elif name == "adagrad":
            sq = sq + g * g
            theta = theta - lr * g / (np.sqrt(sq) + 1e-10)
        elif name == "rmsprop":
            sq = 0.99 * sq + 0.01 * g * g
            theta = theta - lr * g / (np.sqrt(sq) + 1e-8)
        elif name == "adam":
            m = 0.9 * m + 0.1 * g
            sq = 0.999 * sq + 0.001 * g * g
            m_hat = m / (1 - 0.9**t)
            v_hat = sq / (1 - 0.999**t)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        path.append(theta.copy())
    return np.array(path)


def starts_for(function: str) -> np.ndarray:
    entry = CATALOGUE[function]
    rng = np.random.default_rng(7)
    (x0, x1), (y0, y1) = entry.domain
    inner = rng.uniform([x0 * 0.6, y0 * 0.6], [x1 * 0.6, y1 * 0.6], size=(4, 2))
    return np.vstack([np.array(entry.start), inner])


@pytest.mark.parametrize("function", sorted(GRADIENTS))
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_optimizer_matches_numpy_oracle(function, optimizer):
    f = compile_expression(CATALOGUE[function].formula).bind()
    starts = starts_for(function)
    expected = oracle(optimizer, GRADIENTS[function], starts, RATES[function], STEPS)
    for k, start in enumerate(starts):
        t = descend(f, start.tolist(), optimizer, RATES[function], STEPS)
        assert t.status == "max_steps", (start, t.status)
        # Relative to the size of the run: a coordinate crossing 0 has no relative precision.
        scale = np.abs(expected[:, k, :]).max()
        np.testing.assert_allclose(
            np.array(t.points), expected[:, k, :], rtol=1e-12, atol=1e-12 * scale
        )


def test_ascent_is_descent_on_the_negated_gradient():
    f = compile_expression("-(x**2 + y**2) + 4").bind()
    g = compile_expression("x**2 + y**2 - 4").bind()
    for optimizer in ["gd", "momentum", "adam"]:
        up = descend(f, [1.0, -0.5], optimizer, 0.05, 30, ascent=True)
        down = descend(g, [1.0, -0.5], optimizer, 0.05, 30)
        assert up.points == down.points
