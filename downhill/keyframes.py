"""Keyframes: the engine run ahead of time, so a demo's controls answer before Python loads.

For every position of every slider and every option of every select of a demo (the other
controls at their built values), the engine computes the figures at build time; only the
traces that differ from the built figures are kept. The page fetches the file once the demo
is drawn and, until the engine in the browser is ready, redraws from it.

A position is a value of the ``<input>`` itself (log10 of the value on a log slider), and
the spec value it stands for is computed exactly as the page's script computes it, so a
frame is what the engine answers for the spec the page would send.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import render_demo
from engine.api import clean, to_json
from engine.budget import units
from engine.spec import normalize_spec

from .cache import write_whole
from .controls import Control

# Compressed bytes of one demo's keyframes at most: above it, every other position is
# dropped (the built one kept) until the frames fit, and the page snaps the slider to them.
BUDGET = 96_000
# Their JSON at most, uncompressed: `build.py serve` and `python -m http.server` send it as it
# is (a 96 KB gzip budget once held 12 MB of repetitive JSON).
RAW_BUDGET = 2_000_000
# Build time: the engine's work for one demo's frames at most, in the compute budget's
# units (about a second of CPython; a learning-rate sweep per frame would otherwise cost
# seconds per demo).
WORK = 1_000_000
# A demo's keyframes above this (compressed) also get a first, coarse file of a few positions
# per control, fetched beside the whole one: on slow 4G (1.6 Mbps, 150 ms round trips) it
# arrives in one round trip and 40 ms, so a touch right after the first chart is answered
# within 0.3 s; the page snaps to its positions until the whole file is in.
FIRST_BUDGET = 8_000
FIRST_POSITIONS = 9
SLIDER_POSITIONS = 41  # positions of a slider without a numeric step (and of a log slider)
MAX_POSITIONS = 201  # a finer numeric step is sampled at this many positions


@dataclass(frozen=True)
class Keyframes:
    """One demo's keyframes as the JSON the page fetches, and its compressed size."""

    text: str
    gzip_bytes: int
    frames: int  # frames computed (a thinned control ships fewer)
    coarse: tuple[str, ...]  # controls thinned (or, if absent from the file, left out) to fit
    first: str = ""  # the first, coarse file's JSON ("": the whole file is small enough)

    @property
    def name(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:10]

    def thinned(self) -> list[list]:
        """[control, positions kept] for each control thinned to fit the budget (0: left
        out of the file, so only the engine answers it)."""
        kept = json.loads(self.text)["controls"]
        return [[name, len(kept[name]["positions"]) if name in kept else 0] for name in self.coarse]

    @property
    def bytes_fetched(self) -> int:
        """Compressed bytes of both files."""
        return self.gzip_bytes + (len(gzip.compress(self.first.encode(), 6)) if self.first else 0)

    @property
    def first_name(self) -> str:
        return hashlib.sha256(self.first.encode()).hexdigest()[:10] if self.first else ""


