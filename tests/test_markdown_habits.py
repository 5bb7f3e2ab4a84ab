"""Markdown habits authors bring from GitHub and Jekyll: strikethrough, task lists, bare
URLs and GitHub's alerts come out as what they mean, not as literal text."""

from __future__ import annotations

import pytest

from downhill.markdown import make_markdown


def html_of(text: str) -> str:
    return make_markdown({}).convert(text)


def test_strikethrough_and_no_subscript():
    html = html_of("It was ~~wrong~~ right; H~2~O stays as typed.")
    assert "<del>wrong</del>" in html and "H~2~O" in html


def test_task_lists():
    html = html_of("- [ ] to do\n- [x] done\n")
    assert '<li class="task-list-item"><input type="checkbox" disabled/> to do</li>' in html
    assert '<input type="checkbox" disabled checked/> done' in html


def test_bare_urls_become_links():
    html = html_of("See https://example.org/a?b=1 for more.")
    assert '<a href="https://example.org/a?b=1">https://example.org/a?b=1</a>' in html


@pytest.mark.parametrize(
    ("kind", "css", "title"),
    [
        ("NOTE", "note", "Note"),
        ("TIP", "tip", "Tip"),
        ("IMPORTANT", "important", "Important"),
        ("WARNING", "warning", "Warning"),
        ("CAUTION", "danger", "Caution"),
        ("note", "note", "Note"),
    ],
)
def test_github_alerts_are_admonitions(kind, css, title):
    html = html_of(f"> [!{kind}]\n> Read *this*.\n>\n> Then this.\n\n> A quote.\n")
    assert html.startswith(
        f'<div class="admonition {css}">\n<p class="admonition-title">{title}</p>\n'
        "<p>Read <em>this</em>.</p>\n<p>Then this.</p>\n</div>"
    )
    assert "<blockquote>\n<p>A quote.</p>\n</blockquote>" in html  # a blank line ends it
    assert "[!" not in html


def test_an_alert_in_code_stays_code():
    html = html_of("```\n> [!NOTE]\n> text\n```\n")
    assert "admonition" not in html and "[!NOTE]" in html
