"""Command line: ``python -m engine descend|gradient|functions``. Errors exit 2, one line."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

from .api import to_json
from .catalogue import CATALOGUE, formula_of
from .descent import descend
from .expr import BoundExpression, ExpressionError, compile_expression
from .keys import MAX_STEPS, key_rows
from .optimizers import OPTIMIZERS
from .plots import PLOTS
from .spec import SpecError, normalize_spec


class UsageError(Exception):
    pass


def _numbers(text: str, what: str) -> list[float]:
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        raise UsageError(f"{what} must be numbers separated by commas, got {text!r}") from None
    if not all(math.isfinite(n) for n in numbers):
        raise UsageError(f"{what} must be finite numbers, got {text!r}")
    return numbers


def _checked(args: argparse.Namespace, start: list[float]) -> dict:
    """The command's options as a demo spec, checked by the same table as every demo."""
    raw: dict = {"function": args.function, "start": start}
    for key in ("optimizer", "lr", "steps", "tol", "momentum", "alpha", "beta1", "beta2", "eps"):
        if getattr(args, key) is not None:
            raw[key] = getattr(args, key)
    if args.ascent:
        raw["ascent"] = True
    if args.clip:
        clip = _numbers(args.clip, "--clip")
        if len(clip) != 2 or clip[0] >= clip[1]:
            raise UsageError("--clip must be LO,HI with LO < HI")
        raw["clip"] = clip
    raw["plots"] = "curve" if len(start) == 1 else "contour"
    try:
        return normalize_spec(raw)
    except SpecError as exc:
        issue = exc.issues[0]
        key = str(issue.path[0]) if issue.path else ""
        option = f"--{key}: " if key and key not in ("plots", "function") else ""
        raise UsageError(f"{option}{issue.message}") from None


def _defined_at(bound: BoundExpression, point: list[float], what: str) -> None:
    value, gradient = bound.value_and_gradient_at(*point)
    if not all(math.isfinite(v) for v in (value, *gradient)):
        where = ",".join(f"{c:g}" for c in point)
        raise UsageError(
            f"the function or its gradient is undefined at {what} {where} (a log or root of a "
            "negative number, a division by zero) or larger there than a float can hold "
            "(above 1.8e308); choose another point"
        )


def _descend(args: argparse.Namespace) -> dict:
    expression = compile_expression(formula_of(args.function))
    start = _numbers(args.start, "--start")
    if len(start) != expression.dim:
        raise UsageError(
            f"--start has {len(start)} coordinate(s) but the function has {expression.dim}"
        )
    spec = _checked(args, start)
    bound = expression.bind()
    _defined_at(bound, spec["start"], "--start")
    trajectory = descend(
        bound,
        spec["start"],
        optimizer=spec["optimizer"][0],
        lr=spec["lr"],
        steps=spec["steps"],
        tol=spec["tol"],
        ascent=spec["ascent"],
        clip=tuple(spec["clip"]) if spec["clip"] else None,
        momentum=spec["momentum"],
        alpha=spec["alpha"],
        beta1=spec["beta1"],
        beta2=spec["beta2"],
        eps=spec["eps"],
    )
    return trajectory.to_json()


def _gradient(args: argparse.Namespace) -> dict:
    expression = compile_expression(formula_of(args.function))
    at = _numbers(args.at, "--at")
    if len(at) != expression.dim:
        raise UsageError(f"--at has {len(at)} coordinate(s) but the function has {expression.dim}")
    bound = expression.bind()
    _defined_at(bound, at, "--at")
    return {
        "gradient": list(bound.gradient(at)),
        "value": bound.value(at),
        "latex": expression.latex(),
    }


def _functions(args: argparse.Namespace) -> list:
    return [
        {
            "name": e.name,
            "title": e.title,
            "formula": e.formula,
            "domain": [list(r) for r in e.domain],
            "start": list(e.start),
            "optima": [
                {"point": list(o.point), "value": o.value, "kind": o.kind} for o in e.optima
            ],
        }
        for e in CATALOGUE.values()
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser("descend", help="run a descent and print its trajectory as JSON")
    d.add_argument("--function", required=True, help="expression in x (and y), or catalogue name")
    d.add_argument("--start", required=True, help="X or X,Y")
    d.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    d.add_argument(
        "--steps", type=int, default=100, help=f"iterations (default 100, at most {MAX_STEPS})"
    )
    d.add_argument("--optimizer", choices=list(OPTIMIZERS), default="gd")
    d.add_argument("--ascent", action="store_true", help="climb instead of descend")
    d.add_argument("--clip", help="LO,HI: clamp every coordinate to this range")
    d.add_argument("--tol", type=float, default=0.0, help="stop when |Δf| or ‖∇f‖ is below this")
    d.add_argument("--momentum", type=float, default=None, help="default 0.9")
    d.add_argument("--beta1", type=float, default=None, help="default 0.9, below 1")
    d.add_argument("--beta2", type=float, default=None, help="default 0.999, below 1")
    d.add_argument("--alpha", type=float, default=None, help="RMSprop smoothing (default 0.99)")
    d.add_argument("--eps", type=float, default=None, help="default: the optimizer's own")
    d.set_defaults(run=_descend)

    g = sub.add_parser("gradient", help="print the exact gradient at a point and its LaTeX")
    g.add_argument("--function", required=True)
    g.add_argument("--at", required=True, help="X or X,Y")
    g.set_defaults(run=_gradient)

    f = sub.add_parser("functions", help="list the catalogue of named functions")
    f.set_defaults(run=_functions)

    k = sub.add_parser("keys", help="list every plot kind, and every demo key with its range")
    k.set_defaults(run=_keys)
    return parser


def _keys(args: argparse.Namespace) -> dict:
    plots = [
        {
            "plot": name,
            "meaning": kind.meaning,
            "demos": list(kind.demos),
            "keys": list(kind.keys),
            "labels": list(kind.labels),
        }
        for name, kind in PLOTS.items()
    ]
    return {"plots": plots, "keys": key_rows()}


POINT_OPTIONS = ("--start", "--at", "--clip")


def _joined(argv: Sequence[str]) -> list[str]:
    """``--start -0.5,0.5`` as ``--start=-0.5,0.5``: argparse takes a leading minus for an
    option, so a negative coordinate would otherwise be refused."""
    out: list[str] = []
    items = iter(argv)
    for item in items:
        if item in POINT_OPTIONS:
            value = next(items, None)
            out.append(item if value is None else f"{item}={value}")
        else:
            out.append(item)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(_joined(sys.argv[1:] if argv is None else argv))
    try:
        output = to_json(args.run(args))  # whole before anything is printed
    except (ExpressionError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(output + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
