"""Exercises the engine grades: the reader's code (or typed answer) against exact mathematics.

One grader runs at build time (the author's solution must pass it) and in the reader's
browser (Pyodide, the cells' worker), so the build and the page say the same thing.
An exercise is a plain dict, checked by :func:`normalize_exercise`, with one grading key;
each key is one entry of :data:`KINDS`, as each chart is one entry of ``plots.PLOTS``: what
the reader writes, what it is graded against, the mistakes it names, how its value is
checked, its grader and its praise. The graders live by what they grade:
:mod:`engine.grading` (a function of the point, an expression, at sample points) and
:mod:`engine.step_grading` (an optimizer's step, a descent loop, a run's number).

A failure is said in words with a concrete point or step, and the typical mistakes are
named. A typed answer's message never gives the answer away.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .catalogue import formula_of
from .cells import Stream, plain, run_cell
from .grading import (
    ANSWER_FILE,
    ANSWER_TOLERANCE,
    FUNCTION_TOLERANCE,
    MIN_POINTS,
    SAMPLES,
    ExerciseError,
    Wrong,
    agrees,
    cell_line,
    domain_of,
    enough_points,
    expression_of,
    grade_derivative,
    grade_expression,
    grade_gradient,
    grade_hessian,
    grade_value,
    graded_points,
    number_at,
)
from .names import short_name
from .step_grading import (
    HYPER_NAMES,
    STEP_SIGNATURES,
    answer_value,
    grade_answer,
    grade_loop,
    grade_update,
    loop_namespace,
    run_of,
)

__all__ = [
    "KINDS",
    "MIN_POINTS",
    "SAMPLES",
    "STEP_SIGNATURES",
    "ExerciseError",
    "agrees",
    "grade",
    "grade_json",
    "graded_points",
    "normalize_exercise",
]


@dataclass(frozen=True)
class Kind:
    """One grading key: what the reader writes (``asks``, as the page says it; ``writes``,
    as the guide's table does, the key's own value included) and whether they type it, what
    it is graded against and the mistakes it names, how the author's value is checked
    (``check(raw, out)`` fills ``out[key]`` or raises ExerciseError), how the reader's
    answer is graded (raises Wrong) and what a right one is told."""

    key: str
    asks: str
    graded: str
    mistakes: str
    check: Callable[[Mapping[str, Any], dict[str, Any]], None]
    grade: Callable[[dict[str, Any], Any], None]
    praise: Callable[[dict[str, Any]], str]
    writes: str = ""  # the guide's words, if not `asks`
    typed: bool = False  # the reader types an answer, rather than writing code


def _check_expression(raw: Mapping[str, Any], out: dict[str, Any]) -> None:
    """An expression in x (and y), or a catalogue name; graded where it is defined."""
    key = out["kind"]
    value = raw[key]
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ExerciseError((key,), f"{key} must be an expression in x (and y)")
    _, dim = expression_of(str(value), key)
    if key == "derivative_of" and dim != 1:
        raise ExerciseError(
            (key,),
            "derivative_of takes a function of x alone; use gradient_of for a function of x and y",
        )
    out[key] = formula_of(str(value))
    if "domain" in raw:
        out["domain"] = domain_of(raw["domain"], dim)
    enough_points(out, dim)


def _check_update(raw: Mapping[str, Any], out: dict[str, Any]) -> None:
    allowed = ("optimizer", "function", "start", "steps", *HYPER_NAMES)
    run = run_of(raw["update"], "update", allowed, ("optimizer", "function", "start", "lr"))
    run.setdefault("steps", 10)
    out["update"] = run


def _check_loop(raw: Mapping[str, Any], out: dict[str, Any]) -> None:
    allowed = ("function", "start", "lr", "steps", "near", "within", "steps_fewer_than")
    run = run_of(raw["loop"], "loop", allowed, ("function", "start"))
    if "near" not in run and not ("lr" in run and "steps" in run):
        raise ExerciseError(
            ("loop",),
            "loop needs 'lr' and 'steps' (end where that many steps end) or 'near' (end "
            "near a point), with 'steps_fewer_than' if you like",
        )
    out["loop"] = run


def _check_answer(raw: Mapping[str, Any], out: dict[str, Any]) -> None:
    value = raw["answer"]
    if not isinstance(value, Mapping):
        out["answer"] = number_at(value, ("answer",))
        return
    allowed = ("function", "start", "lr", "steps", "optimizer", "of", *HYPER_NAMES[1:])
    run = run_of(value, "answer", allowed, ("function", "start", "lr", "steps"))
    if not math.isfinite(answer_value(run)):
        raise ExerciseError(("answer",), "that run diverges: its answer is not a number")
    out["answer"] = run


def _at_points(words: str) -> Callable[[dict[str, Any]], str]:
    return lambda exercise: f"Correct: {words} at {len(graded_points(exercise))} points."


def _step_praise(exercise: dict[str, Any]) -> str:
    run = exercise["update"]
    return (
        f"Correct: your step reproduces the engine's {short_name(run['optimizer'])} for "
        f"{run['steps']} steps."
    )


def _at_samples(
    key: str,
    asks: str,
    grade: Callable[[dict[str, Any], Any], None],
    mistakes: str = "",
    writes: str = "",
) -> Kind:
    """A kind whose reader defines a function of the point, compared with the exact result
    at the sample points."""
    return Kind(
        key,
        asks=asks,
        writes=writes,
        graded=SAMPLED,
        mistakes=mistakes or FUNCTION_MISTAKES,
        check=_check_expression,
        grade=grade,
        praise=_at_points("it matches the exact result"),
    )


SAMPLED = f"the exact result at {SAMPLES} sample points where it is defined"
FUNCTION_MISTAKES = "a sign, a constant factor, or a wrong component, at a point"
KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        _at_samples("derivative_of", "derivative(x)", grade_derivative),
        _at_samples(
            "gradient_of",
            "gradient(x, y)",
            grade_gradient,
            mistakes="swapped partials, " + FUNCTION_MISTAKES,
        ),
        _at_samples(
            "hessian_of",
            "hessian(x, y)",
            grade_hessian,
            writes="`hessian(x, y)`, returning `[[f_xx, f_xy], [f_yx, f_yy]]`",
        ),
        _at_samples("value_of", "f(x, y)", grade_value),
        Kind(
            "update",
            asks="step(…), one step of the optimizer",
            writes="one step of an optimizer: `{optimizer, lr, function, start, steps}`",
            graded="the engine's run of that optimizer, step by step",
            mistakes="a step uphill, the optimizer's typical slip (momentum without its "
            "velocity, Adam without bias correction, RMSprop without the root, Newton "
            "without H), else the first step that differs",
            check=_check_update,
            grade=grade_update,
            praise=_step_praise,
        ),
        Kind(
            "loop",
            asks="a descent loop that leaves its last point in x",
            writes="a descent loop given `f` and `derivative` or `gradient`: `{function, "
            "start, lr, steps}` or `{function, start, near, within, steps_fewer_than}`",
            graded="where that many steps of gradient descent end, or within `within` of `near`",
            mistakes="one step too few or too many, a climb, too many gradient evaluations",
            check=_check_loop,
            grade=grade_loop,
            praise=lambda _: "Correct: your loop ends where it should.",
        ),
        Kind(
            "answer",
            typed=True,
            asks="a number",
            writes="a typed number: the key's number, or `{function, start, lr, steps, of}` "
            "(the run's `x`, `y` or `f` after `steps` steps)",
            graded="the number, to `tolerance`",
            mistakes="a step too few or too many, a sign; else too large or too small",
            check=_check_answer,
            grade=grade_answer,
            praise=lambda _: "Correct.",
        ),
        Kind(
            "expression",
            typed=True,
            asks="an expression in x and y",
            writes="a typed expression in x and y",
            graded=SAMPLED,
            mistakes="a sign, a constant factor, at a point (never the answer itself)",
            check=_check_expression,
            grade=grade_expression,
            praise=_at_points("your expression equals the answer"),
        ),
    )
}
# The grading keys whose value is an expression (the others are runs or a number).
EXPRESSION_KEYS = tuple(key for key, kind in KINDS.items() if kind.check is _check_expression)
RUN_KINDS = ("update", "loop", "answer")  # grading keys that may be a run's mapping


def kind_reference() -> str:
    """The guide's table of grading keys, from :data:`KINDS`."""
    rows = [
        "| grading key | the reader writes | graded against | mistakes it names |",
        "| --- | --- | --- | --- |",
    ]
    for kind in KINDS.values():
        writes = kind.writes or f"`{kind.asks}`"
        rows.append(f"| `{kind.key}` | {writes} | {kind.graded} | {kind.mistakes} |")
    return "\n".join(rows)


