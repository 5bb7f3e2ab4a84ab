"""The build pipeline: read → markdown → demos → render → assets → write.

Everything is collected before anything is rendered, so index, tag and feed pages see
every article, and nothing is written unless every article built cleanly. Rendering an
article's Markdown (with its demos and checks) is cached by a hash of everything it
depends on, so a rebuild only re-runs what changed.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import itertools
import json
import math
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .cache import Cache
from .cells import data_signature, environment_signature
from .config import ROOT, BuildConfig, engine_errors, template_error
from .errors import BuildFailed, ContentError
from .fences import MAY_RUN, fence_sites
from .keyframes import KeyframeStore
from .links import page_of
from .markdown import make_markdown
from .markdown_stage import PARALLEL_MIN, Rendered, render_all
from .mathjax import VERSION as MATH_VERSION
from .mathjax import MathJax, Typeset, fill, stylesheet, typeset
from .publish import publish
from .read import (
    Source,
    article_paths,
    content_files,
    read_article,
    read_only_by_drafts,
    read_source,
    slugify,
    source_from_json,
    source_to_json,
)
from .render import make_environment
from .settings import IndexFile, read_site_index, resolved
from .write import check_output

WORDS_PER_MINUTE = 230


@dataclass
class Article:
    source: Source
    rendered: Rendered
    url: str
    key: str  # hash of everything its Markdown stage read
    previous: Article | None = None
    next: Article | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    math: list[Typeset] = field(default_factory=list)  # its formulas, typeset

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
        return fill(self.rendered.html, self.math)

    @property
    def feed_html(self) -> str:
        """The article for feed readers: its math as MathML."""
        return fill(self.rendered.html, self.math, feed=True)

    @property
    def toc(self) -> str:
        return self.rendered.toc

    @property
    def demos(self) -> int:
        return self.rendered.demos

    @property
    def live(self) -> bool:
        """Whether the page has demos, cells or exercises: it loads the page's script."""
        return bool(self.rendered.demos or self.rendered.cells or self.rendered.exercises)

    @property
    def runs_python(self) -> bool:
        """Whether readers run Python on the page (cells, exercises): the cells' worker."""
        return bool(self.rendered.cells or self.rendered.exercises)

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.rendered.words / WORDS_PER_MINUTE))


def source_fingerprint(config: BuildConfig) -> str:
    """Everything, besides an article's own text, that its Markdown stage depends on."""
    digest = hashlib.sha256()
    for folder, pattern in [
        (config.engine, "*.py"),
        (Path(__file__).parent, "*.py"),
        (config.templates, "demo.html"),
        (config.templates, "controls.html"),
        (config.templates, "cell*.html"),
    ]:
        for path in sorted(folder.glob(pattern)):
            digest.update(path.name.encode() + path.read_bytes())
    digest.update(config.base_url.encode())
    return digest.hexdigest()


def read_cached(
    path: Path, text: str, key: str, cache: Cache, errors: list[ContentError]
) -> Source | None:
    """Stage 1 with a cache: front matter is parsed once per distinct file content
    (``key``, the hash of ``text``)."""
    cached = cache.get("read", key)
    if cached is not None:
        return source_from_json(path, text, cached)
    before = len(errors)
    source = read_source(path, errors, text)
    if source is not None and len(errors) == before:
        cache.put("read", key, source_to_json(source))
    return source


def collect(
    config: BuildConfig,
    cache: Cache,
    progress: Callable[[str], None],
    mathjax: MathJax,
    index: IndexFile,
    errors: list[ContentError],
) -> tuple[list[Article], str, list[str]]:
    """Read and render every article and the index's introduction (``_index.md``), adding
    to ``errors`` (those of reading the index).

    Raises BuildFailed with all errors at once.
    """
    if not config.content.is_dir():
        raise BuildFailed([ContentError(config.content, 0, "content folder not found")])
    texts, sources = _read(config, cache, mathjax, errors)
    published = [s for s in sources if s is not None and (config.drafts or not s.draft)]
    _distinct_slugs(published, errors)
    articles = _rendered(config, cache, progress, mathjax, published, errors)
    if not errors:
        math, found = typeset(
            [(a.source.path, a.rendered.math) for a in articles], cache, mathjax, config.base_url
        )
        errors.extend(found)
        for article, formulas in zip(articles, math, strict=True):
            article.math = formulas
    kept = {id(s) for s in published}
    drafts = [texts[s.path] for s in sources if s is not None and id(s) not in kept]
    files = _published_files(config, articles, texts, drafts, index, errors)
    intro = _linked(config, articles, files, index, errors)
    if errors:
        raise BuildFailed(errors)
    articles.sort(key=lambda a: (a.date, a.slug), reverse=True)
    for newer, older in itertools.pairwise(articles):
        newer.previous, older.next = older, newer
    for article in articles:
        article.tags = [
            {"name": t, "url": f"{config.base_url}tags/{slugify(t)}/"} for t in article.source.tags
        ]
    return articles, intro, files


