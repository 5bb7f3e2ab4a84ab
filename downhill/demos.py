"""Stage 3, demos: turn each ``demo`` fence into a spec, a pre-rendered figure and controls.

The engine computes every figure at build time, so the page shows finished charts before
any Python loads in the browser. Author mistakes become ContentErrors at the exact line.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from engine import SpecError, normalize_spec, render_demo
from engine.api import clean, to_json
from engine.names import STATUS_WORDS
from engine.views import DEFAULT_TOL, ended_settled, settled_below

from .controls import Control, build_controls
from .data import with_file_data
from .errors import ContentError
from .fences import FenceLocator, guarded
from .iterates import ID, Runs
from .keyframes import Keyframes, KeyframeStore, keyframes
from .yamlmap import FenceYAMLError, line_of, load_fence

SHARED_MIN_LENGTH = 50  # items of an array worth sharing between a page's demos
SHARED_MIN_BYTES = 2000


@dataclass(frozen=True)
class Demo:
    """A rendered demo: its id, raw spec, computed result and controls."""

    id: str
    spec: dict[str, Any]
    result: dict[str, Any]
    controls: list[Control]
    line: int
    title: str | None = None  # above all its charts
    chart_titles: list[str | None] = field(default_factory=list)  # one above each chart
    name: str = ""  # what assistive technology calls it: unique on its page


class DemoFence:
    """The ``demo`` fence formatter for one article; collects demos and errors."""

    def __init__(
        self,
        path: Path,
        locator: FenceLocator,
        env: jinja2.Environment,
        errors: list[ContentError],
        known: KeyframeStore | None = None,
        runs: Runs | None = None,
    ) -> None:
        self.path = path
        self.locator = locator
        self.template = env.get_template("demo.html")
        self.errors = errors
        self.demos: list[Demo] = []
        self.files: dict[str, str] = {}  # keyframe files beside the page: name → content hash
        self.texts: dict[str, str] = {}  # content hash → text, when no cache folder keeps them
        self.embedded: dict[str, str] = {}  # hash of a large array → where the page has it
        self.keyframe_bytes = 0  # their size, compressed
        self.thinned: list[list] = []  # [demo id, control, positions kept]
        self.known = known if known is not None else KeyframeStore(None, "")
        self.runs = runs if runs is not None else Runs()  # for the prose's engine numbers

    def shared_once(self, demo: Demo) -> list[dict[str, Any]]:
        """The demo's figures with each large array that an earlier demo of the page already
        embeds replaced by ``{"$same": "DEMO/FIGURE/TRACE/KEY"}`` (the page's script puts
        the array back): five demos of one landscape carry its grid once, not five times."""
        figures = clean(demo.result["figures"])
        for i, figure in enumerate(figures):
            for k, trace in enumerate(figure["data"]):
                for key, value in trace.items():
                    if not isinstance(value, list) or len(value) < SHARED_MIN_LENGTH:
                        continue
                    text = json.dumps(value, separators=(",", ":"))
                    if len(text) < SHARED_MIN_BYTES:
                        continue
                    digest = hashlib.sha256(text.encode()).hexdigest()
                    if digest in self.embedded:
                        trace[key] = {"$same": self.embedded[digest]}
                    else:
                        self.embedded[digest] = f"{demo.id}/{i}/{k}/{key}"
        return figures

    def keyframes_of(self, raw: dict[str, Any], demo: Demo) -> Keyframes | None:
        """The demo's keyframes, computed once per spec and controls."""
        return self.known.get(
            to_json([raw, [c.__dict__ for c in demo.controls]]),
            lambda: keyframes(raw, demo.result, demo.controls),
        )

    def __call__(self, src: str) -> str:
        fence_line = self.locator.line_of("demo", src)
        html = guarded(
            self.errors, self.path, fence_line, "demo", lambda: self.render(src, fence_line)
        )
        self.runs.note_failure(src, html)
        return html

    def render(self, src: str, fence_line: int) -> str:
        read = self._read(src, fence_line)
        if read is None:
            return ""
        raw, lines = read
        checked = self._checked(raw, lines, fence_line)
        if checked is None:
            return ""
        raw, spec, controls, demo_id = checked
        result = render_demo(raw)
        problem = end_problem(spec, result)
        if problem:
            line = line_of(lines, ("stability",), fence_line)
            self.errors.append(ContentError(self.path, line, f"demo: {problem}"))
            return ""
        title = spec["title"] if isinstance(spec["title"], str) else None
        chart_titles = spec["title"] if isinstance(spec["title"], list) else []
        name = title or (str(raw["caption"]) if raw.get("caption") else "") or "chart"
        if name == "chart" or any(d.name == name for d in self.demos):
            name = f"{name} {len(self.demos) + 1}"
        demo = Demo(demo_id, raw, result, controls, fence_line, title, chart_titles, name.strip())
        self.demos.append(demo)
        self.runs.add(demo_id, spec, fence_line, raw)
        frames = self.keyframes_of(raw, demo) if raw.get("keyframes", True) else None
        if frames:
            self._keep(demo_id, frames)
        return self.template.render(
            source=src if raw.get("show_source") else None,
            demo=demo,
            keyframes=f"{demo_id}.{frames.name}.json" if frames else "",
            keyframes_first=f"{demo_id}.{frames.first_name}.json"
            if frames and frames.first
            else "",
            spec_json=_script_json(to_json(raw)),
            figures_json=_script_json(to_json(self.shared_once(demo))),
        )

    def _read(self, src: str, fence_line: int) -> tuple[dict[str, Any], dict] | None:
        """The fence's YAML as a mapping, with no engine number in its drawn text."""
        try:
            raw, lines = load_fence(src, fence_line)
        except FenceYAMLError as exc:
            self.errors.append(
                ContentError(self.path, exc.line, f"demo is not valid YAML: {exc.message}")
            )
            return None
        if not isinstance(raw, dict):
            self.errors.append(
                ContentError(
                    self.path,
                    fence_line,
                    "a demo's body must be 'key: value' lines, e.g. 'function: x**2'",
                )
            )
            return None
        for key in ("caption", "title", "labels"):  # text drawn as it is, never Markdown
            if "{=" in json.dumps(raw.get(key), ensure_ascii=False):
                self.errors.append(
                    ContentError(
                        self.path,
                        line_of(lines, (key,), fence_line),
                        f"demo: {key} holds an engine number ({{=…}}), which only the prose "
                        "fills in; write it in a sentence beside the demo instead",
                    )
                )
                return None
        return raw, lines

    def _checked(
        self, raw: dict[str, Any], lines: dict, fence_line: int
    ) -> tuple[dict[str, Any], dict[str, Any], list[Control], str] | None:
        """The demo with the article's functions and the author's data filled in, its spec,
        its controls and its id, each checked (errors at their lines); None if any is wrong."""
        count = len(self.errors)
        raw = self.runs.expanded(raw)
        data_line = line_of(lines, ("fit", "data"), fence_line + 1)
        raw = with_file_data(raw, self.path, self.errors, data_line)
        if len(self.errors) > count:
            return None
        try:
            spec = normalize_spec(raw)
        except SpecError as exc:
            for issue in exc.issues:
                line = line_of(lines, issue.path, fence_line)
                self.errors.append(ContentError(self.path, line, f"demo: {issue}"))
            return None
        controls, problems = build_controls(raw.get("controls"), spec)
        for path, message in problems:
            self.errors.append(
                ContentError(self.path, line_of(lines, path, fence_line), f"demo: {message}")
            )
        if problems:
            return None
        demo_id = str(raw.get("id") or f"demo-{len(self.demos) + 1}")
        same = next((d for d in self.demos if d.id == demo_id), None)
        problem = None
        if same:
            problem = f"id {demo_id!r} is already the id of the demo at line {same.line}"
        elif not ID.match(demo_id):
            problem = f"id {demo_id!r} must be letters, digits, - and _, starting with a letter"
        if problem:
            line = line_of(lines, ("id",), fence_line)
            fix = "give each demo its own id, e.g. 'id: peaks-path'"
            self.errors.append(ContentError(self.path, line, f"demo: {problem}; {fix}"))
            return None
        return raw, spec, controls, demo_id

    def _keep(self, demo_id: str, frames: Keyframes) -> None:
        """The demo's keyframe files among the article's files (the whole file, and the
        first, coarse one if there is one)."""
        self.keyframe_bytes += frames.bytes_fetched
        self.thinned += [[demo_id, *control] for control in frames.thinned()]
        for name, text in [(frames.name, frames.text), (frames.first_name, frames.first)]:
            if text:
                self.files[f"{demo_id}.{name}.json"] = name
                if self.known.folder is None:
                    self.texts[name] = text


def end_problem(spec: dict[str, Any], result: dict[str, Any]) -> str | None:
    """Why ``stability: end`` has no minimum to take the Hessian at, if it has none."""
    if spec["stability"] != "end" or not result["runs"]:
        return None
    run, tol = result["runs"][0], spec["tol"] or DEFAULT_TOL
    if ended_settled(run["status"], run["grad_norm"], tol):
        return None
    how = STATUS_WORDS[run["status"]].format(steps=run["steps"])
    return (
        f"stability: end takes the Hessian where the demo's run ends, but the run did not "
        f"converge ({how}; ‖∇f‖ = {run['grad_norm'] or math.inf:.3g} at its end, above "
        f"√tol = {settled_below(tol):.3g}): choose an lr and steps that reach the minimum, "
        "or give the minimum as a point, e.g. stability: [0, 0]"
    )


SCRIPT_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _script_json(text: str) -> str:
    """JSON safe inside <script type="application/json">: with no <, > or &, nothing in it
    can close the element or open a comment (``<!--<script>`` swallows the page in HTML's
    script parsing); the escapes are the same JSON."""
    return text.translate(SCRIPT_SAFE)
