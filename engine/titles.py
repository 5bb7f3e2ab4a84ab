"""A demo's words on its charts, checked: its ``title`` (one, or one per plot) and its
``labels`` (axis, colour-bar and panel titles per plot kind; legend names per run)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .plots import PLOTS
from .schema import Bad, suggest

LABELS = {name: kind.labels for name, kind in PLOTS.items()}  # labels: {kind: {name: text}}
MAX_LABEL = 100  # characters


def _is_label(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= MAX_LABEL


LABEL_TEXT = f"text of 1 to {MAX_LABEL} characters (in quotes if it holds ': ')"


def title_of(value: Any, plots: list[str], bad: Bad) -> str | list[str] | None:
    """A demo's title: one for all its charts, or a list with one per plot."""
    if value is None or _is_label(value):
        return value
    if isinstance(value, list) and len(value) == len(plots) and all(map(_is_label, value)):
        return value
    bad(
        ("title",),
        f"title must be {LABEL_TEXT}, or a list of {len(plots)} such titles, one per plot "
        f"({', '.join(plots)})",
    )
    return None


def labels_of(
    value: Any, plots: list[str], runs: list[str], compare: dict | None, bad: Bad
) -> dict[str, dict[str, Any]]:
    """Axis, colour-bar and panel titles per plot kind, and legend names per run."""
    out: dict[str, dict[str, Any]] = {"runs": {}}
    if value is None:
        return out
    if not isinstance(value, Mapping):
        bad(("labels",), "labels must be a mapping, e.g. {contour: {x: weight w}, runs: {gd: GD}}")
        return out
    for group, given in value.items():
        path: tuple[str | int, ...] = ("labels", group)
        names = runs if group == "runs" else LABELS.get(group, ())
        if group != "runs" and group not in LABELS:
            bad(
                path,
                f"unknown label group {group!r}: use a plot kind of this demo "
                f"({', '.join(plots)}) or runs{suggest(group, [*plots, 'runs'])}",
            )
            continue
        if group != "runs" and group not in plots:
            bad(path, f"this demo draws no {group} plot (its plots: {', '.join(plots)})")
            continue
        if not isinstance(given, Mapping):
            bad(path, f"labels.{group} must be a mapping with any of: {', '.join(names)}")
            continue
        out[group] = {}
        for name, text in given.items():
            if name not in names:
                what = (
                    f"this demo has no {name!r} run; its runs are"
                    if group == "runs"
                    else (f"a {group} plot has no label {name!r}; it has")
                )
                bad((*path, name), f"{what} {', '.join(names)}{suggest(name, names)}")
            elif name == "panels":
                count = len(next(iter(compare.values()))) if compare else 0
                if not (
                    isinstance(text, list) and len(text) == count and all(map(_is_label, text))
                ):
                    bad(
                        (*path, name),
                        f"panels takes a list of {count} titles, one per compared "
                        "value, each " + LABEL_TEXT,
                    )
                else:
                    out[group][name] = text
            elif not _is_label(text):
                bad((*path, name), f"a label must be {LABEL_TEXT}, got {text!r}")
            else:
                out[group][name] = text
    return out