def normalize_exercise(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The grading part of an exercise, checked: ``{"kind", <kind's key>, "tolerance"}``.

    Raises ExerciseError(path, message) for anything the grader could not use."""
    kinds = [key for key in KINDS if key in raw]
    if len(kinds) != 1:
        found = "none" if not kinds else " and ".join(kinds)
        raise ExerciseError(
            (kinds[1] if len(kinds) > 1 else "id",),
            f"an exercise has exactly one grading key ({', '.join(KINDS)}); this one has {found}",
        )
    key = kinds[0]
    out: dict[str, Any] = {"kind": key}
    default = ANSWER_TOLERANCE if key == "answer" else FUNCTION_TOLERANCE
    out["tolerance"] = (
        number_at(raw["tolerance"], ("tolerance",), positive=True)
        if "tolerance" in raw
        else default
    )
    if "domain" in raw and key not in EXPRESSION_KEYS:
        raise ExerciseError(
            ("domain",), f"domain is where {', '.join(EXPRESSION_KEYS)} are graded; {key} has none"
        )
    KINDS[key].check(raw, out)
    return out


def grade(exercise: dict[str, Any], answer: str, on_text: Stream | None = None) -> dict[str, Any]:
    """Grade the reader's ``answer`` (code, or typed text) for a normalized ``exercise``:
    ``{"passed": bool, "message": str, "output": cell output | None}``."""
    kind = KINDS[exercise["kind"]]
    output = None
    try:
        if kind.typed:
            kind.grade(exercise, answer)
        else:
            namespace: dict[str, Any] = {}
            calls = None
            if kind.key == "loop":
                given, calls = loop_namespace(exercise["loop"])
                namespace.update(given)
            output = run_cell(answer, namespace, ANSWER_FILE, None, on_text)
            if output["error"]:
                error = output["error"]
                where = f" on line {error['line']}" if error.get("line") else ""
                raise Wrong(f"Your code raised {error['type']}{where}: {error['message']}")
            namespace["__calls__"] = calls
            kind.grade(exercise, namespace)
    except Wrong as wrong:
        message = str(wrong)
        return {
            "passed": False,
            "message": message + ".",
            "output": _plain(output),
        }
    except (SystemExit, KeyboardInterrupt) as exc:  # raised by the reader's function
        line = cell_line(exc)
        where = f" on line {line}" if line else ""
        message = (
            f"Your code raised {type(exc).__name__}{where} while it was graded: return an "
            "answer instead (an exception says what went wrong)"
        )
        return {"passed": False, "message": message + ".", "output": _plain(output)}
    return {"passed": True, "message": kind.praise(exercise), "output": _plain(output)}


def _plain(output: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if output is None else {**output, "displays": plain(output["displays"])}


def grade_json(request_text: str, on_text: Stream | None = None) -> str:
    """The browser worker's call: ``{"exercise": {...}, "answer": text}`` in, the verdict out."""
    request = json.loads(request_text)
    return json.dumps(grade(request["exercise"], request["answer"], on_text), allow_nan=False)
