"""Stage 1, read: split each Markdown file into validated front matter and body."""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from engine.schema import Field, flag, suggest

from .errors import ContentError
from .yamlmap import error_line, error_message, key_lines, load

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)
FENCE = re.compile(r"^(`{3,}|~{3,})")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# An article's front matter, one row per key: its default, the values it allows and what
# it means. The dates, the slug and the functions have checks of their own below.
FRONT: dict[str, Field] = {
    "title": Field(None, lambda v: isinstance(v, str) and bool(v.strip()), "text", "required"),
    "date": Field(None, lambda v: True, "a date written YYYY-MM-DD", "required; newest first"),
    "updated": Field(None, lambda v: True, "a date written YYYY-MM-DD", "shown beside the date"),
    "summary": Field("", lambda v: isinstance(v, str), "text", "the index, feed and previews"),
    "tags": Field(
        [],
        lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v),
        "a list of words, e.g. 'tags: [calculus, optimization]'",
        "each tag gets a page under /tags/",
    ),
    "draft": flag(False, "true: built only with --drafts and by serve"),
    "slug": Field(
        None, lambda v: True, "lowercase letters, digits and single hyphens", "the address"
    ),
    "image": Field(
        None, lambda v: v is None or isinstance(v, str), "a path or URL", "a link preview's picture"
    ),
    "functions": Field(None, lambda v: True, "a mapping of names to formulas", "named functions"),
}
# Python-Markdown's inline stage rewrites a whole paragraph for every emphasis, link or
# formula in it, so its time grows with the square of a paragraph's length (a 245 KB
# paragraph: 6.5 s; 980 KB: 100 s). These bounds keep any article to seconds.
MAX_ARTICLE_CHARS = 2_000_000
MAX_PARAGRAPH_CHARS = 20_000
# Slugs the site's own pages and folders use: an article there would overwrite them.
RESERVED_SLUGS = ("tags", "assets", "feed", "404", "sitemap", "robots", "index", "build")


# What other site generators leave in Markdown that Downhill would pass into the page as
# text (Liquid's tags and outputs, from Jekyll), or that the page's CSP would block (a
# script). Looked for outside code and math, where they are literal.
LIQUID_TAG = re.compile(r"\{%-?\s*(\w+)[^%]*%\}")
LIQUID_OUTPUT = re.compile(r"\{\{-?\s*([A-Za-z_][\w.]*)(\s*\|[^{}]*)?\s*-?\}\}")
SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
SCRIPT_LINK = re.compile(
    r"<a\b[^>]*?\bhref\s*=\s*[\"']?\s*(?!https?:|mailto:)[a-z][a-z0-9+.-]*:[^>]*>", re.IGNORECASE
)
CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
LITERAL = re.compile(
    r"(`+).+?\1|\$\$.+?\$\$|\$[^$\n]+\$|\\\(.+?\\\)|\\\[.+?\\\]"
    r"|\\begin\{(\w+\*?)\}.*?\\end\{\2\}",
    re.DOTALL,
)


# Characters XML 1.0 does not allow (C0 controls but tab and line breaks, lone surrogates,
# and U+FFFE/FFFF):
# one of them in a page's text makes the Atom feed unreadable to every feed reader.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def not_xml(text: str) -> str | None:
    """Words for the first character of ``text`` that XML cannot carry, or None."""
    found = NOT_XML.search(text)
    if found is None:
        return None
    return (
        f"U+{ord(found.group(0)):04X}, an invisible control character, which no page or feed "
        "may hold: delete it (an editor that shows invisible characters helps)"
    )


