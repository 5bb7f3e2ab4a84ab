"""The site's settings (front matter of ``content/_index.md``) name the blog in every page,
the feed, the sitemap and link previews; a wrong one fails the build at its line; flags
override them; ``start-blog`` turns the sample site into an owner's blog."""

from __future__ import annotations

import shutil
import subprocess
import sys
from xml.etree import ElementTree

import pytest

from downhill.config import ROOT
from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site
from downhill.starter import GUIDE, SAMPLE_ARTICLES, SHARED_DATA

from .conftest import content_articles

ARTICLE = "---\ntitle: On momentum\ndate: 2026-05-01\nsummary: Heavy balls.\n---\n\nText.\n"
SETTINGS = """---
title: "Notes on descent"
author: Ada Lovelace
description: Slow steps downhill.
language: de
url: https://ada.example.org/notes/
navigation: {About: /about/, Feed: /feed.xml, Code: "https://example.org/code"}
---

Welcome to [the first note](/about/).
"""
ATOM = "{http://www.w3.org/2005/Atom}"


def build(content, tmp_path, **options):
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None, **options))
    return out


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "about.md").write_text(ARTICLE)
    (folder / "_index.md").write_text(SETTINGS)
    return folder


def test_a_sites_own_settings_reach_pages_feed_sitemap_and_previews(content, tmp_path):
    out = build(content, tmp_path)
    page = (out / "about" / "index.html").read_text()
    assert '<html lang="de">' in page
    assert "<title>On momentum · Notes on descent</title>" in page
    assert '<meta name="author" content="Ada Lovelace">' in page
    assert '<meta property="og:site_name" content="Notes on descent">' in page
    assert '<meta property="og:url" content="https://ada.example.org/notes/about/">' in page
    assert '<link rel="canonical" href="https://ada.example.org/notes/about/">' in page
    # the navigation, the base path from the url prefixed to the site's own addresses
    assert (
        '<nav aria-label="Site"><a href="/notes/about/">About</a> '
        '<a href="/notes/feed.xml">Feed</a> <a href="https://example.org/code">Code</a></nav>'
    ) in page
    assert "Downhill" not in page.replace("Built with Downhill", "")
    index = (out / "index.html").read_text()
    assert "<h1>Notes on descent</h1>" in index
    assert '<a href="/notes/about/">the first note</a>' in index
    assert '<meta property="og:description" content="Slow steps downhill.">' in index
    feed = ElementTree.parse(out / "feed.xml").getroot()
    assert feed.find(f"{ATOM}title").text == "Notes on descent"
    assert feed.find(f"{ATOM}subtitle").text == "Slow steps downhill."
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Ada Lovelace"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    assert feed.find(f"{ATOM}entry/{ATOM}link").get("href") == (
        "https://ada.example.org/notes/about/"
    )
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://ada.example.org/notes/about/</loc>" in sitemap
    assert "Sitemap: https://ada.example.org/notes/sitemap.xml" in (out / "robots.txt").read_text()


def test_flags_override_the_settings_url(content, tmp_path):
    out = build(content, tmp_path, base_url="/", site_url="https://mirror.example.net")
    page = (out / "about" / "index.html").read_text()
    assert '<link rel="canonical" href="https://mirror.example.net/about/">' in page
    assert '<a href="/about/">About</a>' in page


@pytest.mark.parametrize(
    ("line", "written", "message"),
    [
        (3, "autor: Ada", "unknown site setting 'autor'; did you mean 'author'?"),
        (3, "url: ada.example.org", "url must be the site's absolute address"),
        (3, "language: German", "language must be a language tag such as en, de or pt-BR"),
        (3, "offline: sometimes", "offline must be true or false, e.g. 'offline: true'"),
        (3, "navigation: [/about/]", "navigation must be 'label: address' lines"),
        (3, "navigation: {Home: /hmoe/}", "broken internal link '/hmoe/': no page /hmoe/"),
        (4, "author: Ada\ntitel: Notes", "did you mean 'title'?"),
    ],
)
def test_a_wrong_setting_fails_the_build_at_its_line(content, tmp_path, line, written, message):
    (content / "_index.md").write_text(f"---\ntitle: Notes\n{written}\n---\n\nHello.\n")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "kept.html").write_text("previous")
    (tmp_path / "site" / "build.json").write_text('{"articles": 0, "engine": "0"}')
    with pytest.raises(BuildFailed) as failed:
        build(content, tmp_path)
    [error] = failed.value.errors
    assert (error.path.name, error.line) == ("_index.md", line)
    assert message in error.message
    assert (tmp_path / "site" / "kept.html").read_text() == "previous"


