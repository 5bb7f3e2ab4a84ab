"""The site as a whole: base-URL crawl, feed and sitemap, stage units, CDN mode."""

from __future__ import annotations

import datetime as dt
import os
import re
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from downhill.assets import FLAT_BUNDLES, FULL_BUNDLE, SOLID_BUNDLES, Vendor, engine_wheel
from downhill.cache import Cache
from downhill.fences import fence_sites
from downhill.site import BuildConfig, build_site
from downhill.yamlmap import key_lines, load

from .conftest import ROOT, serve_folder

FIXTURE = Path(__file__).parent / "fixtures" / "tiny" / "content"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "data-worker", "data-engine-lock") and value:
                self.links.append(value)
            elif name == "data-pyodide":  # a folder: the worker loads pyodide.mjs from it
                self.links.append(value + "pyodide.mjs")


@pytest.fixture(scope="module")
def sub_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("sub") / "site"
    build_site(
        BuildConfig(
            content=ROOT / "content",
            out=out,
            base_url="/sub/",
            cache=None,
            site_url="https://example.org",
        )
    )
    server = serve_folder(out, "/sub/")
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.xdist_group("sub_site")  # one build of it, on one worker
def test_every_internal_link_resolves_under_the_base_url(sub_site):
    out, origin = sub_site
    start = f"{origin}/sub/"
    queue, seen, checked = [start], set(), 0
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        with urllib.request.urlopen(url) as response:
            assert response.status == 200, url
            body = response.read()
        checked += 1
        if not url.endswith((".html", "/")):
            continue
        parser = Links()
        parser.feed(body.decode())
        for link in parser.links:
            target = urljoin(url, link).split("#")[0]
            if urlparse(target).netloc != urlparse(origin).netloc:
                continue
            assert urlparse(target).path.startswith("/sub/"), (url, link)
            queue.append(target)
    assert checked > 10  # pages, CSS, JS, vendor scripts, feed
    # the math's stylesheet (no font files: each formula carries its glyphs)
    assert [p.name for p in (out / "assets").glob("math.*.css")]
    # The 404 page works from any depth: its links are absolute under the base.
    parser = Links()
    parser.feed((out / "404.html").read_text())
    assert all(link.startswith(("/sub/", "#", "https://")) for link in parser.links)


@pytest.mark.xdist_group("sub_site")  # one build of it, on one worker
def test_feed_and_sitemap_are_xml_with_absolute_urls(sub_site):
    out, _ = sub_site
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(out / "feed.xml").getroot()
    entries = feed.findall(f"{atom}entry")
    assert entries
    for entry in entries:
        assert entry.find(f"{atom}link").get("href").startswith("https://example.org/sub/")
        assert entry.find(f"{atom}id").text.startswith("https://example.org/sub/")
    sitemap = ET.parse(out / "sitemap.xml").getroot()
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/sub/first-descent/" in locs
    assert all(loc.startswith("https://example.org/sub/") for loc in locs)


def test_drafts_only_with_the_flag(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "draft.md").write_text("---\ntitle: D\ndate: 2026-01-01\ndraft: true\n---\nx\n")
    (content / "real.md").write_text("---\ntitle: R\ndate: 2026-01-01\n---\nx\n")
    assert [
        a.slug for a in build_site(BuildConfig(content=content, out=tmp_path / "a", cache=None))
    ] == ["real"]
    both = build_site(BuildConfig(content=content, out=tmp_path / "b", cache=None, drafts=True))
    assert sorted(a.slug for a in both) == ["draft", "real"]


def test_incremental_build_reuses_unchanged_articles(tmp_path, monkeypatch):
    import downhill.markdown_stage as stage

    calls = []
    real = stage.MarkdownStage.render
    monkeypatch.setattr(
        stage.MarkdownStage, "render", lambda self, s: calls.append(s.slug) or real(self, s)
    )
    content = tmp_path / "content"
    content.mkdir()
    for name in ("a", "b", "c"):
        (content / f"{name}.md").write_text(f"---\ntitle: {name}\ndate: 2026-01-01\n---\nx\n")
    config = BuildConfig(content=content, out=tmp_path / "out", cache=tmp_path / "cache")
    build_site(config)
    assert sorted(calls) == ["a", "b", "c"]
    calls.clear()
    (content / "b.md").write_text("---\ntitle: b\ndate: 2026-01-01\n---\nchanged\n")
    build_site(config)
    assert calls == ["b"]
    assert "changed" in (tmp_path / "out" / "b" / "index.html").read_text()


def test_cdn_mode_pins_versions_with_sri(tmp_path):
    out = tmp_path / "site"
    build_site(BuildConfig(content=FIXTURE, out=out, cache=None, assets="cdn"))
    html = (out / "tiny-demo" / "index.html").read_text()
    assert 'src="https://cdn.jsdelivr.net/npm/plotly.js-cartesian-dist-min@' in html
    assert 'integrity="sha384-' in html
    assert "https://cdn.jsdelivr.net/npm/pyodide@314.0.7/" in html
    # Only the cell editor, which no CDN carries, is self-hosted.
    vendor = out / "assets" / "vendor"
    assert {p.name.rsplit("-", 1)[0] for p in vendor.iterdir()} == {"downhill-editor"}
    assert (out / "assets" / "engine" / "pyodide-lock.json").exists()  # the engine stays local


