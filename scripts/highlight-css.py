"""Write static/highlight.css: Pygments' colours for code, light and dark.

The two styles are the ones whose every token colour meets WCAG AA (4.5:1) against their
own background (tests/test_accessibility.py checks it): xcode for light, monokai for dark.
Usage: .venv/bin/python scripts/highlight-css.py
"""

from __future__ import annotations

from pathlib import Path

from pygments.formatters import HtmlFormatter

LIGHT, DARK = "xcode", "monokai"
OUT = Path(__file__).resolve().parent.parent / "static" / "highlight.css"


def stylesheet() -> str:
    light = HtmlFormatter(style=LIGHT).get_style_defs(".highlight")
    dark = HtmlFormatter(style=DARK).get_style_defs(".highlight")
    return (
        f"/* Pygments: {LIGHT} (light), {DARK} (dark). Written by scripts/highlight-css.py */\n"
        f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
    )


if __name__ == "__main__":
    OUT.write_text(stylesheet())