def _read(
    config: BuildConfig, cache: Cache, mathjax: MathJax, errors: list[ContentError]
) -> tuple[dict[Path, str], list[Source | None]]:
    """Every article's text and its front matter read (stage 1, cached by content)."""
    paths = article_paths(config.content, errors)
    texts = {path: text for path in paths if (text := read_article(path, errors)) is not None}
    keys = {path: _hash(text) for path, text in texts.items()}
    if sum(not cache.has("read", key) for key in keys.values()) >= PARALLEL_MIN:
        mathjax.start()  # many new articles: Node loads MathJax meanwhile
    return texts, [read_cached(p, t, keys[p], cache, errors) for p, t in texts.items()]


def _distinct_slugs(published: list[Source], errors: list[ContentError]) -> None:
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


def _rendered(
    config: BuildConfig,
    cache: Cache,
    progress: Callable[[str], None],
    mathjax: MathJax,
    published: list[Source],
    errors: list[ContentError],
) -> list[Article]:
    """Each article's Markdown stage: from the cache where everything it read is the same
    (its keyframe files still kept), else rendered (on every core when there are many)."""
    fingerprint = source_fingerprint(config)
    store = KeyframeStore.in_cache(config.cache)
    signature = data = ""  # what cells, and fits of the author's data, read besides the text

    def markdown_key(source: Source) -> str:
        nonlocal signature, data
        text = fingerprint + json.dumps(source.functions) + source.body
        body = source.body
        if "run" in body and MAY_RUN.search(body) and any(s.runs for s in fence_sites(body, 1)):
            signature = signature or environment_signature(config.content)
            text += signature
        if "data:" in body:  # a fit may read a file beside the article
            data = data or data_signature(config.content)
            text += data
        return hashlib.sha256(text.encode()).hexdigest()

    keys = [markdown_key(s) for s in published]
    rendered: dict[str, Rendered] = {}
    for key in keys:
        cached = cache.get("markdown", key)
        # A cached article whose keyframe files went missing from the cache is rendered again.
        if cached is not None and all(
            store.folder and store.file(h).exists() for h in cached.get("files", {}).values()
        ):
            rendered[key] = Rendered(**cached)
    todo = [(s, k) for s, k in zip(published, keys, strict=True) if k not in rendered]
    progress(f"rendering {len(todo)} of {len(published)} articles ({len(rendered)} cached)")
    if len(todo) >= PARALLEL_MIN:  # Node loads MathJax while many articles render
        mathjax.start()
    for (_, key), (result, found) in zip(
        todo, render_all(config, [s for s, _ in todo], fingerprint), strict=True
    ):
        errors.extend(found)
        if not found:
            cache.put("markdown", key, result.__dict__)
        rendered[key] = result
    return [
        Article(s, rendered[k], f"{config.base_url}{s.slug}/", k)
        for s, k in zip(published, keys, strict=True)
    ]


def _published_files(
    config: BuildConfig,
    articles: list[Article],
    texts: dict[Path, str],
    drafts: list[str],
    index: IndexFile,
    errors: list[ContentError],
) -> list[str]:
    """content/'s files the site publishes: all but articles, and data only drafts read."""
    files = content_files(config.content, {a.slug for a in articles}, errors)
    # what the published site shows: its articles, and the home page (read once, as index)
    shown = [texts[a.source.path] for a in articles] + [index.intro, repr(index.settings)]
    unpublished = read_only_by_drafts(files, drafts, shown)
    return [f for f in files if f not in unpublished]


