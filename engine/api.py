"""The engine's one entry point for the builder and the browser worker: spec in, figures out."""

from __future__ import annotations

import json
import math
from typing import Any

from .budget import FULL, Density
from .drawing import with_legend_room
from .plots import PLOTS
from .runs import Runs, computing
from .slices import Sliced, finish
from .spec import SpecError, normalize_spec
from .words import summary


def render_demo(raw_spec: dict[str, Any]) -> dict[str, Any]:
    """Figures, run summaries and a one-line text for a demo spec.

    Returns ``{"figures": [...], "runs": [...], "summary": str}``, or raises SpecError.
    """
    return finish(rendering(normalize_spec(raw_spec)))


def rendering(spec: dict[str, Any], density: Density = FULL) -> Sliced[dict[str, Any]]:
    """:func:`render_demo` of a normalized spec, its computing in slices (engine.slices);
    ``density``: how finely its function or loss is sampled (a first look's is coarser)."""
    computed = yield from computing(spec, density=density)  # spec → runs → figures → words
    return drawn(spec, computed)


def drawn(spec: dict[str, Any], computed: Runs) -> dict[str, Any]:
    """The figures, run summaries and words of computed runs."""
    kinds = [PLOTS[kind] for kind in spec["plots"]]
    figures = [with_legend_room(kind.figure(spec, computed)) for kind in kinds]
    said = [kind.says(spec, computed, f) for kind, f in zip(kinds, figures, strict=True)]
    runs = [
        {
            "optimizer": t.optimizer,
            "status": t.status,
            "steps": t.steps,
            "end": list(t.points[-1]),
            "value": t.values[-1],
            "grad_norm": math.hypot(*t.gradients[-1]) if t.gradients else None,
        }
        for t in computed.trajectories
    ]
    return {
        "figures": figures,
        "runs": runs,
        "summary": summary(spec, said),
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
        return to_json({"ok": render_demo(parsed(spec_text))})
    except Exception as exc:  # failure() says what each kind of exception means
        return to_json(failure(exc))


class NotJson(ValueError):
    """The worker's text is not JSON."""


def parsed(spec_text: str) -> dict[str, Any]:
    """The raw spec in the worker's JSON text."""
    try:
        return json.loads(spec_text)
    except (TypeError, ValueError) as exc:
        raise NotJson(f"the spec is not valid JSON: {exc}") from exc


def failure(exc: Exception) -> dict[str, Any]:
    """The worker's ``{"error": ...}`` answer for what stopped a render."""
    if isinstance(exc, NotJson):
        return {"error": {"message": str(exc)}}
    if isinstance(exc, RecursionError):
        return {"error": {"message": "this spec is nested too deeply to compute"}}
    if isinstance(exc, MemoryError):
        return {"error": {"message": "this spec needs more memory than there is"}}
    if isinstance(exc, SpecError):
        issues = [{"path": list(i.path), "message": i.message} for i in exc.issues]
        return {"error": {"message": str(exc), "issues": issues}}
    # a bug in the engine: say so rather than break the worker
    return {"error": {"message": f"the engine failed: {type(exc).__name__}: {exc}"}}
