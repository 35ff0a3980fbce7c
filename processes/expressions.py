"""The one safe expression language for user files (process specs and system specs).

Expression strings from files are researchers' shared data, so they must never run code.
They are parsed with :mod:`ast` in ``eval`` mode and only an allow-list is accepted:

- numeric literals (int and float; no complex, bool or string);
- names declared by the file (parameters, state variables) and the constants ``pi``
  and ``E`` (plus ``oo`` in domain endpoints);
- unary ``+ -`` and binary ``+ - * / **``;
- calls of the functions in `FUNCTIONS` with positional arguments.

The sympy expression is built from the parse tree here; no user text ever reaches
``eval``, ``sympify``, ``parse_expr`` or ``lambdify`` as a string. Length, nesting depth
and exact-power sizes are bounded, so no expression can hang or exhaust memory.

Domains use one syntax everywhere: interval notation ``"(0, 1/2]"`` (endpoints are
expressions, ``oo`` is infinity) or a two-item list ``[lo, hi]``, meaning a closed
interval.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from collections.abc import Mapping

import sympy as sp

from .errors import SpecError

__all__ = [
    "FUNCTIONS",
    "CONSTANTS",
    "MAX_EXPRESSION_LENGTH",
    "MAX_EXPRESSION_DEPTH",
    "MAX_EXPONENT",
    "check_name",
    "parse_expression",
    "parse_domain",
    "to_number",
]

MAX_EXPRESSION_LENGTH = 2_000
"""Characters in one expression; a matrix entry or equation is far shorter."""
MAX_EXPRESSION_DEPTH = 64
"""Nesting depth of the parse tree (operators, calls, parentheses)."""
MAX_EXPONENT = 1_000
"""Largest absolute numeric exponent in ``a ** b``."""
_MAX_EXACT_BITS = 100_000
"""An exact power whose result would need more bits than this is refused: sympy
evaluates ``9**9**9`` exactly and would never return."""

FUNCTIONS: dict[str, tuple[object, int, int]] = {
    # name: (sympy function, minimum and maximum number of arguments)
    "sqrt": (sp.sqrt, 1, 1),
    "exp": (sp.exp, 1, 1),
    "log": (sp.log, 1, 2),
    "ln": (sp.log, 1, 1),
    "sin": (sp.sin, 1, 1),
    "cos": (sp.cos, 1, 1),
    "tan": (sp.tan, 1, 1),
    "asin": (sp.asin, 1, 1),
    "acos": (sp.acos, 1, 1),
    "atan": (sp.atan, 1, 1),
    "sinh": (sp.sinh, 1, 1),
    "cosh": (sp.cosh, 1, 1),
    "tanh": (sp.tanh, 1, 1),
    "Abs": (sp.Abs, 1, 1),
    "abs": (sp.Abs, 1, 1),
    "sign": (sp.sign, 1, 1),
    "Min": (sp.Min, 1, 16),
    "Max": (sp.Max, 1, 16),
    "min": (sp.Min, 1, 16),
    "max": (sp.Max, 1, 16),
}
"""The callable functions: name -> (sympy function, min args, max args)."""

CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}
"""Named constants usable in every expression."""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CONSTRUCT = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts",
    ast.Lambda: "lambdas", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.IfExp: "conditional expressions", ast.Starred: "starred arguments",
    ast.Compare: "comparisons", ast.BoolOp: "boolean operators", ast.NamedExpr: "assignments",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.JoinedStr: "strings", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Slice: "slices",
}


def check_name(name: object, what: str = "name") -> str:
    """Return ``name`` if it is usable as a parameter or variable name, else raise.

    A name is a letter followed by up to 63 letters, digits or underscores, and is not a
    Python keyword, a function or a constant of the expression language.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise SpecError(f"{what} {name!r} is not a valid name; use a letter followed by "
                        "letters, digits or underscores (at most 64 characters)")
    if keyword.iskeyword(name) or name in FUNCTIONS or name in CONSTANTS or name == "oo":
        raise SpecError(f"{what} {name!r} is reserved (a keyword, function or constant); "
                        "choose another name")
    return name


