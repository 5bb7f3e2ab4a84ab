"""What a cell may use so that a reader's browser can run it too: the imports it can make
(the standard library, the engine and its stand-ins, the pinned Pyodide release's
packages), a notebook's magics and shell escapes (said at their line), and the files it
names (string literals, which downhill/cells.py matches against content's files)."""

from __future__ import annotations

import ast
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from engine.cells import PROVIDED

from .config import ROOT


@cache
def pyodide_packages(lock: Path | None = None) -> dict[str, dict[str, Any]]:
    """A Pyodide lock (the pinned release's by default): import name → its package entry,
    for the packages cells need."""
    lock = lock or ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"
    try:
        packages = json.loads(lock.read_text())["packages"]
    except (OSError, ValueError, KeyError):
        return {}
    return {name: entry for entry in packages.values() for name in entry.get("imports", [])}


def imports(code: str) -> list[tuple[str, int]]:
    """Each top-level module ``code`` imports, with the line of its first import."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(alias.name.split(".")[0], node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.setdefault(node.module.split(".")[0], node.lineno)
    return sorted(found.items(), key=lambda item: item[1])


def string_literals(code: str) -> list[str]:
    """Every string constant in ``code`` (where a cell names the files it opens)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def imported(code: str) -> list[str]:
    """The top-level modules ``code`` imports, in order."""
    return [name for name, _ in imports(code)]


# Modules a reader's browser has besides the standard library and the release's packages.
IN_THE_PAGE = ("engine", "pyodide", "js", *PROVIDED)


def unavailable(name: str, lock: dict[str, dict[str, Any]]) -> bool:
    """Whether a reader's browser could not import ``name``: not the standard library, not
    the engine, and in no package of the pinned Pyodide release."""
    return name not in sys.stdlib_module_names and name not in IN_THE_PAGE and name not in lock


def pyodide_version(lock: Path | None = None) -> str:
    """The pinned Pyodide release's version (its lock says it)."""
    path = lock or ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"
    try:
        return str(json.loads(path.read_text())["info"]["version"])
    except (OSError, ValueError, KeyError):
        return "(unknown)"


# What a notebook's magics and shell escapes become here, said at their line.
MAGICS = {
    "timeit": "time it in Python: 'import timeit' and "
    "'print(timeit.timeit(lambda: f(x), number=1000))'",
    "time": "time it in Python: 'import time', then time.perf_counter() before and after",
    "matplotlib": "it is not needed: figures appear as a notebook shows them; delete the line",
    "pip": "packages come from the site's environment (pyproject.toml) when it is built, "
    "and from the pinned Pyodide release in a reader's browser; delete the line",
}


def magic_problem(code: str) -> tuple[int, str] | None:
    """(line, message) for a notebook magic or shell escape that stops ``code`` parsing."""
    try:
        ast.parse(code)
    except SyntaxError as exc:
        lines = code.split("\n")
        line = exc.lineno or 0
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if text.startswith(("%", "!")) and not text.startswith("!="):
            word = text.lstrip("%!").split(maxsplit=1)[0] if text.lstrip("%!") else ""
            kind = "a shell command" if text.startswith("!") else "an IPython magic"
            advice = MAGICS.get(word, "write it in Python")
            if text.startswith("!") and word != "pip":
                advice = "a cell runs Python only (in the reader's browser too); write it in Python"
            return line, f"{text.split()[0]!r} is {kind}, which a cell does not run: {advice}"
    return None


def packages_needed(code: str, lock: dict[str, dict[str, Any]]) -> list[str]:
    """The packages of the lock (``lock``: import name → entry) that ``code`` imports and the
    runtime does not carry: neither the standard library nor the engine."""
    return [
        lock[name]["name"]
        for name in imported(code)
        if name in lock
        and name not in sys.stdlib_module_names
        and name not in ("engine", *PROVIDED)
    ]


def browser_problems(code: str, editable: bool, lock: Path | None = None) -> list[tuple[int, str]]:
    """(line in ``code``, message) for what would stop a reader's browser running the
    cell: a magic or shell escape, and (for an editable cell) an import it cannot make."""
    problems = []
    magic = magic_problem(code)
    if magic:
        problems.append(magic)
    packages = pyodide_packages(lock)
    for name, line in imports(code) if editable else []:
        if unavailable(name, packages):
            problems.append(
                (
                    line,
                    f"{name} is not in Pyodide {pyodide_version(lock)} (nor Python's standard "
                    "library): readers could not run this cell; '#| editable: false' keeps it "
                    "to the build, or the guide lists the packages there are",
                )
            )
    return problems


def importable(lock: Path | None = None) -> list[str]:
    """The modules of the pinned Pyodide release's packages a cell may import (the guide
    lists them), test packages left out."""
    names = {
        name
        for name, entry in pyodide_packages(lock).items()
        if not entry["name"].endswith("-tests") and not name.startswith("_")
    }
    return sorted(names, key=str.lower)
