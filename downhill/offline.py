"""Offline reading: the service worker (``sw.js`` at the site's base URL) and the list of
files it may keep, each with its content hash, so that a new build replaces what changed."""

from __future__ import annotations

import hashlib
import re

import jinja2

from .write import SiteTree

# A demo's keyframes: ``NAME.HASH.json`` in its article's folder (downhill/keyframes.py).
KEYFRAMES = r"^{base}[a-z0-9-]+/[^/]+\.[0-9a-f]{{10}}\.json$"
HASHED = re.compile(r"\.[0-9a-f]{10}(?=\.|/|$)")  # style.b73123e7e7.css, js.addcb5f24b/
VERSIONED = re.compile(r"-\d+(\.\d+)*(?=/)")  # vendor/pyodide-314.0.7/


def name_of(path: str) -> str:
    """A file's name without the hashes and versions in it: what stays across builds."""
    return VERSIONED.sub("", HASHED.sub("", path))


def service_worker(tree: SiteTree, env: jinja2.Environment, base_url: str, pages: str) -> str:
    """The worker's source for the files this build put under ``assets/``; ``pages`` is a
    digest of the pages' inputs: a new one makes a new worker, which refreshes kept pages."""
    tree.wait()
    files = {}
    for relative in sorted(tree.kept):
        if relative.startswith("assets/"):
            digest = hashlib.sha256((tree.root / relative).read_bytes()).hexdigest()[:10]
            files[f"{base_url}{relative}"] = [digest, name_of(relative)]
    build = hashlib.sha256(repr((pages, sorted(files.items()))).encode()).hexdigest()[:10]
    return env.get_template("sw.js").render(
        build=build,
        base_url=base_url,
        files=files,
        keyframes=KEYFRAMES.format(base=re.escape(base_url)),
    )
