"""The site's own settings: the front matter of ``content/_index.md``, its body the index's
introduction. One table, ``SETTINGS``, says every key, its default and its meaning; the
reader, its errors and the guide's reference come from it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .config import BuildConfig
from .errors import ContentError
from .read import FRONT_MATTER, file_problem, not_xml, read_text
from .yamlmap import error_line, error_message, key_lines, load

LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
DEFAULT_NAVIGATION = (("Tags", "/tags/"), ("Feed", "/feed.xml"))


@dataclass(frozen=True)
class SiteSettings:
    """What names the blog, as the templates, feed, sitemap and link previews read it."""

    title: str = "Downhill"
    description: str = (
        "Interactive articles about gradient descent: every chart is live, every formula "
        "checked when the page is built."
    )
    author: str = "Downhill"
    language: str = "en"
    url: str = ""  # the published address, e.g. https://me.github.io/blog/ ("" = not said)
    navigation: tuple[tuple[str, str], ...] = DEFAULT_NAVIGATION
    offline: bool = True

    @property
    def site_url(self) -> str:
        """The host part of ``url`` (https://me.github.io), or ""."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}" if self.url else ""

    @property
    def base_url(self) -> str:
        """The path part of ``url`` with its slashes (/blog/), or ""."""
        if not self.url:
            return ""
        path = "/" + urlsplit(self.url).path.strip("/") + "/"
        return "/" if path == "//" else path


@dataclass(frozen=True)
class Setting:
    """One key of ``_index.md``'s front matter: what it means and what it accepts."""

    name: str
    meaning: str
    example: str
    read: Callable[[Any], Any]  # the value as SiteSettings holds it; ValueError says why not


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be text")
    if not_xml(value):
        raise ValueError(f"holds {not_xml(value)}")
    return value.strip()


def _language(value: Any) -> str:
    if not isinstance(value, str) or not LANGUAGE.match(value):
        raise ValueError("must be a language tag such as en, de or pt-BR")
    return value


# What an address may hold unescaped (RFC 3986's characters), and a host name's labels.
LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
URL_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")


def _host(netloc: str) -> bool:
    """A host name (labels of letters, digits and -) or an IPv6 address in brackets, with
    an optional port."""
    if netloc.startswith("["):
        end = netloc.find("]")
        rest = netloc[end + 1 :]
        if end < 2 or (rest and not (rest[:1] == ":" and rest[1:].isdigit())):
            return False
        return all(c in "0123456789abcdefABCDEF:." for c in netloc[1:end])
    host, colon, port = netloc.partition(":")
    if colon and not port.isdigit():
        return False
    return bool(host) and all(LABEL.match(label) for label in host.removesuffix(".").split("."))


def absolute_url(value: Any) -> str:
    """An absolute http(s) address, as the feed, sitemap and canonical links write it."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be the site's absolute address, e.g. https://me.github.io/blog/")
    if not URL_CHARACTERS.match(value):
        bad = next(c for c in value if not URL_CHARACTERS.match(c))
        raise ValueError(
            f"holds {bad!r}, which an address cannot: write a space as %20 (or leave it out), "
            "e.g. https://me.github.io/my-blog/"
        )
    if not _host(parts.netloc):
        raise ValueError(f"has no valid host ({parts.netloc!r}), e.g. https://me.github.io/blog/")
    if parts.query or parts.fragment:
        raise ValueError("must be an address without ? or #")
    return value


def _navigation(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not value:
        raise ValueError("must be 'label: address' lines, e.g. 'Guide: /guide/'")
    links = []
    for label, target in value.items():
        if not isinstance(label, str) or not isinstance(target, str) or not target:
            raise ValueError(f"{label!r}: each line is 'label: address', e.g. 'Guide: /guide/'")
        if not target.startswith(("/", "https://", "http://", "mailto:")):
            raise ValueError(f"{label!r}: an address starts with /, https:// or mailto:")
        links.append((_text(label), target))
    return tuple(links)


def _switch(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


SETTINGS = (
    Setting("title", "the blog's name: header, titles, feed, link previews", "My notes", _text),
    Setting(
        "description",
        "one sentence: the index's meta description, the feed's subtitle, link previews",
        "Gradient descent, slowly.",
        _text,
    ),
    Setting("author", "who writes it: the feed's author and each page's meta", "Ada", _text),
    Setting("language", "the pages' language (html lang), a BCP 47 tag", "en", _language),
    Setting(
        "url",
        "where the site is published; its path is the base URL (flags --site-url and "
        "--base-url override it)",
        "https://me.github.io/blog/",
        absolute_url,
    ),
    Setting(
        "navigation",
        "the header's links, 'label: address' (an address starting with / is a page of "
        "the site and must exist)",
        "{Guide: /guide/, Tags: /tags/}",
        _navigation,
    ),
    Setting(
        "offline",
        "a service worker keeps visited articles and the runtime for offline reading "
        "(the flag --no-offline overrides it)",
        "true",
        _switch,
    ),
)
SETTING_NAMES = tuple(s.name for s in SETTINGS)


@dataclass(frozen=True)
class IndexFile:
    """``_index.md`` read: the settings and the introduction's Markdown."""

    settings: SiteSettings = field(default_factory=SiteSettings)
    intro: str = ""


def read_index(path: Path, text: str, errors: list[ContentError]) -> IndexFile:
    """Read ``_index.md``'s ``text``; append its problems, at their lines, to ``errors``."""
    match = FRONT_MATTER.match(text)
    if not match:
        return IndexFile(intro=text)
    front = match.group(1)
    try:
        meta: Any = load(front) or {}
        lines = key_lines(front, first_line=2)
    except yaml.YAMLError as exc:
        errors.append(
            ContentError(
                path, error_line(exc, 2), f"front matter is not valid YAML: {error_message(exc)}"
            )
        )
        return IndexFile(intro=text[match.end() :])
    if not isinstance(meta, dict):
        errors.append(ContentError(path, 2, "front matter must be 'key: value' lines"))
        meta = {}
    values: dict[str, Any] = {}
    for key, value in meta.items():
        line = lines.get((key,), 2)
        setting = next((s for s in SETTINGS if s.name == key), None)
        if setting is None:
            from difflib import get_close_matches

            hint = get_close_matches(str(key), SETTING_NAMES, n=1)
            errors.append(
                ContentError(
                    path,
                    line,
                    f"unknown site setting {key!r}"
                    + (
                        f"; did you mean {hint[0]!r}?"
                        if hint
                        else f" (the settings are {', '.join(SETTING_NAMES)})"
                    ),
                )
            )
            continue
        try:
            values[key] = setting.read(value)
        except ValueError as exc:
            errors.append(ContentError(path, line, f"{key} {exc}, e.g. '{key}: {setting.example}'"))
    return IndexFile(SiteSettings(**values), text[match.end() :])


def settings_reference() -> str:
    """The guide's table of site settings, as Markdown."""
    defaults = SiteSettings()
    rows = ["| setting | default | what it sets |", "|---|---|---|"]
    for s in SETTINGS:
        default = getattr(defaults, s.name)
        if s.name == "navigation":
            default = ", ".join(f"{label}: {url}" for label, url in default)
        elif isinstance(default, bool):
            default = str(default).lower()
        rows.append(f"| `{s.name}` | {default or '(none)'} | {s.meaning} |")
    return "\n".join(rows)


def read_site_index(content: Path, errors: list[ContentError]) -> IndexFile:
    """``content/_index.md``: the site's settings and the index's introduction (defaults
    and no introduction without one); its problems are appended to ``errors``."""
    path = content / "_index.md"
    if not (path.exists() or path.is_symlink()):
        return IndexFile()
    problem = file_problem(path, content.resolve())
    if problem:
        errors.append(ContentError(path, 0, problem))
        return IndexFile()
    text = read_text(path, errors)
    return IndexFile() if text is None else read_index(path, text, errors)


def index_settings(content: Path) -> SiteSettings:
    """The settings of ``content/_index.md`` as far as they read (the build reports any
    problem); the defaults without the file."""
    return read_site_index(content, []).settings


def resolved(config: BuildConfig, settings: SiteSettings) -> BuildConfig:
    """``config`` with what it leaves open taken from the site's settings."""
    return replace(
        config,
        base_url=config.base_url or settings.base_url or "/",
        site_url=config.site_url or settings.site_url or "http://127.0.0.1:8000",
        offline=settings.offline if config.offline is None else config.offline,
    )
