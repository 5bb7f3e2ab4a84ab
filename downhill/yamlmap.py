"""Where each key and value of a YAML document sits, so errors can name the exact line."""

from __future__ import annotations

import re
from typing import Any

import yaml


class AliasRefused(yaml.YAMLError):
    """A YAML alias (``*name``): each may repeat a whole subtree, so nine levels of nine
    aliases (a "billion laughs") expand to 9⁹ values. Downhill's YAML never needs one."""

    def __init__(self, mark: yaml.Mark) -> None:
        self.problem_mark = mark
        self.problem = "aliases (*name) are not allowed here; write the value out in full"
        super().__init__(self.problem)


def refuse_aliases(text: str) -> None:
    """Raise AliasRefused at the first alias in ``text`` (a linear scan of its events)."""
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent):
            raise AliasRefused(event.start_mark)


def key_lines(text: str, first_line: int = 1) -> dict[tuple[str | int, ...], int]:
    """Map every key path (``("controls", "lr", "min")``, ``("start", 0)``) to its line.

    ``first_line`` is the file line of the document's first line. Raises yaml.YAMLError,
    AliasRefused for any alias.
    """
    refuse_aliases(text)
    root = yaml.compose(text, Loader=Loader)
    out: dict[tuple[str | int, ...], int] = {}
    if root is None:
        return out

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, key.value)
                out[sub] = first_line + key.start_mark.line
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                out[(*path, i)] = first_line + item.start_mark.line
                walk(item, (*path, i))

    walk(root, ())
    return out


def line_of(
    lines: dict[tuple[str | int, ...], int], path: tuple[str | int, ...], default: int
) -> int:
    """The line of ``path``, or of its nearest ancestor present, or ``default``."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return default


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    """YAML as authors expect it: ``1e-6`` is a number (YAML 1.1 wants ``1.0e-6``), and
    dates stay text so that the builder can check them and say what is wrong."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+$"),
    list("-+0123456789."),
)


def load(text: str):
    """Parse a YAML document with :class:`Loader`. Raises yaml.YAMLError (AliasRefused for
    any alias, before anything is expanded)."""
    refuse_aliases(text)
    return yaml.load(text, Loader=Loader)


def error_line(exc: yaml.YAMLError, first_line: int) -> int:
    """The file line a YAML error points at: where the broken construct began, if known."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    return first_line + (mark.line if mark else 0)


def error_message(exc: yaml.YAMLError) -> str:
    """What went wrong, with the usual fix for the commonest author mistake."""
    problem = str(getattr(exc, "problem", None) or exc)
    if "mapping values are not allowed" in problem:
        problem += " (text containing ': ' must be in quotes, e.g. caption: \"a: b\")"
    return problem


class FenceYAMLError(Exception):
    """A fence whose body is not YAML: the file line and what is wrong there."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_fence(src: str, fence_line: int) -> tuple[Any, dict]:
    """A YAML fence's body and the file line of each key path (the body starts on the line
    after ``fence_line``). Raises FenceYAMLError."""
    first = fence_line + 1
    try:
        return load(src) or {}, key_lines(src, first_line=first)
    except yaml.YAMLError as exc:
        raise FenceYAMLError(error_line(exc, first), error_message(exc)) from None
