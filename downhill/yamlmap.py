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


class DuplicateKey(yaml.YAMLError):
    """A key written twice in one mapping: YAML would keep the last in silence."""

    def __init__(self, key: str, mark: yaml.Mark, first: yaml.Mark) -> None:
        self.problem_mark = mark
        above = mark.line - first.line
        where = f"{above} line{'s' * (above != 1)} above" if above else "on this line"
        self.problem = f"{key} is given twice (first {where}): keep one"
        super().__init__(self.problem)


class EscapedMath(yaml.YAMLError):
    """Math in a double-quoted text whose backslashes YAML took as escapes: ``"$\\nabla$"``
    is a line break and "abla", ``"$\\frac$"`` a form feed and "rac"."""

    def __init__(self, raw: str, mark: yaml.Mark, key: str | None) -> None:
        self.problem_mark = mark
        single = "'" + raw[1:-1].replace('\\"', '"').replace("'", "''") + "'"
        single = f"{key}: {single}" if key is not None else single
        self.problem = (
            f"{raw} holds math, but between double quotes YAML reads a backslash as an "
            f"escape (\\n a line break, \\f a form feed); write it in single quotes: {single}"
        )
        super().__init__(self.problem)


ESCAPE = re.compile(r"\\(.)", re.DOTALL)  # left to right, so \\\\n is a backslash and n
MATH = re.compile(r"\$|\\[(\[]")


def letter_escape(raw: str) -> bool:
    """Whether a double-quoted scalar's source has an escape TeX never means: a letter
    (\\n, \\f, \\t, \\x41, \\u00e9, …) or \\0."""
    return any(m.group(1).isalpha() or m.group(1) == "0" for m in ESCAPE.finditer(raw))


def vet(text: str) -> None:
    """Refuse what YAML would take in silence but the author did not mean: an alias (at
    the first, before anything is expanded: :class:`AliasRefused`), a key repeated in a
    mapping (:class:`DuplicateKey`, at the second), and TeX spoiled by double quotes
    (:class:`EscapedMath`). One linear scan of the document's events."""
    mappings: list[dict[str, yaml.Mark] | None] = []  # per open collection: keys seen
    key_next: list[bool] = []
    last_key: list[str | None] = []
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent):
            raise AliasRefused(event.start_mark)
        if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            mappings.pop()
            key_next.pop()
            last_key.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        seen = mappings[-1] if mappings else None
        is_key = seen is not None and key_next[-1]
        if seen is not None:
            key_next[-1] = not key_next[-1]
        if isinstance(event, yaml.ScalarEvent):
            if is_key and seen is not None:
                last_key[-1] = event.value
                if event.value in seen:
                    raise DuplicateKey(event.value, event.start_mark, seen[event.value])
                seen[event.value] = event.start_mark
            raw = text[event.start_mark.index : event.end_mark.index]
            if event.style == '"' and MATH.search(event.value) and letter_escape(raw):
                key = last_key[-1] if seen is not None and not is_key else None
                raise EscapedMath(raw, event.start_mark, key)
        elif isinstance(event, yaml.CollectionStartEvent):
            mappings.append({} if isinstance(event, yaml.MappingStartEvent) else None)
            key_next.append(True)
            last_key.append(None)


def key_lines(text: str, first_line: int = 1) -> dict[tuple[str | int, ...], int]:
    """Map every key path (``("controls", "lr", "min")``, ``("start", 0)``) to its line.

    ``first_line`` is the file line of the document's first line. Raises yaml.YAMLError,
    AliasRefused for any alias.
    """
    vet(text)
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
    """Parse a YAML document with :class:`Loader`. Raises yaml.YAMLError (see :func:`vet`
    for what is refused before anything is expanded)."""
    vet(text)
    return yaml.load(text, Loader=Loader)


def error_line(exc: yaml.YAMLError, first_line: int) -> int:
    """The file line a YAML error points at: where the broken construct began, if known."""
    mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
    return first_line + (mark.line if mark else 0)


def error_message(exc: yaml.YAMLError) -> str:
    """What went wrong, with the usual fix for the commonest author mistake."""
    problem = str(getattr(exc, "problem", None) or exc)
    if "mapping values are not allowed" in problem:
        problem += " (text containing ': ' must be in quotes, e.g. caption: 'a: b')"
    if "unknown escape character" in problem:
        problem += (
            " (between double quotes YAML reads a backslash as an escape; write TeX in "
            "single quotes, e.g. caption: 'the slope $\\sin x$')"
        )
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
