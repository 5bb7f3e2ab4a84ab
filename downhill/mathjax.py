"""Math typeset when the site is built, by MathJax 4 under Node (scripts/typeset.mjs).

The Markdown stage leaves a token where each formula goes and lists the formulas of the
article (``ArticleMath``): arithmatex's spans and divs, found in the tree by a registered
treeprocessor, and the formulas that the check and iterates fences write. Once every
article is rendered, :func:`typeset` sends what the cache does not hold to one Node
process, in one batch, and the page gets MathJax's SVG (with its assistive MathML, for
screen readers) where the tokens were, the feed the MathML alone.

A formula that numbers, labels or refers (``\\label``, ``\\eqref``, ``\\tag``, an
environment) belongs to its article's numbering, so an article's such formulas are one
MathJax document, in reading order; every other formula is typeset on its own, once per
distinct text, however many articles hold it.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
import tempfile
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from .errors import ContentError
from .fences import TextLocator

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "typeset.mjs"
VERSION = "svg-5"  # bump when the script's output changes: it keys the cache
TOKEN = "\x02math:{}\x03"
TOKENS = re.compile("\x02math:(\\d+)\x03")
IN_CONTEXT = re.compile(r"\\(label|ref|eqref|tag|notag|nonumber|begin)\b")
# A formula that defines a macro makes its article's math one document, typeset in order:
# the macro holds from there on in that article, and nowhere else.
DEFINES = re.compile(
    r"\\(def|gdef|edef|xdef|let|newcommand|renewcommand|providecommand|DeclareMathOperator"
    r"|newenvironment|renewenvironment)(?![A-Za-z])"
)
MAX_FORMULAS = 5_000  # per article: 40,000 took 32 s and 1.2 GB to typeset
MAX_FORMULA_CHARS = 5_000  # per formula: 18.5 KB took 3.5 s and made 1.5 MB of HTML
QUOTED = 120  # characters of a formula an error message quotes
DELIMITERS = re.compile(r"^\\[(\[](.*)\\[)\]]$", re.DOTALL)


class MathFailed(RuntimeError):
    """Node or MathJax could not run (not a TeX error: those are ContentErrors)."""


@dataclass
class ArticleMath:
    """The formulas of the article being converted, in the order their tokens were made."""

    formulas: list[list[Any]] = field(default_factory=list)  # [tex, display, line]
    source: TextLocator = field(default_factory=TextLocator)

    def start(self, body: str, first_line: int) -> None:
        self.formulas, self.source = [], TextLocator(body, first_line)

    def token(self, tex: str, display: bool, line: int | None = None) -> str:
        """Where formula ``tex`` goes; its line is found in the source if not given."""
        if line is None:
            line = self.source.line_of(tex.strip())
        self.formulas.append([tex, display, line])
        return TOKEN.format(len(self.formulas) - 1)


def inline_math(math: ArticleMath | None, tex: str, line: int) -> str:
    """An inline formula a fence writes at ``line``: a token to typeset, or (no ``math``,
    as in a fence used on its own) the TeX between \\( and \\)."""
    if math is None:
        return f"\\({html.escape(tex)}\\)"
    return math.token(tex, display=False, line=line)


class MathCollector(Treeprocessor):
    """Replace the TeX in arithmatex's elements by tokens, in reading order; the engine's
    ``{=…}`` numbers in a formula are filled in first, by ``numbers``."""

    def __init__(
        self, md: markdown.Markdown, math: ArticleMath, numbers: Callable[[str], str]
    ) -> None:
        super().__init__(md)
        self.math = math
        self.numbers = numbers

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if "arithmatex" not in element.get("class", "") or not element.text:
                continue
            found = DELIMITERS.match(element.text.strip())
            if not found:
                continue
            display = element.tag == "div"
            tex = html.unescape(found.group(1))  # arithmatex escapes < and & for HTML
            line = self.math.source.line_of(tex.strip())
            element.text = AtomicString(self.math.token(self.numbers(tex), display, line))


class MathExtension(markdown.Extension):
    def __init__(self, math: ArticleMath, numbers: Callable[[str], str] = str) -> None:
        super().__init__()
        self.math = math
        self.numbers = numbers

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # after the inline stage (20), where arithmatex made its elements
        collector = MathCollector(md, self.math, self.numbers)
        md.treeprocessors.register(collector, "math-collector", 15)


@dataclass(frozen=True)
class Typeset:
    """One formula as a page shows it (SVG, whose glyphs are <use> references to
    ``glyphs``: id → <path>) and as the feed carries it (MathML)."""

    html: str
    mathml: str
    glyphs: dict[str, str]
    links: tuple[str, ...] = ()  # the site's pages it links to (\\href{/slug/}{…})


HIDDEN = '<svg class="math-glyphs" aria-hidden="true" style="display: none">'


def fill(html: str, typeset: list[Typeset], feed: bool = False) -> str:
    """``html`` with each token replaced by its formula, and the paths of the glyphs they
    use in one hidden <defs> in front; for the feed, the MathML alone."""
    if feed:
        return TOKENS.sub(lambda m: typeset[int(m.group(1))].mathml, html)
    filled = TOKENS.sub(lambda m: typeset[int(m.group(1))].html, html)
    glyphs = {name: path for formula in typeset for name, path in formula.glyphs.items()}
    if not glyphs:
        return filled
    defs = "".join(glyphs[name] for name in sorted(glyphs))
    return f"{HIDDEN}<defs>{defs}</defs></svg>{filled}"


class MathJax:
    """One Node process running scripts/typeset.mjs, started when first needed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process: subprocess.Popen | None = None
        self.asked = 0

    def start(self) -> None:
        if self.process is None:
            self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
            self.process = subprocess.Popen(
                ["node", str(SCRIPT)],
                cwd=self.root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.log,
                text=True,
                encoding="utf-8",
            )

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        self.start()
        assert self.process and self.process.stdin and self.process.stdout
        self.asked += 1
        request = {"id": self.asked, **request}
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except OSError as exc:
            raise MathFailed(f"MathJax (node {SCRIPT.name}) stopped: {self.stderr()}") from exc
        for line in self.process.stdout:
            try:
                reply = json.loads(line)
            except ValueError:
                continue  # not ours (a warning printed by MathJax)
            if "failed" in reply:
                raise MathFailed(f"MathJax failed: {reply['failed']}")
            if reply.get("id") == self.asked:
                return reply
        raise MathFailed(f"MathJax (node {SCRIPT.name}) stopped: {self.stderr()}")

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-2000:] or "no message"

    def close(self) -> None:
        if self.process is not None:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(timeout=30)
            self.log.close()
            self.process = None


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps([VERSION, *parts]).encode()).hexdigest()


