"""``python build.py start-blog``: turn this repository's sample site into the owner's blog.

It never loses an author's file: a sample is removed only while its bytes are the ones the
repository shipped (``SHIPPED``), a data file only when no article left reads it, and an
``_index.md`` the author wrote is replaced only with ``--force``, which keeps a backup.
"""

from __future__ import annotations

import hashlib
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
    "momentum-in-a-notebook.ipynb",
)
GUIDE = "guide.md"
SHARED_DATA = ("data/anscombe.csv",)  # read by a sample article and by the guide
INDEX_FILE = "_index.md"

# The sha256 of each file as the repository ships it: a file with other bytes is the
# author's (tests/test_settings.py fails, printing the new table, when a sample changes).
SHIPPED = {
    "_index.md": "c6d5fb4488b34ea3033ef6aa86e8467936e930eea9a0b22fbd6185228def5e26",
    "first-descent.md": "d38c372bbc3aff0226741373d60f1509998ec2c86c971a218340ad2cfb3b57ea",
    "gradient-points-uphill.md": "3c689f5ef1b6662123aa960cd42005550350d898fe59406f00990b941967a837",
    "mountain-range.md": "46fd08466a68de50ba4e7e5fd0a55f36dd7d2600de96539579e5f3d1314f156c",
    "fitting-a-line.md": "cadb49e646a9942b830e9edb04b38fc592ad170ad691ac0034888f85efa6cece",
    "learning-rates-and-optimizers.md": (
        "b08cd72055419612e2665d9dc1127368262ef15094ca8537197af250b0b2b59b"
    ),
    "the-descent-loop-in-code.md": (
        "f5921b96d632295e09a9baf1906e1624c2510ad563c1925dfde359b2931973e2"
    ),
    "guide.md": "88cefac313d66ad65863360fdac5bfda7346d4b91c5558bcb33b7ee1e435324c",
    "momentum-in-a-notebook.ipynb": (
        "e67f575ff74106492300acb2ab7e5fd94850e33acb8cc0ee9fe335a0b2d0aa4c"
    ),
    "data/anscombe.csv": "b227a9510f1223e4ad115e64544606cb5b251cd9b104d0d5eaacb7e16b7dc364",
}

INDEX = """---
{settings}
---

{description}
"""


def as_shipped(content: Path, name: str) -> bool:
    """Whether ``content/name`` holds exactly the bytes the repository shipped."""
    path = content / name
    if not path.is_file() or path.is_symlink():
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() == SHIPPED.get(name)


def backup_of(path: Path) -> Path:
    """A name beside ``path`` that no file has: NAME.bak, NAME.bak.2, …"""
    candidate = path.with_name(path.name + ".bak")
    number = 1
    while candidate.exists() or candidate.is_symlink():
        number += 1
        candidate = path.with_name(f"{path.name}.bak.{number}")
    return candidate


def read_by(data: str, articles: list[Path]) -> bool:
    """Whether any of ``articles`` names the data file ``data`` (relative to content/)."""
    name = Path(data).name
    return any(
        data in text or name in text
        for text in (a.read_text("utf-8", errors="replace") for a in articles)
    )


def removable(content: Path, keep_samples: bool, guide: str) -> tuple[list[str], list[str]]:
    """(what start-blog removes, what it keeps though asked to remove: the author's)."""
    candidates = [] if keep_samples else [n for n in SAMPLE_ARTICLES if (content / n).exists()]
    if guide == "no" and (content / GUIDE).exists():
        candidates.append(GUIDE)
    removed = [name for name in candidates if as_shipped(content, name)]
    kept = [name for name in candidates if name not in removed]
    remaining = [
        p for p in content.rglob("*.md") if p.relative_to(content).as_posix() not in removed
    ]
    for data in SHARED_DATA:
        if (content / data).exists() and not read_by(data, remaining):
            (removed if as_shipped(content, data) else kept).append(data)
    return removed, kept


def _quoted(text: str) -> str:
    # A double-quoted YAML string is JSON's: any text, colons and quotes included, reads back.
    return json.dumps(text.strip(), ensure_ascii=False)


def index_text(settings: dict[str, str], guide_linked: bool) -> str:
    """The owner's ``_index.md``: their settings, the navigation and offline reading."""
    navigation = {"Tags": "/tags/", "Feed": "/feed.xml"}
    if guide_linked:
        navigation = {"Guide": "/guide/", **navigation}
    lines = [f"{k}: {_quoted(v)}" for k, v in settings.items()]
    lines.append("navigation: {" + ", ".join(f"{k}: {v}" for k, v in navigation.items()) + "}")
    lines.append("offline: true")
    return INDEX.format(settings="\n".join(lines), description=settings["description"])


def start_blog(
    content: Path,
    title: str,
    author: str,
    description: str = "",
    url: str = "",
    keep_samples: bool = False,
    guide: str = "draft",
    force: bool = False,
    language: str = "en",
) -> int:
    """Write ``content/_index.md`` with the owner's settings; remove the sample articles
    unless ``keep_samples``; keep the guide as a draft (``serve`` shows it, the published
    site does not), as published, or not at all (``guide``: draft | yes | no).

    Only files as the repository shipped them are removed (an edited sample stays, and is
    named); a data file stays while an article left reads it; an ``_index.md`` the author
    changed is replaced only with ``force``, after a backup beside it."""
    from .errors import ContentError
    from .settings import read_index

    if not content.is_dir():
        print(
            f"error: there is no folder {content}: start-blog turns a content folder (the "
            "repository's content/) into your blog; give --content a folder that exists",
            file=sys.stderr,
        )
        return 1
    index = content / INDEX_FILE
    ours = index.exists() or index.is_symlink()
    if ours and not as_shipped(content, INDEX_FILE) and not force:
        print(
            f"error: {index} is yours already (it is not the sample's), so start-blog left "
            "everything as it was; edit it, or run start-blog again with --force to "
            "replace it (your file is kept as a backup beside it)",
            file=sys.stderr,
        )
        return 1
    settings = {"title": title, "author": author, "description": description or title}
    settings |= {"language": language, **({"url": url} if url else {})}
    text = index_text(settings, guide == "yes")
    errors: list[ContentError] = []
    read_index(index, text, errors)
    if errors:  # (a URL that is not one, a title with a control character)
        for error in errors:
            print(f"error: {error.message}", file=sys.stderr)
        return 1
    removed, kept = removable(content, keep_samples, guide)
    guide_file = content / GUIDE
    if guide == "draft" and guide_file.exists():
        source = guide_file.read_text("utf-8")
        guide_file.write_text(source.replace("\ndraft: false\n", "\ndraft: true\n", 1), "utf-8")
    backup = None
    if index.exists() and not as_shipped(content, INDEX_FILE):
        backup = backup_of(index)
        index.rename(backup)
    for name in removed:
        (content / name).unlink()
    index.write_text(text, "utf-8")
    print(f"wrote {index}" + (f"; removed {', '.join(removed)}" if removed else ""))
    if backup:
        print(f"your previous {INDEX_FILE} is kept as {backup}")
    if kept:
        print(
            f"kept {', '.join(kept)}: changed since the repository shipped "
            "(or read by an article), so yours; delete what you do not want"
        )
    if guide == "draft" and guide_file.exists():
        print(f"kept {guide_file} as a draft: 'python build.py serve' shows it, the site does not")
    return 0
