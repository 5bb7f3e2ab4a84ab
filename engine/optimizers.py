"""Six optimizers as small ``init``/``update`` pairs with explicit state.

``init(dim)`` returns the initial state; ``update(g, state, h)`` takes the gradient
``g`` (a tuple, one entry per coordinate), the state and the hyper-parameters ``h`` and
returns ``(step, state)``: the new iterate is ``θ + step``. Ascent is descent on the
negated gradient (torch's ``maximize=True``), done by the caller.

Vectors are tuples built with list comprehensions (no ``zip(strict=True)``): this is the
innermost loop of every demo, and that form is about twice as fast in Pyodide.

Update rules and defaults follow ``torch.optim`` (dampening 0, no weight decay), so the
numbers a reader sees here are the numbers PyTorch gives for the same function.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

Vector = tuple[float, ...]


@dataclass(frozen=True)
class Hyper:
    """Hyper-parameters; ``eps=None`` means the optimizer's own torch default."""

    lr: float
    momentum: float = 0.9
    alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float | None = None


class Optimizer(NamedTuple):
    name: str
    init: Callable[[int], tuple]
    update: Callable[[Vector, tuple, Hyper], tuple[Vector, tuple]]


# --- gradient descent ---------------------------------------------------------------
def gd_init(dim: int) -> tuple:
    return ()


def gd_update(g: Vector, state: tuple, h: Hyper) -> tuple[Vector, tuple]:
    """θ ← θ − η g   (torch.optim.SGD with momentum 0)."""
    return tuple([-h.lr * gi for gi in g]), state


# --- momentum (heavy ball) ------------------------------------------------------------
class MomentumState(NamedTuple):
    buf: Vector


def momentum_init(dim: int) -> MomentumState:
    return MomentumState((0.0,) * dim)


def momentum_update(g: Vector, state: MomentumState, h: Hyper) -> tuple[Vector, MomentumState]:
    """b ← μ b + g,  θ ← θ − η b   (torch.optim.SGD, momentum μ = 0.9 by default).

    Sutskever et al. and many texts write v ← γ v + η g, θ ← θ − v; with a fixed η the
    two give the same iterates, but the buffer differs by the factor η.
    """
    buf = tuple([h.momentum * b + gi for b, gi in zip(state.buf, g)])
    return tuple([-h.lr * b for b in buf]), MomentumState(buf)


# --- Nesterov -------------------------------------------------------------------------
def nesterov_update(g: Vector, state: MomentumState, h: Hyper) -> tuple[Vector, MomentumState]:
    """b ← μ b + g,  θ ← θ − η (g + μ b)   (torch.optim.SGD with nesterov=True).

    This is the "look-ahead" form rewritten at the current iterate; Sutskever's
    v ← γ v + η ∇f(θ − γ v) gives the same path up to that change of variable.
    """
    buf = tuple([h.momentum * b + gi for b, gi in zip(state.buf, g)])
    step = tuple([-h.lr * (gi + h.momentum * b) for gi, b in zip(g, buf)])
    return step, MomentumState(buf)


# --- Adagrad --------------------------------------------------------------------------
class SumState(NamedTuple):
    sum_sq: Vector


def adagrad_init(dim: int) -> SumState:
    return SumState((0.0,) * dim)


def adagrad_update(g: Vector, state: SumState, h: Hyper) -> tuple[Vector, SumState]:
    """s ← s + g²,  θ ← θ − η g / (√s + ε)   (torch.optim.Adagrad, ε = 1e-10 outside the root).

    Duchi et al. and some texts put ε inside the root, √(s + ε).
    """
    eps = 1e-10 if h.eps is None else h.eps
    sum_sq = tuple([s + gi * gi for s, gi in zip(state.sum_sq, g)])
    step = tuple([-h.lr * gi / (math.sqrt(s) + eps) for gi, s in zip(g, sum_sq)])
    return step, SumState(sum_sq)


# --- RMSprop --------------------------------------------------------------------------
class AverageState(NamedTuple):
    avg_sq: Vector


def rmsprop_init(dim: int) -> AverageState:
    return AverageState((0.0,) * dim)


def rmsprop_update(g: Vector, state: AverageState, h: Hyper) -> tuple[Vector, AverageState]:
    """v ← α v + (1 − α) g²,  θ ← θ − η g / (√v + ε)   (torch.optim.RMSprop: α = 0.99, ε = 1e-8).

    Hinton's lecture notes and Keras use α = 0.9 and put ε inside the root.
    """
    eps = 1e-8 if h.eps is None else h.eps
    a = h.alpha
    avg = tuple([a * v + (1.0 - a) * gi * gi for v, gi in zip(state.avg_sq, g)])
    step = tuple([-h.lr * gi / (math.sqrt(v) + eps) for gi, v in zip(g, avg)])
    return step, AverageState(avg)


# --- Adam -----------------------------------------------------------------------------
class AdamState(NamedTuple):
    t: int
    m: Vector
    v: Vector


def adam_init(dim: int) -> AdamState:
    return AdamState(0, (0.0,) * dim, (0.0,) * dim)


def adam_update(g: Vector, state: AdamState, h: Hyper) -> tuple[Vector, AdamState]:
    """Adam with bias correction, as torch.optim.Adam computes it (β = (0.9, 0.999), ε = 1e-8):

    m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
    θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).

    That is Kingma & Ba's Algorithm 1, θ ← θ − η m̂ / (√v̂ + ε) with m̂, v̂ the corrected
    moments; their "efficient" reordering, η√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε̂), puts ε
    elsewhere and gives slightly different numbers.
    """
    eps = 1e-8 if h.eps is None else h.eps
    b1, b2, t = h.beta1, h.beta2, state.t + 1
    m = tuple([b1 * mi + (1.0 - b1) * gi for mi, gi in zip(state.m, g)])
    v = tuple([b2 * vi + (1.0 - b2) * gi * gi for vi, gi in zip(state.v, g)])
    step_size = h.lr / (1.0 - b1**t)
    root_bc2 = math.sqrt(1.0 - b2**t)
    step = tuple([-step_size * mi / (math.sqrt(vi) / root_bc2 + eps) for mi, vi in zip(m, v)])
    return step, AdamState(t, m, v)