def _linked(
    config: BuildConfig,
    articles: list[Article],
    files: list[str],
    index: IndexFile,
    errors: list[ContentError],
) -> str:
    """Every image and internal link checked against the site's pages and files; returns the
    home page's introduction, rendered."""
    pages = {f"{a.slug}/" for a in articles} | {"", "tags/", "feed.xml", "404.html"}
    pages |= {f"tags/{slugify(t)}/" for a in articles for t in a.source.tags}
    pages |= set(files)
    for article in articles:
        image = article.source.image
        if image and image.startswith("/") and image.lstrip("/") not in files:
            line = article.source.meta_lines.get("image", 1)
            errors.append(
                ContentError(
                    article.source.path,
                    line,
                    f"image {image!r} is not a file of "
                    f"content/: put it at content{image}, or give an https:// URL",
                )
            )
    for article in articles:
        linked = [*article.rendered.links, *(link for t in article.math for link in t.links)]
        errors.extend(broken_links(article.source.path, linked, pages))
    intro_file = config.content / "_index.md"
    links = [url for _, url in index.settings.navigation if url.startswith("/")]
    intro = make_markdown({}, config.base_url, links).convert(index.intro) if index.intro else ""
    errors.extend(broken_links(intro_file, links, pages))
    return intro


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def broken_links(path: Path, links: list[str], pages: set[str]) -> list[ContentError]:
    """An error for each internal link in the file ``path`` that names no page of the site."""
    errors = []
    text = None

    def line_of(*written: str) -> int:
        """The line of the first of ``written`` the file holds (the file read once)."""
        nonlocal text
        text = text if text is not None else read_article(path, []) or ""
        found = next((w for w in written if w in text), None)
        return text[: text.find(found)].count("\n") + 1 if found else 1

    for target in links:
        if target.startswith(".."):  # a relative file above content/
            line = line_of(target)
            inside = posixpath.normpath(target).lstrip("./")
            errors.append(
                ContentError(
                    path,
                    line,
                    f"link {target!r} leaves content/: on GitHub it points outside the "
                    "articles' folder, and the site publishes only what is in content/; put "
                    f"the file under content/ and link it as {inside!r}",
                )
            )
            continue
        page = page_of(target)
        if page not in pages and not page.startswith("assets/"):
            line = line_of(target, target.lstrip("/"))  # (a relative file lost its /)
            hint = min(pages, key=lambda p: _distance(p, page))
            errors.append(
                ContentError(
                    path,
                    line,
                    f"broken internal link {target!r}: no page /{page}; did you mean /{hint}?",
                )
            )
    return errors


def _distance(a: str, b: str) -> int:
    import difflib

    return -int(1000 * difflib.SequenceMatcher(None, a, b).ratio())


def build_site(
    config: BuildConfig, progress: Callable[[str], None] = lambda _: None
) -> list[Article]:
    """Build the whole site into ``config.out`` atomically; return the articles built.

    Raises BuildFailed for errors in the content, the templates or the engine's source;
    ``config.out`` is then left as it was.
    """
    check_output(config.out, config.content, ROOT)
    errors = engine_errors(config.engine, config.cache)
    if errors:
        raise BuildFailed(errors)
    index = read_site_index(config.content, errors)
    config = resolved(config, index.settings)
    # A build allocates a great many objects that live to its end (the cache's stages,
    # every article): the cycle collector would walk them all again and again, a tenth of
    # a rebuild, while reference counting frees the rest. It runs once the build is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build_site(config, progress, index, errors)
    except jinja2.TemplateError as exc:
        raise BuildFailed([template_error(exc, config.templates)]) from None
    finally:
        if collecting:
            gc.enable()


def _build_site(
    config: BuildConfig,
    progress: Callable[[str], None],
    index: IndexFile,
    errors: list[ContentError],
) -> list[Article]:
    """Collect every article (raising BuildFailed with all errors), then publish the site."""
    assert config.base_url is not None and config.site_url is not None  # (resolved)
    env = make_environment(config.templates, config.cache)
    cache = Cache(config.cache)
    mathjax = MathJax(config.node_modules.parent)
    try:
        articles, intro, files = collect(config, cache, progress, mathjax, index, errors)
        css = cache.get("math", "stylesheet " + MATH_VERSION)
        if css is None:
            css = stylesheet(mathjax)
            cache.put("math", "stylesheet " + MATH_VERSION, css)
    finally:
        mathjax.close()
    publish(config, index.settings, env, cache, articles, intro, files, css)
    cache.save()
    return articles
