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
from engine.schema import suggest

from .cell_output import code_html
from .demos import _script_json as script_json
from .errors import ContentError
from .fences import FenceLocator, guarded, source_shown
from .iterates import ID, Runs
from .kernel_client import DEFAULT_TIMEOUT, MAX_TIMEOUT, CellTimeout, Kernel
from .yamlmap import FenceYAMLError, line_of, load_fence


@dataclass(frozen=True)
class Key:
    """One key of the fence besides the grading key: what it is (the guide's reference)."""

    meaning: str
    required: bool = False


KEYS: dict[str, Key] = {
    "id": Key("the exercise's id: its anchor, and where the reader's progress is kept", True),
    "prompt": Key("the question, in Markdown (math is typeset when the site is built)", True),
    "starter": Key("the code the reader starts from (code exercises; a default is given)"),
    "hints": Key("a list of hints (Markdown), revealed one at a time"),
    "solution": Key(
        "code exercises: the author's code, graded when the site is built; typed answers: "
        "an explanation (Markdown). Hidden until the reader asks for it",
    ),
    "tolerance": Key("how close a number must be: absolute up to 1, relative above"),
    "domain": Key(
        "where an expression's kinds draw their sample points: [lo, hi] for every coordinate, "
        "or [[x0, x1], [y0, y1]] (default [−2.5, 2.5]); the build fails when fewer than "
        f"{MIN_POINTS} of the {SAMPLES} points are defined"
    ),
    "timeout": Key(f"seconds the reader's code may run (default {DEFAULT_TIMEOUT})"),
    "show_source": Key("print the fence's Markdown source under it (for guides)"),
}


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

        allowed = (*KEYS, *KINDS)
        unknown = [k for k in raw if k not in allowed]
        for key in unknown:
            self.fail(at(key), f"unknown key {key!r}{suggest(key, allowed)}")
        missing = [k for k, spec in KEYS.items() if spec.required and k not in raw]
        for key in missing:
            self.fail(fence_line, f"an exercise needs '{key}:'")
        if unknown or missing:
            return ""
        ident = raw["id"]
        if not isinstance(ident, str) or not ID.match(ident):
            return self.fail(
                at("id"),
                "id must be a name such as 'gradient-1' (letters, "
                "digits, - and _, starting with a letter)",
            )
        if ident in self.ids:
            return self.fail(
                at("id"),
                f"id {ident!r} is already the id of the exercise at line {self.ids[ident]}",
            )
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
            return self.fail(at(*exc.path), exc.message)
        kind = KINDS[exercise["kind"]]
        texts = {k: raw.get(k) for k in ("prompt", "starter", "solution")}
        for key, value in texts.items():
            if value is not None and not isinstance(value, str):
                return self.fail(at(key), f"{key} must be text (use '|' for several lines)")
        hints = raw.get("hints", [])
        if isinstance(hints, str):
            hints = [hints]
        if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
            return self.fail(
                at("hints"),
                "hints must be a list of texts (put a hint that holds ': ' in single quotes, or "
                "YAML reads it as a mapping)",
            )
        timeout = raw.get("timeout", DEFAULT_TIMEOUT)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not (0 < timeout <= MAX_TIMEOUT)
        ):
            return self.fail(at("timeout"), f"timeout must be seconds, from 1 to {MAX_TIMEOUT}")
        if kind.typed and raw.get("starter") is not None:
            return self.fail(
                at("starter"),
                f"a {kind.key} exercise is answered by typing "
                f"{kind.asks}, not code: remove starter",
            )
        solution = texts["solution"]
        if not kind.typed:
            if not solution:
                return self.fail(
                    fence_line,
                    "a code exercise needs 'solution:', the code that "
                    "passes it (the build grades it)",
                )
            verdict = self.grade(exercise, solution, timeout, at("solution"))
            if verdict is None:
                return ""
            if not verdict["passed"]:
                return self.fail(
                    at("solution"),
                    f"the solution does not pass its own grading: {verdict['message']}",
                )
        self.count += 1
        starter = (texts["starter"] or starter_for(exercise)).rstrip("\n")

        data = {
            "exercise": exercise,
            "starter": starter,
            "timeout": timeout,
            "typed": kind.typed,
            "hints": len(hints),
        }
        return self.env.get_template("exercise.html").render(
            id=ident,
            number=self.count,
            kind=kind,
            prompt=self.markdown(texts["prompt"] or ""),
            starter_html=None if kind.typed else code_html(starter),
            hints=[self.markdown(h) for h in hints],
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
