"""The build pipeline: read → markdown → demos → render → assets → write.

Everything is collected before anything is rendered, so index, tag and feed pages see
every article, and nothing is written unless every article built cleanly. Rendering an
article's Markdown (with its demos and checks) is cached by a hash of everything it
depends on, so a rebuild only re-runs what changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .assets import ENGINE_VERSION, publish_static, publish_vendor, write_engine
from .cache import Cache
from .checks import CheckFence
from .demos import DemoFence
from .errors import BuildFailed, ContentError
from .fences import FenceLocator
from .links import page_of
from .markdown import make_markdown
from .read import Source, read_source, slugify
from .render import csp_for, make_environment
from .write import atomic_output, write_text

ROOT = Path(__file__).resolve().parent.parent
WORDS_PER_MINUTE = 230


@dataclass(frozen=True)
class BuildConfig:
    content: Path = ROOT / "content"
    out: Path = ROOT / "site"
    templates: Path = ROOT / "templates"
    static: Path = ROOT / "static"
    engine: Path = ROOT / "engine"
    node_modules: Path = ROOT / "node_modules"
    cache: Path | None = ROOT / ".build-cache"
    base_url: str = "/"
    site_url: str = "http://127.0.0.1:8000"
    assets: str = "self"  # or "cdn"
    drafts: bool = False
    dev_reload: bool = False  # serve: pages load the dev server's reload script
    title: str = "Downhill"
    description: str = (
        "Interactive articles about gradient descent: every chart is live, every formula "
        "checked when the page is built."
    )
    author: str = "Downhill"


@dataclass(frozen=True)
class Rendered:
    """The cacheable result of an article's Markdown stage."""

    html: str
    toc: str
    words: int
    demos: int
    checks: int
    trace_types: list[str]
    links: list[str]


@dataclass
class Article:
    source: Source
    rendered: Rendered
    url: str
    previous: Article | None = None
    next: Article | None = None
    tags: list[dict[str, str]] = field(default_factory=list)

    # Templates read these names.
    @property
    def title(self) -> str:
        return self.source.title

    @property
    def date(self) -> dt.date:
        return self.source.date

    @property
    def updated(self) -> dt.date | None:
        return self.source.updated

    @property
    def summary(self) -> str:
        return self.source.summary

    @property
    def slug(self) -> str:
        return self.source.slug

    @property
    def html(self) -> str:
        return self.rendered.html

    @property
    def toc(self) -> str:
        return self.rendered.toc

    @property
    def demos(self) -> int:
        return self.rendered.demos

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.rendered.words / WORDS_PER_MINUTE))


TAGS = re.compile(r"<[^>]+>")


def render_markdown(
    source: Source, env: jinja2.Environment, base_url: str, errors: list[ContentError]
) -> Rendered:
    """Markdown, demos and checks for one article (errors are collected, not raised)."""
    locator = FenceLocator(source.body, source.body_line)
    demo_fence = DemoFence(source.path, locator, env, errors)
    check_fence = CheckFence(source.path, locator, errors)
    links: list[str] = []
    md = make_markdown({"demo": demo_fence, "check": check_fence}, base_url, links)
    html = md.convert(source.body)
    text = TAGS.sub(" ", re.sub(r"<script.*?</script>", " ", html, flags=re.DOTALL))
    trace_types = sorted(
        {
            trace["type"]
            for demo in demo_fence.demos
            for figure in demo.result["figures"]
            for trace in figure["data"]
        }
    )
    return Rendered(
        html,
        getattr(md, "toc", ""),
        len(text.split()),
        len(demo_fence.demos),
        check_fence.passed,
        trace_types,
        links,
    )


def source_fingerprint(config: BuildConfig) -> str:
    """Everything, besides an article's own text, that its Markdown stage depends on."""
    digest = hashlib.sha256()
    for folder, pattern in [
        (config.engine, "*.py"),
        (Path(__file__).parent, "*.py"),
        (config.templates, "demo.html"),
    ]:
        for path in sorted(folder.glob(pattern)):
            digest.update(path.name.encode() + path.read_bytes())
    digest.update(config.base_url.encode())
    return digest.hexdigest()


