"""Issue 35: a demo flows spec → runs → figures → words, each step a module of its own.
Once :func:`engine.runs.compute` has run, drawing every plot kind and saying what it shows
calls nothing that computes (no optimizer, descent, fitting, sampling or expression code),
and the drawing and saying modules do not even import it."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from engine.api import render_demo
from engine.drawing import RUN_STYLES
from engine.keys import PLOT_KINDS
from engine.names import RUN_WORDS, SHORT_NAMES
from engine.optimizers import OPTIMIZERS
from engine.plots import PLOTS
from engine.runs import compute
from engine.spec import normalize_spec

ROOT = Path(__file__).resolve().parents[1]
# What computes: a figure or a sentence that reached into one of these would be deciding
# a run while drawing it.
COMPUTING = {"descent", "optimizers", "fitting", "views", "expr", "runs", "schedules"}
DRAWING_AND_SAYING = ["figures", "fit_figures", "drawing", "names", "words", "trajectory"]

DEMOS = {
    1: {"function": "x**4 - 3*x**2 + x", "start": [1.8], "stability": True},
    2: {"function": "x**2 + 3*y**2 - x*y", "optimizer": ["gd", "adam"], "stability": True},
    "fit": {"fit": {"points": 20}, "optimizer": ["gd", "adam"]},
}


def _engine_module(frame) -> str:
    name = frame.f_globals.get("__name__", "")
    return name.removeprefix("engine.") if name.startswith("engine.") else ""


@pytest.mark.parametrize("sort", list(DEMOS))
def test_figures_and_words_only_draw_and_say_what_runs_computed(sort):
    spec = normalize_spec(
        {**DEMOS[sort], "plots": list(PLOT_KINDS[sort]), "compare": {"lr": [0.05, 0.1]}}
    )
    runs = compute(spec)
    called: set[str] = set()

    def watch(frame, event, arg):
        if event == "call":
            called.add(_engine_module(frame))

    sys.setprofile(watch)
    try:
        for kind in spec["plots"]:
            figure = PLOTS[kind].figure(spec, runs)
            PLOTS[kind].says(spec, runs, figure)
    finally:
        sys.setprofile(None)
    assert called & set(DRAWING_AND_SAYING), "the watch saw nothing: it watched the wrong thing"
    assert not called & COMPUTING, f"drawing or saying computed: {sorted(called & COMPUTING)}"


def _runtime_imports(path: Path) -> set[str]:
    """The engine modules a file imports when it runs (not those only a type checker reads)."""
    tree = ast.parse(path.read_text("utf-8"))
    skipped = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and id(node) not in skipped and node.level == 1:
            found |= {node.module} if node.module else {a.name for a in node.names}
    return found


@pytest.mark.parametrize("module", DRAWING_AND_SAYING)
def test_drawing_and_saying_import_nothing_that_computes(module):
    imported = _runtime_imports(ROOT / "engine" / f"{module}.py")
    assert {"drawing", "names"} <= _runtime_imports(ROOT / "engine" / "figures.py")  # it reads
    assert not imported & COMPUTING, f"engine/{module}.py imports {sorted(imported & COMPUTING)}"


def test_every_optimizer_has_its_names_and_its_look():
    assert set(RUN_WORDS) == set(SHORT_NAMES) == set(RUN_STYLES) == set(OPTIMIZERS)


def test_the_page_gets_what_the_steps_compute_draw_and_say():
    """render_demo is the three steps in a row: its figures are those drawn from compute's
    runs, and its runs are compute's trajectories."""
    raw = {**DEMOS[2], "plots": ["contour", "sweep", "loss"]}
    spec = normalize_spec(raw)
    runs = compute(spec)
    result = render_demo(raw)
    assert [r["end"] for r in result["runs"]] == [list(t.points[-1]) for t in runs.trajectories]
    assert result["figures"][1]["data"] == PLOTS["sweep"].figure(spec, runs)["data"]


def _long_on_purpose() -> set[str]:
    """What docs/design.md's "Long on purpose" names: `module.py` or `module.py:function`."""
    text = (ROOT / "docs" / "design.md").read_text("utf-8")
    section = text.split("## Long on purpose", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"- `([\w/]+\.py(?::\w+)?)`", section))


def test_functions_and_modules_are_short_or_the_design_says_why():
    """Issue 35: no function of engine/ or downhill/ over 80 lines and no module over 600,
    unless docs/design.md says why."""
    excused = _long_on_purpose()
    assert excused, "docs/design.md names nothing long on purpose: the check read nothing"
    found = []
    for path in sorted([*ROOT.glob("engine/*.py"), *ROOT.glob("downhill/*.py")]):
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text("utf-8")
        if len(text.splitlines()) > 600 and name not in excused:
            found.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > 80 and f"{name}:{node.name}" not in excused:
                    found.append(f"{name}:{node.name}: {length} lines")
    assert not found, "\n".join(found)
    for entry in excused:  # every excuse is still needed, or it goes
        module, _, function = entry.partition(":")
        text = (ROOT / module).read_text("utf-8")
        if not function:
            assert len(text.splitlines()) > 600, f"{entry} is short now: drop it from design.md"
