"""Loss expressions: safe parsing, symbolic derivatives, LaTeX, compiled evaluation.

An expression is parsed with :mod:`ast` against a whitelist into a small immutable
tree. Each node knows its forward rule (``evaluate``, ``python``, ``latex``) and, right
beside it, its derivative rule (``diff``). Constructors simplify as they build
(``0*u`` → ``0``, ``u*1`` → ``u``), so derivatives come out readable.

Evaluation never walks the tree: :func:`compile_expression` turns the tree and its
partial derivatives into Python source, compiles that once to code objects, and binds
parameter values by giving the code a fresh globals dict. The source is generated from
the whitelisted tree only; a reader's text never reaches ``eval``.
"""

from __future__ import annotations

import ast
import difflib
import math
import types
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache

MAX_LENGTH = 1000
MAX_DEPTH = 60  # levels of the author's expression
# Levels of the expression and its derivatives together (each level of u**v adds about
# four to its derivative): beyond it a browser worker's stack is at risk, so such an
# expression is refused, in CPython and Pyodide alike, before anything recurses over it.
MAX_DERIVED_DEPTH = 160
CODE_NESTING = 24  # node levels per line of generated code (CPython allows 200 parentheses)
MAX_EXPONENT = 1000.0
VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}


class ExpressionError(ValueError):
    """A loss expression that cannot be accepted; ``column`` is 1-based (0 if unknown)."""

    def __init__(self, message: str, column: int = 0, text: str = "") -> None:
        self.message = message
        self.column = column
        self.text = text
        where = f" (column {column})" if column else ""
        super().__init__(f"{message}{where}")

    def pointer(self) -> str:
        """The expression with a caret under the offending column, for terminals."""
        if not self.text or not self.column:
            return ""
        return f"{self.text}\n{' ' * (self.column - 1)}^"


# ---------------------------------------------------------------------------
# Tree
# ---------------------------------------------------------------------------
Emit = Callable[["Node"], str] | None
# Precedence for printing: higher binds tighter.
PREC_ADD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 1, 2, 3, 4, 5


