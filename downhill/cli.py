"""``python build.py``: build the site (default), or serve it locally."""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .assets import MissingAssets
from .errors import BuildFailed
from .site import BuildConfig, build_site


def _base_url(text: str) -> str:
    text = "/" + text.strip("/") + "/"
    return "/" if text == "//" else text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python build.py", description="Render content/ into a static site."
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["build", "serve"],
        default="build",
        help="build (default) or serve: build with drafts, then serve",
    )
    parser.add_argument(
        "--content",
        type=Path,
        default=BuildConfig.content,
        help="folder of Markdown articles (default: content/)",
    )
    parser.add_argument(
        "--out", type=Path, default=BuildConfig.out, help="output folder (default: site/)"
    )
    parser.add_argument(
        "--base-url",
        type=_base_url,
        default="/",
        help="path the site is served under, e.g. /my-repo/ (default: /)",
    )
    parser.add_argument("--drafts", action="store_true", help="include articles marked draft")
    parser.add_argument("--port", type=int, default=8000, help="port for serve (default 8000)")
    return parser


def run_build(config: BuildConfig) -> int:
    started = time.perf_counter()
    try:
        articles = build_site(config)
    except BuildFailed as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        print(
            f"build failed: {len(exc.errors)} error(s); {config.out} was left as it was",
            file=sys.stderr,
        )
        return 1
    except MissingAssets as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    demos = sum(len(a.demos) for a in articles)
    elapsed = time.perf_counter() - started
    print(f"built {len(articles)} article(s), {demos} demo(s) into {config.out} in {elapsed:.2f} s")
    return 0


def serve(directory: Path, port: int) -> None:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    handler.extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,  # type: ignore[attr-defined]
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
    }
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {directory} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = BuildConfig(
        content=args.content,
        out=args.out,
        base_url=args.base_url,
        drafts=args.drafts or args.command == "serve",
    )
    status = run_build(config)
    if status or args.command != "serve":
        return status
    serve(config.out, args.port)
    return 0
