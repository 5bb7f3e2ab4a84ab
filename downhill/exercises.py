"""The ``exercise`` fence: a question the engine grades, in the reader's browser.

A YAML fence like ``demo`` and ``check``: a prompt (Markdown, math typeset at build time),
starter code, hints revealed one at a time, a solution hidden until asked for, and one
grading key of engine.exercises.KINDS. The build grades the author's solution with the
same grader the page runs (in a child process with a time limit, as cells run) and fails at
the solution's line if it does not pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from engine.exercises import (
    EXPRESSION_KEYS,
    KINDS,
    MIN_POINTS,
    RUN_KINDS,
    SAMPLES,
    STEP_SIGNATURES,
    ExerciseError,
    normalize_exercise,
)
from engine.expr import parse
from engine.schema import Field, flag, is_texts, suggest

from .cell_output import code_html
from .demos import _script_json as script_json
from .errors import ContentError
from .fences import FenceLocator, guarded, source_shown
from .iterates import ID, Runs
from .kernel_client import DEFAULT_TIMEOUT, MAX_TIMEOUT, CellTimeout, Kernel, within_time_limit
from .yamlmap import FenceYAMLError, line_of, load_fence

TEXT = "text (use '|' for several lines)"
# An exercise's keys besides its grading key (engine.exercises.KINDS), one row each: the
# values it allows and what it means (the guide's table). The grader checks ``tolerance``
# and ``domain`` itself.
KEYS: dict[str, Field] = {
    "id": Field(
        None,
        lambda v: isinstance(v, str) and bool(ID.match(v)),
        "a name such as 'gradient-1' (letters, digits, - and _, starting with a letter)",
        "the exercise's id: its anchor, and where the reader's progress is kept",
    ),
    "prompt": Field(
        None,
        lambda v: isinstance(v, str),
        TEXT,
        "the question, in Markdown (math is typeset when the site is built)",
    ),
    "starter": Field(
        None,
        lambda v: v is None or isinstance(v, str),
        TEXT,
        "the code the reader starts from (code exercises; a default is given)",
    ),
    "hints": Field(
        [],
        is_texts,
        "a list of texts (put a hint that holds ': ' in single quotes, or YAML reads it as "
        "a mapping)",
        "a list of hints (Markdown), revealed one at a time",
    ),
    "solution": Field(
        None,
        lambda v: v is None or isinstance(v, str),
        TEXT,
        "code exercises: the author's code, graded when the site is built; typed answers: "
        "an explanation (Markdown). Hidden until the reader asks for it",
    ),
    "tolerance": Field(
        None,
        lambda v: True,
        "a number",
        "how close a number must be: absolute up to 1, relative above",
    ),
    "domain": Field(
        None,
        lambda v: True,
        "[lo, hi] or [[x0, x1], [y0, y1]]",
        "where an expression's kinds draw their sample points: [lo, hi] for every coordinate, "
        "or [[x0, x1], [y0, y1]] (default [−2.5, 2.5]); the build fails when fewer than "
        f"{MIN_POINTS} of the {SAMPLES} points are defined",
    ),
    "timeout": Field(
        DEFAULT_TIMEOUT,
        within_time_limit,
        f"seconds, from 1 to {MAX_TIMEOUT}",
        f"seconds the reader's code may run (default {DEFAULT_TIMEOUT})",
    ),
    "show_source": flag(False, "print the fence's Markdown source under it (for guides)"),
}
REQUIRED = ("id", "prompt")


def starter_for(exercise: dict[str, Any]) -> str:
    """The code a reader starts from when the author gives none: the signature to fill in
    (nothing for a typed answer, which has no code)."""
    kind = exercise["kind"]
    if KINDS[kind].typed:
        return ""
    if kind == "update":
        signature, returns, _ = STEP_SIGNATURES[exercise["update"]["optimizer"]]
        return f"def {signature}:\n    # return {returns}\n    ...\n"
    if kind == "loop":
        names = "x, y" if len(exercise["loop"]["start"]) == 2 else "x"
        return f"{names} = start\n# your descent loop: leave its last point in {names}\n"
    args = "x, y" if "y" in parse(exercise[kind]).names() else "x"
    name = {"derivative_of": "derivative", "gradient_of": "gradient", "hessian_of": "hessian"}
    return f"def {name.get(kind, 'f')}({args}):\n    ...\n"


@dataclass
class ExerciseFence:
    """The ``exercise`` formatter of one article; the solutions are graded in one child
    process, started for the first and closed with :meth:`close`."""

    path: Path
    locator: FenceLocator
    env: jinja2.Environment
    errors: list[ContentError]
    markdown: Callable[[str], str]  # Markdown → HTML, its math collected for the article
    runs: Runs = field(default_factory=Runs)  # the article's named functions
    count: int = 0
    ids: dict[str, int] = field(default_factory=dict)
    kernel: Kernel | None = None

    def __call__(self, src: str) -> str:
        line = self.locator.line_of("exercise", src)
        return guarded(self.errors, self.path, line, "exercise", lambda: self.render(src, line))

    def close(self) -> None:
        if self.kernel is not None:
            self.kernel.close()
            self.kernel = None

    def fail(self, line: int, message: str) -> str:
        self.errors.append(ContentError(self.path, line, f"exercise: {message}"))
        return ""

    def render(self, src: str, fence_line: int) -> str:
        try:
            raw, lines = load_fence(src, fence_line)
        except FenceYAMLError as exc:
            return self.fail(exc.line, f"not valid YAML: {exc.message}")
        if not isinstance(raw, dict):
            return self.fail(fence_line, "write the exercise as YAML keys (id, prompt, …)")

        def at(*path: str | int) -> int:
            return line_of(lines, path, fence_line)

        checked = self._checked(raw, at, fence_line)
        if checked is None:
            return ""
        exercise, values = checked
        kind = KINDS[exercise["kind"]]
        solution = values["solution"]
        if not kind.typed:
            if not solution:
                return self.fail(
                    fence_line,
                    "a code exercise needs 'solution:', the code that "
                    "passes it (the build grades it)",
                )
            verdict = self.grade(exercise, solution, values["timeout"], at("solution"))
            if verdict is None:
                return ""
            if not verdict["passed"]:
                return self.fail(
                    at("solution"),
                    f"the solution does not pass its own grading: {verdict['message']}",
                )
        self.count += 1
        return self._html(src, raw, exercise, values)

    def _checked(
        self, raw: dict[str, Any], at: Callable[..., int], fence_line: int
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The exercise's grading part (engine.exercises.normalize_exercise) and its other
        keys' values, each checked by its row of KEYS; None (and errors) if any is wrong."""
        allowed = (*KEYS, *KINDS)
        unknown = [k for k in raw if k not in allowed]
        for key in unknown:
            self.fail(at(key), f"unknown key {key!r}{suggest(key, allowed)}")
        missing = [k for k in REQUIRED if k not in raw]
        for key in missing:
            self.fail(fence_line, f"an exercise needs '{key}:'")
        if unknown or missing:
            return None
        values = {key: raw.get(key, row.default) for key, row in KEYS.items()}
        for key, row in KEYS.items():
            if key in raw and (problem := row.problem(key, raw[key])):
                self.fail(at(key), problem)
                return None
        if isinstance(values["hints"], str):
            values["hints"] = [values["hints"]]
        ident = values["id"]
        if ident in self.ids:
            self.fail(
                at("id"),
                f"id {ident!r} is already the id of the exercise at line {self.ids[ident]}",
            )
            return None
        self.ids[ident] = fence_line
        for key in EXPRESSION_KEYS:
            if key in raw:  # a function defined in the front matter, by its name
                raw = {**raw, key: self.runs.formula(raw[key])}
        for key in RUN_KINDS:
            if isinstance(raw.get(key), dict):
                raw = {**raw, key: self.runs.expanded(raw[key])}
        try:
            exercise = normalize_exercise(raw)
        except ExerciseError as exc:
            self.fail(at(*exc.path), exc.message)
            return None
        kind = KINDS[exercise["kind"]]
        if kind.typed and values["starter"] is not None:
            self.fail(
                at("starter"),
                f"a {kind.key} exercise is answered by typing {kind.asks}, not code: remove "
                "starter",
            )
            return None
        return exercise, values

    def _html(
        self, src: str, raw: dict[str, Any], exercise: dict[str, Any], values: dict[str, Any]
    ) -> str:
        kind = KINDS[exercise["kind"]]
        solution = values["solution"]
        starter = (values["starter"] or starter_for(exercise)).rstrip("\n")
        data = {
            "exercise": exercise,
            "starter": starter,
            "timeout": values["timeout"],
            "typed": kind.typed,
            "hints": len(values["hints"]),
        }
        return self.env.get_template("exercise.html").render(
            id=values["id"],
            number=self.count,
            kind=kind,
            prompt=self.markdown(values["prompt"] or ""),
            starter_html=None if kind.typed else code_html(starter),
            hints=[self.markdown(h) for h in values["hints"]],
            solution_html=(
                code_html(solution.rstrip("\n"))
                if solution and not kind.typed
                else self.markdown(solution)
                if solution
                else ""
            ),
            data=script_json(json.dumps(data)),
            source=source_shown("exercise", src) if raw.get("show_source") else "",
        )

    def grade(
        self, exercise: dict[str, Any], solution: str, timeout: float, line: int
    ) -> dict[str, Any] | None:
        """The solution's verdict, from the grader in a child process (None: it failed)."""
        if self.kernel is None:
            self.kernel = Kernel(self.path.parent)
        request = {"op": "grade", "exercise": exercise, "answer": solution}
        try:
            return self.kernel.run(request, timeout)["verdict"]
        except CellTimeout as exc:
            self.close()
            self.fail(line, f"grading the solution {exc}")
            return None
