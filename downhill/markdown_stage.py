"""Stage 2, markdown: each article's Markdown rendered with its fences (demos, checks,
iterates, cells, exercises) through one reused converter, batches of articles spread over
the machine's cores when there are many. The result, :class:`Rendered`, is what the cache
keeps per article."""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import markdown

from .cells import CellFence, environment_signature
from .checks import CheckFence
from .config import BuildConfig
from .demos import DemoFence
from .errors import ContentError
from .exercises import ExerciseFence
from .fences import MAY_RUN, FenceLocator, fence_sites
from .iterates import IteratesFence, Runs
from .keyframes import KeyframeStore
from .markdown import make_markdown
from .mathjax import ArticleMath
from .page_ids import clashes, owners
from .prose_numbers import ArticleNumbers
from .read import Source
from .render import make_environment

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