def collect(
    config: BuildConfig, env: jinja2.Environment, cache: Cache, progress: Callable[[str], None]
) -> list[Article]:
    """Read and render every article; raise BuildFailed with all errors at once."""
    errors: list[ContentError] = []
    if not config.content.is_dir():
        raise BuildFailed([ContentError(config.content, 0, "content folder not found")])
    paths = sorted(config.content.glob("*.md"))
    sources = [read_source(p, errors) for p in paths]
    published = [s for s in sources if s is not None and (config.drafts or not s.draft)]
    seen: dict[str, Source] = {}
    for source in published:
        if source.slug in seen:
            line = source.meta_lines.get("slug", 1)
            errors.append(
                ContentError(
                    source.path,
                    line,
                    f"slug {source.slug!r} is already "
                    f"used by {seen[source.slug].path}; give one of them "
                    "another slug",
                )
            )
        seen[source.slug] = source
    fingerprint = source_fingerprint(config)
    articles = []
    for n, source in enumerate(published, 1):
        key = hashlib.sha256((fingerprint + source.path.read_text("utf-8")).encode()).hexdigest()
        cached = cache.get("markdown", key)
        if cached is not None:
            rendered = Rendered(**cached)
        else:
            before = len(errors)
            rendered = render_markdown(source, env, config.base_url, errors)
            if len(errors) == before:
                cache.put("markdown", key, rendered.__dict__)
        articles.append(Article(source, rendered, f"{config.base_url}{source.slug}/"))
        if n % 50 == 0 or n == len(published):
            progress(f"rendered {n}/{len(published)} articles")
    pages = {f"{a.slug}/" for a in articles} | {"", "tags/", "feed.xml", "404.html"}
    pages |= {f"tags/{slugify(t)}/" for a in articles for t in a.source.tags}
    for article in articles:
        for target in article.rendered.links:
            page = page_of(target)
            if page not in pages and not page.startswith("assets/"):
                text = article.source.path.read_text("utf-8")
                line = text[: text.find(target)].count("\n") + 1 if target in text else 1
                hint = min(pages, key=lambda p: _distance(p, page))
                errors.append(
                    ContentError(
                        article.source.path,
                        line,
                        f"broken internal link {target!r}: no page /{page}; did you mean /{hint}?",
                    )
                )
    if errors:
        raise BuildFailed(errors)
    articles.sort(key=lambda a: (a.date, a.slug), reverse=True)
    for newer, older in itertools.pairwise(articles):
        newer.previous, older.next = older, newer
    for article in articles:
        article.tags = [
            {"name": t, "url": f"{config.base_url}tags/{slugify(t)}/"} for t in article.source.tags
        ]
    return articles


def _distance(a: str, b: str) -> int:
    import difflib

    return -int(1000 * difflib.SequenceMatcher(None, a, b).ratio())


def build_site(
    config: BuildConfig, progress: Callable[[str], None] = lambda _: None
) -> list[Article]:
    """Build the whole site into ``config.out`` atomically; return the articles built."""
    env = make_environment(config.templates)
    cache = Cache(config.cache)
    articles = collect(config, env, cache, progress)
    base = config.base_url
    site_url = config.site_url.rstrip("/")
    assets_url = f"{base}assets/"
    tags: dict[str, list[Article]] = {}
    for article in articles:
        for tag in article.source.tags:
            tags.setdefault(tag, []).append(article)
    with atomic_output(config.out) as staging:
        assets = staging / "assets"
        assets.mkdir()
        vendor = publish_vendor(config.node_modules, assets, assets_url, config.assets == "cdn")
        write_engine(config.engine, config.node_modules, assets)
        static = publish_static(config.static, assets, assets_url)
        env.globals.update(
            site={
                "title": config.title,
                "description": config.description,
                "url": site_url,
                "author": config.author,
            },
            base_url=base,
            absolute=lambda path: f"{site_url}{path}",
            csp=csp_for(vendor.cdn),
            asset=lambda name: static[name],
            vendor=vendor,
            engine_lock=f"{assets_url}engine/pyodide-lock.json",
            pyodide_dir=vendor.url("pyodide", "pyodide.mjs").rsplit("/", 1)[0] + "/",
            mathjax=vendor.url("mathjax", "tex-chtml.js"),
            mathjax_fonts=vendor.url("@mathjax/mathjax-newcm-font", "chtml"),
            tag_url=lambda tag: f"{base}tags/{slugify(tag)}/",
            dev_reload=config.dev_reload,
        )
        article_page = env.get_template("article.html")
        for article in articles:
            plotly = vendor.plotly_for(set(article.rendered.trace_types))
            write_text(
                staging,
                f"{article.slug}/index.html",
                article_page.render(article=article, plotly=plotly),
            )
        write_text(
            staging,
            "index.html",
            env.get_template("index.html").render(articles=articles, tags=sorted(tags)),
        )
        tag_page = env.get_template("tag.html")
        for tag, tagged in sorted(tags.items()):
            write_text(
                staging,
                f"tags/{slugify(tag)}/index.html",
                tag_page.render(tag=tag, articles=tagged),
            )
        write_text(
            staging,
            "tags/index.html",
            env.get_template("tags.html").render(tags={t: len(a) for t, a in sorted(tags.items())}),
        )
        write_text(staging, "404.html", env.get_template("404.html").render())
        updated = max((a.updated or a.date for a in articles), default=dt.date(2026, 1, 1))
        write_text(
            staging,
            "feed.xml",
            env.get_template("feed.xml").render(articles=articles[:30], updated=updated),
        )
        write_text(
            staging,
            "sitemap.xml",
            env.get_template("sitemap.xml").render(
                articles=articles, tags=[slugify(t) for t in sorted(tags)]
            ),
        )
        write_text(staging, "robots.txt", f"User-agent: *\nSitemap: {site_url}{base}sitemap.xml\n")
        write_text(staging, ".nojekyll", "")
        write_text(
            staging,
            "build.json",
            json.dumps(
                {
                    "articles": len(articles),
                    "demos": sum(a.demos for a in articles),
                    "checks": sum(a.rendered.checks for a in articles),
                    "engine": ENGINE_VERSION,
                },
                indent=1,
            ),
        )
    return articles
