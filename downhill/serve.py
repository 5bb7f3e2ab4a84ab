"""``python build.py serve``: serve the site, rebuild on change, reload open tabs.

A watcher polls content/, templates/, static/ and engine/ and rebuilds (the incremental
cache keeps that fast). Pages get one extra external script, served only here, that polls
``/__downhill/status`` and reloads on a new build, or shows the build error over the page.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from .config import ROOT, BuildConfig
from .kernel_client import scratch_left_by

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

    def send_head(self):  # type: ignore[no-untyped-def]
        """GET's and HEAD's common part: the site under its base URL (a worker's first
        request for the runtime is a HEAD); a path no file can have is a 400."""
        if not self.path.startswith(self.base_url):
            self.send_error(404)
            return None
        self.path = "/" + self.path[len(self.base_url) :]
        try:
            return super().send_head()
        except ValueError:  # a NUL byte in the path
            self.send_error(400, "this address names no file")
            return None

    def handle_one_request(self) -> None:
        """A client that goes away mid-answer is no error of the server's."""
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

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


REBUILD_SECONDS = 600  # a rebuild still running then is stopped and reported


class Rebuild:
    """One build in a child process (``build.py build *argv``): it imports the engine and
    templates as they are now (an edit to engine/ takes effect), and nothing it raises can
    stop the server or the watcher. ``done()`` is None while it runs, then (code, output).

    The build runs in a session of its own, which :meth:`stop` ends whole: the build, its
    renderers and, through their guards, the cells' kernels (downhill/kernel.py)."""

    def __init__(self, build_argv: list[str]) -> None:
        self.output = tempfile.TemporaryFile("w+")  # noqa: SIM115 - lives as long as the build
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "build", *build_argv],
            stdout=self.output,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            start_new_session=True,
        )

    def done(self) -> tuple[int, str] | None:
        if self.process.poll() is None:
            if time.monotonic() - self.started < REBUILD_SECONDS:
                return None
            self.stop()
            return 1, (
                f"the build ran longer than {REBUILD_SECONDS} s and was stopped; the site shows "
                "the last build that finished. Undo the last change, or build it with "
                "'build.py build' to see where it spends its time.\n"
            )
        self.output.seek(0)
        text = self.output.read()
        self.output.close()
        return self.process.returncode, text

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # (reaped below: the id stays its own)
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.output.close()
        for scratch in scratch_left_by(self.process.pid):  # its group: it led a session
            shutil.rmtree(scratch, ignore_errors=True)


def rebuild_in_child(build_argv: list[str]) -> tuple[int, str]:
    """Build once in a child process and wait for it (at most REBUILD_SECONDS); stopped
    whole if the wait is interrupted (Ctrl-C)."""
    rebuild = Rebuild(build_argv)
    try:
        while (result := rebuild.done()) is None:
            time.sleep(0.05)
    except BaseException:
        rebuild.stop()
        raise
    return result


@dataclass
class Watcher:
    """Rebuilds on every change of ``folders``: a change during a rebuild stops it and
    starts another, so that a build that hangs never keeps later fixes waiting."""

    folders: list[Path]
    build_argv: list[str]
    report: Callable[[int, str], None]
    running: Rebuild | None = None
    closed: bool = False  # serve is ending: no rebuild starts any more
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        with self.lock:
            if self.closed:
                return
            try:
                self.running = Rebuild(self.build_argv)
            except Exception as exc:  # e.g. no process could be started: say so, keep watching
                self.report(1, f"the build could not run: {exc}\n")

    def watch(self, seen: dict[Path, float]) -> None:
        while True:
            time.sleep(0.5)
            try:  # a file removed while it is listed, say: look again next time
                now = snapshot(self.folders)
            except OSError:
                continue
            if now != seen:
                seen = now
                self.stop()
                self.start()
            running = self.running
            if running is not None and (result := running.done()) is not None:
                with self.lock:
                    if self.running is running:
                        self.running = None
                self.report(*result)

    def stop(self, close: bool = False) -> None:
        with self.lock:
            self.closed = self.closed or close
            running, self.running = self.running, None
        if running is not None:
            running.stop()


def serve(config: BuildConfig, port: int, build_argv: list[str]) -> int:
    """Serve ``config.out``; rebuild it (``build.py build *build_argv``) on every change
    (Watcher). Whatever a rebuild started ends with it, and with ``serve``."""
    status = Status()

    def report(code: int, output: str) -> None:
        with status.lock:
            status.error = output if code else ""
            status.version += 1
        print(output, end="")

    def ending(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # (a terminal closed, or `kill`: the finally below runs)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, ending)
    handler_class = type("Handler", (DevHandler,), {"status": status, "base_url": config.base_url})
    handler = functools.partial(handler_class, directory=str(config.out.resolve()))
    try:  # the port first: a build is wasted on a port that is taken
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        taken = exc.errno == errno.EADDRINUSE
        print(
            f"error: cannot serve on 127.0.0.1:{port}: "
            + ("another program (a serve already running?) uses it" if taken else exc.strerror)
            + f"; stop that, or give another port, e.g. python build.py serve --port {port + 1}",
            file=sys.stderr,
        )
        return 1
    folders = [config.content, config.templates, config.static, config.engine]
    watcher = Watcher(folders, build_argv, report)
    try:
        with server:
            seen = snapshot(folders)
            report(*rebuild_in_child(build_argv))
            threading.Thread(target=watcher.watch, args=(seen,), daemon=True).start()
            print(
                f"serving http://127.0.0.1:{port}{config.base_url} (drafts included); "
                "watching for changes, Ctrl-C to stop"
            )
            with contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()
    finally:
        watcher.stop(close=True)
    return 0
