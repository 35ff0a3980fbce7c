"""The process catalogue: one small declarative definition per process.

Each entry is a function of sympy symbols returning the matrices ``T[x]`` as nested
lists, decorated with its parameters (defaults and domains) and a citation. Reference
values are checked in ``tests/test_catalogue.py`` (one table row per entry).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ParameterError
from .parameters import Parameter

if TYPE_CHECKING:
    from .process import Process

__all__ = ["CatalogueEntry", "catalogue_entries", "get_process", "list_processes", "register"]


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    build: Callable[..., list]
    parameters: tuple[Parameter, ...]
    citation: str
    generalized: bool = False
    normalize: bool = False

    @property
    def summary(self) -> str:
        """The first line of the builder's docstring."""
        return (self.build.__doc__ or "").strip().splitlines()[0]

    def to_dict(self) -> dict:
        """JSON-ready description for ``beliefscope list --json``."""
        return {"name": self.name, "kind": "process", "summary": self.summary,
                "generalized": self.generalized,
                "parameters": [p.to_dict() for p in self.parameters],
                "citation": self.citation}


_CATALOGUE: dict[str, CatalogueEntry] = {}
_DEFINITIONS: dict[str, Process] = {}  # one lambdified definition per entry, built lazily


def register(*parameters: Parameter, citation: str, generalized: bool = False,
             normalize: bool = False):
    """Add the decorated matrix builder to the catalogue under its function name."""

    def decorate(build):
        _CATALOGUE[build.__name__] = CatalogueEntry(
            build.__name__, build, tuple(parameters), citation, generalized, normalize)
        return build

    return decorate


def catalogue_entries() -> list[CatalogueEntry]:
    """Every catalogue entry (name, summary, parameters, citation), sorted by name."""
    return [_CATALOGUE[name] for name in sorted(_CATALOGUE)]


def list_processes() -> list[str]:
    """Names of the catalogue's processes, sorted."""
    return sorted(_CATALOGUE)


def get_process(name: str, **params: float) -> Process:
    """The catalogue process ``name`` with ``params`` overriding its defaults.

    >>> get_process("mess3", x=0.05, a=0.85).n_states
    3
    """
    if name not in _CATALOGUE:
        raise ParameterError(
            f"unknown process {name!r}; known processes: {', '.join(list_processes())}"
        )
    if name not in _DEFINITIONS:
        from .process import Process

        entry = _CATALOGUE[name]
        symbols = [p.symbol for p in entry.parameters]
        _DEFINITIONS[name] = Process(
            name, entry.build(*symbols), entry.parameters, citation=entry.citation,
            generalized=entry.generalized, normalize=entry.normalize)
    return _DEFINITIONS[name].with_params(**params)


def _mess3_matrix(symbol: int, x, a) -> list:
    b, y = (1 - a) / 2, 1 - 2 * x
    return [[(a if j == symbol else b) * (y if i == j else x) for j in range(3)]
            for i in range(3)]


@register(
    Parameter("x", 0.15, "(0, 1/2)", "probability of hopping to each other state"),
    Parameter("a", 0.6, "(0, 1)", "probability a state emits its own symbol"),
    citation="Marzen & Crutchfield, 'Nearly maximally predictive features and their "
             "dimensions', arXiv:1702.08565 (2017); Shai et al., 'Transformers represent "
             "belief state geometry in their residual stream' (2024)",
)
def mess3(x, a):
    """Three states, three symbols; nonunifilar, with a fractal Blackwell measure."""
    return [_mess3_matrix(s, x, a) for s in range(3)]


@register(
    Parameter("p1", 0.5, "[0, 1]", "Pr(first random bit = 1)"),
    Parameter("p2", 0.5, "[0, 1]", "Pr(second random bit = 1)"),
    citation="Crutchfield & Feldman, Chaos 13 (2003), 'Regularities unseen, "
             "randomness observed'",
)
def rrxor(p1, p2):
    """Random-random-XOR: two random bits, then their XOR (states S, A0, A1, B0, B1)."""
    import sympy as sp

    S, A0, A1, B0, B1 = range(5)
    T0, T1 = sp.zeros(5, 5), sp.zeros(5, 5)
    T0[S, A0], T1[S, A1] = 1 - p1, p1
    T0[A0, B0], T1[A0, B1] = 1 - p2, p2
    T0[A1, B1], T1[A1, B0] = 1 - p2, p2
    T0[B0, S], T1[B1, S] = 1, 1
    return [T0.tolist(), T1.tolist()]


@register(
    Parameter("p", 0.5, "[0, 1]", "Pr(R emits 0)"),
    citation="Crutchfield & Feldman, Chaos 13 (2003); convention: Z emits 0, O emits 1, "
             "R emits 0 with probability p",
)
def z1r(p):
    """Zero-one-random: 0, 1, then a random bit, repeated (states Z, O, R)."""
    return [[[0, 1, 0], [0, 0, 0], [p, 0, 0]],
            [[0, 0, 0], [0, 0, 1], [1 - p, 0, 0]]]


@register(
    Parameter("p", 0.5, "(0, 1]", "Pr(A emits 0)"),
    citation="Crutchfield & Feldman, Chaos 13 (2003): no two consecutive 1s",
)
def golden_mean(p):
    """Golden mean process: no two consecutive 1s (states A, B)."""
    return [[[p, 0], [1, 0]], [[0, 1 - p], [0, 0]]]


