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

import contextlib
import hashlib
import html
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
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

from .cache import write_whole
from .cell_controls import cell_controls, hint, interact_controls
from .cell_output import code_html, split_images, with_alt, xml_safe
from .config import ROOT
from .controls import Control
from .demos import _script_json as script_json
from .errors import ContentError
from .fences import FenceSite, guarded, source_shown
from .iterates import ID
from .keyframes import Keyframes, KeyframeStore
from .read import ARTICLE_KINDS, file_problem
from .runnable import browser_problems, packages_needed, pyodide_packages, string_literals
from .yamlmap import error_line, error_message, key_lines, line_of, load

DEFAULT_TIMEOUT = 30  # seconds a cell may run at build time (and in the browser), unless set
MAX_TIMEOUT = 300
MEMORY_LIMIT = 2 << 30  # bytes of address space for an article's cells (numpy needs ~0.5 GiB)


@dataclass(frozen=True)
class Option:
    """One ``#|`` option: its default and what it means (the guide's reference)."""

    default: Any
    meaning: str


OPTIONS: dict[str, Option] = {
    "id": Option(None, "the cell's id: its anchor, and its name in links and errors"),
    "caption": Option(None, "a caption under the cell (Markdown is not rendered)"),
    "hide_code": Option(False, "show only the output (the reader can still open the code)"),
    "hide_output": Option(False, "run the cell but show no output (its names still count)"),
    "editable": Option(True, "false: the reader cannot edit or run it in the browser"),
    "timeout": Option(DEFAULT_TIMEOUT, f"seconds the cell may run (at most {MAX_TIMEOUT})"),
    "controls": Option(None, "sliders and selects bound to the cell's top-level names"),
    "keyframes": Option(True, "false: the controls answer only once the runtime is ready"),
    "show_source": Option(False, "print the cell's Markdown source under it (for guides)"),
    "alt": Option(
        None,
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
    for key in options:
        if key not in OPTIONS:
            bad((key,), f"unknown option {key!r}{hint(str(key), OPTIONS)}")
    for key in ("hide_code", "hide_output", "editable", "keyframes", "show_source"):
        if key in options and not isinstance(options[key], bool):
            bad((key,), f"{key} must be true or false")
    timeout = options.get("timeout", DEFAULT_TIMEOUT)
    if (
        not isinstance(timeout, int | float)
        or isinstance(timeout, bool)
        or not 0 < timeout <= MAX_TIMEOUT
    ):
        bad(("timeout",), f"timeout must be a number of seconds above 0, at most {MAX_TIMEOUT}")
    cell_id = options.get("id")
    if cell_id is not None and not (isinstance(cell_id, str) and ID.match(cell_id)):
        bad(("id",), f"id {cell_id!r} must be letters, digits, - and _, starting with a letter")
    if "caption" in options and not isinstance(options["caption"], str):
        bad(("caption",), "caption must be text")
    alt = options.get("alt")
    if alt is not None and not (
        isinstance(alt, str) or (isinstance(alt, list) and all(isinstance(a, str) for a in alt))
    ):
        bad(("alt",), "alt must be text, or a list of texts (one per figure)")
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


class CellTimeout(Exception):
    """A cell that did not answer: past its time limit (``slow``), or its Python ended."""

    def __init__(self, message: str, slow: bool = False) -> None:
        super().__init__(message)
        self.slow = slow


def ended(code: int | None) -> str:
    """Why the kernel's process ended, from its exit code, in words."""
    if code == -signal.SIGKILL:
        return (
            "stopped: its Python was killed, most likely for memory (a cell may use "
            f"{MEMORY_LIMIT / 2**30:g} GiB): use less"
        )
    if code is not None and code < 0:
        return f"stopped: its Python ended by signal {signal.Signals(-code).name}"
    return f"stopped: its Python exited with code {code}"


class Kernel:
    """An article's cells' child process (downhill/kernel.py), started on first use."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.process is None:
            env = {
                **os.environ,
                "OPENBLAS_NUM_THREADS": "1",
                "PYTHONHASHSEED": "0",
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
                ),
            }
            self.process = subprocess.Popen(
                [sys.executable, "-m", "downhill.kernel", str(MEMORY_LIMIT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=self.cwd,
                env=env,
                process_group=0,  # the kernel and all its cells start, ended together
            )
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        reply = self.reply(timeout, f"did not finish within its time limit of {timeout:g} s")
        if "ran" in reply:  # an interact cell: its keyframes follow, on their own budget
            reply = self.reply(
                FRAMES_LIMIT,
                f"ran in {reply['ran']:.1f} s, but its controls' keyframes did not finish "
                f"within their own limit of {FRAMES_LIMIT} s",
            )
        return reply

    def reply(self, seconds: float, late: str) -> dict[str, Any]:
        """The kernel's next reply, or CellTimeout: ``late`` past ``seconds``, or why the
        kernel ended."""
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], seconds)
        line = self.process.stdout.readline() if ready else b""
        if line:
            return json.loads(line)
        code = self.process.poll() if ready else None
        if ready and code is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.process.wait(5)
        self.close()
        if not ready:
            raise CellTimeout(late, slow=True)
        raise CellTimeout(ended(code))

    def close(self) -> None:
        """End the kernel's whole process group: the kernel, its guard, whatever cells
        started (the kernel is reaped after, so its group id cannot be reused meanwhile)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream:
                    stream.close()
            self.process = None


FRAMES_LIMIT = 35  # seconds more for an interact cell's keyframes (the kernel's 30, and slack)


MAX_DATA_BYTES = 256 << 20  # of content files copied into the cells' working folder


class TooMuchData(Exception):
    """content/ holds more files than the cells' working folder takes a copy of."""


def data_files(content: Path) -> list[Path]:
    """The content folder's files an article may read (a cell, a fit): every regular file
    but the articles (Markdown, and the notebooks at its top), inside content/ once links
    are followed (a link out of it is never read)."""
    root = content.resolve()
    return [
        path
        for path in sorted(content.rglob("*"))
        if path.suffix != ".md"
        and not (path.suffix in ARTICLE_KINDS and path.parent == content)
        and path.is_file()
        and file_problem(path, root) is None
    ]


@contextlib.contextmanager
def working_folder(content: Path) -> Iterator[Path]:
    """A scratch folder holding copies of ``content``'s data files, removed afterwards: a
    cell reads them by the same relative paths, and what it writes stays out of content/."""
    with tempfile.TemporaryDirectory(prefix="downhill-cells-") as scratch:
        total = 0
        for path in data_files(content):
            total += path.stat().st_size
            if total > MAX_DATA_BYTES:
                raise TooMuchData(
                    f"cells run on a copy of content/'s files besides the articles, and it "
                    f"holds more than {MAX_DATA_BYTES >> 20} MB of them; move what no article "
                    "reads out of content/"
                )
            target = Path(scratch) / path.relative_to(content)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        yield Path(scratch)


def run_article_cells(cells: list[Cell], content: Path) -> list[dict[str, Any]]:
    """Run ``cells`` in order in one kernel, in a scratch copy of ``content``'s data files;
    a result per cell: ``{"output", "keyframes"}``, or ``{"timeout": message}``; cells
    after a failed one are not run (None)."""
    try:
        with working_folder(content) as scratch:
            return _run_in(cells, scratch)
    except TooMuchData as exc:
        return [{"refused": str(exc)}] + [None] * (len(cells) - 1)


def _run_in(cells: list[Cell], cwd: Path) -> list[dict[str, Any]]:
    results: list[dict[str, Any] | None] = [None] * len(cells)
    kernel = Kernel(cwd)
    try:
        for k, cell in enumerate(cells):
            interact = None
            if cell.controls and cell.options.get("keyframes", True):
                interact = {
                    "controls": [c.__dict__ for c in cell.controls],
                    "values": {c.name: c.value for c in cell.controls},
                    "choices": cell.choices,
                }
            request = {"source": cell.source, "filename": cell.filename, "interact": interact}
            try:
                reply = kernel.run(request, cell.options.get("timeout", DEFAULT_TIMEOUT))
            except CellTimeout as exc:
                results[k] = {"timeout": str(exc), "slow": exc.slow}
                break
            results[k] = reply
            if reply["output"]["error"]:
                break
    finally:
        kernel.close()
    return results  # type: ignore[return-value]


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
        key = hashlib.sha256(
            json.dumps(
                [self.signature, [(c.source, c.options.get("keyframes", True)) for c in self.cells]]
            ).encode()
        ).hexdigest()
        stored = self.keyframes.folder / "cells" / f"{key}.json" if self.keyframes.folder else None
        if stored and stored.exists():
            try:
                self.results = json.loads(stored.read_text("utf-8"))
            except (OSError, ValueError):
                self.results = []
        if len(self.results) != len(self.cells):
            self.results = run_article_cells(self.cells, self.path.parent)
            if stored and all(
                r and "output" in r and not r["output"]["error"] for r in self.results
            ):
                write_whole(stored, json.dumps(self.results))
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
