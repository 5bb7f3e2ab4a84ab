"""``python build.py serve``: serve the site, rebuild on change, reload open tabs.

A watcher polls content/, templates/, static/ and engine/ and rebuilds (the incremental
cache keeps that fast). Pages get one extra external script, served only here, that polls
``/__downhill/status`` and reloads on a new build, or shows the build error over the page.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from .config import ROOT, BuildConfig

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
    HOSTS = ("127.0.0.1", "localhost", "[::1]")

    def parse_request(self) -> bool:
        """Answer only requests addressed to this machine by name: a page elsewhere whose
        name resolves to 127.0.0.1 (DNS rebinding) gets 421, not the site."""
        if not super().parse_request():
            return False
        host = (self.headers.get("Host") or "").lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name not in self.HOSTS:
            self.send_error(421, "this server answers only 127.0.0.1 and localhost")
            return False
        return True

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


def rebuild_in_child(build_argv: list[str]) -> tuple[int, str]:
    """Build in a fresh process: it imports the engine and templates as they are now (an
    edit to engine/ takes effect), and nothing it raises can stop the server or watcher."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "build", *build_argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return result.returncode, result.stderr if result.returncode else result.stdout


def serve(config: BuildConfig, port: int, build_argv: list[str]) -> int:
    """Serve ``config.out``; rebuild it (``build.py build *build_argv``) on every change."""
    status = Status()

    def rebuild() -> None:
        try:
            code, output = rebuild_in_child(build_argv)
        except Exception as exc:  # e.g. no process could be started: say so, keep watching
            code, output = 1, f"the build could not run: {exc}\n"
        with status.lock:
            status.error = output if code else ""
            status.version += 1
        print(output, end="")

    folders = [config.content, config.templates, config.static, config.engine]
    seen = snapshot(folders)
    rebuild()

    def watch(seen: dict[Path, float]) -> None:
        while True:
            time.sleep(0.5)
            try:  # a file removed while it is listed, say: look again next time
                now = snapshot(folders)
            except OSError:
                continue
            if now != seen:
                seen = now
                rebuild()

    threading.Thread(target=watch, args=(seen,), daemon=True).start()
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