def run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_the_site_url_warning_is_quiet_when_the_settings_say_where(content, tmp_path):
    built = run("--content", str(content), "--out", str(tmp_path / "site"), "--no-cache")
    assert built.returncode == 0, built.stderr
    assert "warning: no --site-url" not in built.stderr
    (content / "_index.md").write_text("---\ntitle: Notes\n---\n\nHello.\n")
    built = run("--content", str(content), "--out", str(tmp_path / "site"), "--no-cache")
    assert "warning: no --site-url and no 'url' in content/_index.md" in built.stderr


def test_the_sample_list_is_the_repositorys_content():
    """start-blog removes SAMPLE_ARTICLES: they must be every article but the guide."""
    articles = sorted(p.name for p in content_articles())
    assert articles == sorted([*SAMPLE_ARTICLES, GUIDE])
    data = sorted(str(p.relative_to(ROOT / "content")) for p in (ROOT / "content/data").iterdir())
    assert data == sorted(SHARED_DATA)


@pytest.mark.parametrize("guide", ["draft", "no"])
def test_start_blog_makes_the_repository_an_owners_blog(tmp_path, guide):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    started = run(
        "start-blog",
        "Notes on descent",
        "--author",
        "Ada: Lovelace",  # (a colon: quoted in the YAML it writes)
        "--url",
        "https://ada.example.org/notes/",
        "--guide",
        guide,
        "--content",
        str(content),
    )
    assert started.returncode == 0, started.stderr
    assert not any((content / name).exists() for name in SAMPLE_ARTICLES)
    assert (content / GUIDE).exists() == (guide == "draft")
    assert (content / "data" / "anscombe.csv").exists() == (guide == "draft")
    (content / "first-note.md").write_text(ARTICLE)
    out = tmp_path / "site"
    built = run("--content", str(content), "--out", str(out), "--no-cache")
    assert built.returncode == 0, built.stderr
    assert "built 1 article(s)" in built.stdout
    assert not (out / "guide").exists()  # a draft: the published site leaves it out
    assert not (out / "data" / "anscombe.csv").exists()  # and the data only it reads
    page = (out / "first-note" / "index.html").read_text()
    assert '<html lang="en"' in page and "language: " in (content / "_index.md").read_text()
    assert '<meta name="author" content="Ada: Lovelace">' in page
    assert "<title>On momentum · Notes on descent</title>" in page
    assert "https://ada.example.org/notes/first-note/" in (out / "feed.xml").read_text()
    if guide == "draft":  # the author still reads the guide with serve (drafts included)
        drafts = run("--content", str(content), "--out", str(tmp_path / "d"), "--drafts")
        assert drafts.returncode == 0, drafts.stderr
        assert (tmp_path / "d" / "guide" / "index.html").exists()
        assert (tmp_path / "d" / "data" / "anscombe.csv").exists()


def test_start_blog_refuses_a_url_that_is_not_one(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "first-descent.md").write_text(ARTICLE)
    started = run(
        "start-blog", "Notes", "--author", "Ada", "--url", "ada.org", "--content", str(content)
    )
    assert started.returncode == 1
    assert "url must be the site's absolute address" in started.stderr
    assert (content / "first-descent.md").exists() and not (content / "_index.md").exists()


def test_no_offline_registers_no_worker_and_retires_an_earlier_one(tmp_path):
    out = tmp_path / "site"
    tiny = ROOT / "tests/fixtures/tiny/content"
    build_site(BuildConfig(content=tiny, out=out, cache=None))
    assert (out / "sw.js").exists()
    assert "data-service-worker" in (out / "tiny-demo/index.html").read_text()
    build_site(BuildConfig(content=tiny, out=out, cache=None, offline=False))
    assert "data-service-worker" not in (out / "tiny-demo/index.html").read_text()
    retiring = (out / "sw.js").read_text()  # for a reader whose browser kept the earlier one
    assert "registration.unregister()" in retiring and "caches.delete" in retiring
    assert 'addEventListener("fetch"' not in retiring
