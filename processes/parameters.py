"""Named real parameters with defaults and declared domains: the one parameter type of
processes, maps, flows and IFSs."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from .errors import ParameterError

if TYPE_CHECKING:
    import sympy as sp

__all__ = ["Parameter", "Parametrized", "bind_parameters", "format_domain", "parse_domain"]


def parse_domain(domain, where: str = "domain"):
    """Interval notation (``"(0, 1/2]"``) or ``[lo, hi]`` as a `sympy.Interval`; see
    `processes.expressions.parse_domain`."""
    from .expressions import parse_domain as parse

    return parse(domain, where)


@lru_cache(maxsize=256)
def _interval(text: str):
    return parse_domain(text)


@dataclass(frozen=True)
class Parameter:
    """A named real parameter.

    Parameters
    ----------
    name : str
        The symbol's name, as used in the expressions and on the command line.
    default : float
        The value used when the caller gives none.
    domain : str or sympy.Set
        Values the parameter may take: interval notation such as ``"(0, 1/2)"`` or
        ``"[0, oo)"`` (parsed on first use, so listing a catalogue needs no sympy), or a
        sympy set.
    description : str
        One line for ``beliefscope list`` and the docs.
    """

    name: str
    default: float
    domain: str | sp.Set = "(-oo, oo)"
    description: str = ""

    @cached_property
    def interval(self) -> sp.Set:
        """`domain` as a sympy set."""
        return _interval(self.domain) if isinstance(self.domain, str) else self.domain

    @property
    def symbol(self) -> sp.Symbol:
        import sympy as sp

        return sp.Symbol(self.name, real=True)

    def check(self, value: float, process: str = "process") -> float:
        """Return ``value`` as a float, or raise `ParameterError` naming the domain."""
        import sympy as sp

        try:
            value = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ParameterError(
                f"{process}: parameter {self.name}={value!r} is not a number"
            ) from None
        if not math.isfinite(value):
            raise ParameterError(f"{process}: parameter {self.name}={value} is not finite; "
                                 "give a finite number")
        if not bool(self.interval.contains(sp.Float(value))):
            raise ParameterError(
                f"{process}: parameter {self.name}={value} is outside its domain "
                f"{format_domain(self.domain)}; choose a value inside it"
            )
        return value

    def to_dict(self) -> dict:
        """JSON-ready: name, default, domain (interval notation) and description."""
        return {"name": self.name, "default": self.default,
                "domain": format_domain(self.domain), "description": self.description}


def format_domain(domain) -> str:
    """Interval notation for a domain given as text or as a sympy set."""
    if isinstance(domain, str):
        return domain.strip()
    import sympy as sp

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


class Parametrized:
    """The one ``with_params`` of every symbolic object (processes, maps, flows, IFSs).

    A subclass keeps its bound values in ``params`` and implements ``_bind(values)``,
    which checks them (with `bind_parameters`) and computes what depends on them.
    Compiled code is shared between the copies; values cached with
    `functools.cached_property` are dropped, so nothing stale survives a rebinding.
    """

    params: dict[str, float]

    def _bind(self, values: Mapping[str, float]) -> None:
        raise NotImplementedError

    def with_params(self, **overrides: float):
        """A copy with some parameters changed (the others keep their values)."""
        new = copy.copy(self)
        for cls in type(self).__mro__:  # cached values of every base class, too
            for name, attr in vars(cls).items():
                if isinstance(attr, cached_property):
                    new.__dict__.pop(name, None)
        new._bind({**self.params, **overrides})
        return new
