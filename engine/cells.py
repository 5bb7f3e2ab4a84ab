"""Run an article's Python cells as a notebook does: the same code at build time (in a child
process of the builder, downhill/kernel.py) and in the reader's browser (in Pyodide, in the
cells' own worker).

A cell's output is plain JSON::

    {"stdout": str, "stderr": str, "value": str | None,
     "displays": [{"figure": {...}} | {"demo": {"figures": [...], "summary": str}}
                  | {"table": {"columns": [...], "rows": [[...]]}} | {"text": str}
                  | {"image": {"format": "svg" | "png" | "jpeg", "data", "width", "height", "alt"}}
                  | {"markdown": str} | {"math": str} | {"html": str}],
     "error": None | {"type", "message", "line", "frames": [{"cell", "line", "name"}]}}

``value`` is the repr of the cell's last expression (None when it is None or there is
none, and for a matplotlib artist, whose repr names a memory address); ``displays`` are
what the cell passed to ``show()`` or ``display()``, and its matplotlib figures
(engine.inline), in order.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
import os
import sys
from collections.abc import Callable
from typing import Any

from . import inline, ipython, widgets

MAX_TEXT = 100_000  # characters kept of each printed stream and of a value's repr
MAX_ROWS = 500  # rows of a table shown
MAX_DISPLAYS = 20  # show() calls kept per cell
MAX_OUTPUT_BYTES = 5_000_000  # a cell's whole output as JSON, figures included
MAX_PAGE_OUTPUT_BYTES = 20_000_000  # an article's cells' outputs together (the builder's)
# Modules the engine provides to cells in place of Jupyter's (no package is fetched for them).
PROVIDED = ("ipywidgets", "IPython")
CELL_FILE = "<cell {}>"  # the file name a cell's code is compiled under

Stream = Callable[[str, str], None]  # (stream name, text) as it is printed


class Printed(io.TextIOBase):
    """A stream that keeps what is written (up to MAX_TEXT) and passes it on as it comes."""

    def __init__(self, name: str, on_text: Stream | None) -> None:
        self.name = name
        self.parts: list[str] = []
        self.size = 0
        self.on_text = on_text

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = MAX_TEXT - self.size
        if room > 0:
            kept = text[:room]
            self.parts.append(kept)
            self.size += len(kept)
            if len(text) > room:
                self.parts.append(f"\n… (output cut at {MAX_TEXT:,} characters)\n")
                self.size = MAX_TEXT
            if self.on_text is not None:
                self.on_text(self.name, kept)
        return len(text)

    def text(self) -> str:
        return "".join(self.parts)


def plain(value: Any) -> Any:
    """``value`` as JSON types: arrays (anything with ``tolist``) and tuples become lists,
    numpy scalars numbers, non-finite floats None. Anything else is a TypeError."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars, without importing numpy
        return plain(value.tolist())
    raise TypeError(f"a {type(value).__name__} cannot be drawn: give numbers, text or lists")


def _cell(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, float):
        return float(f"{value:.6g}")
    return value if isinstance(value, int | str) or value is None else json.dumps(value)


def table(rows: Any) -> dict[str, Any]:
    """Rows (a list of dicts, or of lists) as {"columns", "rows"} for the page's table."""
    rows = plain(rows)
    if not isinstance(rows, list) or not rows:
        raise TypeError("a table is a non-empty list of rows")
    if all(isinstance(r, dict) for r in rows):
        columns = list(dict.fromkeys(k for r in rows for k in r))
        body = [[_cell(r.get(c, "")) for c in columns] for r in rows[:MAX_ROWS]]
    else:
        rows = [r if isinstance(r, list) else [r] for r in rows]
        columns = [str(k) for k in range(max(len(r) for r in rows))]
        body = [[_cell(v) for v in r] for r in rows[:MAX_ROWS]]
    shown: dict[str, Any] = {"columns": [str(c) for c in columns], "rows": body}
    if len(rows) > MAX_ROWS:
        shown["more"] = len(rows) - MAX_ROWS
    return shown


def is_frame(value: Any) -> bool:
    """A pandas DataFrame or Series, recognised without importing pandas."""
    kind = type(value)
    return kind.__module__.split(".")[0] == "pandas" and kind.__name__ in ("DataFrame", "Series")