def leftovers(body: str) -> list[tuple[int, str]]:
    """(line within ``body``, message) for each Liquid tag or output and each script."""
    lines = body.split("\n")
    fence = ""
    for i, line in enumerate(lines):  # blank out fenced code, keeping the line count
        m = CODE_FENCE.match(line)
        if fence:
            if m and m.group(1).startswith(fence):
                fence = ""
            lines[i] = ""
        elif m:
            fence = m.group(1)
            lines[i] = ""
    text = LITERAL.sub(lambda m: "\n" * m.group(0).count("\n"), "\n".join(lines))
    messages = (
        (
            LIQUID_TAG,
            "{0!r} is a Liquid tag (Jekyll); Downhill does not run Liquid, so it would show as "
            "text: remove it, and for '{1}' write what it stood for (an include's text, a "
            "link) in Markdown",
        ),
        (
            LIQUID_OUTPUT,
            "{0!r} is a Liquid output (Jekyll); Downhill does not fill it in: write the value "
            "itself (a link's address starting with / gets the site's base URL)",
        ),
        (
            SCRIPT_LINK,
            "{0!r}: a link to a script address; a link goes to an http(s) or mailto address, "
            "a #anchor or a page of the site",
        ),
        (
            SCRIPT,
            "{0!r}: an article cannot run scripts (the page's Content-Security-Policy blocks "
            "them); a demo fence makes a chart interactive",
        ),
    )
    found = [
        (text.count("\n", 0, m.start()), message.format(m.group(0), *m.groups()))
        for pattern, message in messages
        for m in pattern.finditer(text)
    ]
    return sorted(found)


@dataclass(frozen=True)
class Source:
    """An article as read from disk, before Markdown."""

    path: Path
    title: str
    date: dt.date
    slug: str
    body: str
    body_line: int  # line number (1-based) of the body's first line in the file
    summary: str = ""
    tags: tuple[str, ...] = ()
    draft: bool = False
    updated: dt.date | None = None
    image: str | None = None
    meta_lines: dict[str, int] = field(default_factory=dict)
    # Named functions, written once: (name, formula, how checks and captions show it).
    functions: tuple[tuple[str, str, str], ...] = ()


@lru_cache(maxsize=4096)  # a tag's slug is asked for on every page that lists it
def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "post"


def source_to_json(source: Source) -> dict[str, Any]:
    """A Source as plain JSON (for the build cache); the body is re-read from the file."""
    return {
        "title": source.title,
        "date": source.date.isoformat(),
        "slug": source.slug,
        "body_line": source.body_line,
        "summary": source.summary,
        "tags": list(source.tags),
        "draft": source.draft,
        "image": source.image,
        "meta_lines": source.meta_lines,
        "updated": source.updated.isoformat() if source.updated else None,
        "functions": [list(f) for f in source.functions],
    }


def source_from_json(path: Path, text: str, data: dict[str, Any]) -> Source:
    lines = text.split("\n", data["body_line"] - 1)
    return Source(
        path=path,
        title=data["title"],
        date=dt.date.fromisoformat(data["date"]),
        slug=data["slug"],
        body=lines[-1] if len(lines) == data["body_line"] else "",
        body_line=data["body_line"],
        summary=data["summary"],
        tags=tuple(data["tags"]),
        draft=data["draft"],
        image=data["image"],
        meta_lines=data["meta_lines"],
        updated=dt.date.fromisoformat(data["updated"]) if data["updated"] else None,
        functions=tuple(tuple(f) for f in data.get("functions", [])),  # type: ignore[misc]
    )


ARTICLE_KINDS = (".md", ".ipynb")  # Markdown, and Jupyter notebooks (downhill/notebook.py)


def article_paths(content: Path, errors: list[ContentError]) -> list[Path]:
    """The Markdown files and notebooks of ``content`` that can be read as articles, in
    name order.

    Anything else named ``*.md`` is an error that says what it is: a folder, a pipe or
    device (reading one could hang the build), a dangling symlink, or a symlink to a file
    outside ``content`` (which would publish a file the author may not mean to).
    """
    root = content.resolve()
    paths = []
    found = [p for kind in ARTICLE_KINDS for p in content.glob(f"*{kind}")]
    for path in sorted(found, key=lambda p: p.name):  # (Path's < is slow)
        if path.name.startswith("_"):
            continue
        problem = file_problem(path, root)
        if problem:
            errors.append(ContentError(path, 0, problem))
        else:
            paths.append(path)
    return paths


