"""Build: a golden test of a whole tiny site, and what Markdown must not do to math."""

import os
import re
import shutil
from pathlib import Path

import pytest

from downhill.site import BuildConfig, build_site

FIXTURE = Path(__file__).parent / "fixtures" / "tiny"
REGENERATE = os.environ.get("DOWNHILL_REGENERATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny") / "site"
    build_site(BuildConfig(content=FIXTURE / "content", out=out, cache=None))
    return out


def site_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_golden_site(tiny_site):
    """Every page byte for byte, and the full file listing, against tests/fixtures/tiny/expected."""
    expected = FIXTURE / "expected"
    pages = [f for f in site_files(tiny_site) if f.endswith(".html")]
    listing = "\n".join(site_files(tiny_site)) + "\n"
    if REGENERATE:
        shutil.rmtree(expected, ignore_errors=True)
        for page in pages:
            (expected / page).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tiny_site / page, expected / page)
        (expected / "FILES").write_text(listing)
    assert listing == (expected / "FILES").read_text()
    assert pages == [f for f in site_files(expected) if f.endswith(".html")]
    for page in pages:
        assert (tiny_site / page).read_text() == (expected / page).read_text(), page


def article(site: Path, slug: str) -> str:
    return (site / slug / "index.html").read_text()


def test_math_reaches_mathjax_untouched(tiny_site):
    """Underscores, backslashes, braces and ampersands reach MathJax as written: the
    typeset formulas' MathML records the TeX they came from."""
    html = article(tiny_site, "math-survives")
    assert html.count('class="arithmatex"') == html.count("<mjx-assistive-mml") >= 4
    assert 'data-latex="a_1 b_2"' in html
    assert r'data-latex="x_{k+1} = x_k - \alpha g_k"' in html
    assert r'data-latex="\{x : f(x) < 0\}"' in html
    assert r'data-latex="\begin{aligned}a &amp;= b \\c &amp;= d\end{aligned}"' in html
    assert "<em>" not in html


def test_dollars_in_prose_and_code_stay_text(tiny_site):
    html = article(tiny_site, "math-survives")
    assert "it costs $5 and $10 on Sundays" in html
    assert "<code>$x_1 * y_2$</code>" in html
    code_block = re.search(r'<div class="highlight"><pre>.*?</pre></div>', html, re.DOTALL)
    assert code_block and "arithmatex" not in code_block.group(0)
    assert "$5 and $10" in re.sub(r"<[^>]+>", "", code_block.group(0))


def test_demo_embeds_spec_figure_and_named_controls(tiny_site):
    html = article(tiny_site, "tiny-demo")
    assert 'class="demo" id="demo-1" data-state="static"' in html
    assert '<script type="application/json" class="demo-spec">' in html
    assert 'type="range" name="lr"' in html
    # No inline executable script anywhere: every <script> is external or JSON data.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_engine_wheel_and_lock_are_published(tiny_site):
    import json
    import zipfile

    lock = json.loads((tiny_site / "assets/engine/pyodide-lock.json").read_text())
    entry = lock["packages"]["downhill-engine"]
    wheel = tiny_site / "assets/engine" / entry["file_name"]
    names = zipfile.ZipFile(wheel).namelist()
    assert "engine/expr.py" in names and "engine/api.py" in names
    assert entry["imports"] == ["engine"]