def frame_table(frame: Any) -> dict[str, Any]:
    """A DataFrame (or Series) as a notebook shows it: its index, then its columns."""
    if type(frame).__name__ == "Series":
        frame = frame.to_frame()
    index = [str(n) if n is not None else "" for n in frame.index.names]
    columns = [*index, *(str(c) for c in frame.columns)]
    rows = []
    head = frame.head(MAX_ROWS)
    for key, values in zip(head.index, head.itertuples(index=False), strict=True):
        keys = key if isinstance(key, tuple) else (key,)
        rows.append([_cell(v) for v in (*keys, *values)])
    shown: dict[str, Any] = {"columns": columns, "rows": rows}
    if len(frame) > MAX_ROWS:
        shown["more"] = len(frame) - MAX_ROWS
    return shown


def display(value: Any) -> dict[str, Any]:
    """What ``show(value)`` puts under a cell: a Plotly figure (a dict with ``data``), a demo
    spec drawn by the engine exactly as a ``demo`` fence draws it (a dict with ``function``
    or ``fit``), a table (a list of rows, or a 2-D array), or else its repr."""
    rich = ipython.shown(value)  # IPython.display's Markdown, Math, Latex, HTML, Image
    if rich is not None:
        return rich
    if inline.is_figure(value):  # (shown now: the end of the cell does not show it again)
        inline.close(value)
        return inline.figure_image(value)
    if is_frame(value):
        return {"table": frame_table(value)}
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) == 2:
        value = value.tolist()
    if isinstance(value, dict) and isinstance(value.get("data"), list | tuple):
        from .drawing import themed_figure

        return {"figure": themed_figure(plain(value))}
    if isinstance(value, dict) and ("function" in value or "fit" in value):
        from .api import render_demo

        result = render_demo(plain(value))
        return {"demo": {"figures": plain(result["figures"]), "summary": result["summary"]}}
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(r, dict | list | tuple) or hasattr(r, "tolist") for r in value)
    ):
        return {"table": table(value)}
    return {"text": _repr(value)}


def _repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " …"


class _Overrides(ast.NodeTransformer):
    """Top-level ``name = …`` assignments of the bound names take the given values."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def visit_Module(self, node: ast.Module) -> ast.Module:
        for statement in node.body:
            target = _assigned_name(statement)
            if target in self.values:
                statement.value = _literal(self.values[target])  # type: ignore[attr-defined]
        return node


def _literal(value: Any) -> ast.expr:
    """The expression that writes ``value`` (a control's: a number, a text, or lists and
    mappings of them, as YAML and JSON give them)."""
    if isinstance(value, list | tuple):
        items = [_literal(v) for v in value]
        return ast.List(items, ast.Load()) if isinstance(value, list) else ast.Tuple(items)
    if isinstance(value, dict):
        return ast.Dict([_literal(k) for k in value], [_literal(v) for v in value.values()])
    return ast.Constant(value)


def _assigned_name(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target = statement.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def bound_values(source: str) -> dict[str, tuple[Any, int]]:
    """Each top-level ``name = literal`` of a cell: name → (value, line). The values an
    ``interact`` control can start from."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, tuple[Any, int]] = {}
    for statement in tree.body:
        name = _assigned_name(statement)
        if name is None:
            continue
        try:
            value = ast.literal_eval(statement.value)  # type: ignore[attr-defined]
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        found[name] = (value, statement.lineno)
    return found


ENDS_PYTHON = (
    "sys.exit({code}) ends a script, but here the page's code shares one Python: raise an "
    "exception to stop with an error"
)


def _error(exc: BaseException, tb: Any, filename: str) -> dict[str, Any]:
    """An exception as the page and the builder show it: the frames in cells' code."""
    import traceback

    frames = [
        {"cell": f.filename, "line": f.lineno, "name": f.name}
        for f in traceback.extract_tb(tb)
        if f.filename.startswith("<cell ")
    ]
    line = None
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
        frames.append({"cell": filename, "line": exc.lineno, "name": "<module>"})
    here = [f["line"] for f in frames if f["cell"] == filename]
    if here:
        line = here[-1]
    message = str(exc) if not isinstance(exc, SyntaxError) else (exc.msg or "invalid syntax")
    return {"type": type(exc).__name__, "message": message[:2000], "line": line, "frames": frames}


