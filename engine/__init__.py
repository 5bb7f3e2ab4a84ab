"""Downhill's descent engine: stdlib-only, identical in CPython and in Pyodide."""

from .api import render_demo, render_json
from .catalogue import CATALOGUE
from .descent import descend
from .expr import Expression, ExpressionError, compile_expression, parse
from .optimizers import OPTIMIZERS
from .spec import SpecError, normalize_spec
from .trajectory import Trajectory

__all__ = [
    "CATALOGUE",
    "OPTIMIZERS",
    "Expression",
    "ExpressionError",
    "SpecError",
    "Trajectory",
    "compile_expression",
    "descend",
    "normalize_spec",
    "parse",
    "render_demo",
    "render_json",
]
