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
import os
import posixpath
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import markdown

from .assets import ENGINE_VERSION, package_index, publish_static, publish_vendor, write_engine
from .cache import Cache
from .cells import CellFence, data_signature, environment_signature
from .checks import CheckFence
from .config import ROOT, BuildConfig, engine_errors, template_error
from .demos import DemoFence
from .errors import BuildFailed, ContentError
from .exercises import ExerciseFence
from .fences import MAY_RUN, FenceLocator, fence_sites
from .iterates import ArticleNumbers, IteratesFence, Runs
from .keyframes import KeyframeStore
from .links import page_of
from .markdown import make_markdown
from .mathjax import VERSION as MATH_VERSION
from .mathjax import ArticleMath, MathJax, Typeset, fill, stylesheet, typeset
from .notebook import as_notebook
from .offline import service_worker
from .page_ids import clashes, owners
from .pages import Page, render_pages
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
from .render import csp_for, make_environment, sandbox_for
from .settings import IndexFile, SiteSettings, read_site_index, resolved
from .write import atomic_output, check_output

WORDS_PER_MINUTE = 230
PARALLEL_MIN = 24  # articles per extra process worth its start-up
BATCHES_PER_WORKER = 4
DEMO_WEIGHT = 10  # the work of a demo's figures and keyframes, in plain articles


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
    files: dict[str, str] = field(default_factory=dict)  # keyframes: page name → content hash
    keyframe_bytes: int = 0
    texts: dict[str, str] = field(default_factory=dict)  # content hash → text (no cache)
    math: list[list] = field(default_factory=list)  # [tex, display, line] per math token
    cells: int = 0
    packages: list[list] = field(default_factory=list)  # [cell id, [packages the runtime lacks]]
    exercises: int = 0
    thinned: list[list] = field(default_factory=list)  # [block id, control, positions kept]


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


TAGS = re.compile(r"<[^>]+>")