def clipped(g: Vector, max_norm: float) -> Vector:
    """Gradient clipping by norm, as ``torch.nn.utils.clip_grad_norm_``:
    g ← g · min(1, c / (‖g‖ + 10⁻⁶)), c = ``max_norm``."""
    coef = max_norm / (math.hypot(*g) + 1e-6)
    return tuple([gi * coef for gi in g]) if coef < 1.0 else g


# --- Newton's method, as taught, and saddle-free ------------------------------------------
class NewtonState(NamedTuple):
    t: int  # steps taken
    modified: tuple[int, ...]  # the steps (1-based) whose Hessian was not positive definite


class SingularHessian(ArithmeticError):
    """H has an eigenvalue of (nearly) zero at the point: the Newton step H⁻¹∇f is undefined."""


def symmetric_eigen(
    a: float, b: float, c: float
) -> tuple[tuple[float, float], tuple[tuple[float, float], tuple[float, float]]]:
    """The eigenvalues (largest first) and unit eigenvectors of [[a, b], [b, c]]."""
    mean, radius = (a + c) / 2, math.hypot((a - c) / 2, b)
    theta = 0.5 * math.atan2(2 * b, a - c)
    vectors = ((math.cos(theta), math.sin(theta)), (-math.sin(theta), math.cos(theta)))
    return (mean + radius, mean - radius), vectors


def newton_init(dim: int) -> NewtonState:
    return NewtonState(0, ())


def _eigen(hessian: tuple[float, ...]) -> tuple[tuple[float, ...], tuple[Vector, ...], float]:
    """H's eigenvalues, unit eigenvectors and δ = 10⁻⁸ max(1, max|λ|), below which an
    eigenvalue counts as zero."""
    if len(hessian) == 1:
        eigen: tuple[float, ...] = (hessian[0],)
        vectors: tuple[Vector, ...] = ((1.0,),)
    else:
        eigen, vectors = symmetric_eigen(*hessian)
    return eigen, vectors, 1e-8 * max(1.0, *(abs(lam) for lam in eigen))


def _newton_step(
    g: Vector, state: NewtonState, h: Hyper, hessian: tuple[float, ...], saddle_free: bool
) -> tuple[Vector, NewtonState]:
    """−η Σ (vᵢ·g / λᵢ) vᵢ over H's eigenpairs (λᵢ as ``saddle_free`` says)."""
    eigen, vectors, delta = _eigen(hessian)
    positive = min(eigen) > delta
    if not saddle_free and min(abs(lam) for lam in eigen) <= delta:
        raise SingularHessian
    step = [0.0] * len(g)
    for lam, v in zip(eigen, vectors):
        along = sum(vi * gi for vi, gi in zip(v, g)) / (
            max(abs(lam), delta) if saddle_free else lam
        )
        for i, vi in enumerate(v):
            step[i] -= h.lr * along * vi
    t = state.t + 1
    return tuple(step), NewtonState(t, state.modified if positive else (*state.modified, t))


def newton_update(
    g: Vector, state: NewtonState, h: Hyper, hessian: tuple[float, ...]
) -> tuple[Vector, NewtonState]:
    """Newton's method as the textbooks teach it: θ ← θ − η H⁻¹ g, with H the exact Hessian
    at θ (f_xx, or f_xx, f_xy, f_yy) and η the damping (``lr``; 1 is the full step).

    Where H is indefinite the step heads for the local model's saddle (or maximum) and is
    recorded in the state, so the run can say so; where H is singular (an eigenvalue within
    δ = 10⁻⁸ max(1, max|λ|) of 0) there is no step: SingularHessian.
    """
    return _newton_step(g, state, h, hessian, saddle_free=False)


def saddle_free_newton_update(
    g: Vector, state: NewtonState, h: Hyper, hessian: tuple[float, ...]
) -> tuple[Vector, NewtonState]:
    """Saddle-free Newton: θ ← θ − η |H|⁻¹ g, |H| = V max(|Λ|, δ) Vᵀ.

    Each eigenvalue λ of H becomes max(|λ|, δ): where H is positive definite that is Newton
    itself; where it is indefinite the step still goes downhill along every eigenvector
    (Greenstadt's modification, the saddle-free Newton of Dauphin et al. 2014); a singular
    H is floored at δ. Such steps are recorded in the state, so the run can say so.
    """
    return _newton_step(g, state, h, hessian, saddle_free=True)


OPTIMIZERS: dict[str, Optimizer] = {
    "gd": Optimizer("gd", gd_init, gd_update),
    "momentum": Optimizer("momentum", momentum_init, momentum_update),
    "nesterov": Optimizer("nesterov", momentum_init, nesterov_update),
    "adagrad": Optimizer("adagrad", adagrad_init, adagrad_update),
    "rmsprop": Optimizer("rmsprop", rmsprop_init, rmsprop_update),
    "adam": Optimizer("adam", adam_init, adam_update),
    # Its update takes the Hessian too: descend() passes it (SECOND_ORDER).
    "newton": Optimizer("newton", newton_init, newton_update),  # type: ignore[arg-type]
    "saddle-free-newton": Optimizer(
        "saddle-free-newton",
        newton_init,
        saddle_free_newton_update,  # type: ignore[arg-type]
    ),
}
SECOND_ORDER = ("newton", "saddle-free-newton")
