"""The build pipeline: read → markdown → demos → render → assets → write.

Everything is collected before anything is rendered, so the index sees every article,
and nothing is written unless every article built cleanly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .assets import copy_static, copy_vendor, write_engine
from .demos import Demo, DemoFence
from .errors import BuildFailed, ContentError
from .fences import FenceLocator
from .markdown import make_markdown
from .read import Source, read_source
from .render import CSP, make_environment
from .write import atomic_output, write_text

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BuildConfig:
    content: Path = ROOT / "content"
    out: Path = ROOT / "site"
    templates: Path = ROOT / "templates"
    static: Path = ROOT / "static"
    engine: Path = ROOT / "engine"
    node_modules: Path = ROOT / "node_modules"
    base_url: str = "/"
    drafts: bool = False
    title: str = "Downhill"
    description: str = (
        "Interactive articles about gradient descent: every chart is live, every formula checked."
    )


@dataclass(frozen=True)
class Article:
    source: Source
    html: str
    demos: list[Demo] = field(default_factory=list)
    url: str = ""

    @property
    def title(self) -> str:
        return self.source.title

    @property
    def date(self) -> dt.date:
        return self.source.date

    @property
    def summary(self) -> str:
        return self.source.summary

    @property
    def slug(self) -> str:
        return self.source.slug


def render_article(
    source: Source, env: jinja2.Environment, base_url: str, errors: list[ContentError]
) -> Article:
    """Markdown and demos for one article (errors are collected, not raised)."""
    demo_fence = DemoFence(source.path, FenceLocator(source.body, source.body_line), env, errors)
    md = make_markdown({"demo": demo_fence})
    html = md.convert(source.body)
    return Article(source, html, demo_fence.demos, f"{base_url}{source.slug}/")


def collect(config: BuildConfig, env: jinja2.Environment) -> list[Article]:
    """Read and render every article; raise BuildFailed with all errors at once."""
    errors: list[ContentError] = []
    if not config.content.is_dir():
        raise BuildFailed([ContentError(config.content, 0, "content folder not found")])
    sources = [read_source(p, errors) for p in sorted(config.content.glob("*.md"))]
    published = [s for s in sources if s is not None and (config.drafts or not s.draft)]
    seen: dict[str, Source] = {}
    for source in published:
        if source.slug in seen:
            line = source.meta_lines.get("slug", 1)
            errors.append(
                ContentError(
                    source.path,
                    line,
                    f"slug {source.slug!r} is already used "
                    f"by {seen[source.slug].path}; give one of them another slug",
                )
            )
        seen[source.slug] = source
    articles = [render_article(s, env, config.base_url, errors) for s in published]
    if errors:
        raise BuildFailed(errors)
    return sorted(articles, key=lambda a: (a.date, a.slug), reverse=True)


def build_site(config: BuildConfig) -> list[Article]:
    """Build the whole site into ``config.out`` atomically; return the articles built."""
    env = make_environment(config.templates)
    articles = collect(config, env)
    base = config.base_url
    assets_url = f"{base}assets/"
    env.globals.update(
        site={"title": config.title, "description": config.description},
        base_url=base,
        csp=CSP,
        asset=lambda name: f"{assets_url}{name}",
        vendor={
            "plotly": f"{assets_url}vendor/plotly/plotly.min.js",
            "mathjax": f"{assets_url}vendor/mathjax/tex-chtml.js",
            "mathjax_fonts": f"{assets_url}vendor/mathjax/fonts",
        },
    )
    with atomic_output(config.out) as staging:
        assets = staging / "assets"
        assets.mkdir()
        copy_vendor(config.node_modules, assets)
        write_engine(config.engine, config.node_modules, assets)
        copy_static(config.static, assets)
        for article in articles:
            page = env.get_template("article.html").render(article=article)
            write_text(staging, f"{article.slug}/index.html", page)
        write_text(staging, "index.html", env.get_template("index.html").render(articles=articles))
        write_text(staging, ".nojekyll", "")
    return articles