class MarkdownStage:
    """Markdown, demos and checks for articles, through one reused converter.

    Building a converter with its extensions costs more than converting a post, so one is
    made per stage and reset between articles; the fences are pointed at the article's own
    DemoFence and CheckFence before each conversion.
    """

    def __init__(
        self,
        templates: Path,
        base_url: str,
        cache: Path | None = None,
        fingerprint: str = "",
        content: Path | None = None,
        package_lock: Path | None = None,
    ) -> None:
        self.env = make_environment(templates, cache)
        self.links: list[str] = []
        # Keyframes by spec and controls: shared by the articles, kept across builds.
        self.keyframes = KeyframeStore.in_cache(cache, fingerprint)
        self.fences: tuple[DemoFence, CheckFence, IteratesFence, CellFence, ExerciseFence]
        self.fences = None  # type: ignore[assignment]
        self.content = content
        self.package_lock = package_lock
        self._signature: str | None = None
        self.base_url = base_url
        self._prose: markdown.Markdown | None = None  # exercises' prompts and hints
        self.numbers = ArticleNumbers()
        self.math = ArticleMath()
        self.md = make_markdown(
            {
                "demo": lambda src: self.fences[0](src),
                "check": lambda src: self.fences[1](src),
                "iterates": lambda src: self.fences[2](src),
                "python": lambda src: self.fences[3](src),
                "exercise": lambda src: self.fences[4](src),
            },
            base_url,
            self.links,
            self.numbers,
            self.math,
        )

    def signature(self, content: Path) -> str:
        """What cells read besides their code (computed once, for the first cell)."""
        if self._signature is None:
            self._signature = environment_signature(self.content or content)
        return self._signature

    def prose(self, text: str) -> str:
        """Markdown inside a fence (an exercise's prompt), its math the article's."""
        if self._prose is None:
            self._prose = make_markdown({}, self.base_url, self.links, self.numbers, self.math)
        self._prose.reset()
        return self._prose.convert(text)

    def render(self, source: Source) -> tuple[Rendered, list[ContentError]]:
        errors: list[ContentError] = []
        locator = FenceLocator(source.body, source.body_line)
        runs = Runs(
            definitions={name: (formula, shown) for name, formula, shown in source.functions}
        )
        demo_fence = DemoFence(source.path, locator, self.env, errors, self.keyframes, runs)
        check_fence = CheckFence(source.path, locator, errors, self.math, runs)
        iterates = IteratesFence(source.path, locator, errors, runs)
        cells = CellFence(
            source.path, self.env, errors, self.keyframes, lock=self.package_lock, prose=self.prose
        )
        sites = fence_sites(source.body, source.body_line) if MAY_RUN.search(source.body) else []
        if any(site.runs for site in sites):
            cells.signature = self.signature(source.path.parent)
            cells.prepare(sites)
        exercises = ExerciseFence(source.path, locator, self.env, errors, self.prose, runs)
        self.fences = (demo_fence, check_fence, iterates, cells, exercises)
        self.numbers.start(source.path, source.body, source.body_line, runs, errors)
        self.math.start(source.body, source.body_line)
        self.links.clear()
        self.md.reset()
        try:
            html = self.md.convert(source.body)
        finally:
            exercises.close()
        anchors = _anchors(getattr(self.md, "toc_tokens", []))
        blocks = [
            *(("demo", d.id, d.line, [c.name for c in d.controls]) for d in demo_fence.demos),
            *(("cell", c.id, c.line, [k.name for k in c.controls]) for c in cells.cells),
            *(("exercise", ident, line, []) for ident, line in exercises.ids.items()),
        ]
        ids = [owner for block in blocks for owner in owners(*block)]
        errors += clashes(source.path, ids, anchors)
        text = TAGS.sub(" ", re.sub(r"<script.*?</script>", " ", html, flags=re.DOTALL))
        figures = [f for demo in demo_fence.demos for f in demo.result["figures"]]
        trace_types = sorted(
            {
                str(trace.get("type", "scatter"))
                for figure in figures + cells.figures
                for trace in figure["data"]
                if isinstance(trace, dict)
            }
        )
        rendered = Rendered(
            html,
            getattr(self.md, "toc", ""),
            len(text.split()),
            len(demo_fence.demos),
            check_fence.passed,
            trace_types,
            list(self.links),
            {**demo_fence.files, **cells.files},
            demo_fence.keyframe_bytes + cells.keyframe_bytes,
            {**demo_fence.texts, **cells.texts},
            list(self.math.formulas),
            len(cells.cells),
            [[cell.id, cell.packages] for cell in cells.cells if cell.packages],
            exercises.count,
            demo_fence.thinned + cells.thinned,
        )
        return rendered, errors


def _anchors(tokens: list[dict]) -> dict[str, str]:
    """Heading anchor → heading text, from the table of contents' nested tokens."""
    out: dict[str, str] = {}
    for token in tokens:
        out[token["id"]] = token["name"]
        out.update(_anchors(token.get("children", [])))
    return out


def render_sources(
    config: BuildConfig, sources: list[Source], fingerprint: str
) -> list[tuple[Rendered, list[ContentError]]]:
    """Render a batch of articles with one stage (the unit of work of a build process);
    ``fingerprint`` is :func:`source_fingerprint`'s, which keys the stage's keyframes."""
    stage = MarkdownStage(
        config.templates,
        config.base_url,
        config.cache,
        fingerprint,
        config.content,
        config.package_lock,
    )
    return [stage.render(source) for source in sources]


