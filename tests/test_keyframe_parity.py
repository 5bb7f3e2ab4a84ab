"""The page's keyframes are the engine's answers: a sample of every shipped article's
keyframe states (each control at its ends and middle, the others as built), computed again
by the engine under Pyodide (Node, booted as the site's worker boots it), equals what the
build computed in CPython, to 1e-9.

Interact cells that import a package the self-hosted runtime lacks (numpy, matplotlib) are
left out: the pinned Pyodide release that serves those packages is not reachable here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from downhill.controls import Control
from downhill.keyframes import _with, spec_value
from engine.api import clean

from .test_parity import numbers, run_in_pyodide

SAMPLE = (0, 0.5, 1)  # where along each control's kept positions: its ends and middle


@dataclass
class Block:
    """A demo or cell on a built page that has keyframes."""

    page: str
    id: str
    kind: str  # "demo" or "cell"
    keyframes: str
    scripts: dict[str, str] = field(default_factory=dict)  # class → JSON text
    controls: dict[str, dict[str, str]] = field(default_factory=dict)  # name → attributes


class Blocks(HTMLParser):
    """The blocks of a page with keyframes: their JSON and their controls' attributes."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.found, self.open = page, [], None
        self.script: str | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "figure":
            self.depth += 1
            kind = next((k for k in ("demo", "cell") if k in a.get("class", "").split()), None)
            if kind and a.get("data-keyframes") and self.open is None:
                self.open = Block(self.page, a["id"], kind, a["data-keyframes"])
                self.open_depth = self.depth
        elif self.open is not None and tag == "script":
            self.script = a.get("class", "")
            self.open.scripts[self.script] = ""
        elif self.open is not None and tag in ("input", "select") and "data-path" in a:
            self.open.controls[a["name"]] = {"tag": tag, **a}

    def handle_data(self, data: str) -> None:
        if self.open is not None and self.script is not None:
            self.open.scripts[self.script] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.script = None
        elif tag == "figure":
            if self.open is not None and self.depth == self.open_depth:
                self.found.append(self.open)
                self.open = None
            self.depth -= 1


def blocks_of(site: Path) -> list[Block]:
    out = []
    for page in sorted(site.glob("*/index.html")):
        parser = Blocks(page.parent.name)
        parser.feed(page.read_text())
        out += parser.found
    return out


def control_of(name: str, attrs: dict[str, str]) -> Control:
    """The control as the page's script reads its element (spec_value needs its scale)."""
    path = json.loads(attrs["data-path"])
    if attrs["tag"] == "select":  # (data-json: its options are JSON values, a schedule)
        return Control(name, "select", name, path, "", json="data-json" in attrs)
    return Control(
        name,
        "range",
        name,
        path,
        0.0,
        scale=attrs.get("data-scale", "linear"),
        whole=attrs.get("data-whole") == "true",
    )


def states(block: Block, site: Path) -> list[tuple[str, Any, int]]:
    """(control, value it binds, frame number) of each sampled state with a frame."""
    frames = json.loads((site / block.page / block.keyframes).read_text())
    out = []
    for name, entry in frames["controls"].items():
        control = control_of(name, block.controls[name])
        kept = [
            (p, f)
            for p, f in zip(entry["positions"], entry["frames"], strict=True)
            if f is not None
        ]
        picked = {kept[round(s * (len(kept) - 1))] for s in SAMPLE} if kept else set()
        for position, frame in sorted(picked, key=lambda pf: pf[1]):
            if control.kind == "select":
                value = json.loads(position) if control.json else position
            else:
                value = spec_value(control, position)
            out.append((name, value, frame))
    return out


def case_of(block: Block, name: str, value: Any, above: list[dict]) -> str | None:
    """The engine call, as Python for the Pyodide runner, that computes one state."""
    if block.kind == "demo":
        raw = json.loads(block.scripts["demo-spec"])
        path = json.loads(block.controls[name]["data-path"])
        spec = _with(raw, path, value)
        return f"import json\nresult = api.render_demo(json.loads({json.dumps(spec)!r}))"
    data = json.loads(block.scripts["cell-data"])
    if any(cell["packages"] for cell in [*above, data]):
        return None  # needs a package of the Pyodide release (see the module's docstring)
    bound = data["choices"][name][value] if name in data["choices"] else value
    request = {"cells": [c["code"] for c in [*above, data]], "overrides": {name: bound}}
    return (
        "import json\nfrom engine.cells import run_cells_json\n"
        f"result = json.loads(run_cells_json({json.dumps(request)!r}))"
    )


def page_cells(site: Path) -> dict[str, list[dict]]:
    """Per page: its cells' data in order (a cell runs after the ones above it)."""
    out: dict[str, list[dict]] = {}
    for page in sorted(site.glob("*/index.html")):
        parser = AllCells()
        parser.feed(page.read_text())
        out[page.parent.name] = parser.cells
    return out


class AllCells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict] = []
        self.reading = False
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.reading = tag == "script" and ("class", "cell-data") in attrs
        self.text = ""

    def handle_data(self, data: str) -> None:
        if self.reading:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.reading:
            self.cells.append(json.loads(self.text))
            self.reading = False


def figures_of_cell(output: dict) -> list[dict]:
    from engine.cells import figures_of

    return figures_of(output)


def same(theirs: Any, ours: Any, where: str) -> None:
    """Equal to 1e-9 in every number, and in everything else."""
    a, b = list(numbers(theirs)), list(numbers(ours))
    assert len(a) == len(b), where
    for x, y in zip(a, b, strict=True):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-12), where
    shape = json.dumps(clean(theirs), sort_keys=True).count('"')
    assert shape == json.dumps(clean(ours), sort_keys=True).count('"'), where


def test_keyframes_are_what_the_engine_computes_in_pyodide(node, built_site, tmp_path):
    cells = page_cells(built_site)
    cases, expected = [], []
    for block in blocks_of(built_site):
        frames = json.loads((built_site / block.page / block.keyframes).read_text())["frames"]
        above = []
        if block.kind == "cell":  # the cells above this one, in the page's order
            codes = [c["code"] for c in cells[block.page]]
            above = cells[block.page][: codes.index(json.loads(block.scripts["cell-data"])["code"])]
        for name, value, frame in states(block, built_site):
            case = case_of(block, name, value, above)
            if case is not None:
                cases.append(case)
                expected.append((block, name, value, frames[frame]))
    kinds = {block.kind for block, *_ in expected}
    assert len(expected) >= 80 and kinds == {"demo", "cell"}, (len(expected), kinds)
    print(f"keyframe parity: {len(expected)} states of {len({b.id for b, *_ in expected})} blocks")
    answers = run_in_pyodide(node, built_site, tmp_path, cases)
    for (block, name, value, frame), answer in zip(expected, answers, strict=True):
        where = f"{block.page}#{block.id} at {name} = {value!r}"
        if block.kind == "demo":
            figures, summary = answer["figures"], answer["summary"]
        else:
            figures = figures_of_cell(answer)
            summary = frame["summary"]
            assert answer["stdout"] == summary["stdout"] and not answer["error"], where
        if not frame["summary"] or isinstance(frame["summary"], str):
            assert summary == frame["summary"], where
        for i, part in enumerate(frame["figures"]):
            if "data" in part:
                same(figures[i]["data"], part["data"], f"{where}, figure {i}")
            for k, trace in part.get("traces", {}).items():
                same(figures[i]["data"][int(k)], trace, f"{where}, figure {i}, trace {k}")
            if "layout" in part:
                same(figures[i]["layout"], part["layout"], f"{where}, figure {i} layout")
