"""The guide's reference tables say what the code's tables say: the cells' options and the
exercise fence's keys and grading kinds."""

from __future__ import annotations

import json
import re

from downhill.cells import OPTIONS
from downhill.config import ROOT
from downhill.exercises import KEYS, REQUIRED
from downhill.settings import SETTING_NAMES, settings_reference
from engine.exercises import KINDS, STEP_SIGNATURES, kind_reference
from engine.keys import DEMO_KEYS as DEMO_KEYS_TABLE
from engine.keys import KEYS as DEMO_KEYS
from engine.keys import key_reference
from engine.plots import PLOTS, plot_reference

GUIDE = (ROOT / "content" / "guide.md").read_text()


def table_after(heading: str) -> dict[str, list[str]]:
    """The first table after ``heading``: first cell's `name` → the other cells."""
    rest = GUIDE[GUIDE.index(heading) :]
    rows = re.findall(
        r"^\| `(\w+)` \| (.*) \|$", rest[: rest.index("\n\n", rest.index("| ---"))], re.MULTILINE
    )
    return {name: cells.split(" | ") for name, cells in rows}


def shown(value: object) -> str:
    return "—" if value is None else json.dumps(value)


def test_the_cell_options_table_is_the_options():
    table = table_after("| option | default | what it does |")
    assert table == {
        name: [shown(option.default), option.meaning] for name, option in OPTIONS.items()
    }


def test_the_exercise_tables_are_the_keys_and_the_kinds():
    table = table_after("The other keys:")
    assert table == {
        name: [key.meaning + (" (required)" if name in REQUIRED else "")]
        for name, key in KEYS.items()
    }
    assert list(table_after("| grading key | the reader writes |")) == list(KINDS)
    assert table_from("| grading key | the reader writes |") == kind_reference()
    signatures = {signature for signature, _, _ in STEP_SIGNATURES.values()}
    assert all(f"`{signature}`" in GUIDE for signature in signatures)


def table_from(heading: str) -> str:
    start = GUIDE.index(heading)
    end = GUIDE.find("\n\n", start)
    return GUIDE[start : end if end >= 0 else len(GUIDE)].strip()


def test_the_guides_key_reference_is_the_engines_table():
    """Regenerate the guide's table with engine.keys.key_reference() when a key changes."""
    assert table_from("| key | default | what it sets | plots |") == key_reference()
    names = [row.split("`")[1] for row in key_reference().splitlines()[2:]]
    assert [name for name in names if "." not in name] == list(DEMO_KEYS)
    # every nested option is a row: fit.points, sweep.count, schedule.gamma, …
    for name, key in DEMO_KEYS_TABLE.items():
        for option in key.options or {}:
            assert f"{name}.{option}" in names
    assert "schedule.T_max" in names


def test_the_guides_plot_table_is_the_engines_table():
    """Regenerate it with engine.plots.plot_reference() when a plot kind changes."""
    assert table_from("| plot | draws | for | its own keys | labels |") == plot_reference()
    assert re.findall(r"^\| `(\w+)` \| ", plot_reference(), re.MULTILINE) == list(PLOTS)


def test_the_guides_settings_table_is_the_settings_table():
    """Regenerate it with downhill.settings.settings_reference() when a setting changes."""
    assert table_from("| setting | default | what it sets |") == settings_reference()
    assert re.findall(r"^\| `(\w+)` \| ", settings_reference(), re.MULTILINE) == list(SETTING_NAMES)


def test_the_guide_lists_every_module_a_cell_may_import():
    from downhill.runnable import importable, pyodide_version

    names = importable()
    listed = (
        f"The modules of Pyodide {pyodide_version()}'s packages, each a cell may import "
        f"({len(names)}, besides the standard library): " + ", ".join(f"`{n}`" for n in names) + "."
    )
    assert listed in (ROOT / "content" / "guide.md").read_text(), (
        "the guide's list of importable modules is not the pinned lock's; put this paragraph "
        f"in content/guide.md:\n{listed}"
    )