def render_all(
    config: BuildConfig, sources: list[Source], fingerprint: str
) -> list[tuple[Rendered, list[ContentError]]]:
    """Render articles, spread over the machine's cores when there are many.

    Each worker takes the next batch when it is done with one: a few batches per worker
    even out what the batches' estimated weights miss.
    """
    workers = min(os.cpu_count() or 1, len(sources) // PARALLEL_MIN)
    if workers < 2:
        return render_sources(config, sources, fingerprint)
    count = workers * BATCHES_PER_WORKER
    batches = [batch for batch in balanced_batches(sources, count) if batch]
    with ProcessPoolExecutor(workers) as pool:
        done = list(
            pool.map(
                render_sources,
                [config] * len(batches),
                [[sources[i] for i in batch] for batch in batches],
                [fingerprint] * len(batches),
            )
        )
    results: list = [None] * len(sources)
    for batch, rendered in zip(batches, done, strict=True):
        for i, result in zip(batch, rendered, strict=True):
            results[i] = result
    return results


def balanced_batches(sources: list[Source], count: int) -> list[list[int]]:
    """Indexes of ``sources`` in ``count`` batches of about equal work, where articles
    with the same demos go to the same batch: a process computes a demo's figures and
    keyframes once however many articles repeat it, so spread over two processes they
    would be computed twice. A demo costs about as much as DEMO_WEIGHT plain articles."""
    groups: dict[str, list[int]] = {}
    for i, source in enumerate(sources):
        demos = [site.body for site in fence_sites(source.body, 1) if site.language == "demo"]
        groups.setdefault("\n".join(demos), []).append(i)
    plain = groups.pop("", [])
    batches: list[list[int]] = [[] for _ in range(count)]
    load = [0] * count
    heaviest_first = sorted(groups.values(), key=len, reverse=True)
    for members in heaviest_first:  # a group's demos once, and its articles
        k = load.index(min(load))
        batches[k].extend(members)
        load[k] += DEMO_WEIGHT + len(members)
    for i in plain:
        k = load.index(min(load))
        batches[k].append(i)
        load[k] += 1
    return batches


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
    paths = article_paths(config.content, errors)
    texts = {path: text for path in paths if (text := read_article(path, errors)) is not None}
    keys = {path: _hash(text) for path, text in texts.items()}
    if sum(not cache.has("read", key) for key in keys.values()) >= PARALLEL_MIN:
        mathjax.start()  # many new articles: Node loads MathJax meanwhile
    sources = [read_cached(p, t, keys[p], cache, errors) for p, t in texts.items()]
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
    articles = [
        Article(s, rendered[k], f"{config.base_url}{s.slug}/", k)
        for s, k in zip(published, keys, strict=True)
    ]
    if not errors:
        math, found = typeset(
            [(a.source.path, a.rendered.math) for a in articles], cache, mathjax, config.base_url
        )
        errors.extend(found)
        for article, formulas in zip(articles, math, strict=True):
            article.math = formulas
    pages = {f"{a.slug}/" for a in articles} | {"", "tags/", "feed.xml", "404.html"}
    pages |= {f"tags/{slugify(t)}/" for a in articles for t in a.source.tags}
    files = content_files(config.content, {a.slug for a in articles}, errors)
    kept = {id(s) for s in published}
    drafts = [texts[s.path] for s in sources if s is not None and id(s) not in kept]
    # what the published site shows: its articles, and the home page (read once, as index)
    shown = [texts[a.source.path] for a in articles] + [index.intro, repr(index.settings)]
    unpublished = read_only_by_drafts(files, drafts, shown)
    files = [f for f in files if f not in unpublished]
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
    assert config.base_url is not None and config.site_url is not None  # (resolved)
    settings = index.settings
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
    store = KeyframeStore.in_cache(config.cache)
    base = config.base_url
    site_url = config.site_url.rstrip("/")
    offline = bool(config.offline) and not config.dev_reload  # (serve's pages change by the second)
    assets_url = f"{base}assets/"
    tags: dict[str, list[Article]] = {}
    for article in articles:
        for tag in article.source.tags:
            tags.setdefault(tag, []).append(article)
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
        sandbox = sandbox_for(config.static)
        math_css = f"math.{hashlib.sha256(css.encode()).hexdigest()[:10]}.css"
        tree.write(f"assets/{math_css}", css)
        static["math.css"] = f"{assets_url}{math_css}"
        env.globals.update(
            site={
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
            base_url=base,
            absolute=lambda path: f"{site_url}{path}",
            csp=csp_for(vendor.cdn),
            sandbox=sandbox.document,
            asset=lambda name: static[name],
            vendor=vendor,
            engine_lock=f"{assets_url}engine/pyodide-lock.json",
            cells_lock=f"{assets_url}engine/cells-lock.json",
            pyodide_dir=vendor.url("pyodide", "pyodide.mjs").rsplit("/", 1)[0] + "/",
            tag_url=lambda tag: f"{base}tags/{slugify(tag)}/",
            dev_reload=config.dev_reload,
            offline=offline,
        )
        site_key = _site_fingerprint(config, settings, static, vendor)

        def page_key(template: str, inputs: object) -> str:
            return hashlib.sha256(json.dumps([site_key, template, inputs]).encode()).hexdigest()

        def page(template: str, target: str, inputs: object, **context: object) -> None:
            """Render ``template`` to ``target``, or reuse the page if its inputs are cached."""
            key = page_key(template, inputs)
            if not cache.place("pages", key, tree, target):
                text = env.get_template(template).render(**context)
                tree.write_soon(target, text, lambda path: cache.keep_file("pages", key, path))

        # Each article's line in a listing (index, tags, feed, sitemap), as JSON once: the
        # listings' keys join them instead of encoding a thousand articles per page.
        rows = {
            a.url: json.dumps(
                [a.url, a.title, source_to_json(a.source), a.reading_minutes, a.demos]
            )
            for a in articles
        }

        def listing(items: list[Article]) -> str:
            return "[" + ",".join(rows[a.url] for a in items) + "]"

        index = package_index(config.node_modules, config.package_index)
        packages_origin = "/".join(index.split("/")[:3]) if "://" in index else ""
        article_pages = []
        bundles: dict[tuple[str, ...], tuple[str, str | None]] = {}
        for article in articles:
            kinds = tuple(article.rendered.trace_types)
            if kinds not in bundles:  # (a thousand articles share a few sets of chart kinds)
                bundles[kinds] = vendor.plotly_for(set(kinds))
            plotly = bundles[kinds]
            neighbours = [(a.url, a.title) if a else None for a in (article.previous, article.next)]
            inputs = [
                article.key,
                neighbours,
                source_to_json(article.source),
                plotly,
                MATH_VERSION,
            ]
            csp = (
                csp_for(vendor.cdn, packages_origin, sandbox.script_hash)
                if article.runs_python
                else None
            )
            inputs.append(csp)
            key = page_key("article.html", inputs)
            target = f"{article.slug}/index.html"
            if not cache.place("pages", key, tree, target):
                context = {"article": article, "plotly": plotly}
                if csp:
                    context["csp"] = csp
                article_pages.append(Page("article.html", tree.reserve(target), key, context))
        render_pages(env, cache, article_pages)  # first: its workers make the articles' folders
        for article in articles:  # "Download as notebook", for articles with cells
            if article.rendered.cells:
                text = read_article(article.source.path, []) or ""
                notebook = json.dumps(as_notebook(text), ensure_ascii=False, indent=1)
                tree.write(f"{article.slug}/{article.slug}.ipynb", notebook + "\n")
        for article in articles:
            for name, content in article.rendered.files.items():
                if content in article.rendered.texts:
                    tree.write(f"{article.slug}/{name}", article.rendered.texts[content])
                else:  # kept by the cache's keyframe store: linked, not rewritten
                    tree.link(store.file(content), f"{article.slug}/{name}")
        page(
            "index.html",
            "index.html",
            [listing(articles), intro],
            articles=articles,
            tags=sorted(tags),
            intro=intro,
        )
        for tag, tagged in sorted(tags.items()):
            page(
                "tag.html",
                f"tags/{slugify(tag)}/index.html",
                [tag, listing(tagged)],
                tag=tag,
                articles=tagged,
            )
        counts = {t: len(a) for t, a in sorted(tags.items())}
        page("tags.html", "tags/index.html", counts, tags=counts)
        page("404.html", "404.html", None)
        updated = max((a.updated or a.date for a in articles), default=dt.date(2026, 1, 1))
        page(
            "feed.xml",
            "feed.xml",
            [listing(articles[:30]), [a.key for a in articles[:30]], updated.isoformat()],
            articles=articles[:30],
            updated=updated,
        )
        page(
            "sitemap.xml",
            "sitemap.xml",
            [listing(articles), sorted(tags)],
            articles=articles,
            tags=[slugify(t) for t in sorted(tags)],
        )
        tree.write("robots.txt", f"User-agent: *\nSitemap: {site_url}{base}sitemap.xml\n")
        tree.write(".nojekyll", "")
        if offline:
            tree.write("sw.js", service_worker(tree, env, base, cache, set(files)))
        else:  # a worker an earlier build left in a reader's browser is retired
            tree.write("sw.js", env.get_template("sw-off.js").render(base_url=base))
        tree.write(
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
    cache.save()
    return articles
