"""``python build.py serve``: serve the site, rebuild on change, reload open tabs.

A watcher polls content/, templates/, static/ and engine/ and rebuilds (the incremental
cache keeps that fast). Pages get one extra external script, served only here, that polls
``/__downhill/status`` and reloads on a new build, or shows the build error over the page.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

from .site import BuildConfig

RELOAD_JS = (Path(__file__).parent / "reload.js").read_text("utf-8")


@dataclass
class Status:
    version: int = 0
    error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


def snapshot(folders: list[Path]) -> dict[Path, float]:
    return {
        p: p.stat().st_mtime
        for folder in folders
        if folder.exists()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a built site under its base URL, with the MIME types Pyodide needs."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
    }
    base_url = "/"

    def do_GET(self) -> None:
        if not self.path.startswith(self.base_url):
            self.send_error(404)
            return
        self.path = "/" + self.path[len(self.base_url) :]
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


def site_handler(directory: Path, base_url: str = "/") -> Callable[..., SiteHandler]:
    handler = type("Handler", (SiteHandler,), {"base_url": base_url})
    return functools.partial(handler, directory=str(directory))


class DevHandler(SiteHandler):
    """The site, plus the dev server's status and reload script, never cached."""

    status: Status

    def do_GET(self) -> None:
        if self.path.startswith("/__downhill/"):
            self.dev_route()
            return
        super().do_GET()

    def dev_route(self) -> None:
        if self.path.startswith("/__downhill/status"):
            body = json.dumps({"version": self.status.version, "error": self.status.error})
            kind = "application/json"
        elif self.path.startswith("/__downhill/reload.js"):
            body, kind = RELOAD_JS, "text/javascript"
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(config: BuildConfig, port: int, run_build: Callable[[BuildConfig], int]) -> int:
    config = replace(config, dev_reload=True)
    status = Status()

    def rebuild() -> None:
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            code = run_build(config)
        with status.lock:
            status.error = errors.getvalue() if code else ""
            status.version += 1
        if code:
            print(errors.getvalue(), end="")

    rebuild()
    folders = [config.content, config.templates, config.static, config.engine]

    def watch() -> None:
        seen = snapshot(folders)
        while True:
            time.sleep(0.5)
            now = snapshot(folders)
            if now != seen:
                seen = now
                rebuild()

    threading.Thread(target=watch, daemon=True).start()
    handler_class = type("Handler", (DevHandler,), {"status": status, "base_url": config.base_url})
    handler = functools.partial(handler_class, directory=str(config.out.resolve()))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(
            f"serving http://127.0.0.1:{port}{config.base_url} (drafts included); "
            "watching for changes, Ctrl-C to stop"
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0