@register(
    Parameter("p", 0.5, "(0, 1]", "Pr(A emits 0)"),
    citation="Crutchfield & Feldman, Chaos 13 (2003): 1s come in even-length blocks",
)
def even(p):
    """Even process: blocks of 1s have even length (states A, B)."""
    return [[[p, 0], [0, 0]], [[0, 1 - p], [1, 0]]]


@register(
    Parameter("p", 0.5, "(0, 1)", "Pr(A moves to B on a 0)"),
    Parameter("q", 0.5, "(0, 1)", "Pr(B emits 1 and returns to A)"),
    citation="Crutchfield, Physica D 75 (1994); Marzen & Crutchfield (2017): the simple "
             "nonunifilar source",
)
def sns(p, q):
    """Simple nonunifilar source: countably many mixed states (states A, B)."""
    return [[[1 - p, p], [0, 1 - q]], [[0, 0], [q, 0]]]


@register(
    Parameter("p", 0.5, "[0, 1]", "Pr(1)"),
    citation="i.i.d. Bernoulli process",
)
def coin(p):
    """A biased coin: one state, i.i.d. bits."""
    return [[[1 - p]], [[p]]]


@register(
    Parameter("p", 0.5, "(0, 1)", "Pr(A emits 0 and stays)"),
    Parameter("q", 0.5, "[0, 1]", "Pr(C emits 0)"),
    citation="Crutchfield, Ellison & Mahoney, PRL 103 (2009), 'Time's barbed arrow'",
)
def nemo(p, q):
    """Nemo process: unifilar, with a cryptic (causally irreversible) structure."""
    return [[[p, 0, 0], [0, 0, 0], [q, 0, 0]],
            [[0, 1 - p, 0], [0, 0, 1], [1 - q, 0, 0]]]


def _post_quantum_v(v) -> list:
    import sympy as sp

    return [[v, 0, 0], [0, 1, 0], [0, sp.log(v), 1]]


@register(
    Parameter("alpha", math.e, "(1, oo)", "symbol-1 stretch"),
    Parameter("beta", 0.5, "(0, 1)", "symbol-2 stretch"),
    citation="Riechers et al., 'Neural networks leverage nominally quantum and "
             "post-quantum representations' (2025)",
    generalized=True, normalize=True,
)
def post_quantum(alpha, beta):
    """A generalized HMM with no finite quantum presentation (normalised by rho)."""
    import sympy as sp

    t0 = sp.Matrix([1, 1, 0]) * sp.Matrix([[1, -1, -1]])
    return [t0.tolist(), _post_quantum_v(alpha), _post_quantum_v(beta)]


@register(
    Parameter("alpha", 1.0, "(0, oo)", "weight of the first measurement axis"),
    Parameter("beta", 3.0, "(0, oo)", "weight of the second measurement axis"),
    citation="Riechers, Bigelow, Alt & Shai, 'Neural networks leverage nominally quantum and "
             "post-quantum representations' (2025): a qubit measured by a four-outcome "
             "POVM, in Bloch coordinates (states: 1, x, z); matrices as in the Simplex "
             "group's process library (github.com/Astera-org/simplexity)",
    generalized=True,
)
def tom_quantum(alpha, beta):
    """A qubit under repeated four-outcome measurement, as a 3-state generalized HMM."""
    import sympy as sp

    gamma2 = 1 / (4 * (alpha**2 + beta**2))
    c, m, o = sp.Rational(1, 4), (alpha**2 - beta**2) * gamma2, 2 * alpha * beta * gamma2
    return [[[c, 0, o], [0, m, 0], [o, 0, c]],
            [[c, 0, -o], [0, m, 0], [-o, 0, c]],
            [[c, o, 0], [o, c, 0], [0, 0, m]],
            [[c, -o, 0], [-o, c, 0], [0, 0, m]]]


@register(
    Parameter("alpha", 2000.0, "(-oo, oo)", "rotation angle (radians)"),
    Parameter("lamb", 0.49, "(0, 1)", "contraction of the rotating block"),
    citation="Fanizza's process: finite rank, no finite HMM presentation; matrices as in "
             "the Simplex group's process library (github.com/Astera-org/simplexity); on "
             "the realisation problem see M. Vidyasagar, Math. Control Signals Syst. 23, "
             "1-65 (2011). Word probabilities are checked: not every (alpha, lamb) defines "
             "a process",
    generalized=True,
)
def fanizza(alpha, lamb):
    """A 4-state generalized HMM whose second symbol rotates and contracts the belief."""
    import sympy as sp

    cos, sin = sp.cos(alpha), sp.sin(alpha)
    den = 1 - 2 * lamb * cos + lamb**2
    a_l = (1 - lamb * cos + lamb * sin) / den
    b_l = (1 - lamb * cos - lamb * sin) / den
    reset = sp.Matrix([[1 - (2 / (1 - lamb) - a_l - b_l) / 4, 1 / (2 * (1 - lamb)),
                        -a_l / 4, -b_l / 4]])
    w = sp.Matrix([1, 1 - lamb, 1 + lamb * (sin - cos), 1 - lamb * (sin + cos)])
    rotate = lamb * sp.Matrix([[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, cos, -sin],
                               [0, 0, sin, cos]])
    return [(w * reset).tolist(), rotate.tolist()]