class Node:
    """Base of the expression tree. Subclasses are frozen dataclasses."""

    prec = PREC_ATOM

    def evaluate(self, env: Mapping[str, float]) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def diff(self, var: str) -> Node:  # pragma: no cover - abstract
        raise NotImplementedError

    def python(self, emit: Emit) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def latex(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def names(self) -> set[str]:
        return set()


def tex_number(value: float) -> str:
    """A number as TeX: 1e-12 as 10^{-12}, 2.5e-09 as 2.5 \\times 10^{-9} (written as Python
    writes it, the exponent would be typeset as a subtraction, "1e − 12")."""
    text = _fmt_number(value)
    if "e" not in text or "inf" in text or "nan" in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    if mantissa in ("1", "-1"):
        return mantissa[:-1] + power
    return rf"{mantissa} \times {power}"


def _fmt_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


@dataclass(frozen=True)
class Const(Node):
    value: float
    name: str = ""  # "pi" or "e" for named constants, kept for LaTeX

    def evaluate(self, env: Mapping[str, float]) -> float:
        return self.value

    def diff(self, var: str) -> Node:
        return ZERO

    def python(self, emit: Emit = None) -> str:  # type: ignore[assignment]
        return repr(float(self.value)) if self.value >= 0 else f"({float(self.value)!r})"

    def latex(self) -> str:
        if self.name == "pi":
            return r"\pi"
        if self.name == "e":
            return "e"
        return tex_number(self.value)

    @property
    def prec(self) -> int:  # type: ignore[override]
        return PREC_ATOM if self.value >= 0 else PREC_NEG


ZERO, ONE, TWO = Const(0.0), Const(1.0), Const(2.0)


@dataclass(frozen=True)
class Sym(Node):
    """A variable (x, y) or a named parameter bound at evaluation time."""

    name: str

    def evaluate(self, env: Mapping[str, float]) -> float:
        return env[self.name]

    def diff(self, var: str) -> Node:
        return ONE if self.name == var else ZERO

    def python(self, emit: Emit = None) -> str:  # type: ignore[assignment]
        # A parameter is p_NAME in the compiled code, whose own names all start with "_":
        # no parameter can stand for one of them (a parameter _sin, say).
        return self.name if self.name in VARIABLES else f"p_{self.name}"

    def latex(self) -> str:
        return self.name if len(self.name) == 1 else rf"\mathit{{{self.name}}}"

    def names(self) -> set[str]:
        return {self.name}


def _wrap(node: Node, prec: int, text: str | None = None) -> str:
    body = node.latex() if text is None else text
    return rf"\left({body}\right)" if node.prec < prec else body


def _code(node: Node, emit: Emit) -> str:
    """Python source of ``node``; ``emit`` may substitute shared subexpressions."""
    return emit(node) if emit else node.python()


def _pywrap(node: Node, emit: Emit) -> str:
    return f"({_code(node, emit)})"


@dataclass(frozen=True)
class Neg(Node):
    arg: Node
    prec = PREC_NEG

    def evaluate(self, env: Mapping[str, float]) -> float:
        return -self.arg.evaluate(env)

    def diff(self, var: str) -> Node:
        return neg(self.arg.diff(var))

    def python(self, emit: Emit = None) -> str:  # type: ignore[assignment]
        return f"(-{_pywrap(self.arg, emit)})"

    def latex(self) -> str:
        return "-" + _wrap(self.arg, PREC_MUL)

    def names(self) -> set[str]:
        return self.arg.names()


@dataclass(frozen=True)
class Add(Node):
    left: Node
    right: Node
    prec = PREC_ADD

    def evaluate(self, env: Mapping[str, float]) -> float:
        return self.left.evaluate(env) + self.right.evaluate(env)

    def diff(self, var: str) -> Node:
        return add(self.left.diff(var), self.right.diff(var))

    def python(self, emit: Emit = None) -> str:  # type: ignore[assignment]
        return f"({_code(self.left, emit)} + {_code(self.right, emit)})"

    def latex(self) -> str:
        right = self.right
        if isinstance(right, Neg):
            return f"{self.left.latex()} - {_wrap(right.arg, PREC_MUL)}"
        if isinstance(right, Const) and right.value < 0:
            return f"{self.left.latex()} - {_fmt_number(-right.value)}"
        return f"{self.left.latex()} + {right.latex()}"

    def names(self) -> set[str]:
        return self.left.names() | self.right.names()


@dataclass(frozen=True)
class Sub(Node):
    left: Node
    right: Node
    prec = PREC_ADD

    def evaluate(self, env: Mapping[str, float]) -> float:
        return self.left.evaluate(env) - self.right.evaluate(env)

    def diff(self, var: str) -> Node:
        return sub(self.left.diff(var), self.right.diff(var))

    def python(self, emit: Emit = None) -> str:  # type: ignore[assignment]
        return f"({_code(self.left, emit)} - {_code(self.right, emit)})"

    def latex(self) -> str:
        return f"{self.left.latex()} - {_wrap(self.right, PREC_MUL)}"

    def names(self) -> set[str]:
        return self.left.names() | self.right.names()


@dataclass(frozen=True)
class Mul(Node):
    left: Node
    right: Node
    prec = PREC_MUL

    def evaluate(self, env: Mapping[str, float]) -> float:
        return self.left.evaluate(env) * self.right.evaluate(env)

    def diff(self, var: str) -> Node:
        # (uv)' = u'v + uv'
        return add(mul(self.left.diff(var), self.right), mul(self.left, self.right.diff(var)))

    def python(self, emit: Emit = None) -> str:  # type: ignore[assignment]
        return f"({_code(self.left, emit)} * {_code(self.right, emit)})"

    def latex(self) -> str:
        left = _wrap(self.left, PREC_MUL)
        right = _wrap(self.right, PREC_MUL + 1 if isinstance(self.right, Neg | Const) else PREC_MUL)
        # A number on the right, or two numbers, need an explicit dot: "2 \cdot 3", "x \cdot 2".
        explicit = isinstance(self.right, Const) or right[:1].isdigit() or right.startswith("-")
        return f"{left} \\cdot {right}" if explicit else f"{left} {right}"

    def names(self) -> set[str]:
        return self.left.names() | self.right.names()


@dataclass(frozen=True)
class Div(Node):
    left: Node
    right: Node

    def evaluate(self, env: Mapping[str, float]) -> float:
        return self.left.evaluate(env) / self.right.evaluate(env)

    def diff(self, var: str) -> Node:
        # (u/v)' = (u'v - uv') / v²
        u, v = self.left, self.right
        dv = v.diff(var)
        if dv == ZERO:
            return div(u.diff(var), v)
        return div(sub(mul(u.diff(var), v), mul(u, dv)), power(v, TWO))

    def python(self, emit: Emit = None) -> str:  # type: ignore[assignment]
        if isinstance(self.left, Const) and isinstance(self.right, Const) and self.right.value:
            return repr(self.left.value / self.right.value)  # 1/3 kept as a fraction for LaTeX
        return f"({_code(self.left, emit)} / {_code(self.right, emit)})"

    def latex(self) -> str:
        return rf"\frac{{{self.left.latex()}}}{{{self.right.latex()}}}"

    @property
    def prec(self) -> int:  # type: ignore[override]
        return PREC_ATOM  # \frac{}{} needs no parentheses around it

    def names(self) -> set[str]:
        return self.left.names() | self.right.names()


@dataclass(frozen=True)
class Pow(Node):
    base: Node
    exponent: Node
    prec = PREC_POW

    def evaluate(self, env: Mapping[str, float]) -> float:
        return _pow(self.base.evaluate(env), self.exponent.evaluate(env))

    def diff(self, var: str) -> Node:
        u, v = self.base, self.exponent
        du, dv = u.diff(var), v.diff(var)
        if isinstance(v, Const):  # (u^c)' = c u^(c-1) u'
            return mul(mul(v, power(u, Const(v.value - 1.0))), du)
        if isinstance(u, Const):  # (c^v)' = ln(c) c^v v'
            return mul(mul(call("log", u), self), dv)
        # (u^v)' = u^v (v' ln u + v u'/u)
        return mul(self, add(mul(dv, call("log", u)), div(mul(v, du), u)))

    def python(self, emit: Emit = None) -> str:  # type: ignore[assignment]
        base = _code(self.base, emit)
        if _is(self.exponent, 2) and base.isidentifier():
            return f"({base} * {base})"  # faster than ** 2, and exactly as rounded
        if isinstance(self.exponent, Const) and self.exponent.value == int(self.exponent.value):
            # Integer powers of a float never go complex.
            return f"(({base}) ** {int(self.exponent.value)})"
        return f"_pow({base}, {_code(self.exponent, emit)})"

    def latex(self) -> str:
        base = self.base
        if isinstance(base, Call) and base.func in ("sin", "cos", "tan", "sinh", "cosh", "tanh"):
            # sin²(x) reads better than (sin(x))²
            return rf"\{base.func}^{{{self.exponent.latex()}}}{base.latex_argument()}"
        return f"{_wrap(base, PREC_POW + 1)}^{{{self.exponent.latex()}}}"

    def names(self) -> set[str]:
        return self.base.names() | self.exponent.names()


def _pow(base: float, exponent: float) -> float:
    """Real power: math.pow raises (→ NaN) where ** would return a complex number."""
    return math.pow(base, exponent)


def _sign(value: float) -> float:
    return float((value > 0) - (value < 0))


@dataclass(frozen=True)
class Function:
    """A unary function: its forward rule and, beside it, its derivative rule."""

    python: str
    derivative: Callable[[Node], Node]  # f'(u) as a tree in u
    latex: str


FUNCTIONS: dict[str, Function] = {
    "exp": Function("_exp", lambda u: call("exp", u), r"\exp"),
    "log": Function("_log", lambda u: div(ONE, u), r"\ln"),
    "sqrt": Function("_sqrt", lambda u: div(ONE, mul(TWO, call("sqrt", u))), r"\sqrt"),
    "sin": Function("_sin", lambda u: call("cos", u), r"\sin"),
    "cos": Function("_cos", lambda u: neg(call("sin", u)), r"\cos"),
    "tan": Function("_tan", lambda u: div(ONE, power(call("cos", u), TWO)), r"\tan"),
    "tanh": Function("_tanh", lambda u: sub(ONE, power(call("tanh", u), TWO)), r"\tanh"),
    "sinh": Function("_sinh", lambda u: call("cosh", u), r"\sinh"),
    "cosh": Function("_cosh", lambda u: call("sinh", u), r"\cosh"),
    "atan": Function("_atan", lambda u: div(ONE, add(ONE, power(u, TWO))), r"\arctan"),
    "abs": Function("abs", lambda u: call("sign", u), ""),
    # Not accepted from authors; appears only as the derivative of abs.
    "sign": Function("_sign", lambda u: ZERO, r"\operatorname{sgn}"),
}
AUTHOR_FUNCTIONS = tuple(name for name in FUNCTIONS if name != "sign")


@dataclass(frozen=True)
class Call(Node):
    func: str
    arg: Node

    def evaluate(self, env: Mapping[str, float]) -> float:
        return _NAMESPACE_FUNCS[self.func](self.arg.evaluate(env))

    def diff(self, var: str) -> Node:
        # chain rule: f(u)' = f'(u) u'
        return mul(FUNCTIONS[self.func].derivative(self.arg), self.arg.diff(var))

    def python(self, emit: Emit = None) -> str:  # type: ignore[assignment]
        return f"{FUNCTIONS[self.func].python}({_code(self.arg, emit)})"

    def latex_argument(self, inner: str | None = None) -> str:
        return rf"\left({self.arg.latex() if inner is None else inner}\right)"

    def latex(self) -> str:
        inner = self.arg.latex()  # once: computing it again per level doubles the time
        if self.func == "sqrt":
            return rf"\sqrt{{{inner}}}"
        if self.func == "abs":
            return rf"\left|{inner}\right|"
        if self.func == "exp":
            return f"e^{{{inner}}}"
        return FUNCTIONS[self.func].latex + self.latex_argument(inner)

    def names(self) -> set[str]:
        return self.arg.names()


_NAMESPACE_FUNCS: dict[str, Callable[[float], float]] = {
    name: (abs if name == "abs" else _sign if name == "sign" else getattr(math, name))
    for name in FUNCTIONS
}


def _cached_hash(node: Node) -> int:
    """A node's hash, computed once. A derivative shares subtrees with its function, and a
    dataclass's own hash walks its tree each time it is asked: compiling a nested
    expression hashed the same subtrees over and over (90 ms an expression, where the
    fuzzer's deepest now take a few)."""
    found = node.__dict__.get("_hash")
    if found is None:
        found = hash((type(node).__name__, *(getattr(node, f.name) for f in fields(node))))
        object.__setattr__(node, "_hash", found)
    return found


for _kind in Node.__subclasses__():
    _kind.__hash__ = _cached_hash  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# Simplifying constructors
# ---------------------------------------------------------------------------
def _is(node: Node, value: float) -> bool:
    return isinstance(node, Const) and node.value == value


def _fold(value: float) -> Const | None:
    return Const(value) if math.isfinite(value) else None


def neg(a: Node) -> Node:
    if isinstance(a, Const):
        return Const(-a.value)
    if isinstance(a, Neg):
        return a.arg
    return Neg(a)


def add(a: Node, b: Node) -> Node:
    if _is(a, 0):
        return b
    if _is(b, 0):
        return a
    if isinstance(a, Const) and isinstance(b, Const) and not (a.name or b.name):
        return _fold(a.value + b.value) or Add(a, b)
    if isinstance(b, Neg):
        return sub(a, b.arg)
    return Add(a, b)


def sub(a: Node, b: Node) -> Node:
    if _is(b, 0):
        return a
    if _is(a, 0):
        return neg(b)
    if isinstance(a, Const) and isinstance(b, Const) and not (a.name or b.name):
        return _fold(a.value - b.value) or Sub(a, b)
    if isinstance(b, Neg):
        return add(a, b.arg)
    return Sub(a, b)


def mul(a: Node, b: Node) -> Node:
    if _is(a, 0) or _is(b, 0):
        return ZERO
    if _is(a, 1):
        return b
    if _is(b, 1):
        return a
    if _is(a, -1):
        return neg(b)
    if _is(b, -1):
        return neg(a)
    if isinstance(a, Const) and isinstance(b, Const) and not (a.name or b.name):
        return _fold(a.value * b.value) or Mul(a, b)
    if isinstance(a, Neg):
        return neg(mul(a.arg, b))
    if isinstance(b, Neg):
        return neg(mul(a, b.arg))
    if isinstance(b, Const) and not isinstance(a, Const):
        return mul(b, a)  # numbers first: 2 x, not x 2
    if isinstance(b, Mul) and isinstance(b.left, Const):
        if isinstance(a, Const):
            return mul(mul(a, b.left), b.right)  # 2 (3 x) → 6 x
        return mul(b.left, mul(a, b.right))  # u (2 x) → 2 u x
    return Mul(a, b)


def div(a: Node, b: Node) -> Node:
    if _is(a, 0):
        return ZERO
    if _is(b, 1):
        return a
    if isinstance(a, Const) and isinstance(b, Const) and not (a.name or b.name) and b.value:
        q = a.value / b.value
        if q == int(q):  # keep 1/3 as a fraction, for LaTeX
            return Const(q)
    if isinstance(a, Neg):
        return neg(div(a.arg, b))
    return Div(a, b)


def power(a: Node, b: Node) -> Node:
    if _is(b, 0):
        return ONE
    if _is(b, 1):
        return a
    if _is(a, 1):
        return ONE
    if isinstance(a, Const) and isinstance(b, Const) and not (a.name or b.name):
        try:
            value = math.pow(a.value, b.value)
        except (ValueError, OverflowError):
            return Pow(a, b)
        if value == int(value) and abs(value) < 1e15:
            return Const(value)
    if (
        isinstance(a, Pow)
        and isinstance(a.exponent, Const)
        and isinstance(b, Const)
        and a.exponent.value == int(a.exponent.value)
        and b.value == int(b.value)
    ):
        return power(a.base, Const(a.exponent.value * b.value))
    return Pow(a, b)


def call(func: str, arg: Node) -> Node:
    if isinstance(arg, Const) and not arg.name and func != "sign":
        if func in ("exp",) and arg.value == 0:
            return ONE
        if func in ("sin", "tan", "sinh", "tanh", "atan", "sqrt") and arg.value == 0:
            return ZERO
        if func == "cos" and arg.value == 0:
            return ONE
    return Call(func, arg)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------
def _translate_caret(text: str) -> tuple[str, list[int]]:
    """Replace ``^`` by ``**``; return the new text and where each insertion happened."""
    out, inserted = [], []
    for i, ch in enumerate(text):
        if ch == "^":
            inserted.append(i)
            out.append("**")
        else:
            out.append(ch)
    return "".join(out), inserted


@dataclass(frozen=True)
class _Parser:
    text: str
    inserted: list[int]
    params: frozenset[str]
    depth_limit: int = MAX_DEPTH

    def column(self, node: ast.AST | None) -> int:
        offset = getattr(node, "col_offset", None)
        if offset is None:
            return 0
        # Map a column of the translated text back to the author's text.
        shift = sum(1 for k, pos in enumerate(self.inserted) if pos + k < offset)
        return offset - shift + 1

    def fail(self, message: str, node: ast.AST | None) -> ExpressionError:
        return ExpressionError(message, self.column(node), self.text)

    def convert(self, node: ast.AST, depth: int = 0) -> Node:
        if depth > self.depth_limit:
            raise self.fail(f"the expression is nested deeper than {self.depth_limit} levels", node)
        if isinstance(node, ast.Expression):
            return self.convert(node.body, depth + 1)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                kind = "text" if isinstance(value, str) else type(value).__name__
                raise self.fail(f"a {kind} literal is not a number; write a number here", node)
            as_float = float(value) if abs(value) < 1e308 else math.inf
            if not math.isfinite(as_float):
                raise self.fail("this number is too large", node)
            return Const(as_float)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.convert(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return neg(operand)
            if isinstance(node.op, ast.UAdd):
                return operand
            raise self.fail("only + and - can stand before a term", node)
        if isinstance(node, ast.BinOp):
            left = self.convert(node.left, depth + 1)
            right = self.convert(node.right, depth + 1)
            op = node.op
            if isinstance(op, ast.Add):
                return add(left, right)
            if isinstance(op, ast.Sub):
                return sub(left, right)
            if isinstance(op, ast.Mult):
                return mul(left, right)
            if isinstance(op, ast.Div):
                return div(left, right)
            if isinstance(op, ast.Pow):
                if isinstance(right, Const) and abs(right.value) > MAX_EXPONENT:
                    raise self.fail(
                        f"the exponent {_fmt_number(right.value)} is too large "
                        f"(at most {MAX_EXPONENT:g} in size)",
                        node.right,
                    )
                return power(left, right)
            symbol = {ast.Mod: "%", ast.FloorDiv: "//", ast.BitXor: "^", ast.MatMult: "@"}.get(
                type(op), "this operator"
            )
            raise self.fail(f"{symbol} is not allowed; use + - * / and ** (or ^)", node)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Attribute):
            raise self.fail("attributes (a.b) are not allowed; write sin(x), not math.sin(x)", node)
        if isinstance(node, ast.Subscript):
            raise self.fail("indexing (a[i]) is not allowed", node)
        if isinstance(node, ast.Lambda):
            raise self.fail("lambda is not allowed; write the expression itself", node)
        if isinstance(node, ast.Compare | ast.BoolOp):
            raise self.fail("comparisons and and/or are not allowed in a loss", node)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            raise self.fail("comprehensions are not allowed", node)
        kind = type(node).__name__.lower()
        raise self.fail(f"{kind} is not allowed; a loss is arithmetic on x, y and numbers", node)

    def name(self, node: ast.Name) -> Node:
        ident = node.id
        if ident in VARIABLES or ident in self.params:
            return Sym(ident)
        if ident in CONSTANTS:
            return Const(CONSTANTS[ident], ident)
        if ident in AUTHOR_FUNCTIONS:
            raise self.fail(f"{ident} is a function; call it as {ident}(...)", node)
        known = [*VARIABLES, *sorted(self.params), *CONSTANTS]
        hint = difflib.get_close_matches(ident, known + list(AUTHOR_FUNCTIONS), n=1)
        suggestion = f"; did you mean {hint[0]}?" if hint else ""
        allowed = ", ".join(known)
        raise self.fail(f"unknown name {ident!r} (allowed: {allowed}){suggestion}", node)

    def call(self, node: ast.Call, depth: int) -> Node:
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                raise self.fail("write sin(x), not math.sin(x): attributes are not allowed", func)
            raise self.fail("only named functions can be called", func)
        if func.id not in AUTHOR_FUNCTIONS:
            hint = difflib.get_close_matches(func.id, AUTHOR_FUNCTIONS, n=1)
            suggestion = f"; did you mean {hint[0]}?" if hint else ""
            names = ", ".join(AUTHOR_FUNCTIONS)
            raise self.fail(f"unknown function {func.id!r} (known: {names}){suggestion}", func)
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.fail(f"{func.id} takes exactly one argument", node)
        return call(func.id, self.convert(node.args[0], depth + 1))


def parse(text: str, params: Mapping[str, float] | frozenset[str] | tuple[str, ...] = ()) -> Node:
    """Parse ``text`` (Python syntax, ``^`` meaning power) over x, y and ``params``.

    Raises :class:`ExpressionError` with the column it points at for anything outside the
    whitelist, and for over-long, over-deep or absurd input.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"the function must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; at most {MAX_LENGTH} are allowed",
            MAX_LENGTH + 1,
            text[: MAX_LENGTH + 20],
        )
    if not text.strip():
        raise ExpressionError("the expression is empty", 1, text)
    breaks = [i for i, ch in enumerate(text.strip()) if ch in "\r\n"]
    if breaks:
        raise ExpressionError("the expression must fit on one line", breaks[0] + 1, text.strip())
    param_names = frozenset(params)
    for name in param_names:
        if name in VARIABLES or name in CONSTANTS or name in FUNCTIONS or not name.isidentifier():
            raise ExpressionError(f"{name!r} cannot be a parameter name")
    bad = next((c for c in text if "\ud800" <= c <= "\udfff"), None)
    if bad is not None:  # a byte that is not UTF-8 (the command line keeps it as a surrogate)
        column = text.index(bad) + 1
        raise ExpressionError(
            "the expression is not valid text: a byte there is not UTF-8", column, text.strip()
        )
    translated, inserted = _translate_caret(text.strip())
    parser = _Parser(text.strip(), inserted, param_names)
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": we report our own
            warnings.simplefilter("ignore")
            tree = ast.parse(translated, mode="eval")
    except SyntaxError as exc:
        offset = (exc.offset or 1) - 1
        column = parser.column(_At(offset))
        raise ExpressionError(f"not a valid expression: {exc.msg}", column, parser.text) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is too deeply nested", 1, parser.text) from None
    except ValueError as exc:  # e.g. a NUL character
        raise ExpressionError(f"not a valid expression: {exc}", 1, parser.text) from None
    try:
        return parser.convert(tree)
    except RecursionError:
        raise ExpressionError("the expression is too deeply nested", 1, parser.text) from None


@dataclass(frozen=True)
class _At:
    col_offset: int


# ---------------------------------------------------------------------------
# Compilation
# ---------------------------------------------------------------------------
_BASE_NAMESPACE: dict[str, object] = {
    "__builtins__": {},
    **{
        f"_{name}": getattr(math, name)
        for name in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "atan")
    },
    "_pow": _pow,
    "_sign": _sign,
    "abs": abs,
}
_UNDEFINED = (ValueError, ZeroDivisionError, OverflowError, TypeError)


def _children(node: Node) -> tuple[Node, ...]:
    return tuple(v for v in vars(node).values() if isinstance(v, Node))


def depth(node: Node) -> int:
    """Levels of ``node``'s tree, measured without recursion (trees may be deep)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in _children(current))
    return deepest


def distinct_nodes(trees: tuple[Node, ...]) -> int:
    """Distinct operations across ``trees`` (shared subtrees count once), without recursion."""
    seen: set[int] = set()
    stack = list(trees)
    while stack:
        node = stack.pop()
        if id(node) in seen or isinstance(node, Const | Sym):
            continue
        seen.add(id(node))
        stack.extend(_children(node))
    return len(seen)


def _function_source(name: str, args: str, outputs: list[Node], shape: str, fallback: str) -> str:
    """Source of ``def name(args)`` returning ``shape`` filled with the outputs' code.

    Subexpressions that occur more than once across the outputs (the exp(...) factors of a
    function and of its partials, say) are computed once into temporaries. Any arithmetic
    fault (log of a negative, 1/0, overflow) returns ``fallback``: "undefined here". Deep
    subexpressions become temporaries too, so no line of code nests beyond CODE_NESTING.
    """
    counts: dict[Node, int] = {}
    nesting: dict[Node, int] = {}  # node levels of a node's code (a temporary counts 0)

    def count(node: Node) -> None:
        if isinstance(node, Const | Sym):
            return
        counts[node] = counts.get(node, 0) + 1
        if counts[node] == 1:
            for child in _children(node):
                count(child)
            if isinstance(node, Pow) and _is(node.exponent, 2):
                count(node.base)  # a squared base is used twice: b * b

    for output in outputs:
        count(output)
    temps: dict[Node, str] = {}
    lines: list[str] = []

    def emit(node: Node) -> str:
        if node in temps:
            return temps[node]
        code = node.python(emit)
        nesting[node] = 1 + max((nesting.get(c, 0) for c in _children(node)), default=0)
        if counts.get(node, 0) > 1 or nesting[node] >= CODE_NESTING:
            nesting[node] = 0
            temps[node] = f"_t{len(temps)}"
            lines.append(f"        {temps[node]} = {code}\n")
            return temps[node]
        return code

    results = [emit(output) for output in outputs]
    body = shape.format(*results)
    return (
        f"def {name}({args}):\n"
        f"    try:\n" + "".join(lines) + f"        return {body}\n"
        f"    except _UNDEFINED:\n"
        f"        return {fallback}\n"
    )


@dataclass(frozen=True)
class Expression:
    """A parsed loss with its exact partial derivatives and compiled code.

    ``value(point)`` and ``gradient(point)`` take a sequence of 1 or 2 floats and the
    parameter values bound by :meth:`bind`.
    """

    text: str
    tree: Node
    partials: tuple[Node, ...]
    variables: tuple[str, ...]
    params: tuple[str, ...]
    code: types.CodeType

    @property
    def dim(self) -> int:
        return len(self.variables)

    def latex(self) -> dict[str, str]:
        """LaTeX of f and of each partial derivative, keyed ``f``, ``df/dx``, ``df/dy``."""
        out = {"f": self.tree.latex()}
        for var, partial in zip(self.variables, self.partials, strict=True):
            out[f"df/d{var}"] = partial.latex()
        return out

    def bind(self, params: Mapping[str, float] | None = None) -> BoundExpression:
        """Fix the parameter values; missing parameters are an error."""
        values = dict(params or {})
        missing = [p for p in self.params if p not in values]
        if missing:
            raise ExpressionError(f"no value given for parameter {missing[0]!r}", 0, self.text)
        namespace = self._namespace(values)
        exec(self.code, namespace)  # defines _value, _gradient, _value_and_gradient
        return BoundExpression(
            self,
            namespace["_value"],
            namespace["_gradient"],
            namespace["_value_and_gradient"],
            tuple(sorted(values.items())),
        )  # type: ignore[arg-type]

    def _namespace(self, values: Mapping[str, float]) -> dict[str, object]:
        """What the compiled code runs in: safe builtins, the parameters' values."""
        namespace = dict(_BASE_NAMESPACE)
        nans = (math.nan,) * self.dim
        namespace.update(
            _UNDEFINED=_UNDEFINED, _nan=math.nan, _nans=nans, _both_nan=(math.nan, nans)
        )
        namespace["_nan_hessian"] = (math.nan,) * (1 if self.dim == 1 else 3)
        namespace.update({f"p_{p}": float(values[p]) for p in self.params})
        return namespace

    def second_partials(self) -> tuple[Node, ...]:
        """f_xx (one variable), or f_xx, f_xy, f_yy: the Hessian's distinct entries."""
        v = self.variables
        return tuple(self.tree.diff(a).diff(b) for i, a in enumerate(v) for b in v[i:])


@dataclass(frozen=True)
class BoundExpression:
    """An :class:`Expression` with its parameters fixed: fast callables of the point."""

    expression: Expression
    value_at: Callable[..., float]
    gradient_at: Callable[..., tuple[float, ...]]
    value_and_gradient_at: Callable[..., tuple[float, tuple[float, ...]]]

    values: tuple[tuple[str, float], ...] = ()  # the parameters' values, by name

    @property
    def dim(self) -> int:
        return self.expression.dim

    def hessian_at(self) -> Callable[..., tuple[float, ...]]:
        """f_xx, or (f_xx, f_xy, f_yy), as a fast function of the point (compiled on first
        use: most demos never ask for second derivatives)."""
        namespace = self.expression._namespace(dict(self.values))
        exec(_hessian_code(self.expression), namespace)
        return namespace["_hessian"]  # type: ignore[return-value]

    def value(self, point: tuple[float, ...] | list[float]) -> float:
        return self.value_at(*point)

    def gradient(self, point: tuple[float, ...] | list[float]) -> tuple[float, ...]:
        return self.gradient_at(*point)


def compile_expression(
    text: str, params: Mapping[str, float] | tuple[str, ...] = (), dim: int | None = None
) -> Expression:
    """Parse ``text``, differentiate it symbolically and compile both, once.

    ``dim`` forces 1 (x) or 2 (x, y); by default it is 2 when ``y`` appears, else 1.
    """
    tree = parse(text, tuple(params))
    used = tree.names()
    if dim is None:
        dim = 2 if "y" in used else 1
    if dim == 1 and "y" in used:
        raise ExpressionError("this demo is one-dimensional, but the function uses y", 0, text)
    variables = VARIABLES[:dim]
    partials = tuple(tree.diff(v) for v in variables)
    deepest = max(depth(node) for node in (tree, *partials))
    if deepest > MAX_DERIVED_DEPTH:
        raise ExpressionError(
            f"the expression is nested too deeply: with its derivatives it has {deepest} "
            f"levels, at most {MAX_DERIVED_DEPTH} are allowed; write it with fewer nested "
            "powers or calls",
            1,
            text.strip(),
        )
    args = ", ".join(variables)
    slots = ", ".join(f"{{{k + 1}}}" for k in range(dim))
    grad_shape = "(" + ", ".join(f"{{{k}}}" for k in range(dim)) + ",)"
    source = (
        _function_source("_value", args, [tree], "{0}", "_nan")
        + _function_source("_gradient", args, list(partials), grad_shape, "_nans")
        + _function_source(
            "_value_and_gradient", args, [tree, *partials], f"({{0}}, ({slots},))", "_both_nan"
        )
    )
    try:
        code = compile(source, "<downhill expression>", "exec")
    except (SyntaxError, RecursionError, MemoryError) as exc:  # a limit above is too lax
        raise ExpressionError(f"the expression cannot be compiled ({exc})", 1, text) from None
    return Expression(text, tree, partials, variables, tuple(sorted(params)), code)


@lru_cache(maxsize=16)
def _hessian_code(expression: Expression) -> types.CodeType:
    seconds = list(expression.second_partials())
    shape = "(" + ", ".join(f"{{{k}}}" for k in range(len(seconds))) + ",)"
    source = _function_source(
        "_hessian", ", ".join(expression.variables), seconds, shape, "_nan_hessian"
    )
    return compile(source, "<downhill hessian>", "exec")


def compile_cached(text: str, params: tuple[str, ...] = (), dim: int | None = None) -> Expression:
    """:func:`compile_expression`, done once per text and parameter names.

    Expressions are immutable, so the spec check and the figures of every slider move
    share one parse, differentiation and compilation. A text that is refused is refused
    once too: its error (a derivative too deep is found only after differentiating) is
    kept and raised again as new."""
    found = _compiled(text, params, dim)
    if isinstance(found, ExpressionError):
        raise ExpressionError(found.message, found.column, found.text)
    return found


@lru_cache(maxsize=256)
def _compiled(text: str, params: tuple[str, ...], dim: int | None) -> Expression | ExpressionError:
    try:
        return compile_expression(text, params, dim)
    except ExpressionError as exc:
        return exc


def evaluate_tree(tree: Node, env: Mapping[str, float]) -> float:
    """Tree-walking evaluation (the slow reference, kept for tests and benchmarks)."""
    try:
        return tree.evaluate(env)
    except _UNDEFINED:
        return math.nan


def readable(node: Node) -> str:
    """``node`` as a person writes it in Python: ``2*x*sin(y)``, ``x**2*cos(y)``."""
    if isinstance(node, Const):
        return node.name or _fmt_number(node.value)
    if isinstance(node, Sym):
        return node.name
    if isinstance(node, Call):
        return f"{node.func}({readable(node.arg)})"
    if isinstance(node, Neg):
        return "-" + _readable_wrapped(node.arg, PREC_MUL)
    if isinstance(node, Pow):
        base = _readable_wrapped(node.base, PREC_ATOM)
        return f"{base}**{_readable_wrapped(node.exponent, PREC_ATOM)}"
    symbol = {Add: " + ", Sub: " - ", Mul: "*", Div: "/"}[type(node)]
    prec = _text_prec(node)
    left = _readable_wrapped(node.left, prec)
    right = _readable_wrapped(node.right, prec + (0 if isinstance(node, Add | Mul) else 1))
    if isinstance(node, Add) and right.startswith("-"):
        return f"{left} - {right[1:]}"
    return f"{left}{symbol}{right}"


def _text_prec(node: Node) -> int:
    """How tightly ``node`` binds in Python's syntax (LaTeX's fractions bind otherwise)."""
    if isinstance(node, Add | Sub):
        return PREC_ADD
    if isinstance(node, Mul | Div):
        return PREC_MUL
    if isinstance(node, Neg) or (isinstance(node, Const) and node.value < 0):
        return PREC_NEG
    return PREC_POW if isinstance(node, Pow) else PREC_ATOM


def _readable_wrapped(node: Node, prec: int) -> str:
    text = readable(node)
    return f"({text})" if _text_prec(node) < prec else text
