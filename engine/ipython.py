"""IPython.display for cells: ``from IPython.display import display, Markdown, Math`` runs
unchanged at build time and in the reader's browser (engine.cells puts this module in
``sys.modules["IPython.display"]``, and a package ``IPython`` holding it).

``display()`` is the cell's ``show()``. ``Markdown``, ``Math`` and ``Latex`` are rendered
(their math typeset) by the builder; ``HTML`` goes into the page as the author wrote it,
from the author's build only; in a reader's run all three are shown as their text, never
as markup. ``Image`` takes a PNG, JPEG or SVG from its bytes or a file (a content file the
cell reads): a page shows no image from another address.
"""

from __future__ import annotations

import base64
import struct
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def display(*values: Any, **options: Any) -> None:
    """Jupyter's display(): what the running cell's show() does (engine.cells)."""
    from .widgets import DISPLAY

    show = DISPLAY.get()
    if show is not None:
        show(*values)


def clear_output(wait: bool = False) -> None:
    """A no-op: a cell's output is what its run leaves."""


@dataclass
class Markdown:
    data: str


@dataclass
class Math:
    data: str


@dataclass
class Latex:
    data: str


@dataclass
class HTML:
    data: str


class Image:
    """An image from its bytes (``data``) or a file (``filename``), PNG, JPEG or SVG."""

    def __init__(
        self,
        data: bytes | str | None = None,
        url: str | None = None,
        filename: str | None = None,
        format: str | None = None,  # (IPython's name)
        width: int | None = None,
        height: int | None = None,
        **options: Any,
    ) -> None:
        if url is not None or (isinstance(data, str) and data.startswith(("http:", "https:"))):
            raise ValueError(
                "a page shows no image from another address: give the image's bytes, or a "
                "file of content/ (Image(filename='data/figure.png'))"
            )
        if filename is not None or (isinstance(data, str) and not data.lstrip().startswith("<")):
            name = filename or str(data)
            data = Path(name).read_bytes()
            format = format or Path(name).suffix.lstrip(".").lower()
        self.data = data.encode() if isinstance(data, str) else data
        self.format = _kind(self.data, format)
        self.width, self.height = width, height

    def shown(self) -> dict[str, Any]:
        """The cell output's image display."""
        width, height = self.width, self.height
        if self.format == "svg":
            return {
                "image": {
                    "format": "svg",
                    "data": self.data.decode(),
                    "width": width,
                    "height": height,
                    "alt": "",
                }
            }
        if self.format == "png" and (width is None or height is None):
            natural = struct.unpack(">II", self.data[16:24])
            width, height = width or natural[0], height or natural[1]
        return {
            "image": {
                "format": self.format,
                "data": base64.b64encode(self.data).decode(),
                "width": width,
                "height": height,
                "alt": "",
            }
        }


def _kind(data: bytes | None, declared: str | None) -> str:
    """png, jpeg or svg, from the bytes (the declared format must agree)."""
    if not data:
        raise ValueError("Image() needs the image's bytes or a filename")
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        kind = "png"
    elif data[:3] == b"\xff\xd8\xff":
        kind = "jpeg"
    elif b"<svg" in data[:2000]:
        kind = "svg"
    else:
        raise ValueError("Image() shows PNG, JPEG or SVG")
    if declared and declared.replace("jpg", "jpeg") not in (kind, "svg+xml"):
        raise ValueError(f"the image is {kind}, not {declared}")
    return kind


def shown(value: Any) -> dict[str, Any] | None:
    """The display for one of this module's objects, or None for anything else."""
    if isinstance(value, Markdown):
        return {"markdown": str(value.data)}
    if isinstance(value, Math):
        return {"math": str(value.data)}
    if isinstance(value, Latex):
        return {"markdown": str(value.data)}  # (text with $…$ math: rendered as Markdown)
    if isinstance(value, HTML):
        return {"html": str(value.data)}
    if isinstance(value, Image):
        return value.shown()
    return None


def get_ipython() -> None:
    """There is no IPython shell: libraries that ask (matplotlib, pandas) act as in a plain
    Python process."""
    return None


def install() -> None:
    """``IPython``, ``IPython.display`` (and ``IPython.core.display``, older notebooks'
    name) as this module, for the cells: the real IPython needs a kernel's front end."""
    this = sys.modules[__name__]
    package = types.ModuleType("IPython")
    core = types.ModuleType("IPython.core")
    package.__path__ = core.__path__ = []  # type: ignore[attr-defined] # (packages)
    package.display = core.display = this  # type: ignore[attr-defined]
    package.core = core  # type: ignore[attr-defined]
    package.get_ipython = get_ipython  # type: ignore[attr-defined]
    # A current IPython's version: libraries that look (matplotlib) skip code for old ones.
    package.version_info = (9, 0, 0, "downhill")  # type: ignore[attr-defined]
    modules = {"IPython": package, "IPython.core": core}
    sys.modules.update({**modules, "IPython.display": this, "IPython.core.display": this})
