"""``python build.py``: build the site, serve it while you write, or start a new post."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .config import BuildConfig, engine_errors
from .read import RESERVED_SLUGS, slugify
from .settings import absolute_url, index_settings, resolved


def _base_url(text: str) -> str:
    text = "/" + text.strip("/") + "/"
    return "/" if text == "//" else text


def _site_url(text: str) -> str:
    try:
        return absolute_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} {exc}") from None


def _add_build_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
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
        default=None,
        help="path the site is served under, e.g. /my-repo/ (default: the path of 'url' in "
        "content/_index.md, else /)",
    )
    parser.add_argument(
        "--site-url",
        type=_site_url,
        default=None,
        help="absolute address of the site's host, for the feed, sitemap and "
        "canonical links, e.g. https://me.github.io (default: the host of 'url' in "
        "content/_index.md, else http://127.0.0.1:8000)",
    )
    parser.add_argument(
        "--assets",
        choices=["self", "cdn"],
        default="self",
        help="self: self-host Pyodide and Plotly (default); cdn: load them from pinned "
        "jsDelivr URLs with SRI hashes. Either way pages load no MathJax: math is typeset "
        "when the site is built",
    )
    parser.add_argument("--drafts", action="store_true", help="include articles marked draft")
    parser.add_argument(
        "--no-offline",
        dest="offline",
        action="store_false",
        default=None,
        help="publish no service worker: pages are not kept for offline reading "
        "(default: as 'offline' in content/_index.md says, else kept)",
    )
    parser.add_argument("--dev-reload", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore and do not write the incremental cache (.build-cache/)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python build.py",
        description="Downhill: render content/ into a static site in site/. Without a "
        "command, builds ('python build.py --out DIR' is 'python build.py build --out DIR').",
    )
    # Shown in the top-level help too: they are what a bare 'python build.py' takes.
    _add_build_options(parser.add_argument_group("build options (of build, and of serve)"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser(
        "build",
        help="build the site (the default)",
        description="Build the site atomically into --out.",
    )
    _add_build_options(build)
    serve = commands.add_parser(
        "serve",
        help="build with drafts, serve on 127.0.0.1, rebuild and reload on change",
        description="Build (drafts included), serve on http://127.0.0.1:PORT, watch content/, "
        "templates/, static/ and engine/, rebuild what changed and reload open tabs. Build "
        "errors show in the terminal and in the page.",
    )
    _add_build_options(serve)
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    new = commands.add_parser(
        "new",
        help="start a new article in content/",
        description="Write content/SLUG.md with front matter and a demo to start from.",
    )
    new.add_argument("title", help='the title, e.g. "Momentum, explained"')
    new.add_argument("--content", type=Path, default=BuildConfig.content)
    notebook = commands.add_parser(
        "import",
        help="write a Jupyter notebook as a Markdown article in content/",
        description="Write NOTEBOOK.ipynb as content/NAME.md: its Markdown cells as prose, "
        "its code cells as 'python run' cells (a notebook in content/ is an article as it "
        "is: this is for editing it as Markdown from now on). An existing file is never "
        "replaced.",
    )
    notebook.add_argument("notebook", type=Path, help="the .ipynb file")
    notebook.add_argument("--content", type=Path, default=BuildConfig.content)
    start = commands.add_parser(
        "start-blog",
        help="make this repository your own blog: settings, sample articles, guide",
        description="Write content/_index.md with your blog's settings, remove the sample "
        "articles and keep the authors' guide as a draft (serve shows it, the published "
        "site does not). Edit content/_index.md afterwards for the rest.",
    )
    start.add_argument("title", help='the blog\'s name, e.g. "Notes on descent"')
    start.add_argument("--author", required=True, help="your name, for the feed and pages")
    start.add_argument("--description", default="", help="one sentence about the blog")
    start.add_argument(
        "--language", default="en", help="the language the blog is written in (default: en)"
    )
    start.add_argument(
        "--url", default="", help="where it is published, e.g. https://me.github.io/blog/"
    )
    start.add_argument("--keep-samples", action="store_true", help="keep the sample articles")
    start.add_argument(
        "--guide",
        choices=["draft", "yes", "no"],
        default="draft",
        help="the authors' guide: draft (default: shown by serve only), yes (published), "
        "no (removed)",
    )
    start.add_argument(
        "--force",
        action="store_true",
        help="replace a content/_index.md you wrote (it is kept as _index.md.bak)",
    )
    start.add_argument("--content", type=Path, default=BuildConfig.content)
    return parser


def config_from(args: argparse.Namespace, drafts: bool = False) -> BuildConfig:
    return BuildConfig(
        content=args.content,
        out=args.out,
        base_url=args.base_url,
        site_url=args.site_url,
        assets=args.assets,
        drafts=args.drafts or drafts,
        dev_reload=args.dev_reload,
        cache=None if args.no_cache else BuildConfig.cache,
        offline=args.offline,
    )


def report(errors: list, out: Path) -> int:
    print("", file=sys.stderr)
    for error in errors:
        print(error, file=sys.stderr)
    print(f"build failed: {len(errors)} error(s); {out} was left as it was", file=sys.stderr)
    return 1


def run_build(config: BuildConfig) -> int:
    # The builder imports the engine: a syntax error in it is reported before that import.
    broken = engine_errors(config.engine, config.cache)
    if broken:
        return report(broken, config.out)
    from .assets import MissingAssets
    from .errors import BuildFailed
    from .site import build_site
    from .write import UnsafeOutput

    started = time.perf_counter()
    progress = (
        (lambda line: print(f"\r{line}", end="", file=sys.stderr, flush=True))
        if sys.stderr.isatty()
        else (lambda line: None)
    )
    try:
        articles = build_site(config, progress)
    except BuildFailed as exc:
        return report(exc.errors, config.out)
    except (MissingAssets, UnsafeOutput) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a folder that cannot be written
        where = f" ({exc.filename})" if exc.filename else ""
        print(
            f"error: the site could not be written: {exc.strerror or exc}{where}; "
            f"{config.out} was left as it was",
            file=sys.stderr,
        )
        return 1
    if sys.stderr.isatty():
        print("", file=sys.stderr)
    demos = sum(a.demos for a in articles)
    cells = sum(a.rendered.cells for a in articles)
    checks = sum(a.rendered.checks for a in articles)
    exercises = sum(a.rendered.exercises for a in articles)
    elapsed = time.perf_counter() - started
    print(
        f"built {len(articles)} article(s), {demos} demo(s), {cells} cell(s), "
        f"{checks} check(s) passed, {exercises} exercise(s), "
        f"into {config.out} in {elapsed:.2f} s"
    )
    weights = [
        f"{a.slug} {a.rendered.keyframe_bytes / 1000:.1f} KB"
        for a in articles
        if a.rendered.keyframe_bytes
    ]
    if weights:
        print(f"keyframes (gzip): {', '.join(weights)}")
    thinned = [
        f"{a.slug}#{block} {control} " + (f"to {kept} positions" if kept else "left to the engine")
        for a in articles
        for block, control, kept in a.rendered.thinned
    ]
    if thinned:
        print(
            "sliders thinned to fit the keyframe budget (before the engine is ready they step "
            f"between these positions; the guide says how to keep all): {', '.join(thinned)}"
        )
    downloads = [
        f"{a.slug}#{cell} ({', '.join(packages)})"
        for a in articles
        for cell, packages in a.rendered.packages
    ]
    if downloads:
        print(
            "cells whose packages a reader's browser downloads from the Pyodide release when "
            f"they run them: {', '.join(downloads)}"
        )
    return 0


NEW_POST = """---
title: {title}
date: {date}
summary: One sentence that tells a reader what they will learn.
tags: []
draft: true
---

