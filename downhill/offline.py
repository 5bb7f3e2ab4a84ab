"""Offline reading: the service worker (``sw.js`` at the site's base URL) and the list of
files it may keep, each with its content hash, so that a new build replaces what changed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import jinja2

from .cache import Cache
from .write import SiteTree

# A demo's keyframes: ``NAME.HASH.json`` in its article's folder (downhill/keyframes.py).
KEYFRAMES = r"^{base}[a-z0-9-]+/[^/]+\.[0-9a-f]{{10}}\.json$"
HASHED = re.compile(r"\.[0-9a-f]{10}(?=\.|/|$)")  # style.b73123e7e7.css, js.addcb5f24b/
VERSIONED = re.compile(r"-\d+(\.\d+)*(?=/)")  # vendor/pyodide-314.0.7/


def name_of(path: str) -> str:
    """A file's name without the hashes and versions in it: what stays across builds."""
    return VERSIONED.sub("", HASHED.sub("", path))


def content_hash(path: Path, relative: str, cache: Cache) -> str:
    """The first ten hex digits of the file's sha256, read again only when the file changed
    (the vendor files are 17 MB: hashing them on every rebuild would cost 30 ms)."""
    stat = path.stat()
    key = f"{relative} {stat.st_ino} {stat.st_size} {stat.st_mtime_ns}"
    digest = cache.get("offline", key)
    if digest is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        cache.put("offline", key, digest)
    return digest


def service_worker(
    tree: SiteTree, env: jinja2.Environment, base_url: str, pages: str, cache: Cache
) -> str:
    """The worker's source for the files this build put under ``assets/``; ``pages`` is a
    digest of the pages' inputs: a new one makes a new worker, which refreshes kept pages."""
    tree.wait()
    files = {}
    for relative in sorted(tree.kept):
        if relative.startswith("assets/"):
            digest = content_hash(tree.root / relative, relative, cache)
            files[f"{base_url}{relative}"] = [digest, name_of(relative)]
    build = hashlib.sha256(repr((pages, sorted(files.items()))).encode()).hexdigest()[:10]
    return env.get_template("sw.js").render(
        build=build,
        base_url=base_url,
        files=files,
        keyframes=KEYFRAMES.format(base=re.escape(base_url)),
    )
