"""Named process parameters with defaults and declared domains."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from .errors import ParameterError

__all__ = ["Parameter", "parse_domain"]


@dataclass(frozen=True)
class Parameter:
    """A named real parameter of a process.

    Parameters
    ----------
    name : str
        The symbol's name, as used in the matrix expressions and on the command line.
    default : float
        The value used when the caller gives none.
    domain : sympy.Set
        Values the process is defined for, e.g. ``sympy.Interval.open(0, 0.5)``.
    description : str
        One line for ``describe`` and the docs.
    """

    name: str
    default: float
    domain: sp.Set = field(default=sp.S.Reals)
    description: str = ""

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name, real=True)

    def check(self, value: float, process: str = "process") -> float:
        """Return ``value`` as a float, or raise `ParameterError` naming the domain."""
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ParameterError(
                f"{process}: parameter {self.name}={value!r} is not a number"
            ) from None
        if not bool(self.domain.contains(sp.Float(value))):
            raise ParameterError(
                f"{process}: parameter {self.name}={value} is outside its domain "
                f"{format_domain(self.domain)}; choose a value inside it"
            )
        return value


def format_domain(domain: sp.Set) -> str:
    if isinstance(domain, sp.Interval):
        lo = "(" if domain.left_open else "["
        hi = ")" if domain.right_open else "]"
        return f"{lo}{domain.start}, {domain.end}{hi}"
    return str(domain)


_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,]+?)\s*,\s*([^,]+?)\s*([\])])\s*$")


def parse_domain(text: str) -> sp.Set:
    """Parse interval notation such as ``"(0, 1/2)"``, ``"[0, 1]"`` or ``"(1, oo)"``."""
    match = _INTERVAL.match(text)
    if match is None:
        raise ParameterError(
            f"domain {text!r} is not an interval; write it like '(0, 1/2)' or '[0, oo)'"
        )
    left, lo, hi, right = match.groups()
    try:
        start, end = sp.sympify(lo), sp.sympify(hi)
    except (sp.SympifyError, SyntaxError, TypeError):
        raise ParameterError(f"domain {text!r} has an endpoint sympy cannot read") from None
    return sp.Interval(start, end, left_open=left == "(", right_open=right == ")")
