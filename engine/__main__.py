"""Command line: ``python -m engine descend|gradient|functions``. Errors exit 2, one line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .catalogue import CATALOGUE, formula_of
from .descent import descend
from .expr import ExpressionError, compile_expression
from .optimizers import OPTIMIZERS


class UsageError(Exception):
    pass


def _numbers(text: str, what: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise UsageError(f"{what} must be numbers separated by commas, got {text!r}") from None


def _descend(args: argparse.Namespace) -> dict:
    expression = compile_expression(formula_of(args.function))
    start = _numbers(args.start, "--start")
    if len(start) != expression.dim:
        raise UsageError(
            f"--start has {len(start)} coordinate(s) but the function has {expression.dim}"
        )
    clip = None
    if args.clip:
        clip = _numbers(args.clip, "--clip")
        if len(clip) != 2 or clip[0] >= clip[1]:
            raise UsageError("--clip must be LO,HI with LO < HI")
    trajectory = descend(
        expression.bind(),
        start,
        optimizer=args.optimizer,
        lr=args.lr,
        steps=args.steps,
        tol=args.tol,
        ascent=args.ascent,
        clip=(clip[0], clip[1]) if clip else None,
        momentum=args.momentum,
        alpha=args.alpha,
        beta1=args.beta1,
        beta2=args.beta2,
        eps=args.eps,
    )
    return trajectory.to_json()


def _gradient(args: argparse.Namespace) -> dict:
    expression = compile_expression(formula_of(args.function))
    at = _numbers(args.at, "--at")
    if len(at) != expression.dim:
        raise UsageError(f"--at has {len(at)} coordinate(s) but the function has {expression.dim}")
    bound = expression.bind()
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
    d.add_argument("--steps", type=int, default=100, help="maximum iterations (default 100)")
    d.add_argument("--optimizer", choices=list(OPTIMIZERS), default="gd")
    d.add_argument("--ascent", action="store_true", help="climb instead of descend")
    d.add_argument("--clip", help="LO,HI: clamp every coordinate to this range")
    d.add_argument("--tol", type=float, default=0.0, help="stop when |Δf| or ‖∇f‖ is below this")
    d.add_argument("--momentum", type=float, default=0.9)
    d.add_argument("--beta1", type=float, default=0.9)
    d.add_argument("--beta2", type=float, default=0.999)
    d.add_argument("--alpha", type=float, default=0.99, help="RMSprop smoothing constant")
    d.add_argument("--eps", type=float, default=None, help="default: the optimizer's own")
    d.set_defaults(run=_descend)

    g = sub.add_parser("gradient", help="print the exact gradient at a point and its LaTeX")
    g.add_argument("--function", required=True)
    g.add_argument("--at", required=True, help="X or X,Y")
    g.set_defaults(run=_gradient)

    f = sub.add_parser("functions", help="list the catalogue of named functions")
    f.set_defaults(run=_functions)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.run(args)
    except ExpressionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
