"""A run's record: its iterates, values, gradients and how it ended. The statuses are the
words every module reads a run's end by."""

from __future__ import annotations

import math
from dataclasses import dataclass

CONVERGED, MAX_STEPS, DIVERGED, LEFT_DOMAIN = "converged", "max_steps", "diverged", "left_domain"
UNDEFINED = "undefined"  # a step landed where f is not defined (a log of a negative number)
SINGULAR = "singular"  # Newton's method at a singular Hessian: its step is undefined


@dataclass(frozen=True)
class Trajectory:
    """The iterates of one run. ``points[0]`` is the start, ``points[k]`` the k-th iterate.

    ``gradients[k]`` is ∇f at ``points[k]``; ``step_sizes[k-1]`` is ‖points[k] − points[k-1]‖.
    """

    optimizer: str
    points: list[tuple[float, ...]]
    values: list[float]
    gradients: list[tuple[float, ...]]
    status: str
    modified: tuple[int, ...] = ()  # Newton: steps whose Hessian was not positive definite

    @property
    def step_sizes(self) -> list[float]:
        """‖points[k] − points[k−1]‖ for k = 1…steps (derived, so the hot loop skips it)."""
        return [math.dist(a, b) for a, b in zip(self.points, self.points[1:])]  # noqa: B905

    @property
    def steps(self) -> int:
        return len(self.points) - 1

    def to_json(self) -> dict:
        return {
            "optimizer": self.optimizer,
            "points": [list(p) for p in self.points],
            "values": self.values,
            "gradients": [list(g) for g in self.gradients],
            "step_sizes": self.step_sizes,
            "status": self.status,
            "steps": self.steps,
        }
