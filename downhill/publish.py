"""Stage 6, publish: the collected articles written out as the site, in one atomic step.

The assets (vendor bundles, the engine, the page's scripts and the math stylesheet) first,
then every article page (rendered on every core, :mod:`downhill.pages`), each article's
downloads and keyframes, the listings (home, tags, feed, sitemap), and the files a host
reads (robots.txt, the service worker, build.json). A page whose inputs are cached is
linked from the cache rather than rendered again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jinja2

from .assets import ENGINE_VERSION, package_index, publish_static, publish_vendor, write_engine
from .cache import Cache
from .config import BuildConfig
from .keyframes import KeyframeStore
from .mathjax import VERSION as MATH_VERSION
from .notebook import as_notebook
from .offline import service_worker
from .pages import Page, render_pages
from .read import read_article, slugify, source_to_json
from .render import csp_for, sandbox_for
from .settings import SiteSettings
from .write import atomic_output

if TYPE_CHECKING:
    from .site import Article


@dataclass
class Pages:
    """Renders a template into the site, or links the page kept in the cache under the
    same inputs (``key``: the site's own inputs, the template's and the page's)."""

    env: jinja2.Environment
    cache: Cache
    tree: Any  # the site being written (write.atomic_output's tree)
    site_key: str

    def key(self, template: str, inputs: object) -> str:
        return hashlib.sha256(json.dumps([self.site_key, template, inputs]).encode()).hexdigest()

    def page(self, template: str, target: str, inputs: object, **context: object) -> None:
        """Render ``template`` to ``target``, or reuse the page if its inputs are cached."""
        key = self.key(template, inputs)
        if not self.cache.place("pages", key, self.tree, target):
            text = self.env.get_template(template).render(**context)
            self.tree.write_soon(
                target, text, lambda path: self.cache.keep_file("pages", key, path)
            )


def publish(
    config: BuildConfig,
    settings: SiteSettings,
    env: jinja2.Environment,
    cache: Cache,
    articles: list[Article],
    intro: str,
    files: list[str],
    math_css: str,
) -> None:
    """Write the whole site into ``config.out``, atomically."""
    assets_url = f"{config.base_url}assets/"
    offline = bool(config.offline) and not config.dev_reload  # (serve's pages change by the second)
    with atomic_output(config.out) as tree:
        vendor = publish_vendor(config.node_modules, tree, assets_url, config.assets == "cdn")
        write_engine(
            config.engine,
            config.node_modules,
            tree,
            config.package_index,
            config.package_lock,
            cells=any(a.runs_python for a in articles),
        )
        for relative in files:  # images, data and downloads, as they are in content/
            tree.link(config.content / relative, relative)
        static = publish_static(config.static, tree, assets_url)
        name = f"math.{hashlib.sha256(math_css.encode()).hexdigest()[:10]}.css"
        tree.write(f"assets/{name}", math_css)
        static["math.css"] = f"{assets_url}{name}"
        sandbox = sandbox_for(config.static)
        env.globals.update(_site_globals(config, settings, static, vendor, sandbox, offline))
        pages = Pages(env, cache, tree, _site_fingerprint(config, settings, static, vendor))
        _article_pages(config, pages, articles, vendor, sandbox)
        _article_files(tree, articles, KeyframeStore.in_cache(config.cache))
        _listings(pages, articles, intro)
        _host_files(config, tree, env, cache, articles, offline, files)


def _site_globals(
    config: BuildConfig,
    settings: SiteSettings,
    static: dict[str, str],
    vendor: Any,
    sandbox: Any,
    offline: bool,
) -> dict[str, Any]:
    """What every template may read: the site's settings and where its assets are."""
    base, site_url = config.base_url or "/", (config.site_url or "").rstrip("/")
    assets_url = f"{base}assets/"
    return {
        "site": {
            "title": settings.title,
            "description": settings.description,
            "url": site_url,
            "author": settings.author,
            "language": settings.language,
            "navigation": [
                (label, f"{base}{url[1:]}" if url.startswith("/") else url)
                for label, url in settings.navigation
            ],
        },
        "base_url": base,
        "absolute": lambda path: f"{site_url}{path}",
        "csp": csp_for(vendor.cdn),
        "sandbox": sandbox.document,
        "asset": lambda name: static[name],
        "vendor": vendor,
        "engine_lock": f"{assets_url}engine/pyodide-lock.json",
        "cells_lock": f"{assets_url}engine/cells-lock.json",
        "pyodide_dir": vendor.url("pyodide", "pyodide.mjs").rsplit("/", 1)[0] + "/",
        "tag_url": lambda tag: f"{base}tags/{slugify(tag)}/",
        "dev_reload": config.dev_reload,
        "offline": offline,
    }


def _site_fingerprint(
    config: BuildConfig, settings: SiteSettings, static: dict[str, str], vendor: object
) -> str:
    """What every page depends on besides its article: templates, assets and settings."""
    digest = hashlib.sha256(
        repr(
            (
                config.base_url,
                config.site_url,
                config.assets,
                config.dev_reload,
                settings,
                config.offline,
                sorted(static.items()),
                vendor,
            )
        ).encode()
    )
    for path in sorted(config.templates.glob("*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _article_pages(
    config: BuildConfig, pages: Pages, articles: list[Article], vendor: Any, sandbox: Any
) -> None:
    """Every article's page, with the smallest Plotly bundle for its charts and, for an
    article that runs Python, the CSP its cells' sandbox needs."""
    index = package_index(config.node_modules, config.package_index)
    packages_origin = "/".join(index.split("/")[:3]) if "://" in index else ""
    todo = []
    bundles: dict[tuple[str, ...], tuple[str, str | None]] = {}
    for article in articles:
        kinds = tuple(article.rendered.trace_types)
        if kinds not in bundles:  # (a thousand articles share a few sets of chart kinds)
            bundles[kinds] = vendor.plotly_for(set(kinds))
        plotly = bundles[kinds]
        neighbours = [(a.url, a.title) if a else None for a in (article.previous, article.next)]
        csp = (
            csp_for(vendor.cdn, packages_origin, sandbox.script_hash)
            if article.runs_python
            else None
        )
        inputs = [article.key, neighbours, source_to_json(article.source), plotly, MATH_VERSION]
        key = pages.key("article.html", [*inputs, csp])
        target = f"{article.slug}/index.html"
        if not pages.cache.place("pages", key, pages.tree, target):
            context = {"article": article, "plotly": plotly, **({"csp": csp} if csp else {})}
            todo.append(Page("article.html", pages.tree.reserve(target), key, context))
    render_pages(pages.env, pages.cache, todo)  # first: its workers make the articles' folders


def _article_files(tree: Any, articles: list[Article], store: KeyframeStore) -> None:
    """Beside each article: "Download as notebook" (for articles with cells), and the
    files its page fetches (its keyframes), linked from the cache's store where kept."""
    for article in articles:
        if article.rendered.cells:
            text = read_article(article.source.path, []) or ""
            notebook = json.dumps(as_notebook(text), ensure_ascii=False, indent=1)
            tree.write(f"{article.slug}/{article.slug}.ipynb", notebook + "\n")
        for name, content in article.rendered.files.items():
            if content in article.rendered.texts:
                tree.write(f"{article.slug}/{name}", article.rendered.texts[content])
            else:  # kept by the cache's keyframe store: linked, not rewritten
                tree.link(store.file(content), f"{article.slug}/{name}")


def _listings(pages: Pages, articles: list[Article], intro: str) -> None:
    """The home page, a page per tag and of tags, the 404 page, the feed and the sitemap."""
    # Each article's line in a listing, as JSON once: the listings' keys join them instead
    # of encoding a thousand articles per page.
    rows = {
        a.url: json.dumps([a.url, a.title, source_to_json(a.source), a.reading_minutes, a.demos])
        for a in articles
    }

    def listing(items: list[Article]) -> str:
        return "[" + ",".join(rows[a.url] for a in items) + "]"

    tags: dict[str, list[Article]] = {}
    for article in articles:
        for tag in article.source.tags:
            tags.setdefault(tag, []).append(article)
    page: Callable[..., None] = pages.page
    page("index.html", "index.html", [listing(articles), intro], articles=articles,
         tags=sorted(tags), intro=intro)  # fmt: skip
    for tag, tagged in sorted(tags.items()):
        target = f"tags/{slugify(tag)}/index.html"
        page("tag.html", target, [tag, listing(tagged)], tag=tag, articles=tagged)
    counts = {t: len(a) for t, a in sorted(tags.items())}
    page("tags.html", "tags/index.html", counts, tags=counts)
    page("404.html", "404.html", None)
    updated = max((a.updated or a.date for a in articles), default=dt.date(2026, 1, 1))
    latest = articles[:30]
    inputs = [listing(latest), [a.key for a in latest], updated.isoformat()]
    page("feed.xml", "feed.xml", inputs, articles=latest, updated=updated)
    page("sitemap.xml", "sitemap.xml", [listing(articles), sorted(tags)], articles=articles,
         tags=[slugify(t) for t in sorted(tags)])  # fmt: skip


def _host_files(
    config: BuildConfig,
    tree: Any,
    env: jinja2.Environment,
    cache: Cache,
    articles: list[Article],
    offline: bool,
    files: list[str],
) -> None:
    """What a host and a reader's browser read besides pages: robots.txt, .nojekyll, the
    service worker (or one that retires an earlier build's), and build.json."""
    base, site_url = config.base_url or "/", (config.site_url or "").rstrip("/")
    tree.write("robots.txt", f"User-agent: *\nSitemap: {site_url}{base}sitemap.xml\n")
    tree.write(".nojekyll", "")
    if offline:
        tree.write("sw.js", service_worker(tree, env, base, cache, set(files)))
    else:  # a worker an earlier build left in a reader's browser is retired
        tree.write("sw.js", env.get_template("sw-off.js").render(base_url=base))
    built = {
        "articles": len(articles),
        "demos": sum(a.demos for a in articles),
        "checks": sum(a.rendered.checks for a in articles),
        "engine": ENGINE_VERSION,
    }
    tree.write("build.json", json.dumps(built, indent=1))
