"""Learning-rate schedules, with torch.optim.lr_scheduler's names and meanings.

Step k (counted from 0) uses the rate ``rate(k)``, as a PyTorch loop that calls
``optimizer.step()`` and then ``scheduler.step()`` does. Each kind is torch's closed form:

- ``step`` (StepLR):                α_k = α γ^⌊k / step_size⌋
- ``exponential`` (ExponentialLR):  α_k = α γ^k
- ``cosine`` (CosineAnnealingLR):   α_k = η_min + (α − η_min)(1 + cos(π k / T_max)) / 2

``warmup: w`` multiplies the rate by min(1, (k + 1) / w): a linear ramp over the first w
steps, as ``LambdaLR(optimizer, lambda k: min(1, (k + 1) / w) * factor(k))`` gives in torch.
That is torch's ``ChainedScheduler`` of the schedule and ``LinearLR(optimizer, 1 / w, 1.0,
total_iters=w - 1)``, except for a cosine schedule with η_min > 0, whose recursive form torch
chains differently (tests/test_torch_reference.py runs both loops in torch).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    """A schedule's constant: its default, its range, what it means (the one table)."""

    default: float
    lo: float
    hi: float
    doc: str
    whole: bool = False
    lo_open: bool = False


# kind → (its torch name, its constants, its factor of the base rate at step k)
KINDS: dict[str, tuple[str, dict[str, Constant], Callable[[dict[str, float], float, int], float]]]
KINDS = {
    "step": (
        "StepLR",
        {
            "step_size": Constant(10, 1, 100_000, "steps between two decays", whole=True),
            "gamma": Constant(0.5, 0.0, 1.0, "the factor of each decay", lo_open=True),
        },
        lambda c, lr, k: lr * c["gamma"] ** (k // int(c["step_size"])),
    ),
    "exponential": (
        "ExponentialLR",
        {"gamma": Constant(0.95, 0.0, 1.0, "the factor of every step", lo_open=True)},
        lambda c, lr, k: lr * c["gamma"] ** k,
    ),
    "cosine": (
        "CosineAnnealingLR",
        {
            "T_max": Constant(50, 1, 100_000, "steps of half a cosine period", whole=True),
            "eta_min": Constant(0.0, 0.0, 1e3, "the smallest rate"),
        },
        lambda c, lr, k: (
            c["eta_min"] + (lr - c["eta_min"]) * (1 + math.cos(math.pi * k / c["T_max"])) / 2
        ),
    ),
}


@dataclass(frozen=True)
class Schedule:
    """A schedule (``kind`` None: a constant rate) and a warm-up, as the spec holds them."""

    kind: str | None = None
    constants: tuple[tuple[str, float], ...] = ()
    warmup: int = 0

    @property
    def constant(self) -> bool:
        return self.kind is None and self.warmup == 0

    def rate(self, lr: float, k: int) -> float:
        """The learning rate of step k (0-based) for base rate ``lr``."""
        rate = lr if self.kind is None else KINDS[self.kind][2](dict(self.constants), lr, k)
        if self.warmup:
            rate *= min(1.0, (k + 1) / self.warmup)
        return rate


def schedule_of(spec: dict) -> Schedule:
    """The Schedule of a normalized spec (its ``schedule`` and ``warmup`` keys)."""
    raw = spec.get("schedule")
    if not raw:
        return Schedule(warmup=int(spec.get("warmup") or 0))
    constants = tuple(sorted((k, v) for k, v in raw.items() if k != "kind"))
    return Schedule(raw["kind"], constants, int(spec.get("warmup") or 0))
