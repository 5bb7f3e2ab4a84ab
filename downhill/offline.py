"""Offline reading: the service worker (``sw.js`` at the site's base URL) and the list of
files and pages it may keep, each with its sha256: a kept copy is served only if its bytes
have the hash this build listed, and a new build replaces what changed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import jinja2

from .cache import Cache
from .write import SiteTree

# A demo's keyframes: ``NAME.HASH.json`` in its article's folder (downhill/keyframes.py).
KEYFRAMES = re.compile(r"^[a-z0-9-]+/[^/]+\.[0-9a-f]{10}\.json$")
HASHED = re.compile(r"\.[0-9a-f]{10}(?=\.|/|$)")  # style.b73123e7e7.css, js.addcb5f24b/
VERSIONED = re.compile(r"-\d+(\.\d+)*(?=/)")  # vendor/pyodide-314.0.7/


def name_of(path: str) -> str:
    """A file's name without the hashes and versions in it: what stays across builds."""
    return VERSIONED.sub("", HASHED.sub("", path))


def content_hash(path: Path, relative: str, cache: Cache) -> str:
    """The file's sha256 (hex), read again only when the file changed (the vendor files are
    17 MB: hashing them on every rebuild would cost 30 ms)."""
    stat = path.stat()
    key = f"{relative} {stat.st_ino} {stat.st_size} {stat.st_mtime_ns}"
    digest = cache.get("offline-sha256", key)
    if digest is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        cache.put("offline-sha256", key, digest)
    return digest


def service_worker(
    tree: SiteTree, env: jinja2.Environment, base_url: str, cache: Cache, content: set[str]
) -> str:
    """The worker's source, listing what this build made that a reader may keep: the files
    under ``assets/``, the keyframes and the content's files (images, the data a cell reads
    on Run) as path → [sha256, name without hashes], and the pages (path → sha256; a
    folder's page under the folder's path too)."""
    tree.wait()
    files: dict[str, list[str]] = {}
    pages: dict[str, str] = {}
    for relative in sorted(tree.kept):
        if relative.startswith("assets/") or KEYFRAMES.match(relative) or relative in content:
            digest = content_hash(tree.root / relative, relative, cache)
            files[f"{base_url}{relative}"] = [digest, name_of(relative)]
        elif relative.endswith(".html"):
            digest = content_hash(tree.root / relative, relative, cache)
            pages[f"{base_url}{relative}"] = digest
            if relative == "index.html" or relative.endswith("/index.html"):
                pages[f"{base_url}{relative.removesuffix('index.html')}"] = digest
    return env.get_template("sw.js").render(base_url=base_url, files=files, pages=pages)
