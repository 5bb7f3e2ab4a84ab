"""Stage 5, pages: article pages rendered on every core and written into the site.

After the Markdown stage, rendering a thousand article pages through Jinja is the largest
step left, and it would run on one core while the others wait. The pages share nothing
but the template environment and the collected articles, so forked worker processes
render them: a fork inherits both as they are, where a spawned worker would need every
article (its whole HTML, its neighbours) pickled across.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from .cache import Cache

PAGES_PER_WORKER = 100  # pages worth a forked process (about 0.6 ms each, a fork ~20 ms)


@dataclass(frozen=True)
class Page:
    """``template`` rendered with ``context`` into the file ``path``, kept in the cache
    under ``key`` so that a rebuild links it instead of rendering it again."""

    template: str
    path: Path
    key: str
    context: dict[str, Any]


@dataclass(frozen=True)
class _Work:
    env: jinja2.Environment
    cache: Cache
    pages: list[Page]


# A worker process's share of the build, set once by the pool's initializer in the child
# (with fork, the initializer's arguments are inherited, not pickled).
_inherited: _Work | None = None


def render_pages(env: jinja2.Environment, cache: Cache, pages: list[Page]) -> None:
    """Render and write every page, in forked processes when there are many and the
    platform can fork; raise the first error any page raised."""
    for template in sorted({page.template for page in pages}):
        env.get_template(template)  # compiled once, here, before any fork
    workers = min(os.cpu_count() or 1, len(pages) // PAGES_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for page in pages:
            write_page(env, cache, page)
    else:
        shares = [range(k, len(pages), workers) for k in range(workers)]
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_inherit,
            initargs=(_Work(env, cache, pages),),
        ) as pool:
            for _ in pool.map(_render_share, shares):
                pass
    for page in pages:  # the workers' caches were copies: record the kept pages here
        cache.used_text("pages", page.key)


def write_page(env: jinja2.Environment, cache: Cache, page: Page) -> None:
    """Render ``page`` and replace its file (never writing through a hard link)."""
    text = env.get_template(page.template).render(**page.context)
    page.path.parent.mkdir(parents=True, exist_ok=True)
    temporary = page.path.with_name(f"{page.path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(text.encode("utf-8"))
    temporary.replace(page.path)
    cache.keep_file("pages", page.key, page.path)


def _inherit(work: _Work) -> None:
    global _inherited
    _inherited = work


def _render_share(indexes: range) -> None:
    assert _inherited is not None, "a page worker runs in a pool made by render_pages"
    for i in indexes:
        write_page(_inherited.env, _inherited.cache, _inherited.pages[i])
