"""GitHub's alerts (``> [!NOTE]`` …) as the admonitions the site already styles.

Authors bring them from GitHub and from Jekyll sites; without this they come out as a
quote whose first line reads "[!NOTE]". A registered block processor, ahead of the quote
processor, turns such a quote into ``<div class="admonition note">`` with a title, and
parses what follows as Markdown.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.blockprocessors import BlockProcessor

KINDS = {
    "NOTE": ("note", "Note"),
    "TIP": ("tip", "Tip"),
    "IMPORTANT": ("important", "Important"),
    "WARNING": ("warning", "Warning"),
    "CAUTION": ("danger", "Caution"),
}
FIRST = re.compile(r"^[ ]{0,3}>[ ]?\[!(" + "|".join(KINDS) + r")\][ \t]*(?:\n|$)", re.IGNORECASE)
QUOTED = re.compile(r"^[ ]{0,3}>[ ]?", re.MULTILINE)


class AlertProcessor(BlockProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(FIRST.match(block))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        found = FIRST.match(block)
        assert found is not None
        css, title = KINDS[found.group(1).upper()]
        body = block[found.end() :]  # a blank line ends the alert, as on GitHub
        div = etree.SubElement(parent, "div", {"class": f"admonition {css}"})
        heading = etree.SubElement(div, "p", {"class": "admonition-title"})
        heading.text = title
        self.parser.parseChunk(div, QUOTED.sub("", body))


class AlertsExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # before the quote processor (priority 20)
        md.parser.blockprocessors.register(AlertProcessor(md.parser), "github-alerts", 21)
