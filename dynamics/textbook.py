"""A declarative catalogue of textbook dynamical systems with their reference values.

Each entry is one :class:`TextbookEntry`: equations as strings, default parameters and
initial state, a citation, and the reference values the tests check. Adding a system is one
entry here plus one row in ``tests/test_textbook_systems.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from processes.errors import ParameterError
from processes.parameters import Parameter

if TYPE_CHECKING:
    from dynamics.systems import SymbolicFlow, SymbolicIFS, SymbolicMap

__all__ = ["TextbookEntry", "CATALOGUE", "get_system", "list_systems"]


@dataclass(frozen=True)
class TextbookEntry:
    """One catalogued system.

    Attributes
    ----------
    kind : {'map', 'flow', 'ifs'}
        Which symbolic class builds it.
    variables : tuple of str
        State variable names.
    equations : tuple
        Expressions of the map or vector field; for an IFS, one tuple of expressions per map.
    summary : str
        One line for ``beliefscope list``.
    parameters : tuple of processes.Parameter
        Names, defaults, domains and descriptions (the type processes use too).
    initial : tuple of float
        Default initial state, inside the basin of the attractor.
    citation : str
        Where the system and its reference values come from.
    reference : dict
        Values the tests check: ``exponents`` (nats per step, or per unit time for flows) and
        ``lyapunov_dimension`` (Kaplan-Yorke), plus ``entropy_nats`` for an IFS.
    probabilities : tuple of str
        Input law of an IFS (empty otherwise).
    """

    kind: str
    summary: str
    variables: tuple[str, ...]
    equations: tuple
    parameters: tuple[Parameter, ...]
    initial: tuple[float, ...]
    citation: str
    reference: dict[str, object]
    probabilities: tuple[str, ...] = field(default=())

    def to_dict(self, name: str) -> dict:
        """JSON-ready description for ``beliefscope list --json``."""
        return {"name": name, "kind": self.kind, "summary": self.summary,
                "parameters": [p.to_dict() for p in self.parameters],
                "citation": self.citation}


_TRIANGLE = ((0, 0), (1, 0), ("1/2", "sqrt(3)/2"))

CATALOGUE: dict[str, TextbookEntry] = {
    "logistic": TextbookEntry(
        kind="map",
        summary="The logistic map x -> r x (1 - x); fully chaotic at r = 4.",
        variables=("x",),
        equations=("r*x*(1 - x)",),
        parameters=(Parameter("r", 4.0, "[0, 4]", "growth rate"),),
        initial=(0.3,),
        citation="R. M. May, Nature 261, 459 (1976); lambda = ln 2 at r = 4 (Ulam-von Neumann).",
        reference={"exponents": (math.log(2),), "lyapunov_dimension": 1.0},
    ),
    "henon": TextbookEntry(
        kind="map",
        summary="The Henon map (x, y) -> (1 - a x^2 + y, b x); a strange attractor.",
        variables=("x", "y"),
        equations=("1 - a*x**2 + y", "b*x"),
        parameters=(Parameter("a", 1.4, "(-oo, oo)", "quadratic coefficient"),
                    Parameter("b", 0.3, "(-oo, oo)", "area contraction (Jacobian determinant)")),
        initial=(0.1, 0.1),
        citation="M. Henon, Commun. Math. Phys. 50, 69 (1976); exponents from J. C. Sprott, "
        "Chaos and Time-Series Analysis (Oxford, 2003), table of Lyapunov exponents.",
        reference={"exponents": (0.41922, -1.62319), "lyapunov_dimension": 1.2583},
    ),
    "lorenz": TextbookEntry(
        kind="flow",
        summary="The Lorenz flow; the butterfly attractor at (10, 28, 8/3).",
        variables=("x", "y", "z"),
        equations=("sigma*(y - x)", "x*(rho - z) - y", "x*y - beta*z"),
        parameters=(Parameter("sigma", 10.0, "(-oo, oo)", "Prandtl number"),
                    Parameter("rho", 28.0, "(-oo, oo)", "Rayleigh number (scaled)"),
                    Parameter("beta", 8.0 / 3.0, "(-oo, oo)", "aspect-ratio factor")),
        initial=(1.0, 1.0, 20.0),
        citation="E. N. Lorenz, J. Atmos. Sci. 20, 130 (1963); exponents from J. C. Sprott, "
        "Chaos and Time-Series Analysis (Oxford, 2003).",
        reference={"exponents": (0.9056, 0.0, -14.5723), "lyapunov_dimension": 2.0621},
    ),
    "arneodo": TextbookEntry(
        kind="flow",
        summary="The Arneodo-Coullet-Tresser flow; a slowly converging spiral attractor.",
        variables=("x", "y", "z"),
        equations=("y", "z", "a*x - b*y - c*z - x**3"),
        parameters=(Parameter("a", 5.5, "(-oo, oo)", "linear restoring coefficient"),
                    Parameter("b", 4.5, "(-oo, oo)", "damping of y"),
                    Parameter("c", 1.0, "(-oo, oo)", "damping of z (minus the divergence)")),
        initial=(-2.75, 0.19, 3.47),
        citation="A. Arneodo, P. Coullet, C. Tresser, Commun. Math. Phys. 79, 573 (1981); "
        "parameters and initial state as in the dysts catalogue (W. Gilpin, NeurIPS 2021). "
        "Largest exponent from a long, well-spread Benettin run (0.2035 +- 0.0013); the "
        "exponents sum to -c.",
        reference={"exponents": (0.2035, 0.0, -1.2035),
                   "lyapunov_dimension": 2.0 + 0.2035 / 1.2035},
    ),
    "sprott_e": TextbookEntry(
        kind="flow",
        summary="Sprott's case E, x' = y z, y' = x^2 - y, z' = 1 - 4 x; slow to converge.",
        variables=("x", "y", "z"),
        equations=("y*z", "x**2 - y", "1 - 4*x"),
        parameters=(),
        initial=(0.62, 0.67, -1.66),
        citation="J. C. Sprott, Phys. Rev. E 50, R647 (1994), case E: exponents "
        "(0.0776, 0, -1.0776), Kaplan-Yorke dimension 2.0720.",
        reference={"exponents": (0.0776, 0.0, -1.0776), "lyapunov_dimension": 2.0720},
    ),
    "chen_lee": TextbookEntry(
        kind="flow",
        summary="The Chen-Lee rigid-body flow; RK4 at dt 0.01 finds false periodic cycles.",
        variables=("x", "y", "z"),
        equations=("a*x - y*z", "b*y + x*z", "c*z + x*y/3"),
        parameters=(Parameter("a", 5.0, "(-oo, oo)", "growth rate of x"),
                    Parameter("b", -10.0, "(-oo, oo)", "growth rate of y"),
                    Parameter("c", -0.38, "(-oo, oo)", "growth rate of z")),
        initial=(1.0, 1.0, 1.0),
        citation="H.-K. Chen, C.-I. Lee, Chaos Solitons Fractals 21, 957 (2004); largest "
        "exponent 0.141 from RK4 at dt 0.005 and an independent adaptive code; here "
        "0.1422 +- 0.0007 from 16 DOP853 orbits (rtol 1e-10) of 4000 time units each; the "
        "exponents sum to a + b + c.",
        reference={"exponents": (0.1422, 0.0, -5.5222),
                   "lyapunov_dimension": 2.0 + 0.1422 / 5.5222},
    ),
    "sierpinski": TextbookEntry(
        kind="ifs",
        summary="The Sierpinski gasket as an IFS of three halvings (the chaos game).",
        variables=("x", "y"),
        equations=tuple((f"(x + {cx})/2", f"(y + {cy})/2") for cx, cy in _TRIANGLE),
        probabilities=("1/3", "1/3", "1/3"),
        parameters=(),
        initial=(0.25, 0.25),
        citation="W. Sierpinski (1915); chaos game: M. F. Barnsley, Fractals Everywhere (1988). "
        "Affine, so the Lyapunov dimension log 3 / log 2 is exact.",
        reference={"exponents": (math.log(0.5), math.log(0.5)),
                   "lyapunov_dimension": math.log(3) / math.log(2),
                   "entropy_nats": math.log(3)},
    ),
}


def list_systems() -> list[str]:
    """Names of the catalogued systems, sorted."""
    return sorted(CATALOGUE)


def get_system(name: str, **params: float) -> SymbolicMap | SymbolicFlow | SymbolicIFS:
    """Build a catalogued system, optionally overriding parameters.

    Parameters
    ----------
    name : str
        One of :func:`list_systems`.
    **params : float
        Parameter overrides, e.g. ``get_system("henon", a=1.2)``.

    Returns
    -------
    SymbolicMap or SymbolicFlow or SymbolicIFS
        With ``default_x0`` set to the entry's initial state.

    Raises
    ------
    ParameterError
        For an unknown system or parameter name (the message lists the known ones), or a
        value outside its domain.
    """
    if name not in CATALOGUE:
        raise ParameterError(f"unknown system {name!r}; known systems: "
                             f"{', '.join(list_systems())}")
    from dynamics.systems import SymbolicFlow, SymbolicIFS, SymbolicMap

    entry = CATALOGUE[name]
    if entry.kind == "ifs":
        system = SymbolicIFS(entry.variables, entry.equations, entry.probabilities,
                             params=entry.parameters, initial=entry.initial, name=name)
    else:
        cls = SymbolicMap if entry.kind == "map" else SymbolicFlow
        system = cls(entry.variables, entry.equations, params=entry.parameters,
                     initial=entry.initial, name=name)
    return system.with_params(**params) if params else system
