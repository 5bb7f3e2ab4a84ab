"""Hostile input to the builder and the dev server (issue 16's reproductions): each ends in
an error at file:line, in bounded time, with the previous site untouched."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from downhill.errors import BuildFailed
from downhill.site import BuildConfig, build_site

from .conftest import ROOT
from .test_errors import GOOD, build, tree_digest

FRONT = "---\ntitle: T\ndate: 2026-01-01\n---\n\n"


def demo(body: str) -> str:
    return f"{FRONT}Text.\n\n```demo\n{body}```\n"


LAUGHS = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"{k}: &{k} [{', '.join([f'*{p}'] * 9)}]\n" for p, k in zip("abcdefgh", "bcdefghi", strict=True)
)

CASES = {
    # name: (file text, line, message)
    "engine raises: beta1 = 1": (
        demo("function: x**2\nstart: [1]\noptimizer: adam\nbeta1: 1\n"),
        12,
        "beta1 = 1 is out of range",
    ),
    "compare values": (
        demo('function: x**2\nstart: [1]\nplots: multiples\ncompare: {lr: ["a", null]}\n'),
        12,
        "lr must be a number",
    ),
    "nested powers": (
        demo("function: " + "(" * 50 + "x" + ")**x" * 50 + "\nstart: [1]\n"),
        9,
        "nested too deeply",
    ),
    "billion laughs in front matter": (
        "---\ntitle: T\ndate: 2026-01-01\n" + LAUGHS + "---\n",
        5,
        "aliases (*name) are not allowed",
    ),
    "billion laughs in a demo": (demo("function: x**2\n" + LAUGHS), 11, "aliases"),
    "billion laughs in a check": (
        f"{FRONT}```check\nvalue: x**2\nat: [1]\nequals: 1\n{LAUGHS}```\n",
        11,
        "aliases",
    ),
    "over-long article": (FRONT + ("Words.\n\n" * 300_000), 1, "at most 2,000,000 are allowed"),
    "reserved slug": (FRONT.replace("title: T", "title: T\nslug: tags"), 3, "slug 'tags'"),
    "duplicate demo id": (
        demo("function: x**2\nid: same\n") + "\n```demo\nfunction: x**3\nid: same\n```\n",
        15,
        "id 'same' is already the id of the demo at line 8",
    ),
    "demo id is a heading anchor": (
        FRONT + "## Peaks path\n\n```demo\nfunction: x**2\nid: peaks-path\n```\n",
        8,
        "also the anchor of the heading 'Peaks path'",
    ),
    "over-long paragraph": (FRONT + "Some *words* here. " * 2000 + "\n", 6, "paragraph is 38,001"),
    "non-UTF-8 bytes": (FRONT.encode() + b"caf\xe9\n", 6, "not UTF-8 text: byte 0xe9 at column 4"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_article_fails_at_its_line_in_bounded_time(case, tmp_path, previous_site):
    text, line, message = CASES[case]
    content = tmp_path / "content"
    content.mkdir()
    (content / "good.md").write_text(GOOD)
    bad = content / "bad.md"
    bad.write_bytes(text if isinstance(text, bytes) else text.encode())
    before = tree_digest(previous_site)
    result = build(content, previous_site)  # subprocess with a timeout
    assert result.returncode == 1, result.stderr
    assert f"{bad}:{line}: " in result.stderr, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(previous_site) == before


def test_unreadable_kinds_of_file_are_named(tmp_path, previous_site):
    content = tmp_path / "content"
    content.mkdir()
    (content / "good.md").write_text(GOOD)
    (content / "sub.md").mkdir()
    os.mkfifo(content / "pipe.md")
    (content / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "outside.md").write_text(GOOD)
    (content / "outside.md").symlink_to(tmp_path / "outside.md")
    before = tree_digest(previous_site)
    result = build(content, previous_site)
    assert result.returncode == 1
    for name, words in [
        ("sub.md", "a folder, not an article"),
        ("pipe.md", "not a regular file"),
        ("dangling.md", "does not exist"),
        ("outside.md", "outside the content folder"),
    ]:
        assert f"{content / name}:0: " in result.stderr and words in result.stderr, name
    assert tree_digest(previous_site) == before


def test_a_byte_order_mark_is_dropped(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "bom.md").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    out = tmp_path / "site"
    result = build(content, out)
    assert result.returncode == 0, result.stderr
    assert "<h1>Good</h1>" in (out / "bom" / "index.html").read_text()


def test_embedded_json_cannot_end_its_script_element(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    caption = "<!--<script> & </script> \u2028"
    text = demo(f"function: x**2\ncaption: {json.dumps(caption)}\n")
    (content / "a.md").write_text(text + "\n```demo\nfunction: x**3\nid: second\n```\n\nThe end.\n")
    out = tmp_path / "site"
    assert build(content, out).returncode == 0
    html = (out / "a" / "index.html").read_text()
    spec = html.split('class="demo-spec">', 1)[1].split("</script>", 1)[0]
    assert not {"<", ">", "&", "\u2028"} & set(spec)
    assert json.loads(spec)["caption"] == caption
    assert 'id="second"' in html and "The end." in html


def test_new_quotes_any_title(tmp_path):
    content = tmp_path / "content"
    title = 'a: b "quoted" #not a comment'
    result = subprocess.run(
        [sys.executable, "build.py", "new", title, "--content", str(content)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    built = build(content, tmp_path / "site", "--drafts")
    assert built.returncode == 0, built.stderr
    page = next((tmp_path / "site").glob("*/index.html")).read_text()
    assert "a: b &#34;quoted&#34; #not a comment" in page or "a: b &quot;quoted" in page


def test_a_broken_template_is_a_build_error_with_its_line(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    article = templates / "article.html"
    lines = article.read_text().split("\n")
    lines.insert(5, "{% if %}")
    article.write_text("\n".join(lines))
    out = tmp_path / "site"
    with pytest.raises(BuildFailed) as caught:
        build_site(BuildConfig(templates=templates, out=out, cache=None))
    assert str(caught.value.errors[0]).startswith(f"{article}:6: template: ")
    assert not out.exists()


def test_a_syntax_error_in_the_engine_stops_the_build(tmp_path):
    engine = tmp_path / "engine"
    shutil.copytree(ROOT / "engine", engine, ignore=shutil.ignore_patterns("__pycache__"))
    (engine / "descent.py").write_text((engine / "descent.py").read_text() + "\ndef broken(:\n")
    out = tmp_path / "site"
    with pytest.raises(BuildFailed) as caught:
        build_site(BuildConfig(engine=engine, out=out, cache=None))
    error = caught.value.errors[0]
    assert error.path == engine / "descent.py" and "engine: " in error.message
    assert not out.exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__downhill/status", timeout=5) as r:
        return json.loads(r.read())


def wait_for(predicate, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.25)
    raise AssertionError("timed out")


def test_serve_survives_a_failed_build_and_answers_only_local_hosts(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "good.md").write_text(GOOD)
    port = free_port()
    command = [sys.executable, "build.py", "serve", f"--port={port}", f"--content={content}"]
    server = subprocess.Popen(
        [*command, f"--out={tmp_path / 'site'}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first = wait_for(lambda: status(port))
        assert first["error"] == ""
        (content / "bad.md").write_text(demo("function: x**2\nbeta1: 1\noptimizer: adam\n"))
        broken = wait_for(lambda: (s := status(port))["version"] > first["version"] and s)
        assert "bad.md:10: " in broken["error"]
        (content / "bad.md").write_text(GOOD.replace("Good", "Mended"))
        mended = wait_for(lambda: (s := status(port))["version"] > broken["version"] and s)
        assert mended["error"] == ""
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": "evil.test"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 421
        with urllib.request.urlopen(f"http://localhost:{port}/bad/", timeout=5) as page:
            assert page.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
