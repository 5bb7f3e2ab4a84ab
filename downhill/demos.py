"""Stage 3, demos: turn each ``demo`` fence into a spec, a pre-rendered figure and controls.

The engine computes every figure at build time, so the page shows finished charts before
any Python loads in the browser. Author mistakes become ContentErrors at the exact line.
"""

from __future__ import annotations

import difflib
import html
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from engine import SpecError, normalize_spec, render_demo
from engine.api import to_json

from .errors import ContentError
from .fences import FenceLocator
from .yamlmap import error_line, key_lines, line_of, load

SLIDER_KEYS = ("lr", "steps", "tol", "momentum", "alpha", "beta1", "beta2", "eps")
AXES = ("x", "y")
SLIDER_FIELDS = ("min", "max", "step", "scale", "label")


@dataclass(frozen=True)
class Control:
    """One native form control; ``name`` is the spec key it sets, ``path`` the key path."""

    name: str
    kind: str  # "range"
    label: str
    path: list[str | int]
    value: float
    min: float = 0.0
    max: float = 1.0
    step: float | str = "any"
    scale: str = "linear"

    @property
    def path_json(self) -> str:
        return json.dumps(self.path)

    @property
    def display(self) -> str:
        return f"{self.value:g}"


@dataclass(frozen=True)
class Demo:
    """A rendered demo: its id, raw spec, computed result and controls."""

    id: str
    spec: dict[str, Any]
    result: dict[str, Any]
    controls: list[Control]
    line: int


class DemoFence:
    """The ``demo`` fence formatter for one article; collects demos and errors."""

    def __init__(
        self, path: Path, locator: FenceLocator, env: jinja2.Environment, errors: list[ContentError]
    ) -> None:
        self.path = path
        self.locator = locator
        self.template = env.get_template("demo.html")
        self.errors = errors
        self.demos: list[Demo] = []

    def __call__(self, src: str) -> str:
        fence_line = self.locator.line_of("demo", src)
        first = fence_line + 1
        try:
            raw = load(src) or {}
            lines = key_lines(src, first_line=first)
        except yaml.YAMLError as exc:
            line = error_line(exc, first)
            self.errors.append(
                ContentError(
                    self.path, line, f"demo is not valid YAML: {getattr(exc, 'problem', exc)}"
                )
            )
            return ""
        if not isinstance(raw, dict):
            self.errors.append(
                ContentError(
                    self.path,
                    fence_line,
                    "a demo's body must be 'key: value' lines, e.g. 'function: x**2'",
                )
            )
            return ""
        try:
            spec = normalize_spec(raw)
        except SpecError as exc:
            for issue in exc.issues:
                line = line_of(lines, issue.path, fence_line)
                self.errors.append(ContentError(self.path, line, f"demo: {issue}"))
            return ""
        controls = self._controls(raw, spec, lines, fence_line)
        if controls is None:
            return ""
        demo_id = str(raw.get("id") or f"demo-{len(self.demos) + 1}")
        demo = Demo(demo_id, raw, render_demo(raw), controls, fence_line)
        self.demos.append(demo)
        return self.template.render(
            demo=demo,
            spec_json=_script_json(to_json(raw)),
            figures_json=_script_json(to_json(demo.result["figures"])),
        )

    def _controls(
        self,
        raw: dict[str, Any],
        spec: dict[str, Any],
        lines: dict[tuple[str | int, ...], int],
        fence_line: int,
    ) -> list[Control] | None:
        declared = raw.get("controls") or {}
        where = line_of(lines, ("controls",), fence_line)
        if not isinstance(declared, dict):
            self.errors.append(
                ContentError(
                    self.path,
                    where,
                    "controls must map a spec key to its control, e.g. 'lr: {min: 0.01, max: 1}'",
                )
            )
            return None
        settable = [
            *SLIDER_KEYS,
            *(f"start.{a}" for a in AXES[: spec["dim"]]),
            *(f"params.{p}" for p in spec["params"]),
        ]
        controls: list[Control] = []
        before = len(self.errors)
        for name, options in declared.items():
            line = line_of(lines, ("controls", name), where)
            if name not in settable:
                hint = difflib.get_close_matches(str(name), settable, n=1)
                self.errors.append(
                    ContentError(
                        self.path,
                        line,
                        f"demo: no control can set {name!r}"
                        + (
                            f"; did you mean {hint[0]!r}?"
                            if hint
                            else f" (settable: {', '.join(settable)})"
                        ),
                    )
                )
                continue
            options = options or {}
            if not isinstance(options, dict):
                self.errors.append(
                    ContentError(
                        self.path,
                        line,
                        f"demo: control {name} must be "
                        "a mapping like {min: 0, max: 1, step: 0.01}",
                    )
                )
                continue
            for key in options:
                if key not in SLIDER_FIELDS:
                    hint = difflib.get_close_matches(str(key), SLIDER_FIELDS, n=1)
                    self.errors.append(
                        ContentError(
                            self.path,
                            line_of(lines, ("controls", name, key), line),
                            f"demo: unknown slider option {key!r}"
                            + (f"; did you mean {hint[0]!r}?" if hint else ""),
                        )
                    )
            path = _spec_path(name)
            value = _value_at(spec, path)
            lo, hi = options.get("min", 0.0), options.get("max", 1.0)
            if (
                not all(isinstance(v, int | float) and math.isfinite(v) for v in (lo, hi))
                or lo >= hi
            ):
                self.errors.append(
                    ContentError(
                        self.path,
                        line_of(lines, ("controls", name, "min"), line),
                        f"demo: control {name} needs numbers min < max, got min={lo!r}, max={hi!r}",
                    )
                )
                continue
            if not lo <= value <= hi:
                self.errors.append(
                    ContentError(
                        self.path,
                        line,
                        f"demo: {name} starts at {value:g}, outside its slider's "
                        f"range {lo:g}..{hi:g}; widen the range or change {name}",
                    )
                )
                continue
            step = options.get("step", 1 if name == "steps" else "any")
            controls.append(
                Control(
                    name=name,
                    kind="range",
                    label=options.get("label", name),
                    path=path,
                    value=value,
                    min=lo,
                    max=hi,
                    step=step,
                    scale=options.get("scale", "linear"),
                )
            )
        return None if len(self.errors) > before else controls


def _spec_path(name: str) -> list[str | int]:
    """``start.y`` → ``["start", 1]``; ``params.a`` → ``["params", "a"]``; ``lr`` → ``["lr"]``."""
    parts: list[str | int] = []
    for part in name.split("."):
        parts.append(AXES.index(part) if parts == ["start"] else part)
    return parts


def _value_at(spec: dict[str, Any], path: list[str | int]) -> float:
    node: Any = spec
    for part in path:
        node = node[part]
    return float(node)


def _script_json(text: str) -> str:
    """JSON safe inside <script type="application/json">: no '</' can close the element."""
    return text.replace("</", "<\\/")


def escape(text: str) -> str:
    return html.escape(text, quote=True)
