"""The ``check`` fence: a math claim the engine verifies at build time.

One claim per fence, of one of the KINDS below (the guide shows each). A false claim is a
ContentError at the line of the key that is wrong, showing both sides.

Tolerance means one thing in every kind: a claimed number c agrees with the engine's exact
value v when |c − v| ≤ tolerance × max(1, |v|), that is an absolute tolerance for values up
to 1 and a relative one above. Claimed expressions (partials, second derivatives) are
compared so at sample points; points (``ends_near``, ``iterates``) coordinate by coordinate.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from engine.expr import ExpressionError
from engine.schema import suggest

from .claim_terms import Refused, Unchecked, _is_number
from .claims import Claims
from .errors import ContentError
from .fences import FenceLocator, guarded, source_shown
from .iterates import Runs
from .mathjax import ArticleMath, inline_math
from .yamlmap import FenceYAMLError, line_of, load_fence

DEFAULT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Kind:
    """A kind of claim: the keys it needs, the keys it may have, what it is."""

    needs: tuple[str, ...]
    may: tuple[str, ...]
    says: str  # how to write it, for the error naming the kinds


KINDS = {
    "gradient": Kind(
        ("equals",), (), "'gradient: f' with 'equals: [∂f/∂x, ∂f/∂y]' (or '{y: ∂f/∂y}')"
    ),
    "hessian": Kind(("equals",), (), "'hessian: f' with 'equals: [[fxx, fxy], [fyx, fyy]]'"),
    "value": Kind(("at", "equals"), (), "'value: f' with 'at:' and 'equals:'"),
    "critical": Kind(("at", "is"), (), "'critical: f' with 'at:' and 'is: minimum'"),
    "directional": Kind(
        ("at", "equals"),
        ("along", "angle"),
        "'directional: f' with 'at:', 'along:' or 'angle:', and 'equals:'",
    ),
    "central_difference": Kind(
        ("at", "h"),
        ("wrt", "equals", "error_below"),
        "'central_difference: f' with 'at:', 'h:' and 'equals:' or 'error_below:'",
    ),
    "holds": Kind(
        ("function",),
        ("where", "over", "at", "lr"),
        "'holds: \"dfdx < 0\"' with 'function:' and 'over:' or 'at:'",
    ),
    "descend": Kind(
        (),
        ("ends_near", "iterates", "steps_fewer_than"),
        "'descend: {demo keys}' with 'ends_near:', 'iterates:' or 'steps_fewer_than:'",
    ),
}
COMMON = ("tolerance", "params", "label", "show_source")


class CheckFence(Claims):
    """The ``check`` fence formatter for one article; counts checks and collects errors."""

    def __init__(
        self,
        path: Path,
        locator: FenceLocator,
        errors: list[ContentError],
        math: ArticleMath | None = None,
        runs: Runs | None = None,
    ) -> None:
        # The page's demos and named functions (a descend may name a demo with 'from').
        self.runs = runs if runs is not None else Runs()
        self.path = path
        self.locator = locator
        self.errors = errors
        self.math = math  # where the claim's formula is typeset (None: left as TeX)
        self.passed = 0
        self.line = 0  # the line of the check being rendered

    def __call__(self, src: str) -> str:
        fence_line = self.locator.line_of("check", src)
        return guarded(
            self.errors, self.path, fence_line, "check", lambda: self.render(src, fence_line)
        )

    def fail(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.path, line, message))

    def render(self, src: str, fence_line: int) -> str:
        try:
            raw, lines = load_fence(src, fence_line)
        except FenceYAMLError as exc:
            self.fail(exc.line, f"check is not valid YAML: {exc.message}")
            return ""
        kinds = [k for k in KINDS if isinstance(raw, dict) and k in raw]
        if not isinstance(raw, dict) or len(kinds) != 1:
            ways = "; ".join(kind.says for kind in KINDS.values())
            self.fail(fence_line, f"a check states one claim, one of: {ways}")
            return ""
        name = kinds[0]
        kind = KINDS[name]
        allowed = (name, *kind.needs, *kind.may, *COMMON)
        bad_keys = [k for k in raw if k not in allowed]
        for key in bad_keys:
            self.fail(
                line_of(lines, (key,), fence_line),
                f"check: unknown key {key!r} for a {name} check{suggest(key, allowed)}",
            )
        missing = [k for k in kind.needs if k not in raw]
        for key in missing:
            self.fail(line_of(lines, (name,), fence_line), f"check: a {name} check needs '{key}:'")
        if bad_keys or missing:
            return ""
        params = raw.get("params", {})
        if not (
            isinstance(params, dict)
            and all(isinstance(k, str) and _is_number(v) for k, v in params.items())
        ):
            self.fail(
                line_of(lines, ("params",), fence_line),
                "check: params must map names to numbers, e.g. {a: 1.5}",
            )
            return ""
        tolerance = raw.get("tolerance", DEFAULT_TOLERANCE)
        self.line = line_of(lines, ("descend",), fence_line)
        try:
            if not _is_number(tolerance) or tolerance <= 0:
                raise Refused(("tolerance",), "tolerance must be a positive number")
            shown = getattr(self, name)(raw, float(tolerance))
        except Refused as refused:
            self.fail(line_of(lines, refused.path, fence_line), f"check: {refused.message}")
            return ""
        except Unchecked:
            return ""
        except ExpressionError as exc:
            self.fail(line_of(lines, (name,), fence_line), f"check: {exc}")
            return ""
        self.passed += 1
        label = html.escape(str(raw.get("label", "Checked when this page was built")))
        source = source_shown("check", src) if raw.get("show_source") else ""
        return (
            f'<div class="check" role="note"><span class="check-mark" aria-hidden="true">✓'
            f'</span> <span class="arithmatex">{inline_math(self.math, shown, fence_line)}</span> '
            f'<span class="check-label">{label}</span>{source}</div>'
        )