def run_cell(
    source: str,
    namespace: dict[str, Any],
    filename: str = CELL_FILE.format(1),
    overrides: dict[str, Any] | None = None,
    on_text: Stream | None = None,
) -> dict[str, Any]:
    """Run ``source`` in ``namespace`` as a notebook cell; return its output (module doc).

    ``overrides`` rebind top-level assignments and ipywidgets' ``interact`` arguments (a
    control's value);
    ``on_text`` hears printed text as it is printed. An exception is part of the output,
    never raised: SystemExit and KeyboardInterrupt included, as Jupyter shows them."""
    out, err = Printed("stdout", on_text), Printed("stderr", on_text)
    displays: list[dict[str, Any]] = []

    def add(shown: dict[str, Any]) -> None:
        if len(displays) >= MAX_DISPLAYS:
            raise RuntimeError(f"a cell can show at most {MAX_DISPLAYS} outputs")
        displays.append(shown)

    def show(*values: Any) -> None:
        """Show a figure, a demo spec, a table or any value under the cell."""
        for value in values:
            add(display(value))

    namespace.setdefault("__name__", "__main__")
    namespace["show"] = namespace["display"] = show  # display(): Jupyter's name for it
    output: dict[str, Any] = {"stdout": "", "stderr": "", "value": None, "displays": displays}
    output["error"] = None
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    sink = inline.SINK.set(add)
    sys.modules["ipywidgets"] = widgets  # (the real ones need a Jupyter front end)
    ipython.install()
    values = widgets.VALUES.set(dict(overrides) if overrides else None)
    shows = widgets.DISPLAY.set(show)
    backend = os.environ.get("MPLBACKEND")  # (restored after the cell: see below)
    try:
        use_inline_backend()
        tree = ast.parse(source, filename)
        if overrides:
            tree = ast.fix_missing_locations(_Overrides(overrides).visit(tree))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, filename, "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
            if inline.is_figure(value) or is_frame(value):  # as a notebook shows them
                show(value)
            elif value is not None and not inline.is_artist(value):
                output["value"] = _repr(value)
        inline.flush()  # the figures the cell left open, as Jupyter shows them
    except Exception as exc:
        output["error"] = _error(exc, exc.__traceback__, filename)
        with contextlib.suppress(Exception):  # what it drew before failing, as Jupyter shows
            inline.flush()
    except (SystemExit, KeyboardInterrupt) as exc:  # as Jupyter shows them: the cell's error
        output["error"] = _error(exc, exc.__traceback__, filename)
        if isinstance(exc, SystemExit):
            code = "" if exc.code is None else repr(exc.code)
            output["error"]["message"] = ENDS_PYTHON.format(code=code)
    finally:
        if backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = backend
        inline.SINK.reset(sink)
        widgets.VALUES.reset(values)
        widgets.DISPLAY.reset(shows)
        sys.stdout, sys.stderr = saved
    output["stdout"], output["stderr"] = out.text(), err.text()
    return output


def use_inline_backend() -> None:
    """Make matplotlib draw into the cell's output (engine.inline), imported yet or not.
    run_cell restores MPLBACKEND after the cell: a process that runs cells may start
    others, a Jupyter kernel say, that must not inherit it."""
    os.environ["MPLBACKEND"] = inline.BACKEND
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and pyplot.get_backend() != inline.BACKEND:
        pyplot.switch_backend(inline.BACKEND)


def figures_of(output: dict[str, Any]) -> list[dict[str, Any]]:
    """Every figure a cell's output draws, in page order (a demo may draw several)."""
    found: list[dict[str, Any]] = []
    for shown in output["displays"]:
        if "figure" in shown:
            found.append(shown["figure"])
        elif "demo" in shown:
            found.extend(shown["demo"]["figures"])
    return found


def run_cells_json(request_text: str, on_text: Stream | None = None) -> str:
    """The browser worker's call: ``{"cells": [code, …], "overrides": {…}}`` in; the last
    cell's output as JSON out (the ones before it run first, quietly, in the same fresh
    namespace; the first of them to fail is reported as the last cell's error)."""
    request = json.loads(request_text)
    cells = request["cells"]
    namespace: dict[str, Any] = {}
    for k, code in enumerate(cells[:-1]):
        earlier = run_cell(code, namespace, CELL_FILE.format(k + 1))
        if earlier["error"]:
            earlier["error"]["earlier"] = k + 1
            return json.dumps(_plain_output(earlier))
    output = run_cell(
        cells[-1], namespace, CELL_FILE.format(len(cells)), request.get("overrides"), on_text
    )
    text = json.dumps(_plain_output(output), allow_nan=False)
    if len(text) > MAX_OUTPUT_BYTES:
        error = {
            "type": "OutputTooLarge",
            "message": too_large(len(text)),
            "line": None,
            "frames": [],
        }
        return json.dumps({**output, "displays": [], "value": None, "error": error})
    return text


def too_large(size: int) -> str:
    """Why an output of ``size`` bytes is not shown, and what to do instead."""
    return (
        f"its output is {size / 1e6:.1f} MB, and a cell can show at most "
        f"{MAX_OUTPUT_BYTES / 1e6:g} MB: show fewer points (every 10th, say) or a summary"
    )


def _plain_output(output: dict[str, Any]) -> dict[str, Any]:
    return {**output, "displays": plain(output["displays"])}
