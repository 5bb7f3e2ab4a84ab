"""A cell's output as the page holds it: code highlighted, images as data URLs (their bytes
once, in the <img>), the author's alt text, and no character XML cannot carry."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .read import NOT_XML


def code_html(code: str) -> str:
    """Python code highlighted as the page's listings are (cells' and exercises' code)."""
    return highlight(code + "\n", PythonLexer(), HtmlFormatter(cssclass="highlight", wrapcode=True))


URL_SAFE = "!$&'()*+,-./:;=?@_~"  # the URL code points a data URL may hold unquoted


def with_alt(output: dict[str, Any] | None, alt: str | list[str] | None) -> Any:
    """``output`` with the author's ``#| alt:`` on its figures (static/cells.js does the same
    for a reader's run): one text for all, or a list, one per figure in order."""
    if output is None or alt is None:
        return output
    texts = iter([alt] * len(output["displays"]) if isinstance(alt, str) else alt)
    displays = [
        {"image": {**d["image"], "alt": next(texts, d["image"]["alt"])}} if "image" in d else d
        for d in output["displays"]
    ]
    return {**output, "displays": displays}


def image_src(image: dict[str, Any]) -> str:
    """An image display's data URL (static/cells.js makes one too). An SVG's text is quoted
    only where a valid URL needs it (``<``, ``>``, quotes, spaces, ``%``, ``#``, non-ASCII):
    6% over the raw SVG once gzipped, where base64 is 56% (the sample notebook's three
    figures: 44.3 against 41.9 KB; leaving <, > and quotes raw saves 4 points, but the page
    is then not valid HTML)."""
    if image["format"] == "svg":
        svg = image["data"].replace("\n", " ").strip()  # (a URL loses its edges' spaces)
        return "data:image/svg+xml," + quote(svg, safe=URL_SAFE)
    return f"data:image/{image['format']};base64," + image["data"]


def split_images(output: dict[str, Any] | None) -> tuple[Any, Any]:
    """(the output for the page, each image with its data URL as ``src``; the output for the
    cell's JSON, its images without their bytes, which the page's ``<img>`` already holds)."""
    if output is None:
        return None, None
    shown, kept = [], []
    for display in output["displays"]:
        image = display.get("image")
        if image is None:
            shown.append(display)
            kept.append(display)
            continue
        bare = {k: v for k, v in image.items() if k != "data"}
        shown.append({"image": {**bare, "src": image_src(image)}})
        kept.append({"image": bare})
    return {**output, "displays": shown}, {**output, "displays": kept}


def xml_safe(value: Any) -> Any:
    """A cell's output with each character XML cannot carry (a control character a cell
    printed) shown as U+FFFD: in a page it is invisible, in the feed it breaks the XML."""
    if isinstance(value, str):
        return NOT_XML.sub("\ufffd", value)
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    return value
