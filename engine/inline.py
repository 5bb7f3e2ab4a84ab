"""matplotlib figures in a cell's output, as Jupyter's inline backend shows them: each
figure open at the end of the cell, each ``plt.show()``, a figure as the cell's last value,
``display(fig)`` or ``show(fig)``; drawn by matplotlib itself, into an image.

This module is a matplotlib backend (``MPLBACKEND=module://engine.inline``, which
engine.cells selects before a cell runs): its ``FigureCanvas`` is Agg's, and its ``show``
hands the open figures to the running cell. It imports matplotlib only when matplotlib asks
for it, so the engine stays standard-library Python.

An image is SVG for line art (it scales to any column, and its black and white follow the
reader's light or dark mode, through a style inside the SVG), PNG at twice the figure's
size for 3-D axes, images and meshes (whose SVG is large and slow), or whose SVG would
exceed ``MAX_SVG_BYTES``; a PNG keeps the figure's own white background, so it reads in
dark mode too. Either is shown as an ``<img>``, never as markup in the page.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

BACKEND = "module://engine.inline"
MAX_SVG_BYTES = 400_000  # past this a figure is drawn as PNG (a 20,000-point scatter)
PNG_SCALE = 2  # pixels per CSS pixel: sharp on a phone's screen

# The running cell's sink for figures (engine.cells.run_cell sets it while a cell runs).
SINK: ContextVar[Callable[[dict[str, Any]], None] | None] = ContextVar("sink", default=None)

# In dark mode the SVG's black (text, axes, ticks) and white (backgrounds, legend boxes)
# trade places (black text has no fill of its own: it takes the root's): the figure reads
# on either page, and the author's colours stay.
DARK_MODE_STYLE = (
    "<style>svg{--ink:#000000;--paper:#ffffff;fill:var(--ink)}"
    "@media (prefers-color-scheme: dark){svg{--ink:#e8e8e8;--paper:#1c1c1e}}</style>"
)


def __getattr__(name: str) -> Any:
    """matplotlib's backend protocol: the canvas is Agg's (looked up when matplotlib asks)."""
    if name == "FigureCanvas":
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        globals()["FigureCanvas"] = FigureCanvasAgg  # (pyplot then copies the module's vars)
        return FigureCanvasAgg
    raise AttributeError(name)


def show(*args: Any, **kwargs: Any) -> None:
    """``plt.show()``: every open figure goes under the running cell, then closes."""
    flush()


def flush() -> None:
    """Hand each open figure (in the order they were made) to the running cell; close it."""
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    sink = SINK.get()
    if pyplot is None or sink is None:
        return
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        sink(figure_image(figure))
        pyplot.close(figure)


def is_figure(value: Any) -> bool:
    """A matplotlib Figure (or SubFigure), recognised without importing matplotlib."""
    return any(c.__module__ == "matplotlib.figure" for c in type(value).__mro__) and hasattr(
        value, "savefig"
    )


def is_artist(value: Any) -> bool:
    """An artist, or a list of them (``plt.plot``'s value): its repr names a memory address,
    so a notebook's ``[<matplotlib.lines.Line2D at 0x7f…>]`` is not shown."""
    items = value if isinstance(value, list | tuple) and value else [value]
    return all(
        any(c.__module__.startswith("matplotlib.") for c in type(v).__mro__[:-1]) for v in items
    )


def close(figure: Any) -> None:
    """Close ``figure`` in pyplot (it was shown as a value: the end of the cell skips it)."""
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(figure)


def figure_image(figure: Any) -> dict[str, Any]:
    """``{"image": {"format", "data", "width", "height", "alt"}}`` for a figure: ``data`` is
    the SVG's text or the PNG's base64; width and height in CSS pixels."""
    width, height = (round(v * 100) for v in figure.get_size_inches())
    alt = alt_text(figure)
    svg = None if dense(figure) else svg_of(figure)
    if svg is not None and len(svg) <= MAX_SVG_BYTES:
        image = {"format": "svg", "data": svg}
    else:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100 * PNG_SCALE, metadata={"Software": None})
        image = {"format": "png", "data": base64.b64encode(buffer.getvalue()).decode()}
    return {"image": {**image, "width": width, "height": height, "alt": alt}}


def dense(figure: Any) -> bool:
    """Whether SVG would serve the figure badly: 3-D axes, images, meshes."""
    for axes in figure.get_axes():
        if getattr(axes, "name", "") == "3d" or axes.images:
            return True
        if any(type(c).__name__ == "QuadMesh" for c in axes.collections):
            return True
    return False


def svg_of(figure: Any) -> str:
    """The figure as SVG, reproducible (no date, fixed ids), its black and white following
    the reader's light or dark mode."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "downhill", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, transparent=True)
    text = buffer.getvalue()
    text = re.sub(r"#000000\b", "var(--ink)", text)
    text = re.sub(r"#ffffff\b", "var(--paper)", text)
    start = text.index(">", text.index("<svg")) + 1
    return text[:start] + DARK_MODE_STYLE + text[start:]


def alt_text(figure: Any) -> str:
    """Words for a screen reader, from the figure's titles and axis labels."""
    parts = []
    title = getattr(figure, "_suptitle", None)
    if title is not None and title.get_text():
        parts.append(title.get_text())
    for k, axes in enumerate(figure.get_axes(), 1):
        words = [axes.get_title()] if axes.get_title() else []
        for axis in ("x", "y", "z"):
            getter = getattr(axes, f"get_{axis}label", None)
            label = getter() if getter else ""
            if label:
                words.append(f"{axis}: {label}")
        if words:
            parts.append(
                f"plot {k}: " + ", ".join(words) if len(figure.get_axes()) > 1 else ", ".join(words)
            )
    count = len(figure.get_axes())
    lead = f"A figure with {count} plot{'s' if count != 1 else ''}"
    return lead + (": " + "; ".join(parts) if parts else "")
