"""Stage 1, read: split each Markdown file into validated front matter and body."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError
from .yamlmap import error_line, error_message, key_lines, load

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FRONT_KEYS = ("title", "date", "updated", "summary", "tags", "draft", "slug", "image")


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
    )


def read_source(path: Path, errors: list[ContentError], text: str | None = None) -> Source | None:
    """Read one article; append problems to ``errors`` and return None if it is unusable."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        errors.append(
            ContentError(
                path,
                1,
                "the file must start with front matter between "
                "'---' lines, with at least title and date",
            )
        )
        return None
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

    def bad(key: str, message: str) -> None:
        errors.append(ContentError(path, lines.get((key,), 2), message))

    for key in meta:
        if key not in FRONT_KEYS:
            from difflib import get_close_matches

            hint = get_close_matches(str(key), FRONT_KEYS, n=1)
            bad(
                key,
                f"unknown front-matter key {key!r}"
                + (
                    f"; did you mean {hint[0]!r}?" if hint else f" (known: {', '.join(FRONT_KEYS)})"
                ),
            )
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        errors.append(
            ContentError(
                path,
                lines.get(("title",), 2),
                "front matter needs a title, e.g. 'title: Descending a mountain'",
            )
        )
    date = _date(meta.get("date"), "date", bad, required=True)
    updated = _date(meta.get("updated"), "updated", bad, required=False)
    tags = meta.get("tags", [])
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        bad("tags", "tags must be a list of words, e.g. 'tags: [calculus, optimization]'")
        tags = []
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        bad("draft", "draft must be true or false")
    summary = meta.get("summary", "")
    if not isinstance(summary, str):
        bad("summary", "summary must be text")
    slug = meta.get("slug", slugify(str(title or path.stem)) if "slug" in meta else path.stem)
    if not isinstance(slug, str) or not SLUG.match(slug):
        bad("slug", f"slug {slug!r} must be lowercase letters, digits and single hyphens")
    image = meta.get("image")
    if image is not None and not isinstance(image, str):
        bad("image", "image must be a path or URL")
    if len(errors) > before:
        return None
    body_line = text[: match.end()].count("\n") + 1
    return Source(
        path=path,
        title=str(title).strip(),
        date=date,  # type: ignore[arg-type]
        slug=str(slug),
        body=text[match.end() :],
        body_line=body_line,
        summary=str(summary),
        tags=tuple(tags),
        draft=bool(draft),
        updated=updated,
        image=image,
        meta_lines={k[0]: v for k, v in lines.items() if len(k) == 1},
    )


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
