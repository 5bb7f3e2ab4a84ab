"""The engine's one entry point for the builder and the browser worker: spec in, figures out."""

from __future__ import annotations

import json
import math
from typing import Any

from .descent import CONVERGED, DIVERGED, LEFT_DOMAIN, UNDEFINED, Trajectory
from .figures import FIGURES, schedule_words, trajectories
from .optimizers import OPTIMIZERS
from .spec import SpecError, normalize_spec


def _fmt(value: float) -> str:
    text = f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return text.replace("-", "\u2212")


def _point(p: tuple[float, ...]) -> str:
    return _fmt(p[0]) if len(p) == 1 else "(" + ", ".join(_fmt(c) for c in p) + ")"


def _steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def describe(t: Trajectory, spec: dict[str, Any] | None = None) -> str:
    """One sentence, in words and numbers, of where a run ended (``spec`` says whether it
    climbed, and where the plot ends)."""
    label = OPTIMIZERS[t.optimizer].label
    if spec is not None and spec.get("ascent"):
        label = "Gradient ascent" if t.optimizer == "gd" else f"{label} (ascent)"
    end, value = _point(t.points[-1]), _fmt(t.values[-1])
    if t.status == DIVERGED:
        return f"{label} diverged at step {t.steps + 1} (last finite point {end}, f = {value})"
    if t.status == UNDEFINED:
        return (
            f"{label} stepped out of f's domain at step {t.steps + 1}: f is not defined where "
            f"it landed (last point {end}, f = {value})"
        )
    if t.steps and all(p == t.points[0] for p in t.points):
        return f"{label} did not move from {end}: every step was 0 (f = {value})"
    if t.status == CONVERGED:
        box = spec.get("domain") if spec is not None else None
        if box and not all(lo <= c <= hi for c, (lo, hi) in zip(t.points[-1], box, strict=False)):
            return (
                f"{label} stopped outside the plot, at {end}, where the ground is flat "
                f"(after {_steps(t.steps)}, f = {value})"
            )
        return f"{label} converged to {end} in {_steps(t.steps)}, f = {value}"
    if t.status == LEFT_DOMAIN:
        return f"{label} left the domain at step {t.steps}, at {end}"
    return f"{label} reached {end} after {_steps(t.steps)}, f = {value}"


def _curvature_words(t: Trajectory) -> str:
    """Newton's steps where the Hessian was not positive definite, in words."""
    if not t.modified:
        return ""
    count = len(t.modified)
    where = (
        f"at step {t.modified[0]}"
        if count == 1
        else (f"at {count} steps, first at step {t.modified[0]}")
    )
    return (
        f" (the Hessian was not positive definite {where}: there Newton stepped along "
        "|H|⁻¹∇f, its eigenvalues made positive, so as to go downhill)"
    )


def render_demo(raw_spec: dict[str, Any]) -> dict[str, Any]:
    """Figures, run summaries and a one-line text for a demo spec.

    Returns ``{"figures": [...], "runs": [...], "summary": str}``, or raises SpecError.
    """
    spec = normalize_spec(raw_spec)
    paths = trajectories(spec)
    figures = [FIGURES[kind](spec, paths) for kind in spec["plots"]]
    runs = [
        {
            "optimizer": t.optimizer,
            "status": t.status,
            "steps": t.steps,
            "end": list(t.points[-1]),
            "value": t.values[-1],
        }
        for t in paths
    ]
    return {
        "figures": figures,
        "runs": runs,
        # A function drawn on its own (path: none) has no run to sum up.
        "summary": "; ".join(describe(t, spec) + _curvature_words(t) for t in paths)
        + "."
        + schedule_words(spec)
        if paths
        else "",
    }


def clean(value: Any) -> Any:
    """JSON cannot hold NaN or infinities: they become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        # Figures are mostly long arrays of floats: those items without a call each
        # (x - x is 0.0 exactly when x is finite).
        return [(v if v - v == 0.0 else None) if type(v) is float else clean(v) for v in value]
    return value


def to_json(value: Any) -> str:
    return json.dumps(clean(value), separators=(",", ":"), allow_nan=False)


def render_json(spec_text: str) -> str:
    """The worker's call: a JSON spec in, JSON ``{"ok": ...}`` or ``{"error": ...}`` out.

    It never raises: text that is not a JSON object, and any failure of the engine itself,
    come back as ``{"error": {"message": ...}}`` for the page to show.
    """
    try:
        raw = json.loads(spec_text)
    except (TypeError, ValueError) as exc:
        return to_json({"error": {"message": f"the spec is not valid JSON: {exc}"}})
    try:
        return to_json({"ok": render_demo(raw)})
    except RecursionError:
        return to_json({"error": {"message": "this spec is nested too deeply to compute"}})
    except MemoryError:
        return to_json({"error": {"message": "this spec needs more memory than there is"}})
    except SpecError as exc:
        return to_json(
            {
                "error": {
                    "message": str(exc),
                    "issues": [{"path": list(i.path), "message": i.message} for i in exc.issues],
                }
            }
        )
    except Exception as exc:  # a bug in the engine: say so rather than break the worker
        return to_json({"error": {"message": f"the engine failed: {type(exc).__name__}: {exc}"}})
