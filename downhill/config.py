"""What a build reads and writes, and how; no engine import, so that the command line can
check the engine's source before anything imports it."""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BuildConfig:
    content: Path = ROOT / "content"
    out: Path = ROOT / "site"
    templates: Path = ROOT / "templates"
    static: Path = ROOT / "static"
    engine: Path = ROOT / "engine"
    node_modules: Path = ROOT / "node_modules"
    cache: Path | None = ROOT / ".build-cache"
    # None: from the site's settings (content/_index.md), else "/" and http://127.0.0.1:8000.
    base_url: str | None = None
    site_url: str | None = None
    assets: str = "self"  # or "cdn"
    drafts: bool = False
    dev_reload: bool = False  # serve: pages load the dev server's reload script
    offline: bool | None = None  # the service worker; None: as the site's settings say
    # Where a reader's browser fetches packages cells import that the runtime lacks (numpy):
    # "" is the pinned Pyodide release; tests serve their own, with their own lock file.
    package_index: str = ""
    package_lock: Path | None = None


def engine_errors(engine: Path, cache: Path | None = None) -> list[ContentError]:
    """A syntax error in the engine's source, at its file and line (none if it compiles).

    The engine runs in the build and, from the published wheel, in every reader's browser:
    a broken one must stop the build like a content error, not publish. Compiling it
    takes 50 ms, so a source that compiled before (its digest kept in ``cache``) is not
    compiled again.
    """
    sources = {path: path.read_bytes() for path in sorted(engine.glob("*.py"))}
    digest = hashlib.sha256(b"".join(p.name.encode() + s for p, s in sources.items()))
    stamp = cache / "engine-compiles" if cache is not None else None
    if stamp is not None and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return []
    errors = []
    for path, source in sources.items():
        try:
            compile(source, str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            errors.append(ContentError(path, exc.lineno or 0, f"engine: {exc.msg}"))
        except ValueError as exc:  # NUL bytes
            errors.append(ContentError(path, 0, f"engine: {exc}"))
    if stamp is not None and not errors:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest.hexdigest())
    return errors


def template_error(exc: Exception, templates: Path) -> ContentError:
    """A Jinja error as ``templates/NAME:LINE: message``."""
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    line = getattr(exc, "lineno", None)
    if not line:
        frames = [
            f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")
        ]
        if frames:
            name, line = frames[-1].filename, frames[-1].lineno
    path = Path(name) if name else templates
    if not path.is_absolute():
        path = templates / path
    return ContentError(path, line or 0, f"template: {getattr(exc, 'message', None) or exc}")
