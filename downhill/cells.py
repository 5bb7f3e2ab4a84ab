"""The ``python run`` fence: the author's Python, run when the site is built, in order, one
namespace per article (a notebook), and again, edited, in the reader's browser.

::

    ```python run
    #| id: loop
    #| controls:
    #|   lr: {min: 0.01, max: 0.5, step: 0.01, label: "learning rate α"}
    lr = 0.1
    x = -8.0
    for _ in range(15):
        x -= lr * (2 * x + 5)
    print(x)
    ```

Options are YAML in the ``#|`` lines that open the cell (Quarto's convention: the cell stays
valid Python). Every cell of an article is collected and run before its Markdown is
rendered (downhill/kernel.py runs them, in a child process with a time and a memory
limit); the fence's formatter then writes each cell's code, output and controls.
"""

from __future__ import annotations

import hashlib
import html
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from engine.cells import (
    CELL_FILE,
    MAX_OUTPUT_BYTES,
    MAX_PAGE_OUTPUT_BYTES,
    figures_of,
    too_large,
)
from engine.schema import Field, flag, is_texts, text

from .cache import write_whole
from .cell_controls import cell_controls, hint, interact_controls
from .cell_output import code_html, split_images, with_alt, xml_safe
from .config import ROOT
from .controls import Control
from .demos import _script_json as script_json
from .errors import ContentError
from .fences import FenceSite, guarded, source_shown
from .iterates import identifier
from .kernel_client import (
    DEFAULT_TIMEOUT,
    MAX_TIMEOUT,
    MEMORY_LIMIT,
    data_files,
    run_article_cells,
    within_time_limit,
)
from .keyframes import Keyframes, KeyframeStore
from .runnable import browser_problems, packages_needed, pyodide_packages, string_literals
from .yamlmap import error_line, error_message, key_lines, line_of, load

# A cell's ``#|`` options, one row each: default, allowed values, meaning (the guide's
# table). ``controls`` has its own table (cell_controls).
OPTIONS: dict[str, Field] = {
    "id": identifier("the cell's id: its anchor, and its name in links and errors"),
    "caption": text("a caption under the cell (Markdown is not rendered)"),
    "hide_code": flag(False, "show only the output (the reader can still open the code)"),
    "hide_output": flag(False, "run the cell but show no output (its names still count)"),
    "editable": flag(True, "false: the reader cannot edit or run it in the browser"),
    "timeout": Field(
        DEFAULT_TIMEOUT,
        within_time_limit,
        f"a number of seconds above 0, at most {MAX_TIMEOUT}",
        f"seconds the cell may run (at most {MAX_TIMEOUT})",
    ),
    "controls": Field(
        None, lambda v: True, "a mapping", "sliders and selects bound to the cell's top-level names"
    ),
    "keyframes": flag(True, "false: the controls answer only once the runtime is ready"),
    "show_source": flag(False, "print the cell's Markdown source under it (for guides)"),
    "alt": Field(
        None,
        lambda v: v is None or is_texts(v),
        "text, or a list of texts (one per figure)",
        "words for screen readers for its figures: one text, or a list (one per figure); "
        "by default from their titles and axis labels",
    ),
}


@dataclass(frozen=True)
class Cell:
    """A ``python run`` fence as written: what runs, what the reader sees, its options."""

    number: int  # 1-based, in the article
    line: int  # file line of the opening fence
    source: str  # the body as it runs at build time (its option lines are comments)
    code: str  # the body less its option lines: what the reader sees and edits
    options: dict[str, Any]
    controls: list[Control] = field(default_factory=list)
    choices: dict[str, dict[str, Any]] = field(default_factory=dict)  # select text → value
    packages: list[str] = field(default_factory=list)  # not in the runtime (numpy)

    @property
    def id(self) -> str:
        return str(self.options.get("id") or f"cell-{self.number}")

    @property
    def filename(self) -> str:
        return CELL_FILE.format(self.number)


def split_options(body: str) -> tuple[str, str]:
    """(the ``#|`` lines' YAML, the code below them)."""
    lines = body.split("\n")
    k = 0
    while k < len(lines) and lines[k].startswith("#|"):
        k += 1
    yaml_text = "\n".join(line[2:].removeprefix(" ") for line in lines[:k])
    return yaml_text, "\n".join(lines[k:])


