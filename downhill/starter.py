"""``python build.py start-blog``: turn this repository's sample site into the owner's blog."""

from __future__ import annotations

import json
import sys
from pathlib import Path

# What the repository ships besides the guide: the sample articles and what only they read.
SAMPLE_ARTICLES = (
    "first-descent.md",
    "gradient-points-uphill.md",
    "mountain-range.md",
    "fitting-a-line.md",
    "learning-rates-and-optimizers.md",
    "the-descent-loop-in-code.md",
)
GUIDE = "guide.md"
SHARED_DATA = ("data/anscombe.csv",)  # read by a sample article and by the guide

INDEX = """---
{settings}
---

{description}
"""


def _quoted(text: str) -> str:
    # A double-quoted YAML string is JSON's: any text, colons and quotes included, reads back.
    return json.dumps(text.strip(), ensure_ascii=False)


def start_blog(
    content: Path,
    title: str,
    author: str,
    description: str = "",
    url: str = "",
    keep_samples: bool = False,
    guide: str = "draft",
) -> int:
    """Write ``content/_index.md`` with the owner's settings; remove the sample articles
    unless ``keep_samples``; keep the guide as a draft (``serve`` shows it, the published
    site does not), as published, or not at all (``guide``: draft | yes | no)."""
    from .errors import ContentError
    from .settings import read_index

    settings = {"title": title, "author": author, "description": description or title}
    if url:
        settings["url"] = url
    navigation = {"Tags": "/tags/", "Feed": "/feed.xml"}
    if guide == "yes":
        navigation = {"Guide": "/guide/", **navigation}
    lines = [f"{k}: {_quoted(v)}" for k, v in settings.items()]
    lines.append("navigation: {" + ", ".join(f"{k}: {v}" for k, v in navigation.items()) + "}")
    lines.append("offline: true")
    text = INDEX.format(settings="\n".join(lines), description=settings["description"])
    index = content / "_index.md"
    errors: list[ContentError] = []
    read_index(index, text, errors)
    if errors:  # (a URL that is not one, a title with a control character)
        for error in errors:
            print(f"error: {error.message}", file=sys.stderr)
        return 1
    removed = []
    if not keep_samples:
        removed += [name for name in SAMPLE_ARTICLES if (content / name).exists()]
    guide_file = content / GUIDE
    if guide_file.exists():
        if guide == "no":
            removed.append(GUIDE)
        elif guide == "draft":
            source = guide_file.read_text("utf-8")
            guide_file.write_text(source.replace("\ndraft: false\n", "\ndraft: true\n", 1), "utf-8")
    if not keep_samples and guide == "no":
        removed += [name for name in SHARED_DATA if (content / name).exists()]
    for name in removed:
        (content / name).unlink()
    index.write_text(text, "utf-8")
    print(f"wrote {index}" + (f"; removed {', '.join(removed)}" if removed else ""))
    if guide == "draft" and guide_file.exists():
        print(f"kept {guide_file} as a draft: 'python build.py serve' shows it, the site does not")
    return 0