def typeset(
    articles: list[tuple[Path, list[list[Any]]]],
    cache: Any,
    mathjax: MathJax,
    base_url: str = "/",
) -> tuple[list[list[Typeset]], list[ContentError]]:
    """Every article's formulas typeset (articles: (file, [tex, display, line] …)).

    ``cache`` has ``get(stage, key)`` and ``put(stage, key, value)`` (the build cache).
    Node is asked only for what it lacks: the formulas on their own in one batch, then
    each article's numbered formulas as a document."""
    in_context: dict[str, bool] = {}  # tex → whether it numbers, labels or refers

    def in_document(tex: str) -> bool:
        if tex not in in_context:
            in_context[tex] = IN_CONTEXT.search(tex) is not None
        return in_context[tex]

    errors: list[ContentError] = []
    articles = [(path, _within_limits(path, formulas, errors)) for path, formulas in articles]
    defining = [
        DEFINES.search("\n".join(f[0] for f in formulas)) is not None for _, formulas in articles
    ]

    def member(tex: str, article: int) -> bool:
        """Whether ``tex`` is typeset in its article's document (else on its own)."""
        return defining[article] or in_document(tex)

    alone: dict[tuple[str, bool], dict | None] = {}  # (tex, display) → result
    documents: dict[str, list[dict] | None] = {}  # key → results
    needs: list[str | None] = []  # per article: the key of its document, if it has one
    for a, (_, formulas) in enumerate(articles):
        numbered = [f[:2] for f in formulas if member(f[0], a)]
        key = _key("document", base_url, numbered) if numbered else None
        needs.append(key)
        if key is not None and key not in documents:
            documents[key] = cache.get("math", key)
        for tex, display, _ in formulas:
            if (tex, display) not in alone and not member(tex, a):
                alone[tex, display] = cache.get("math", _key(base_url, tex, display))
    missing = [formula for formula, result in alone.items() if result is None]
    if missing:
        request = [{"tex": tex, "display": display} for tex, display in missing]
        results = mathjax.ask({"document": False, "base": base_url, "formulas": request})["results"]
        for formula, result in zip(missing, results, strict=True):
            alone[formula] = result
            if result["error"] is None:
                cache.put("math", _key(base_url, *formula), result)
    for a, ((_, formulas), key) in enumerate(zip(articles, needs, strict=True)):
        if key is not None and documents[key] is None:
            request = [{"tex": t, "display": d} for t, d, _ in formulas if member(t, a)]
            documents[key] = mathjax.ask({"document": True, "base": base_url, "formulas": request})[
                "results"
            ]
            if all(r["error"] is None for r in documents[key]):
                cache.put("math", key, documents[key])
    out: list[list[Typeset]] = []
    for a, ((path, formulas), key) in enumerate(zip(articles, needs, strict=True)):
        numbered = iter(documents[key] if key is not None else [])
        shown = []
        for tex, display, line in formulas:
            result = next(numbered) if member(tex, a) else alone[tex, display]
            if result["error"] is not None:
                quoted = tex.strip()
                if len(quoted) > QUOTED:
                    quoted = f"{quoted[:QUOTED]}… ({len(quoted):,} characters)"
                errors.append(
                    ContentError(path, line, f"TeX error in {quoted!r}: {result['error'][:500]}")
                )
            shown.append(
                Typeset(
                    result["html"],
                    result["mathml"],
                    result["glyphs"],
                    tuple(result.get("links", ())),
                )
            )
        out.append(shown)
    return out, errors


def _within_limits(
    path: Path, formulas: list[list[Any]], errors: list[ContentError]
) -> list[list[Any]]:
    """The article's formulas, each past a limit replaced by an empty one and reported."""
    if len(formulas) <= MAX_FORMULAS and all(len(f[0]) <= MAX_FORMULA_CHARS for f in formulas):
        return formulas
    kept = []
    for k, (tex, display, line) in enumerate(formulas):
        if k == MAX_FORMULAS:
            errors.append(
                ContentError(
                    path,
                    line,
                    f"this is the article's formula number "
                    f"{k + 1:,}; at most {MAX_FORMULAS:,} are allowed: split "
                    "the article",
                )
            )
        if k >= MAX_FORMULAS:
            kept.append(["", display, line])
        elif len(tex) > MAX_FORMULA_CHARS:
            errors.append(
                ContentError(
                    path,
                    line,
                    f"this formula is {len(tex):,} characters "
                    f"long; at most {MAX_FORMULA_CHARS:,} are allowed: split "
                    "it, or show it as an image",
                )
            )
            kept.append(["", display, line])
        else:
            kept.append([tex, display, line])
    return kept


def stylesheet(mathjax: MathJax) -> str:
    """The CSS MathJax's SVG output needs, once per site."""
    return mathjax.ask({"stylesheet": True})["css"]