def test_page_gets_the_smallest_plotly_bundle(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    demo = "```demo\nfunction: x**2 + y**2\nplots: {}\n```\n"
    (content / "flat.md").write_text(
        "---\ntitle: F\ndate: 2026-01-01\n---\n" + demo.format("contour")
    )
    (content / "solid.md").write_text(
        "---\ntitle: S\ndate: 2026-01-01\n---\n" + demo.format("surface")
    )
    (content / "both.md").write_text(
        "---\ntitle: B\ndate: 2026-01-01\n---\n" + demo.format("[surface, contour]")
    )
    (content / "curve.md").write_text(
        "---\ntitle: C\ndate: 2026-01-01\n---\n"
        "```demo\nfunction: x**2\nstart: [1]\nplots: curve\n```\n"
    )
    out = tmp_path / "out"
    build_site(BuildConfig(content=content, out=out, cache=None))
    # Downhill's own bundles (scripts/plotly-bundles.mjs) draw the engine's charts
    assert "plotly-downhill-2d.min.js" in (out / "curve" / "index.html").read_text()
    assert "plotly-downhill-2d.min.js" in (out / "flat" / "index.html").read_text()
    assert "plotly-downhill-3d.min.js" in (out / "solid" / "index.html").read_text()
    both = (out / "both" / "index.html").read_text()
    assert "/plotly.min.js" not in both  # two small bundles instead of the full one
    # the 2-D bundle loads with the page; the 3-D one is loaded once the 2-D charts are up
    assert re.search(r'<script src="[^"]*/plotly-downhill-2d\.min\.js" defer>', both)
    assert re.search(r'data-plotly3d="[^"]*/plotly-downhill-3d\.min\.js"', both)
    assert not re.search(r'<script src="[^"]*/plotly-downhill-3d', both)


def test_without_downhills_bundles_plotlys_own_are_chosen():
    """With --assets cdn Downhill's own bundles are not published: Plotly's are used."""
    published = [
        b for b in FLAT_BUNDLES + SOLID_BUNDLES if not b[0].startswith("plotly.js-downhill")
    ]
    urls = {f"{package}/{file}": f"cdn/{file}" for package, file, _ in published}
    urls["/".join(FULL_BUNDLE)] = "cdn/plotly.min.js"
    vendor = Vendor(urls, {}, cdn=True)
    assert vendor.plotly_for({"contour", "scatter"}) == ("cdn/plotly-cartesian.min.js", None)
    assert vendor.plotly_for({"contour", "surface", "scatter3d"}) == (
        "cdn/plotly-cartesian.min.js",
        "cdn/plotly-gl3d.min.js",
    )


def test_fence_sites_and_yaml_key_lines():
    body = (
        "text\n\n```demo\nfunction: x\ncontrols:\n  lr: {min: 0}\n```\n\n~~~check\nvalue: x\n~~~\n"
    )
    sites = fence_sites(body, first_line=10)
    assert [(s.language, s.line) for s in sites] == [("demo", 12), ("check", 18)]
    lines = key_lines(sites[0].body, first_line=13)
    assert lines[("controls", "lr", "min")] == 15
    assert load("tol: 1e-6\nwhen: 2026-01-01") == {"tol": 1e-6, "when": "2026-01-01"}


def test_engine_wheel_is_reproducible():
    assert engine_wheel(ROOT / "engine") == engine_wheel(ROOT / "engine")


def test_cache_round_trip(tmp_path):
    cache = Cache(tmp_path)
    assert cache.get("stage", "k") is None
    cache.put("stage", "k", {"a": [1, 2]})
    assert cache.get("stage", "k") == {"a": [1, 2]}
    assert Cache(None).get("stage", "k") is None


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_rebuild_from_the_spare_site_equals_a_fresh_build(tmp_path):
    content = tmp_path / "content"
    content.mkdir()

    def post(name: str, body: str, tags: str = "[a]") -> None:
        (content / f"{name}.md").write_text(
            f"---\ntitle: {name}\ndate: 2026-01-01\ntags: {tags}\n---\n{body}\n"
        )

    for name in ("one", "two", "three"):
        post(name, f"text of {name}")
    config = BuildConfig(content=content, out=tmp_path / "out", cache=tmp_path / "cache")
    build_site(config)
    build_site(config)  # the first site is now the spare the next build starts from
    spare = tmp_path / ".out-spare"
    assert (spare / "three" / "index.html").exists()
    (spare / "junk.txt").write_text("left by hand")
    for page in ("one/index.html", "404.html"):  # pages this build finds in its cache
        (spare / page).unlink()
        (spare / page).write_text("edited by hand")
    (content / "three.md").unlink()
    post("two", "new text of two", tags="[b]")
    post("four", "text of four")
    cached_pages = files_of(tmp_path / "cache" / "pages")

    build_site(config)

    fresh = tmp_path / "fresh"
    build_site(BuildConfig(content=content, out=fresh, cache=None))
    assert files_of(tmp_path / "out") == files_of(fresh)
    assert not (tmp_path / "out" / "three").exists()
    assert not (tmp_path / "out" / "tags" / "a" / "index.html").read_text().count("two</a>")
    # writing a new page never went through a hard link into the cache
    for name, data in files_of(tmp_path / "cache" / "pages").items():
        assert cached_pages.get(name, data) == data


def test_site_tree_replaces_files_by_folders_and_back(tmp_path):
    from downhill.write import SiteTree

    root = tmp_path / "tree"
    (root / "page").mkdir(parents=True)
    (root / "page" / "index.html").write_text("old")
    (root / "post").write_text("old file")
    source = tmp_path / "source.html"
    source.write_text("linked")
    tree = SiteTree(root)
    tree.write("page", "now a file")
    tree.link(source, "post/index.html")
    tree.finish()
    assert files_of(root) == {"page": b"now a file", "post/index.html": b"linked"}
    assert os.stat(root / "post" / "index.html").st_ino == os.stat(source).st_ino


def test_cache_keeps_only_the_pages_of_the_last_build(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    post = content / "post.md"
    post.write_text("---\ntitle: P\ndate: 2026-01-01\n---\nfirst\n")
    config = BuildConfig(content=content, out=tmp_path / "out", cache=tmp_path / "cache")
    build_site(config)
    pages = tmp_path / "cache" / "pages"
    before = {p.name for p in pages.iterdir()}
    post.write_text("---\ntitle: P\ndate: 2026-01-01\n---\nsecond\n")
    build_site(config)
    after = {p.name for p in pages.iterdir()}
    assert len(after) == len(before)  # the same pages, two of them re-rendered:
    assert len(after - before) == 2  # the article, and the feed that carries its text
    texts = [p.read_text() for p in pages.iterdir()]
    assert not any("first" in t for t in texts) and any("second" in t for t in texts)


def test_articles_with_the_same_demos_share_a_render_process():
    """A process computes a demo's figures and keyframes once for all the articles that
    repeat it: the batches keep such articles together and stay about equal."""
    from downhill.markdown_stage import balanced_batches
    from downhill.read import Source

    def source(n: int, demo: str | None) -> Source:
        body = "Text.\n" + (f"```demo\nfunction: {demo}\nstart: [1]\n```\n" if demo else "")
        return Source(Path(f"{n}.md"), "T", dt.date(2026, 1, 1), f"p{n}", body, 5)

    sources = [source(n, f"x**2 + {n % 7}*x" if n % 10 == 0 else None) for n in range(1000)]
    batches = balanced_batches(sources, 2)
    assert sorted(i for batch in batches for i in batch) == list(range(1000))
    for n in range(7):
        same = {
            k
            for k, batch in enumerate(batches)
            for i in batch
            if sources[i].body == sources[n * 10].body
        }
        assert len(same) == 1
    assert abs(len(batches[0]) - len(batches[1])) <= 60


def test_pages_rendered_by_forked_workers_equal_a_serial_build(tmp_path, monkeypatch):
    """Many articles: Markdown and pages are rendered in worker processes; the site is
    byte for byte the one a single process builds, and every page is kept in the cache."""
    from downhill import markdown_stage, pages, publish, site

    content = tmp_path / "content"
    content.mkdir()
    for n in range(240):
        demo = f"\n```demo\nfunction: x**2 + {n % 3}*x\nstart: [2]\n```\n" if n % 40 == 0 else ""
        (content / f"post-{n}.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2026-01-{1 + n % 28:02d}\ntags: [t{n % 4}]\n---\n"
            f"Post {n}: $x_{{{n}}}$ and [the first](/post-0/).\n{demo}"
        )
    if os.cpu_count() and os.cpu_count() < 2:
        pytest.skip("one core: the build renders in one process")
    rendered: list[int] = []
    render_pages = pages.render_pages
    monkeypatch.setattr(
        publish,
        "render_pages",
        lambda env, cache, todo: rendered.append(len(todo)) or render_pages(env, cache, todo),
    )
    config = BuildConfig(content=content, out=tmp_path / "parallel", cache=tmp_path / "cache")
    build_site(config)
    assert rendered == [240]
    build_site(config)  # nothing changed: every article page is linked from the cache
    assert rendered == [240, 0]
    monkeypatch.setattr(site, "PARALLEL_MIN", 10**6)
    monkeypatch.setattr(markdown_stage, "PARALLEL_MIN", 10**6)
    monkeypatch.setattr(pages, "PAGES_PER_WORKER", 10**6)
    build_site(BuildConfig(content=content, out=tmp_path / "serial", cache=None))
    assert files_of(tmp_path / "parallel") == files_of(tmp_path / "serial")