def read_cell(
    site: FenceSite,
    number: int,
    path: Path,
    errors: list[ContentError],
    lock: Path | None = None,
) -> Cell | None:
    """A cell from its fence, its options checked; None (and errors) if they are wrong."""
    yaml_text, code = split_options(site.body)
    first = site.line + 1
    before = len(errors)

    def bad(where: tuple, message: str) -> None:
        errors.append(ContentError(path, line_of(lines, where, site.line), f"cell: {message}"))

    try:
        options = load(yaml_text) or {} if yaml_text.strip() else {}
        lines = key_lines(yaml_text, first_line=first) if yaml_text.strip() else {}
    except yaml.YAMLError as exc:
        errors.append(
            ContentError(
                path,
                error_line(exc, first),
                f"cell: its '#|' options are not valid YAML: {error_message(exc)}",
            )
        )
        return None
    if not isinstance(options, dict):
        errors.append(ContentError(path, first, "cell: '#|' lines must be 'key: value' options"))
        return None
    for key, value in options.items():
        if key not in OPTIONS:
            bad((key,), f"unknown option {key!r}{hint(str(key), OPTIONS)}")
        elif problem := OPTIONS[key].problem(key, value):
            bad((key,), problem)
    controls, choices = cell_controls(options.get("controls"), code, lines, bad)
    first_code_line = site.line + len(yaml_text.split("\n")) if yaml_text.strip() else site.line
    interact_controls(
        code,
        controls,
        choices,
        lambda line, message: errors.append(
            ContentError(path, first_code_line + line, f"cell: {message}")
        ),
    )
    if options.get("hide_output") and controls:
        bad(
            ("hide_output",),
            "hide_output: true hides what the cell's controls would change; remove "
            "hide_output, or the controls",
        )
    for line, message in browser_problems(code, options.get("editable", True), lock):
        errors.append(ContentError(path, first_code_line + line, f"cell: {message}"))
    if len(errors) > before:
        return None
    return Cell(
        number,
        site.line,
        site.body,
        code,
        options,
        controls,
        choices,
        packages_needed(code, pyodide_packages(lock)),
    )


def exception_message(cell: Cell, cells: list[Cell], error: dict[str, Any]) -> tuple[int, str]:
    """(article line, message) of an exception in a cell: the traceback mapped to lines."""
    by_file = {c.filename: c for c in cells}
    frames = [f for f in error["frames"] if f["cell"] in by_file]
    where = [f"line {by_file[f['cell']].line + f['line']}, in {f['name']}" for f in frames]
    if frames:  # where it was raised: the innermost frame in a cell's code
        line = by_file[frames[-1]["cell"]].line + frames[-1]["line"]
    else:
        line = cell.line + error["line"] if error.get("line") else cell.line
    said = error["message"]
    if error["type"] == "MemoryError":
        said = f"it needs more memory than a cell may use ({MEMORY_LIMIT / 2**30:g} GiB)"
    message = f"cell raised {error['type']}: {said}"
    if len(where) > 1:
        message += " (traceback: " + " → ".join(where) + ")"
    return line, message


