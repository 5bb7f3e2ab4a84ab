"""Work in slices: long computations as generators that yield ``None`` between slices.

Each ``yield`` is a place where the browser's worker may stop to read its messages and drop
the rest of the work if a newer request came (engine.live); the generator's return value is
the result. :func:`finish` runs one through at once, as the builder and tests do, so both
paths compute with the same code; :func:`finished` makes the function that does so from the
generator function (``basin_map = finished(basin_rows)``).
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Generator, Hashable
from typing import Any, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")
Sliced = Generator[None, None, T]


def finish(work: Sliced[T]) -> T:
    """Run ``work`` through all its slices and return its result."""
    while True:
        try:
            next(work)
        except StopIteration as done:
            return done.value


def finished(work: Callable[P, Sliced[T]]) -> Callable[P, T]:
    """``work`` (a generator function) as a function of the same parameters that runs all
    its slices and returns its result."""

    @functools.wraps(work)
    def whole(*args: P.args, **kwargs: P.kwargs) -> T:
        return finish(work(*args, **kwargs))

    return whole


class SlicedCache:
    """A least-recently-used cache of sliced work: the first ``get`` of a key runs ``make()``
    slice by slice and keeps its result (only once it is whole: work dropped part way keeps
    nothing); later ones return it without a slice."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.found: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Sliced[T]]) -> Sliced[T]:
        if key in self.found:
            self.found.move_to_end(key)
            return self.found[key]
        value = yield from make()
        self.found[key] = value
        if len(self.found) > self.size:
            self.found.popitem(last=False)
        return value
