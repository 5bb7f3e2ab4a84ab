"""An author's data for a fit: a CSV or JSON file beside the article, read into the spec.

``fit: {data: data/anscombe.csv, x: x1, y: y1}`` names the file (relative to the article's
folder, inside content/) and its two columns; the builder replaces the name by the points,
so the engine, the keyframes and the reader's browser all get the same plain spec. A CSV
has a header row; JSON is a list of objects (``[{"x1": 10, "y1": 8.04}, …]``) or of
``[x, y]`` pairs. Every problem is reported at the file's line, naming the row.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path, PurePosixPath
from typing import Any

from engine.keys import MAX_DATA_POINTS
from engine.schema import suggest

from .errors import ContentError
from .read import file_problem


class DataError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _number(text: Any, line: int, row: int, column: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise DataError(line, f"row {row}: {column} is {str(text)!r:.40}, not a number")
    return value


def _columns(names: list[str], x: str | None, y: str | None, line: int) -> tuple[str, str]:
    """The two columns a fit uses: the ones named, else the first two."""
    if len(names) < 2 and (x is None or y is None):
        raise DataError(line, f"the data needs two columns, x and y; it has {names or 'none'}")
    chosen = (x or names[0], y or names[1])
    for name in chosen:
        if name not in names:
            raise DataError(
                line,
                f"no column {name!r}{suggest(name, names)}; the columns are {', '.join(names)}",
            )
    return chosen


def _check_count(points: list[list[float]], line: int) -> None:
    if len(points) < 2:
        raise DataError(line, f"a line needs at least two points; the data has {len(points)}")
    if len({p[0] for p in points}) < 2:
        raise DataError(line, "every point has the same x: no line fits that")


def read_csv(text: str, x: str | None, y: str | None) -> tuple[list[list[float]], str, str]:
    """Points from CSV text with a header row; (points, x name, y name)."""
    reader = csv.reader(io.StringIO(text))
    try:
        names = [n.strip() for n in next(reader)]
    except StopIteration:
        raise DataError(1, "the file is empty: a header row, then a row per point") from None
    cx, cy = _columns(names, x, y, 1)
    ix, iy = names.index(cx), names.index(cy)
    points: list[list[float]] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(points) >= MAX_DATA_POINTS:
            raise DataError(line, f"more than {MAX_DATA_POINTS:,} points: a fit takes at most that")
        row = len(points) + 1
        if len(cells) <= max(ix, iy):
            raise DataError(line, f"row {row} has {len(cells)} cells; the header has {len(names)}")
        points.append([_number(cells[ix], line, row, cx), _number(cells[iy], line, row, cy)])
    _check_count(points, reader.line_num)
    return points, cx, cy


def read_json(text: str, x: str | None, y: str | None) -> tuple[list[list[float]], str, str]:
    """Points from a JSON list of objects or of [x, y] pairs."""
    try:
        rows = json.loads(text)
    except ValueError as exc:
        raise DataError(getattr(exc, "lineno", 1), f"not valid JSON: {exc}") from None
    if not isinstance(rows, list) or not rows:
        raise DataError(1, 'the JSON must be a list of points: [{"x": 1, "y": 2}, …]')
    if len(rows) > MAX_DATA_POINTS:
        raise DataError(1, f"more than {MAX_DATA_POINTS:,} points: a fit takes at most that")
    points: list[list[float]] = []
    if all(isinstance(r, dict) for r in rows):
        names = list(rows[0])
        cx, cy = _columns(names, x, y, 1)
        for k, r in enumerate(rows, start=1):
            if cx not in r or cy not in r:
                raise DataError(1, f"row {k} has no {cx if cx not in r else cy!r}")
            points.append([_number(r[cx], 1, k, cx), _number(r[cy], 1, k, cy)])
    elif all(isinstance(r, list) and len(r) == 2 for r in rows):
        cx, cy = x or "x", y or "y"
        points = [
            [_number(a, 1, k, "x"), _number(b, 1, k, "y")] for k, (a, b) in enumerate(rows, 1)
        ]
    else:
        raise DataError(1, "the JSON must be a list of objects or a list of [x, y] pairs")
    _check_count(points, 1)
    return points, cx, cy


def with_file_data(raw: Any, article: Path, errors: list[ContentError], line: int) -> Any:
    """``raw`` (a demo's keys) with ``fit.data`` a file name replaced by the file's points;
    problems go to ``errors`` (at the file's line) and leave ``raw`` as it was."""
    fit = raw.get("fit") if isinstance(raw, dict) else None
    if not isinstance(fit, dict) or not isinstance(fit.get("data"), str):
        return raw
    name = fit["data"]
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not name.strip():
        errors.append(
            ContentError(
                article,
                line,
                f"fit.data {name!r}: give a path inside "
                "content/, relative to the article, e.g. data/points.csv",
            )
        )
        return {**raw, "fit": {**fit, "data": None}}
    file = article.parent / relative
    problem = file_problem(file, article.parent.resolve()) if file.exists() else None
    if problem:  # (said before anything is read: a link to /etc/passwd echoes nothing)
        errors.append(ContentError(article, line, f"fit.data {name!r}: {problem}"))
        return {**raw, "fit": {**fit, "data": None}}
    if not file.is_file():
        errors.append(
            ContentError(
                article,
                line,
                f"fit.data: no file {name!r} beside {article.name} (looked for {file})",
            )
        )
        return {**raw, "fit": {**fit, "data": None}}
    x, y = fit.get("x"), fit.get("y")
    try:
        text = file.read_text("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
        reader = read_json if file.suffix.lower() == ".json" else read_csv
        points, cx, cy = reader(
            text, x if isinstance(x, str) else None, y if isinstance(y, str) else None
        )
    except DataError as exc:
        errors.append(
            ContentError(file, exc.line, f"{exc.message} (fit.data of {article.name}:{line})")
        )
        return {**raw, "fit": {**fit, "data": None}}
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(ContentError(file, 1, f"cannot read it as UTF-8 text: {exc}"))
        return {**raw, "fit": {**fit, "data": None}}
    return {**raw, "fit": {**fit, "data": points, "x": cx, "y": cy}}