class KeyframeStore:
    """Keyframes by demo (spec and controls) and engine: in memory for a build, and in
    ``folder`` (the build cache) across builds, so an edit elsewhere in an article, or a
    fresh process, does not recompute them."""

    def __init__(self, folder: Path | None, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint
        self.memory: dict[str, Keyframes | None] = {}

    @classmethod
    def in_cache(cls, cache: Path | None, fingerprint: str = "") -> KeyframeStore:
        """The store kept in the build cache folder ``cache`` (in memory only without one)."""
        return cls(cache / "keyframes" if cache else None, fingerprint)

    def get(self, demo: str, compute: Callable[[], Keyframes | None]) -> Keyframes | None:
        key = hashlib.sha256((self.fingerprint + demo).encode()).hexdigest()
        if key in self.memory:
            return self.memory[key]
        path = self.folder / f"{key}.json" if self.folder else None
        if path and path.exists():
            try:
                data = json.loads(path.read_text("utf-8"))
                stored = (
                    None if data is None else Keyframes(**{**data, "coarse": tuple(data["coarse"])})
                )
            except (OSError, ValueError, TypeError, KeyError):
                pass  # unreadable: computed again below
            else:
                self.memory[key] = stored
                return stored
        value = compute()
        self.memory[key] = value
        if path:
            write_whole(path, json.dumps(None if value is None else value.__dict__))
            if value is not None:
                write_whole(self.file(value.name), value.text)
                if value.first:
                    write_whole(self.file(value.first_name), value.first)
        return value

    def file(self, name: str) -> Path:
        """Where the keyframes file ``name`` (its content hash) is kept, to be linked."""
        assert self.folder is not None
        return self.folder / "files" / f"{name}.json"


def js_number(value: float) -> float | int:
    """A number as the page's JSON would carry it: whole numbers as integers."""
    return int(value) if float(value).is_integer() else float(value)


def slider_positions(control: Control) -> tuple[list[float], bool]:
    """The ``<input>`` values to precompute and whether they are every value it can take.

    A numeric step counts from min in decimal arithmetic, as the browser steps a range.
    """
    lo, hi, step = control.input_min, control.input_max, control.input_step
    if step != "any":
        base, size = Decimal(repr(float(lo))), Decimal(repr(float(step)))
        count = int((Decimal(repr(float(hi))) - base) / size) + 1
        if count <= MAX_POSITIONS:
            return [float(base + k * size) for k in range(count)], True
        steps = sorted({round(j * (count - 1) / (MAX_POSITIONS - 1)) for j in range(MAX_POSITIONS)})
        return [float(base + k * size) for k in steps], False  # still on the step grid
    count = SLIDER_POSITIONS
    # (the last sum can round past hi: 1e-09 + (1 - 1e-09) is 1.0000000000000002)
    return [min(hi, lo + (hi - lo) * k / (count - 1)) for k in range(count)], False


def spec_value(control: Control, position: float) -> float | int:
    """The spec value the page's script sends for the slider at ``position``."""
    if control.scale == "log":
        # Number((10 ** raw).toPrecision(4)) in the page (Math.round of it for a whole key).
        value = float(f"{10**position:.4g}")
        return round(value) if control.whole else js_number(value)
    return js_number(position)


def _with(raw: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    spec = json.loads(to_json(raw))
    node = spec
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return spec


def _difference(built: list[dict], cleaned: list[dict], figures: list[dict]) -> list[dict]:
    """Per figure: the traces (by index) and layout that differ from the built ones, as
    the worker would send them (NaN → null). ``cleaned`` is ``clean(built)``, made once
    per demo. Both sides are compared as computed first: cleaning only what differs is
    most of a frame's saving."""
    out = []
    for old, old_clean, new in zip(built, cleaned, figures, strict=True):
        part: dict[str, Any] = {}
        if new["layout"] != old["layout"]:
            layout = clean(new["layout"])
            if layout != old_clean["layout"]:
                part["layout"] = layout
        if len(new["data"]) != len(old["data"]):
            part["data"] = clean(new["data"])
        else:
            traces = {}
            for k, (trace, old_trace) in enumerate(zip(new["data"], old["data"], strict=True)):
                if trace != old_trace:  # NaN != NaN: equal traces with gaps land here too
                    cleaned_trace = clean(trace)
                    if cleaned_trace != old_clean["data"][k]:
                        traces[str(k)] = cleaned_trace
            if traces:
                part["traces"] = traces
        out.append(part)
    return out


def _frame(
    raw: dict, built: list[dict], cleaned: list[dict], render: Callable[[dict], dict]
) -> dict:
    result = render(raw)
    return {
        "figures": _difference(built, cleaned, result["figures"]),
        "summary": result["summary"],
    }


def keyframes(
    raw: dict[str, Any],
    result: dict[str, Any],
    controls: list[Control],
    render: Callable[[dict], dict] = render_demo,
    work: float | None = None,
) -> Keyframes | None:
    """The keyframes of a demo (None when it has no slider or select); ``render`` computes
    a state's figures and summary, ``work`` is one state's cost in the compute budget's
    units (estimated from the spec when not given)."""
    computed = _Frames(json.loads(to_json(raw)), result["figures"], render, work)
    table, exact = _positions(computed.built_raw, controls)
    if not table:
        return None
    computed.price(table)
    coarse = _thin_to_work(table, exact, computed)
    if not table:
        return None
    numbered = {
        name: [(p, computed.frame_of(spec)) for p, spec in rows] for name, rows in table.items()
    }
    fitted = _fit_budget(numbered, computed.frames, exact, coarse)
    if fitted is None:
        return None
    text, size = fitted
    first = _first_document(numbered, computed.frames) if size > FIRST_BUDGET else ""
    return Keyframes(text, size, len(computed.frames), tuple(coarse), first)


Rows = list[tuple[Any, dict]]  # a control's positions, each with the spec it sets


def _positions(
    built_raw: dict[str, Any], controls: list[Control]
) -> tuple[dict[str, Rows], dict[str, bool]]:
    """Each control's positions (a slider's, thinned to its budget; a select's options)
    with the spec at each, and whether a slider kept every position it has."""
    table: dict[str, Rows] = {}
    exact: dict[str, bool] = {}
    for control in controls:
        if control.kind == "range":
            positions, exact[control.name] = slider_positions(control)
            table[control.name] = [
                (p, _with(built_raw, control.path, spec_value(control, p))) for p in positions
            ]
        elif control.kind == "select":
            exact[control.name] = True
            table[control.name] = [
                (
                    option,
                    _with(built_raw, control.path, json.loads(option) if control.json else option),
                )
                for option in control.options
            ]
    return table, exact


@dataclass
class _Frames:
    """The frames computed so far, one per distinct spec (the built state is none: the page
    has it), and what computing each position costs in the compute budget's units."""

    built_raw: dict[str, Any]
    built: list
    render: Callable[[dict], dict]
    work: float | None
    frames: list[dict] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)  # spec as JSON → frame number
    costs: dict[int, float] = field(default_factory=dict)  # id(spec) → its cost

    def __post_init__(self) -> None:
        self.cleaned = clean(self.built)

    def frame_of(self, spec: dict) -> int | None:
        if spec == self.built_raw:
            return None
        key = json.dumps(spec, sort_keys=True)
        if key not in self.index:
            self.index[key] = len(self.frames)
            self.frames.append(_frame(spec, self.built, self.cleaned, self.render))
        return self.index[key]

    def cost_of(self, spec: dict) -> float:
        """What a position costs (a steps slider's far end costs a hundred times its built
        value)."""
        if self.work is not None:
            return self.work
        try:
            return units(normalize_spec(spec))[0]
        except Exception:  # a position the engine refuses costs nothing to answer
            return 0.0

    def price(self, table: dict[str, Rows]) -> None:
        """Cost every position. A control whose two ends cost what the built spec costs (a
        rate, a start) costs that at every position; only one that changes the work (steps,
        points) is counted through (counting every position of every control would
        normalize thousands of specs)."""
        built_cost = self.cost_of(self.built_raw)
        for rows in table.values():
            ends = (self.cost_of(rows[0][1]), self.cost_of(rows[-1][1]))
            same = ends == (built_cost, built_cost)
            for _, spec in rows:
                self.costs[id(spec)] = built_cost if same else self.cost_of(spec)

    def cost(self, spec: dict) -> float:
        return self.costs[id(spec)]


def _kept(rows: Rows, stride: int, built_raw: dict) -> Rows:
    return [
        r for k, r in enumerate(rows) if k % stride == 0 or k == len(rows) - 1 or r[1] == built_raw
    ]


def _thin_to_work(table: dict[str, Rows], exact: dict[str, bool], computed: _Frames) -> list[str]:
    """Keep only as many positions as the budgets can hold (a 2000-step race of five
    optimizers must not cost 300 frames), estimating a frame's compressed size from a few
    cheap ones; drop the costliest controls whose very ends cost too much. Returns the
    controls thinned or dropped."""
    everything = [spec for rows in table.values() for _, spec in rows]
    cheap = [spec for spec in everything if computed.cost(spec) <= WORK / 10] or everything[:1]
    sample = [
        f
        for f in (computed.frame_of(spec) for spec in cheap[:: max(1, len(cheap) // 6)])
        if f is not None
    ]
    coarse: list[str] = []
    each = 0.0
    if sample:
        sampled = json.dumps([computed.frames[f] for f in sample], separators=(",", ":"))
        each = len(gzip.compress(sampled.encode(), 6)) / len(sample)

    def over(stride: int) -> bool:
        rows = [r for name in table for r in _kept(table[name], stride, computed.built_raw)]
        return len(rows) * each > BUDGET or sum(computed.cost(spec) for _, spec in rows) > WORK

    stride = 1
    while stride < len(everything) and over(stride):
        stride *= 2
    if stride > 1:
        for name, rows in table.items():
            kept = _kept(rows, stride, computed.built_raw)
            if len(rows) > 2 and len(kept) < len(rows):
                table[name] = kept
                exact[name] = False
                coarse.append(name)
    # Even their ends cost too much: the costliest controls wait for the engine.
    while table and sum(computed.cost(s) for rows in table.values() for _, s in rows) > WORK:
        dropped = max(table, key=lambda n: sum(computed.cost(spec) for _, spec in table[n]))
        del table[dropped]
        if dropped not in coarse:
            coarse.append(dropped)
    return coarse


def _fit_budget(
    numbered: dict[str, list[tuple[Any, int | None]]],
    frames: list[dict],
    exact: dict[str, bool],
    coarse: list[str],
) -> tuple[str, int] | None:
    """The keyframes document within its byte budgets: the control with most positions
    thinned first, a control whose two positions are too many dropped (it waits for the
    engine). Returns its text and gzipped size, or None when no control is left."""
    while True:
        text = _document(numbered, frames, exact)
        size = len(gzip.compress(text.encode(), 6))
        if size <= BUDGET and len(text) <= RAW_BUDGET:
            return text, size
        thinner = {name: _thinned(rows) for name, rows in numbered.items()}
        shrinking = [n for n in numbered if len(thinner[n]) < len(numbered[n])]
        if not shrinking:
            dropped = max(numbered, key=lambda n: _weight(numbered[n], frames))
            del numbered[dropped]
            if dropped not in coarse:
                coarse.append(dropped)
            if not numbered:
                return None
            continue
        name = max(shrinking, key=lambda n: len(numbered[n]))
        numbered[name], exact[name] = thinner[name], False
        if name not in coarse:
            coarse.append(name)


def _first_document(numbered: dict[str, list[tuple[Any, int | None]]], frames: list[dict]) -> str:
    """The first, coarse file: at most FIRST_POSITIONS evenly spread positions of each
    control (both ends and the built one kept), fewer or controls left out to fit
    FIRST_BUDGET; "" if nothing fits."""
    counts = {name: FIRST_POSITIONS for name in numbered}
    while counts:
        rows = {name: _spread(numbered[name], count) for name, count in counts.items()}
        text = _document(rows, frames, dict.fromkeys(rows, False))
        if len(gzip.compress(text.encode(), 6)) <= FIRST_BUDGET:
            return text
        widest = max(counts, key=lambda n: len(rows[n]))
        if len(rows[widest]) > 3:
            counts[widest] = max(2, (counts[widest] + 1) // 2)
        else:  # the heaviest control waits for the whole file
            del counts[max(rows, key=lambda n: _weight(rows[n], frames))]
    return ""


def _weight(rows: list[tuple[Any, int | None]], frames: list[dict]) -> int:
    """The JSON size of the frames a control's positions show."""
    return sum(len(json.dumps(frames[f])) for _, f in rows if f is not None)


def _spread(rows: list[tuple[Any, int | None]], count: int) -> list[tuple[Any, int | None]]:
    """``count`` rows evenly spread over ``rows`` (ends included), and the built one."""
    if len(rows) <= count:
        return rows
    picked = {round(k * (len(rows) - 1) / (count - 1)) for k in range(count)}
    return [row for k, row in enumerate(rows) if k in picked or row[1] is None]


def _thinned(rows: list[tuple[Any, int | None]]) -> list[tuple[Any, int | None]]:
    """Every other position, keeping both ends and the built one (frame None)."""
    return [row for k, row in enumerate(rows) if k % 2 == 0 or row[1] is None or k == len(rows) - 1]


def _document(
    numbered: dict[str, list[tuple[Any, int | None]]], frames: list[dict], exact: dict
) -> str:
    """The JSON the page fetches: only frames still referenced, renumbered."""
    used = sorted({f for rows in numbered.values() for _, f in rows if f is not None})
    renumber = {old: new for new, old in enumerate(used)}
    controls = {
        name: {
            "positions": [p for p, _ in rows],
            "frames": [None if f is None else renumber[f] for _, f in rows],
            "exact": exact[name],
        }
        for name, rows in numbered.items()
    }
    return json.dumps(
        {"controls": controls, "frames": [frames[f] for f in used]},
        separators=(",", ":"),
        allow_nan=False,
    )