def to_number(value: object, where: str) -> sp.Expr:
    """A JSON/TOML number as a sympy number: int exactly, float as a float.

    Booleans, non-finite floats and integers beyond 1e300 are refused, since each of them
    is a mistake in a file rather than a value of a process.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where}: expected a number or an expression string, got "
                        f"{type(value).__name__} {_short(value)}")
    if isinstance(value, int):
        if abs(value) > 10**300:
            raise SpecError(f"{where}: the integer {_short(value)} is too large; "
                            "use a number below 1e300")
        return sp.Integer(value)
    if not math.isfinite(value):
        raise SpecError(f"{where}: {value} is not a finite number")
    return sp.Float(value)


def parse_expression(text: object, names: Mapping[str, sp.Symbol], where: str,
                     *, allow_infinity: bool = False) -> sp.Expr:
    """Parse one expression of the safe language into a sympy expression.

    Parameters
    ----------
    text : str, int or float
        The expression, or a plain number.
    names : mapping of str to sympy.Symbol
        The names the expression may use (parameters, state variables).
    where : str
        Where the text comes from, for messages, e.g. ``"my.toml: matrices[0][1][2]"``.
    allow_infinity : bool
        Accept ``oo`` (domain endpoints).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    SpecError
        For anything outside the language, naming ``where`` and the refused construct.
        Nothing in ``text`` is ever executed.
    """
    if not isinstance(text, str):
        return to_number(text, where)
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise SpecError(f"{where}: the expression has {len(text)} characters; the limit is "
                        f"{MAX_EXPRESSION_LENGTH}")
    if not text.strip():
        raise SpecError(f"{where}: the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise SpecError(f"{where}: {_short(text)} is not a valid expression ({exc.msg})") \
            from None
    except (RecursionError, MemoryError):
        raise SpecError(f"{where}: the expression is nested too deeply (limit "
                        f"{MAX_EXPRESSION_DEPTH})") from None
    _check_depth(tree.body, where)
    known = dict(CONSTANTS)
    if allow_infinity:
        known["oo"] = sp.oo
    known.update(names)
    return _Builder(known, where, text).build(tree.body)


def _check_depth(root: ast.AST, where: str) -> None:
    # Iterative, so a hostile tree cannot exhaust the interpreter's stack before the check.
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_EXPRESSION_DEPTH:
            raise SpecError(f"{where}: the expression is nested too deeply (limit "
                            f"{MAX_EXPRESSION_DEPTH} levels)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


class _Builder:
    """Turns an allowed parse tree into sympy, refusing everything else."""

    def __init__(self, known: Mapping[str, sp.Expr], where: str, text: str):
        self.known, self.where, self.text = known, where, text

    def refuse(self, what: str) -> SpecError:
        return SpecError(f"{self.where}: {_short(self.text)} uses {what}, which expressions "
                         "do not allow; allowed: numbers, declared names, + - * / **, and "
                         "the functions " + ", ".join(sorted(FUNCTIONS)))

    def build(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                kind = "strings" if isinstance(value, str | bytes) else \
                    f"{type(value).__name__} literals"
                raise self.refuse(kind)
            return to_number(value, self.where)
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise self.refuse(f"the name {node.id!r} (names starting with '_')")
            if node.id not in self.known:
                hint = " (it is a function: call it)" if node.id in FUNCTIONS else ""
                raise SpecError(f"{self.where}: unknown name {node.id!r}{hint} in "
                                f"{_short(self.text)}; declare it as a parameter (known: "
                                f"{', '.join(sorted(self.known))})")
            return self.known[node.id]
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.build(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.build(node.operand)
            raise self.refuse(f"the operator {type(node.op).__name__}")
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise self.refuse(f"the operator {type(node.op).__name__}")
            left, right = self.build(node.left), self.build(node.right)
            if isinstance(node.op, ast.Pow):
                return self.power(left, right)
            if isinstance(node.op, ast.Div):
                if right == 0:
                    raise SpecError(f"{self.where}: division by zero in {_short(self.text)}")
                return left / right
            return {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b,
                    ast.Mult: sp.Mul}[type(node.op)](left, right)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.refuse(_CONSTRUCT.get(type(node), type(node).__name__))

    def power(self, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        if exponent.is_number:
            value = complex(exponent.evalf(15))
            if not math.isfinite(value.real) or abs(value) > MAX_EXPONENT:
                raise SpecError(f"{self.where}: the exponent {exponent} in "
                                f"{_short(self.text)} is too large (limit {MAX_EXPONENT})")
            if base.is_Rational and exponent.is_Integer:
                bits = max(abs(base.p).bit_length(), abs(base.q).bit_length())
                if bits * abs(int(exponent)) > _MAX_EXACT_BITS:
                    raise SpecError(f"{self.where}: {_short(self.text)} is too large to "
                                    "evaluate exactly; write it as a float")
        return sp.Pow(base, exponent)

    def call(self, node: ast.Call) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise self.refuse("a call of something other than a named function")
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.refuse(f"the function {name!r}")
        if node.keywords:
            raise self.refuse("keyword arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.refuse("starred arguments")
        func, lo, hi = FUNCTIONS[name]
        if not lo <= len(node.args) <= hi:
            raise SpecError(f"{self.where}: {name} takes {lo}"
                            f"{'' if lo == hi else f' to {hi}'} argument(s), got "
                            f"{len(node.args)} in {_short(self.text)}")
        return func(*(self.build(a) for a in node.args))


_INTERVAL = re.compile(r"^\s*([\[(])(.*)([\])])\s*$", re.DOTALL)


def _split_top_level(inner: str) -> list[str] | None:
    """``"0, Max(1, 2)"`` -> ``["0", " Max(1, 2)"]``: split at the one comma outside
    parentheses; None unless there is exactly one."""
    depth, cuts = 0, []
    for i, char in enumerate(inner):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            cuts.append(i)
    if len(cuts) != 1:
        return None
    return [inner[: cuts[0]], inner[cuts[0] + 1:]]


def parse_domain(domain: object, where: str = "domain") -> sp.Interval:
    """Parse a domain: ``"(0, 1/2]"``-style interval notation, or ``[lo, hi]`` (closed).

    Endpoints are expressions of the safe language with ``oo`` for infinity; they must be
    real and ordered (``lo <= hi``). Returns a `sympy.Interval`.
    """
    if isinstance(domain, list | tuple):
        if len(domain) != 2:
            raise SpecError(f"{where}: a list domain must be [low, high], got "
                            f"{_short(domain)}")
        ends = [parse_expression(e, {}, f"{where}[{i}]", allow_infinity=True)
                for i, e in enumerate(domain)]
        left_open = right_open = False
    elif isinstance(domain, str):
        if len(domain) > MAX_EXPRESSION_LENGTH:
            raise SpecError(f"{where}: the domain is too long")
        match = _INTERVAL.match(domain)
        parts = None if match is None else _split_top_level(match.group(2))
        if parts is None:
            raise SpecError(f"{where}: {_short(domain)} is not an interval; write it like "
                            "'(0, 1/2)', '[0, oo)' or [0, 1]")
        left, right = match.group(1), match.group(3)
        ends = [parse_expression(e, {}, where, allow_infinity=True) for e in parts]
        left_open, right_open = left == "(", right == ")"
    else:
        raise SpecError(f"{where}: a domain is a string like '(0, 1]' or a list [low, high], "
                        f"got {type(domain).__name__}")
    for end in ends:
        if end.has(sp.nan) or end == sp.zoo or end.is_extended_real is not True:
            raise SpecError(f"{where}: the endpoint {end} is not a real number or +-oo")
    lo, hi = ends
    if bool(lo > hi):
        raise SpecError(f"{where}: the lower end {lo} is above the upper end {hi}")
    return sp.Interval(lo, hi, left_open=left_open, right_open=right_open)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
