"""Named process parameters with defaults and declared domains."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from .errors import ParameterError
from .expressions import parse_domain

__all__ = ["Parameter", "bind_parameters", "format_domain", "parse_domain"]


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
        except (TypeError, ValueError, OverflowError):
            raise ParameterError(
                f"{process}: parameter {self.name}={value!r} is not a number"
            ) from None
        if not math.isfinite(value):
            raise ParameterError(f"{process}: parameter {self.name}={value} is not finite; "
                                 "give a finite number")
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


def bind_parameters(parameters: Sequence[Parameter], values: Mapping[str, float],
                    owner: str) -> dict[str, float]:
    """Every parameter's value: ``values`` over the defaults, each checked in its domain.

    The one binding rule of every symbolic object (processes, maps, flows, IFSs).

    Raises
    ------
    ParameterError
        For a name that is not a parameter of ``owner`` (the message lists the known
        ones), a value that is not a finite number, or one outside its domain.
    """
    known = {p.name: p for p in parameters}
    unknown = set(values) - set(known)
    if unknown:
        raise ParameterError(f"{owner}: unknown parameter(s) {sorted(unknown)}; "
                             f"known: {', '.join(sorted(known)) or 'none'}")
    return {p.name: p.check(values.get(p.name, p.default), owner) for p in parameters}