# Where the site's own files are: a file of content/ there would overwrite them.
RESERVED_FILES = ("index.html", "feed.xml", "sitemap.xml", "404.html", "robots.txt", "build.json")


def read_only_by_drafts(files: list[str], drafts: list[str], published: list[str]) -> set[str]:
    """Of the content ``files`` (site paths), those that a draft's text names (by path or
    file name) and no published text does: a draft's data is not published before it."""

    def named(file: str, texts: list[str]) -> bool:
        name = file.rpartition("/")[2]
        return any(file in text or name in text for text in texts)

    return {f for f in files if named(f, drafts) and not named(f, published)}


def content_files(content: Path, slugs: set[str], errors: list[ContentError]) -> list[str]:
    """The other files of ``content`` (images, data, downloads), as site paths: each is
    published at the same place under the base URL. Markdown, names starting with ``.`` or
    ``_`` and what would overwrite the site's own files are not; the last is an error."""
    root = content.resolve()
    found = []
    for path in sorted(content.rglob("*"), key=lambda p: p.parts):  # (Path's < is slow)
        if path.suffix in ARTICLE_KINDS and path.parent == content:
            continue
        if path.suffix == ".md":
            continue
        relative = path.relative_to(content).as_posix()
        parts = relative.split("/")
        if any(p.startswith((".", "_")) for p in parts):
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        problem = file_problem(path, root)
        if problem:
            errors.append(ContentError(path, 0, problem))
        elif (
            parts[0] in ("assets", "tags")
            or relative in RESERVED_FILES
            or (len(parts) == 2 and parts[0] in slugs and parts[1] == "index.html")
        ):
            errors.append(
                ContentError(
                    path,
                    0,
                    f"/{relative} is where the site keeps its own files; "
                    "move this file to another folder of content/",
                )
            )
        else:
            found.append(relative)
    return found


def file_problem(path: Path, root: Path) -> str | None:
    """Why ``path`` cannot be read as a file of the content folder ``root`` (resolved), or
    None: it must be a regular file inside ``root`` once every link on its way is followed."""
    target = path.resolve()
    if target != path.absolute() and not target.exists():
        return f"a symlink to {target}, which does not exist; remove the link"
    if root not in target.parents:
        return (
            f"a link to {target}, outside the content folder; copy the file into the content "
            "folder instead"
        )
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if stat.S_ISDIR(mode):
        return "a folder, not an article; rename it (files named *.md are articles)"
    if not stat.S_ISREG(mode):
        return "not a regular file (a pipe, socket or device); remove it"
    return None


