"""Internal links: a Markdown tree stage that prefixes the base URL and records targets.

Authors link to other articles as ``/slug/`` (or ``/slug/#anchor``); on a site served
under ``--base-url /repo/`` the link must become ``/repo/slug/``. Recorded targets are
checked against the built pages once every article is known.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class InternalLinks(Treeprocessor):
    def __init__(self, md: Markdown, base_url: str, found: list[str]) -> None:
        super().__init__(md)
        self.base_url = base_url
        self.found = found

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            target = element.get(attribute) if attribute else None
            if target and is_relative_file(target):
                # a file beside the article, as on GitHub: content/ is the site's root
                normal = posixpath.normpath(target)
                if normal == ".." or normal.startswith("../"):
                    self.found.append(target)  # leaves content/: broken_links says so
                    continue
                target = "/" + normal.lstrip("./")
            if target and target.startswith("/") and not target.startswith("//"):
                self.found.append(target)
                element.set(attribute, self.base_url + target[1:])


class InternalLinksExtension(Extension):
    def __init__(self, base_url: str, found: list[str]) -> None:
        super().__init__()
        self.base_url = base_url
        self.found = found

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(
            InternalLinks(md, self.base_url, self.found), "downhill_links", 5
        )


SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def is_relative_file(target: str) -> bool:
    """``images/peaks.png``, ``./data.csv``: a relative path whose last part names a file
    (relative page links such as ``../slug/`` are left to the browser, as before)."""
    if target.startswith(("/", "#", "?")) or SCHEME.match(target):
        return False
    name = target.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return "." in name.strip(".") and not target.split("#", 1)[0].endswith("/")


def page_of(target: str) -> str:
    """``/slug/#x`` → ``slug/``: the site path a link needs to exist."""
    path = target.split("#", 1)[0].split("?", 1)[0].lstrip("/")
    return path
