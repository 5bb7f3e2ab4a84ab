"""Every page of the built site is valid HTML: the Nu HTML Checker (the W3C's validator,
npm's vnu-jar, run with Java) finds no error in it."""

from __future__ import annotations

import json
import subprocess

from .conftest import ROOT

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def errors_in(folder) -> list[str]:
    """The checker's errors for every HTML file under ``folder``, as 'file:line: message'."""
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "json", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    found = json.loads(result.stderr or result.stdout)["messages"]
    return [
        f"{m.get('url', '').rpartition(folder.name + '/')[2]}:{m.get('lastLine')}: {m['message']}"
        for m in found
    ]


def test_every_page_of_the_built_site_is_valid_html(built_site):
    pages = list(built_site.rglob("*.html"))
    assert len(pages) > 10
    assert errors_in(built_site) == []


def test_the_checker_finds_what_it_should(tmp_path):
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>'
        "<figure><p>x</p><figcaption>c</figcaption><details><summary>s</summary></details></figure>"
        '<img src="data:image/svg+xml,<svg>" alt=""></body></html>'
    )
    found = errors_in(tmp_path)
    assert len(found) == 2 and "details" in found[0] and "src" in found[1], found