Write here. Inline math goes between dollars, $f(x) = x^2$, and display math between
double dollars:

$$
x_{{k+1}} = x_k - \\alpha f'(x_k)
$$

```demo
function: x**2
start: [2]
lr: 0.1
steps: 20
controls:
  lr: {{min: 0.01, max: 1.1, step: 0.01}}
```
"""


def new_post(title: str, content: Path) -> int:
    slug = slugify(title)
    if slug in RESERVED_SLUGS:
        print(
            f"error: {slug!r} is the address of one of the site's own pages; choose another title",
            file=sys.stderr,
        )
        return 1
    path = content / f"{slug}.md"
    if path.exists() or path.is_symlink():
        print(f"error: {path} already exists; choose another title", file=sys.stderr)
        return 1
    content.mkdir(parents=True, exist_ok=True)
    # A double-quoted YAML string is JSON's: any title, colons and quotes included, reads back.
    quoted = json.dumps(title.strip(), ensure_ascii=False)
    path.write_text(NEW_POST.format(title=quoted, date=dt.date.today().isoformat()), "utf-8")
    print(f"wrote {path} (a draft: 'python build.py serve' shows it)")
    return 0


def import_notebook(notebook: Path, content: Path) -> int:
    """``build.py import``: the notebook as content/NAME.md, never over an existing file."""
    from .notebook import NotebookError, as_markdown

    try:
        text = as_markdown(notebook.read_text("utf-8"))[0]
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: {notebook} cannot be read: {exc}", file=sys.stderr)
        return 1
    except NotebookError as exc:
        print(f"error: {notebook}:{exc.line}: {exc.message}", file=sys.stderr)
        return 1
    target = content / f"{slugify(notebook.stem)}.md"
    if target.exists() or target.is_symlink():
        print(f"error: {target} already exists; nothing was written", file=sys.stderr)
        return 1
    content.mkdir(parents=True, exist_ok=True)
    target.write_text(text, "utf-8")
    print(f"wrote {target}" + ("" if text.startswith("---") else "; give it front matter"))
    return 0


COMMANDS = ("build", "serve", "new", "import", "start-blog", "-h", "--help")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        argv.insert(0, "build")
    args = build_parser().parse_args(argv)
    if args.command == "new":
        return new_post(args.title, args.content)
    if args.command == "import":
        return import_notebook(args.notebook, args.content)
    if args.command == "start-blog":
        from .starter import start_blog

        return start_blog(
            args.content,
            args.title,
            args.author,
            args.description,
            args.url,
            args.keep_samples,
            args.guide,
            args.force,
            args.language,
        )
    if args.command == "serve":
        from .serve import serve

        # Served as published, under the settings' base path, from this machine.
        config = replace(
            resolved(config_from(args, drafts=True), index_settings(args.content)),
            site_url=args.site_url or f"http://127.0.0.1:{args.port}",
        )
        build_argv = [
            *("--content", str(config.content), "--out", str(config.out)),
            *("--base-url", config.base_url, "--site-url", config.site_url),
            *(["--no-offline"] if args.offline is False else []),
            *("--assets", config.assets, "--drafts", "--dev-reload"),
            *(["--no-cache"] if args.no_cache else []),
        ]
        return serve(config, args.port, build_argv)
    if args.site_url is None and not args.dev_reload and not index_settings(args.content).url:
        print(
            "warning: no --site-url and no 'url' in content/_index.md, so the feed, the "
            "sitemap and link previews point at http://127.0.0.1:8000; for the published "
            "site give its address, e.g. 'url: https://me.github.io/blog/' in "
            "content/_index.md",
            file=sys.stderr,
        )
    try:
        code = run_build(config_from(args))
        sys.stdout.flush()  # here, where a closed pipe can be caught, not at exit
        return code
    except BrokenPipeError:  # `build.py | head -1`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
