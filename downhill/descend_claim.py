"""The ``descend`` claim of a check fence: a run of the engine (the demo keys, or a demo's
``from``) that ends near a point or the least-squares line, passes through the iterates
claimed, or converges within some steps. A mixin of :class:`downhill.claims.Claims`."""

from __future__ import annotations

from typing import Any

from engine import SpecError, normalize_spec
from engine.exercises import agrees  # the one meaning of tolerance, shared with exercises
from engine.fitting import BestLine, best_line
from engine.runs import trajectories

from .claim_terms import (
    Refused,
    Unchecked,
    _fmt,
    _is_number,
    _point,
    _tex,
)
from .data import with_file_data


class DescendClaim:
    """``descend:`` claims, as methods of the check fence."""

    def descend(self, raw: dict[str, Any], tolerance: float) -> str:
        count = len(self.errors)
        keys = self.runs.expanded(raw["descend"] or {})
        if isinstance(keys, dict) and "from" in keys:  # a demo's run, with these keys on top
            own = {k: v for k, v in keys.items() if k != "from"}
            try:
                based = self.runs.based_on(keys["from"], own, "check")
            except LookupError as exc:
                raise Refused(("descend", "from"), f"descend.from: {exc}") from None
            if based is None:  # that demo's own error says what is wrong
                raise Unchecked
            keys = based
        keys = with_file_data(keys, self.path, self.errors, self.line)
        if len(self.errors) > count:  # the data file's own errors say what is wrong
            raise Refused(("descend", "fit", "data"), "descend: its fit.data cannot be used")
        try:
            spec = normalize_spec(keys)
        except SpecError as exc:
            issue = exc.issues[0]
            raise Refused(("descend", *issue.path), f"descend: {issue}") from exc
        claims = [k for k in ("ends_near", "iterates", "steps_fewer_than") if k in raw]
        if not claims:
            raise Refused(
                ("descend",),
                "claim where the run ends ('ends_near:'), its first "
                "iterates ('iterates:') or its length ('steps_fewer_than:')",
            )
        dim = len(spec["start"])
        target, best = self.end_claimed(raw, spec, dim), None
        if raw.get("ends_near") == "least_squares":
            best = best_line(spec["fit"])
        shown = []
        for run in trajectories(spec):
            if best is not None:
                self.reaches_best_line(run, best, spec["fit"], tolerance)
            elif target is not None:
                end = run.points[-1]
                if not all(agrees(t, e, tolerance) for t, e in zip(target, end, strict=True)):
                    raise Refused(
                        ("ends_near",),
                        f"{run.optimizer} ends at {_point(end)} after {run.steps} steps "
                        f"({run.status}), not near the claimed {_point(target)}; tolerance is "
                        f"{_fmt(tolerance)}",
                    )
            if "iterates" in raw:
                self.iterates(raw["iterates"], run, dim, tolerance)
            if "steps_fewer_than" in raw:
                limit = raw["steps_fewer_than"]
                if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
                    raise Refused(("steps_fewer_than",), "steps_fewer_than must be a whole number")
                if run.status != "converged" or run.steps >= limit:
                    raise Refused(
                        ("steps_fewer_than",),
                        f"{run.optimizer} took {run.steps} steps ({run.status.replace('_', ' ')}), "
                        f"not fewer than {limit} to converge (tol {_fmt(spec['tol'])})",
                    )
            shown.append(run.optimizer)
        start = _point(spec["start"])
        said = []
        if best is not None:
            what = "least-squares" if best.loss == "mse" else "least-absolute-deviations"
            said.append(rf"\text{{ ends at the {what} line }} {_point(best.point)}")
        elif target is not None:
            said.append(rf"\text{{ ends within }} {_tex(tolerance)} \text{{ of }} {_point(target)}")
        if "iterates" in raw:
            said.append(rf"\text{{ passes the {len(raw['iterates'])} iterates claimed}}")
        if "steps_fewer_than" in raw:
            said.append(rf"\text{{ converges in fewer than {raw['steps_fewer_than']} steps}}")
        return rf"\text{{{' and '.join(shown)} from }} {start}" + r"\text{,}".join(said)

    def end_claimed(self, raw: dict[str, Any], spec: dict[str, Any], dim: int) -> Any:
        """The end point ``ends_near`` claims: a list, a fit's ``{w, b}``, or None (none
        claimed, or ``least_squares``)."""
        claim = raw.get("ends_near")
        if claim is None:
            return None
        fitting = spec["fit"] is not None
        if claim == "least_squares":
            if not fitting:
                raise Refused(
                    ("ends_near",),
                    "ends_near: least_squares is where a line fit's loss is least; this run "
                    "descends a function: give the point, e.g. ends_near: [0, 0]",
                )
            return None
        if fitting and isinstance(claim, dict) and set(claim) == {"w", "b"}:
            raw = {"ends_near": [claim["w"], claim["b"]]}
        what = "[w, b], {w: …, b: …} or least_squares" if fitting else "the end point"
        return self.numbers(raw, "ends_near", dim, what)

    @staticmethod
    def reaches_best_line(run, best: BestLine, fit: dict[str, Any], tolerance: float) -> None:
        """A fit's run ends at the line its loss is least at (for MAE, where it may not be
        unique: with the least loss there is)."""
        w, b = run.points[-1]
        if best.loss == "mse":
            close = all(agrees(t, e, tolerance) for t, e in zip(best.point, (w, b), strict=True))
            missed = f"the least-squares line {_point(best.point)}"
        else:
            close = agrees(run.values[-1], best.value, tolerance)
            missed = (
                f"a least-absolute-deviations line: its MAE is {_fmt(run.values[-1])}, the "
                f"least is {_fmt(best.value)} (at {_point(best.point)}, for one)"
            )
        if not close:
            raise Refused(
                ("ends_near",),
                f"{run.optimizer} ends at (w, b) = {_point((w, b))} after {run.steps} steps "
                f"({run.status}), not at {missed}; tolerance is {_fmt(tolerance)}",
            )

    @staticmethod
    def iterates(claimed: Any, run, dim: int, tolerance: float) -> None:
        if not isinstance(claimed, list) or not claimed:
            raise Refused(("iterates",), "iterates must list the first iterates, x_0 first")
        if len(claimed) > len(run.points):
            raise Refused(
                ("iterates",),
                f"{len(claimed)} iterates claimed, but the run has only "
                f"{len(run.points)} ({run.status})",
            )
        for k, item in enumerate(claimed):
            point = [item] if dim == 1 and _is_number(item) else item
            if not (isinstance(point, list) and len(point) == dim and all(map(_is_number, point))):
                raise Refused(
                    ("iterates", k),
                    f"iterate {k} must be {'a number' if dim == 1 else 'a pair [x, y]'}",
                )
            exact = run.points[k]
            if not all(agrees(c, e, tolerance) for c, e in zip(point, exact, strict=True)):
                raise Refused(
                    ("iterates", k),
                    f"iterate {k} of {run.optimizer} is {_point(exact)}, not the claimed "
                    f"{_point(point)} (tolerance {_fmt(tolerance)})",
                )
