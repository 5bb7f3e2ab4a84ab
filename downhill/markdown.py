"""Stage 2, markdown: Python-Markdown with pymdown-extensions, demo and check fences.

Math is protected by arithmatex (generic mode) before any other inline processing, so
MathJax receives exactly what the author wrote. Custom fences are registered through
superfences; nothing here post-processes the HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import markdown

from .alerts import AlertsExtension
from .links import InternalLinksExtension
from .mathjax import ArticleMath, MathExtension
from .prose_numbers import ArticleNumbers, EngineNumbersExtension
from .typography import TypographyExtension

Formatter = Callable[..., str]


def make_markdown(
    fences: dict[str, Formatter],
    base_url: str = "/",
    links: list[str] | None = None,
    numbers: ArticleNumbers | None = None,
    math: ArticleMath | None = None,
) -> markdown.Markdown:
    """A Markdown converter whose custom fences (``demo``, ``check``, ``iterates``, and
    ``python run`` cells) call ``fences``, and whose ``{=id.quantity}`` numbers come
    from ``numbers``.

    Internal links (``/slug/``) get ``base_url`` in front and are appended to ``links``.
    """
    numbers = numbers if numbers is not None else ArticleNumbers()
    return markdown.Markdown(
        extensions=[
            InternalLinksExtension(base_url, links if links is not None else []),
            EngineNumbersExtension(numbers),
            MathExtension(math if math is not None else ArticleMath(), numbers.in_formula),
            AlertsExtension(),
            "pymdownx.arithmatex",
            "pymdownx.tilde",  # ~~strikethrough~~ (and ~subscript~ stays off, below)
            "pymdownx.tasklist",  # - [ ] and - [x]
            "pymdownx.magiclink",  # bare URLs become links
            "pymdownx.superfences",
            "pymdownx.highlight",
            "pymdownx.inlinehilite",
            "tables",
            "footnotes",
            "admonition",
            "attr_list",
            "md_in_html",
            TypographyExtension(),
            "toc",
        ],
        extension_configs={
            "pymdownx.arithmatex": {"generic": True},
            "pymdownx.tilde": {"subscript": False},
            "pymdownx.tasklist": {"custom_checkbox": False},
            "pymdownx.magiclink": {"hide_protocol": False},
            "pymdownx.superfences": {
                "custom_fences": [
                    {"name": name, "class": name, "format": _fence(fmt)}
                    for name, fmt in fences.items()
                    if name != "python"
                ]
                + (
                    # ```python run is a cell; a plain ```python stays a highlighted listing
                    [
                        {
                            "name": "python",
                            "class": "cell",
                            "format": _fence(fences["python"]),
                            "validator": _runs,
                        }
                    ]
                    if "python" in fences
                    else []
                )
            },
            "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight"},
            "toc": {
                "permalink": "#",
                "permalink_title": "Link to this section",
                "toc_depth": "2-3",
            },
        },
        output_format="html",
    )


def _runs(
    language: str, inputs: dict[str, str], options: dict, attrs: dict, md: markdown.Markdown
) -> bool:
    """superfences' validator for a cell: the word ``run`` after the language."""
    return "run" in inputs


def _fence(formatter: Formatter) -> Formatter:
    def format_fence(
        src: str,
        language: str,
        class_name: str,
        options: dict[str, Any],
        md: markdown.Markdown,
        **kwargs: Any,
    ) -> str:
        return formatter(src)

    return format_fence
