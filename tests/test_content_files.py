"""Images, data and downloads under content/ are published with the site under its base
URL; a link or an ``image:`` that names no file fails the build at its line."""

from __future__ import annotations

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def article(body: str, image: str = "") -> str:
    front = f"image: {image}\n" if image else ""
    return f"---\ntitle: Files\ndate: 2026-01-01\n{front}---\n\n{body}\n"


@pytest.fixture
def content(tmp_path):
    folder = tmp_path / "content"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "peaks.png").write_bytes(PNG)
    (folder / "data").mkdir()
    (folder / "data" / "points.csv").write_text("x,y\n1,2\n")
    return folder


def build(content, tmp_path, **options):
    out = tmp_path / "site"
    build_site(BuildConfig(content=content, out=out, cache=None, **options))
    return out


def test_files_are_published_and_linked_under_the_base_url(content, tmp_path):
    (content / "post.md").write_text(
        article(
            "![peaks](/images/peaks.png) and ![again](images/peaks.png), "
            "[the data](data/points.csv) and [a page](/post/).",
            image="/images/peaks.png",
        )
    )
    out = build(content, tmp_path, base_url="/sub/", site_url="https://me.github.io")
    assert (out / "images" / "peaks.png").read_bytes() == PNG
    assert (out / "data" / "points.csv").read_text() == "x,y\n1,2\n"
    html = (out / "post" / "index.html").read_text()
    assert html.count('src="/sub/images/peaks.png"') == 2
    assert 'href="/sub/data/points.csv"' in html
    assert 'content="https://me.github.io/sub/images/peaks.png"' in html  # og:image


@pytest.mark.parametrize(
    ("body", "image", "line", "message"),
    [
        ("Text.\n\n![gone](/images/nope.png)", "", 8, "broken internal link '/images/nope.png'"),
        ("Text.\n\n![gone](images/nope.png)", "", 8, "broken internal link '/images/nope.png'"),
        ("Text.", "/images/missing.png", 4, "image '/images/missing.png' is not a file"),
        # above content/: on GitHub it would point outside the articles; never rewritten
        (
            "Text.\n\n![up](../images/peaks.png)",
            "",
            8,
            "link '../images/peaks.png' leaves content/: on GitHub it points outside the "
            "articles' folder, and the site publishes only what is in content/; put the file "
            "under content/ and link it as 'images/peaks.png'",
        ),
    ],
)
def test_a_missing_file_fails_at_its_line(content, tmp_path, body, image, line, message):
    (content / "post.md").write_text(article(body, image))
    with pytest.raises(BuildFailed) as failed:
        build(content, tmp_path)
    found = [e for e in failed.value.errors if message in e.message]
    assert found and found[0].line == line, [str(e) for e in failed.value.errors]


def test_a_file_where_the_site_keeps_its_own_is_refused(content, tmp_path):
    (content / "post.md").write_text(article("Text."))
    (content / "assets").mkdir()
    (content / "assets" / "style.css").write_text("body {}")
    with pytest.raises(BuildFailed) as failed:
        build(content, tmp_path)
    assert any(
        "/assets/style.css is where the site keeps its own files" in e.message
        for e in failed.value.errors
    )