@dataclass
class CellFence:
    """The ``python run`` formatter of one article: its cells are run first (``prepare``),
    then written as Markdown meets them."""

    path: Path
    env: jinja2.Environment
    errors: list[ContentError]
    keyframes: KeyframeStore
    signature: str = ""  # the Python environment and content files the cells can read
    lock: Path | None = None  # the Pyodide lock of the packages readers' browsers can fetch
    cells: list[Cell] = field(default_factory=list)
    results: list[dict[str, Any] | None] = field(default_factory=list)
    written: set[int] = field(default_factory=set)
    files: dict[str, str] = field(default_factory=dict)  # keyframes: page name → hash
    texts: dict[str, str] = field(default_factory=dict)  # hash → text, when not cached
    keyframe_bytes: int = 0
    thinned: list[list] = field(default_factory=list)  # [cell id, control, positions kept]
    figures: list[dict[str, Any]] = field(default_factory=list)  # every figure cells draw
    data_files: list[str] = field(default_factory=list)  # content files the cells name
    prose: Callable[[str], str] | None = None  # Markdown with the article's math, to HTML

    def files_read(self) -> list[str]:
        """The content files the article's cells name (a string naming the file, or a folder
        holding it), by their paths under content/: a reader's run gets them by the same
        paths. One a reader could not get (a name starting with _ or ., which the site
        does not publish) fails the build at the cell that names it, unless that cell is
        the build's alone (``editable: false``)."""
        content = self.path.parent
        available = [p.relative_to(content).as_posix() for p in data_files(content)]
        found: list[str] = []
        for cell in self.cells:
            named = {text.removeprefix("./").rstrip("/") for text in string_literals(cell.code)}
            for path in available:
                if path in found or not any(
                    path == n or path.startswith(n + "/") for n in named if n
                ):
                    continue
                if any(part.startswith((".", "_")) for part in path.split("/")):
                    if cell.options.get("editable", True):
                        self.errors.append(
                            ContentError(
                                self.path,
                                cell.line,
                                f"cell: it reads {path}, which the site does not publish (a "
                                "name starting with _ or . stays private), so readers could "
                                "not run it; rename it, or make the cell '#| editable: false'",
                            )
                        )
                    continue
                found.append(path)
        return found

    def prepare(self, sites: list[FenceSite]) -> None:
        """Read and run every cell of the article (or take their results from the cache)."""
        runnable = [site for site in sites if site.runs]
        cells = [
            read_cell(site, k + 1, self.path, self.errors, self.lock)
            for k, site in enumerate(runnable)
        ]
        if any(c is None for c in cells):
            return
        self.cells = [c for c in cells if c is not None]
        self.data_files = self.files_read()
        seen: dict[str, Cell] = {}
        for cell in self.cells:
            if cell.id in seen:
                self.errors.append(
                    ContentError(
                        self.path,
                        cell.line,
                        f"cell: id {cell.id!r} is "
                        f"already the id of the cell at line {seen[cell.id].line}",
                    )
                )
            seen[cell.id] = cell
        if not self.cells:
            return
        self.results = self._results()
        self._check_results()

    def _results(self) -> list[dict[str, Any] | None]:
        """Every cell's run: kept in the cache's store under its code (and the cells'
        environment), else run in the article's kernel, and kept when all ran cleanly."""
        results: list = []
        key = hashlib.sha256(
            json.dumps(
                [self.signature, [(c.source, c.options.get("keyframes", True)) for c in self.cells]]
            ).encode()
        ).hexdigest()
        stored = self.keyframes.folder / "cells" / f"{key}.json" if self.keyframes.folder else None
        if stored and stored.exists():
            try:
                results = json.loads(stored.read_text("utf-8"))
            except (OSError, ValueError):
                results = []
        if len(results) != len(self.cells):
            results = run_article_cells(self.cells, self.path.parent)
            if stored and all(r and "output" in r and not r["output"]["error"] for r in results):
                write_whole(stored, json.dumps(results))
        return results

    def _check_results(self) -> None:
        """Each cell's run as the page may show it: within the output limits, and neither
        refused, timed out nor raised (errors at the cell's line); its figures kept."""
        shown = 0  # bytes of output the article's cells put in the page
        for cell, result in zip(self.cells, self.results, strict=True):
            if result is None:
                continue
            size = len(json.dumps(result["output"])) if "output" in result else 0
            shown += size
            if size > MAX_OUTPUT_BYTES:
                self.errors.append(ContentError(self.path, cell.line, f"cell: {too_large(size)}"))
                continue
            if shown > MAX_PAGE_OUTPUT_BYTES:
                self.errors.append(
                    ContentError(
                        self.path,
                        cell.line,
                        f"cell: the article's cells show {shown / 1e6:.1f} MB up to here, and "
                        f"a page can hold at most {MAX_PAGE_OUTPUT_BYTES / 1e6:g} MB of cell "
                        "output: show fewer points, or split the article",
                    )
                )
                continue
            if "refused" in result:
                self.errors.append(ContentError(self.path, cell.line, f"cell: {result['refused']}"))
            elif "timeout" in result:
                self.errors.append(
                    ContentError(
                        self.path,
                        cell.line,
                        f"cell {result['timeout']}"
                        + (
                            "; make it faster, or give it more time with "
                            f"'#| timeout: SECONDS' (at most {MAX_TIMEOUT})"
                            if result.get("slow", True)
                            else ""
                        ),
                    )
                )
            elif result["output"]["error"]:
                error = result["output"]["error"]
                line, message = exception_message(cell, self.cells, error)
                self.errors.append(ContentError(self.path, line, message))
            else:
                self.figures.extend(figures_of(result["output"]))

    def __call__(self, src: str) -> str:
        line = next((c.line for c in self.cells if c.source.strip("\n") == src.strip("\n")), 1)
        return guarded(self.errors, self.path, line, "cell", lambda: self.render(src))

    def render(self, src: str) -> str:
        wanted = src.strip("\n")
        k = next(
            (
                i
                for i, c in enumerate(self.cells)
                if i not in self.written and c.source.strip("\n") == wanted
            ),
            None,
        )
        if k is None:
            return ""  # a cell with wrong options: its error is reported already
        self.written.add(k)
        cell = self.cells[k]
        result = self.results[k] if k < len(self.results) else None
        output = xml_safe(result["output"]) if result and "output" in result else None
        frames = result.get("keyframes") if result else None
        keyframes = first = ""
        if frames:  # the kernel's Keyframes, named and weighed as a demo's are
            found = Keyframes(**{**frames, "coarse": tuple(frames["coarse"])})
            keyframes = f"{cell.id}.{found.name}.json"
            self.keyframe_bytes += found.bytes_fetched
            self.thinned += [[cell.id, *control] for control in found.thinned()]
            self.publish(keyframes, found.name, found.text)
            if found.first:  # a first, coarse file, fetched beside the whole one
                first = f"{cell.id}.{found.first_name}.json"
                self.publish(first, found.first_name, found.first)
        hidden = bool(cell.options.get("hide_output"))
        if hidden:  # not in the page at all: not in its HTML, nor its data
            output = None
        shown, kept = split_images(with_alt(output, cell.options.get("alt")))
        shown = self.rendered(shown)
        return self.env.get_template("cell.html").render(
            cell=cell,
            output=shown,
            code_html=code_html(cell.code.rstrip("\n")),
            keyframes=keyframes,
            keyframes_first=first,
            source=source_shown("python run", cell.source)
            if cell.options.get("show_source")
            else "",
            cell_json=script_json(
                json.dumps(
                    {
                        "code": cell.code.rstrip("\n"),
                        "timeout": cell.options.get("timeout", DEFAULT_TIMEOUT),
                        "packages": cell.packages,
                        "choices": cell.choices,
                        "alt": cell.options.get("alt"),
                        "hide_output": hidden,
                        "files": self.data_files,
                        "output": kept,
                    }
                )
            ),
        )

    def rendered(self, output: dict[str, Any] | None) -> Any:
        """The output with IPython.display's Markdown and Math rendered (their math the
        article's, typeset at build time) and HTML as the author wrote it, for the page."""
        if output is None:
            return None
        prose = self.prose or (lambda text: f"<pre>{html.escape(text)}</pre>")
        displays = []
        for display in output["displays"]:
            if "markdown" in display:
                display = {**display, "rendered": prose(display["markdown"])}
            elif "math" in display:
                display = {**display, "rendered": prose(f"$$\n{display['math']}\n$$")}
            elif "html" in display:
                display = {**display, "rendered": display["html"]}
            displays.append(display)
        return {**output, "displays": displays}

    def publish(self, name: str, digest: str, text: str) -> None:
        self.files[name] = digest
        if self.keyframes.folder is not None:
            target = self.keyframes.file(digest)
            if not target.exists():
                write_whole(target, text)
        else:
            self.texts[digest] = text


def environment_signature(content: Path) -> str:
    """What cells can read besides their code: the Python that runs them, its installed
    packages, the engine and kernel that run them and shape their output, and the content
    folder's other files (a cell may open a data file)."""
    from importlib.metadata import distributions

    digest = hashlib.sha256(sys.version.encode())
    for path in [*sorted((ROOT / "engine").glob("*.py")), Path(__file__).with_name("kernel.py")]:
        digest.update(path.name.encode() + path.read_bytes())
    for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in distributions()):
        digest.update(dist.encode())
    digest.update(data_signature(content).encode())
    return digest.hexdigest()


def data_signature(content: Path) -> str:
    """The content folder's files other than articles (a fit's data, a cell's input), by
    name, size and time: what an article may read besides its own text."""
    digest = hashlib.sha256()
    for path in data_files(content):
        stat = path.stat()
        digest.update(f"{path.relative_to(content)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()
