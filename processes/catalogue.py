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



@register(
    Parameter("p1", 0.5, "[0, 1]", "Pr(first random bit = 1)"),
    Parameter("p2", 0.5, "[0, 1]", "Pr(second random bit = 1)"),
    Parameter("eps", 0.1, "[0, 1]", "Pr(the XOR bit is flipped)"),
    citation="RRXOR of Crutchfield & Feldman, Chaos 13 (2003), with a noisy XOR; "
             "convention: A_b emits c and goes to B_(b xor c) w.p. 1 - eps, to "
             "B_(1 - b xor c) w.p. eps (the Simplex group's leaky_rrxor, "
             "github.com/Astera-org/simplexity, instead mixes rrxor with a uniform "
             "all-transitions matrix: (1 - eps) T + eps/10, and takes Pr(0) bits)",
)
def leaky_rrxor(p1, p2, eps):
    """RRXOR whose third bit is the XOR flipped w.p. eps (states S, A0, A1, B0, B1).

    The flip is decided when A_b moves to B, so eps = 0 is `rrxor` exactly and eps = 1/2
    (with p1 = p2 = 1/2) is a fair coin; h_mu = (H(p1) + H(p2) + H(eps)) / 3 bits.
    """
    import sympy as sp

    S, A0, A1, B0, B1 = range(5)
    T0, T1 = sp.zeros(5, 5), sp.zeros(5, 5)
    T0[S, A0], T1[S, A1] = 1 - p1, p1
    for a, b in ((A0, 0), (A1, 1)):
        for c, T, pc in ((0, T0, 1 - p2), (1, T1, p2)):
            xor = (B0, B1)[b ^ c]
            T[a, xor] = (1 - eps) * pc
            T[a, B0 + B1 - xor] = eps * pc  # the other B state: the flipped bit
    T0[B0, S], T1[B1, S] = 1, 1
    return [T0.tolist(), T1.tolist()]


_DAYS = ("M", "Tu", "W", "Th", "F", "Sa", "Su")


@register(
    citation="The Simplex group's days-of-the-week process "
             "(github.com/Astera-org/simplexity, transition_matrices.days_of_week)",
)
def days_of_week():
    """Seven day states, eleven tokens: M..Su, Tmrw, Yest, Wknd, Wkdy (rows total 15/15).

    From day d: each day token e goes to e w.p. 1/15, except the next day, 5/15; Tmrw
    goes to d + 1 and Yest to d - 1, 1/15 each; Wkdy goes to each weekday w.p. 1/75 and
    Wknd to Sa or Su w.p. 1/30 (symbols 0..6 = M..Su, 7 Tmrw, 8 Yest, 9 Wknd, 10 Wkdy).
    """
    import sympy as sp

    n, k = len(_DAYS), len(_DAYS) + 4
    tmrw, yest, wknd, wkdy = range(n, k)
    T = [sp.zeros(n, n) for _ in range(k)]
    for d in range(n):
        for e in range(n):
            # Weight 5 of 15 for the next day, 1 for every other day (itself included).
            T[e][d, e] = sp.Rational(5 if e == (d + 1) % n else 1, 15)
            if e < 5:
                T[wkdy][d, e] = sp.Rational(1, 75)
            else:
                T[wknd][d, e] = sp.Rational(1, 30)
        T[tmrw][d, (d + 1) % n] = sp.Rational(1, 15)
        T[yest][d, (d - 1) % n] = sp.Rational(1, 15)
    return [m.tolist() for m in T]


@register(
    Parameter("p", 0.2, "[0, 1]", "Pr(Something <-> Blah switch)"),
    Parameter("q", 0.3, "[0, 1]", "Pr(Mr. after Something or Blah); needs p + q <= 1"),
    citation="The Simplex group's Mr. Name process (github.com/Astera-org/simplexity, "
             "transition_matrices.mr_name; same p, q)",
)
def mr_name(p, q):
    """A first-order Markov chain on Mr., Something, Blah, name (symbols and states 0..3).

    Mr. -> name always; name -> Something or Blah w.p. 1/2 each; from Something (Blah):
    Mr. w.p. q, the other word w.p. p, the same word w.p. 1 - p - q. The state is the
    last token. Requires p + q <= 1 (checked as a negative entry otherwise).
    """
    import sympy as sp

    mr, something, blah, name = range(4)
    T = [[[0] * 4 for _ in range(4)] for _ in range(4)]
    T[name][mr][name] = 1
    T[something][name][something] = T[blah][name][blah] = sp.Rational(1, 2)
    for here, other in ((something, blah), (blah, something)):
        T[mr][here][mr] = q
        T[here][here][here] = 1 - p - q
        T[other][here][other] = p
    return T



MATCHING_PARENS_DEPTH = 4
"""Depth of the catalogue's ``matching_parens``; other depths:
`processes.matching_parens` (``processes/combine.py``)."""


def _matching_parens_matrices(depth: int, p) -> list:
    """``[T_open, T_close]`` of the depth-``depth`` bracket walk (states: depth 0..depth).

    Depth 0 opens with probability 1, depth ``depth`` closes with probability 1, and any
    other depth opens w.p. ``p`` and closes w.p. ``1 - p``. Raises `ParameterError` for a
    depth that is not an integer >= 1.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ParameterError(f"matching_parens: depth must be an integer >= 1, got "
                             f"{depth!r}")
    n = depth + 1
    t_open = [[0] * n for _ in range(n)]
    t_close = [[0] * n for _ in range(n)]
    for d in range(n):
        if d == 0:
            t_open[d][1] = 1
        elif d == depth:
            t_close[d][d - 1] = 1
        else:
            t_open[d][d + 1], t_close[d][d - 1] = p, 1 - p
    return [t_open, t_close]


@register(
    Parameter("p", 0.5, "(0, 1)", "Pr(open) at depths strictly between 0 and the maximum"),
    citation="Dyck-language bracket walk; as the Simplex group's matching_parens "
             "(github.com/Astera-org/simplexity) with open_probs = [1, p, ..., p] and a "
             "forced close at the maximum depth",
)
def matching_parens(p):
    """Balanced brackets "(" = 0, ")" = 1 up to depth 4 (states: the depth 0..4).

    Depth 0 must open, depth 4 must close, others open w.p. p. For another maximum depth
    use ``processes.matching_parens(depth, p)``, which returns an ordinary Process.
    """
    return _matching_parens_matrices(MATCHING_PARENS_DEPTH, p)