def read_text(path: Path, errors: list[ContentError]) -> str | None:
    """The file as text: UTF-8, a leading byte-order mark dropped; None after an error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        errors.append(ContentError(path, 0, f"cannot be read: {exc.strerror}"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        errors.append(
            ContentError(
                path,
                line,
                f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at column {column} cannot "
                "be read; save the file as UTF-8",
            )
        )
        return None
    return text.removeprefix("\ufeff")


def read_article(path: Path, errors: list[ContentError]) -> str | None:
    """An article's Markdown: the file's text, or the Markdown a notebook is; None after an
    error (a notebook's at its cell and line)."""
    text = read_text(path, errors)
    if text is None or path.suffix != ".ipynb":
        return text
    from .notebook import NotebookError, as_markdown

    try:
        return as_markdown(text)[0]
    except NotebookError as exc:
        errors.append(ContentError(path, exc.line, exc.message))
        return None


def read_source(path: Path, errors: list[ContentError], text: str | None = None) -> Source | None:
    """Read one article; append problems to ``errors`` and return None if it is unusable."""
    if text is None:
        text = read_text(path, errors)
        if text is None:
            return None
    match = _readable(path, text, errors)
    if match is None:
        return None
    body_start = text[: match.end()].count("\n") + 1
    for line, message in leftovers(text[match.end() :]):
        errors.append(ContentError(path, body_start + line, message))
    front = match.group(1)
    try:
        meta: Any = load(front) or {}
        lines = key_lines(front, first_line=2)
    except yaml.YAMLError as exc:
        line = error_line(exc, 2)
        errors.append(
            ContentError(path, line, f"front matter is not valid YAML: {error_message(exc)}")
        )
        return None
    if not isinstance(meta, dict):
        errors.append(ContentError(path, 2, "front matter must be 'key: value' lines"))
        return None
    before = len(errors)
    values = _front_matter(path, meta, lines, errors)
    if len(errors) > before:
        return None
    return Source(
        path=path,
        body=text[match.end() :],
        body_line=body_start,
        meta_lines={k[0]: v for k, v in lines.items() if len(k) == 1},
        **values,
    )


def _readable(path: Path, text: str, errors: list[ContentError]) -> re.Match | None:
    """The article's front matter, if the file has some and is within every limit."""
    match = FRONT_MATTER.match(text)
    if not match:
        where = (
            "a notebook's first cell must be a raw cell holding front matter between '---' "
            "lines (Quarto's convention), or its metadata must hold title and date"
            if path.suffix == ".ipynb"
            else "the file must start with front matter between '---' lines"
        )
        errors.append(ContentError(path, 1, f"{where}, with at least title and date"))
        return None
    if len(text) > MAX_ARTICLE_CHARS:
        errors.append(
            ContentError(
                path,
                1,
                f"the article is {len(text):,} characters long; at most {MAX_ARTICLE_CHARS:,} "
                "are allowed: split it into several articles",
            )
        )
        return None
    found = NOT_XML.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        errors.append(ContentError(path, line, f"this line holds {not_xml(found.group(0))}"))
        return None
    paragraph = longest_paragraph(text[match.end() :])
    if paragraph and paragraph[1] > MAX_PARAGRAPH_CHARS:
        errors.append(
            ContentError(
                path,
                text[: match.end()].count("\n") + 1 + paragraph[0],
                f"this paragraph is {paragraph[1]:,} characters long; at most "
                f"{MAX_PARAGRAPH_CHARS:,} are allowed (Markdown's time grows with the square "
                "of a paragraph's length): split it with blank lines",
            )
        )
        return None
    return match


def _front_matter(
    path: Path, meta: dict[str, Any], lines: dict, errors: list[ContentError]
) -> dict[str, Any]:
    """The front matter checked against :data:`FRONT`, row by row, as Source's fields."""

    def bad(key: str, message: str) -> None:
        errors.append(ContentError(path, lines.get((key,), 2), message))

    for key in meta:
        if key not in FRONT:
            hint = suggest(key, FRONT) or f" (known: {', '.join(FRONT)})"
            bad(key, f"unknown front-matter key {key!r}{hint}")
    for key, value in meta.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and not_xml(item):
                bad(key, f"{key} holds {not_xml(item)} (a YAML escape such as \\x01 makes one)")
    title = meta.get("title")
    if not FRONT["title"].check(title):
        bad("title", "front matter needs a title, e.g. 'title: Descending a mountain'")
    out: dict[str, Any] = {"title": str(title).strip()}
    for key in ("summary", "draft", "image", "tags"):
        value = meta.get(key, FRONT[key].default)
        if key == "tags" and isinstance(value, str):  # "a, b" for [a, b]
            value = [t.strip() for t in value.split(",") if t.strip()]
        problem = FRONT[key].problem(key, value)
        if problem:
            bad(key, problem)
            value = FRONT[key].default
        out[key] = tuple(value) if key == "tags" else value
    out["date"] = _date(meta.get("date"), "date", bad, required=True)
    out["updated"] = _date(meta.get("updated"), "updated", bad, required=False)
    out["slug"] = _slug(meta, title, path, bad)
    out["functions"] = _functions(meta.get("functions"), lines, path, errors)
    return out


def _slug(meta: dict[str, Any], title: Any, path: Path, bad: Callable[[str, str], None]) -> str:
    slug = meta.get("slug", slugify(str(title or path.stem)) if "slug" in meta else path.stem)
    if not isinstance(slug, str) or not SLUG.match(slug):
        bad("slug", f"slug {slug!r} must be lowercase letters, digits and single hyphens")
    elif slug in RESERVED_SLUGS:
        fix = "choose another slug" if "slug" in meta else "rename the file or set 'slug:'"
        bad(
            "slug",
            f"slug {slug!r} is the address of one of the site's own pages "
            f"({', '.join(RESERVED_SLUGS)}); {fix}",
        )
    return str(slug)


def _functions(
    raw: Any, lines: dict, path: Path, errors: list[ContentError]
) -> tuple[tuple[str, str, str], ...]:
    """``functions: {L: "formula"}`` or ``{L: {formula: "…", name: "L(w, b)"}}``, checked."""
    from engine.catalogue import CATALOGUE
    from engine.expr import FUNCTIONS, ExpressionError, parse

    if raw is None:
        return ()
    where = lines.get(("functions",), 2)
    if not isinstance(raw, dict):
        errors.append(
            ContentError(
                path,
                where,
                "functions maps names to formulas, e.g. 'functions: {L: \"(w*x + b - y)**2\"}'",
            )
        )
        return ()
    out = []
    for name, value in raw.items():
        line = lines.get(("functions", name), where)
        text, shown = (
            (value, None)
            if not isinstance(value, dict)
            else (value.get("formula"), value.get("name"))
        )
        if (
            not isinstance(name, str)
            or not name.isidentifier()
            or name in ("x", "y")
            or (name in CATALOGUE or name in FUNCTIONS)
        ):
            errors.append(
                ContentError(
                    path,
                    line,
                    f"functions: {name!r} cannot be a name: use "
                    "a word that is not x, y, a function or a catalogue name",
                )
            )
            continue
        if isinstance(value, dict) and set(value) - {"formula", "name"}:
            extra = sorted(set(value) - {"formula", "name"})[0]
            errors.append(
                ContentError(
                    path,
                    lines.get(("functions", name, extra), line),
                    f"functions.{name}: unknown key {extra!r} (it takes formula and name)",
                )
            )
            continue
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            errors.append(ContentError(path, line, f"functions.{name} needs a formula"))
            continue
        try:
            tree = parse(str(text))
        except ExpressionError as exc:
            errors.append(ContentError(path, line, f"functions.{name}: {exc}"))
            continue
        args = ", ".join(v for v in ("x", "y") if v in tree.names()) or "x"
        out.append((name, str(text), str(shown) if shown else f"{name}({args})"))
    return tuple(out)


def longest_paragraph(body: str) -> tuple[int, int] | None:
    """(line offset, characters) of the longest run of non-blank lines outside code fences."""
    best: tuple[int, int] | None = None
    start, length, fence = 0, 0, ""
    for k, line in enumerate(body.split("\n")):
        stripped = line.strip()
        if fence:
            fence = "" if stripped.startswith(fence) else fence
            continue
        opening = FENCE.match(stripped)
        if opening or not stripped:
            fence = opening.group(0) if opening else ""
            if length and (best is None or length > best[1]):
                best = (start, length)
            length = 0
            continue
        if not length:
            start = k
        length += len(line) + 1
    if length and (best is None or length > best[1]):
        best = (start, length)
    return best


def _date(value: Any, key: str, bad: Any, required: bool) -> dt.date | None:
    if value is None:
        if required:
            bad(key, f"front matter needs a {key}, e.g. '{key}: 2026-11-22'")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    bad(key, f"{key} must be a date written YYYY-MM-DD, got {value!r}")
    return None
