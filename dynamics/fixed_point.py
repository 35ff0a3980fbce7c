"""Fixed points of flows, and fixed points and low-period orbits of maps.

Two routes, merged: sympy's exact solver (given a time limit and a size limit, since it can
run for ever on large polynomial systems) and Newton's method (``scipy.optimize.root``)
from many seeded starts, which always runs. Exact forms are attached to the numeric points
they match; a point only sympy found is kept too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.optimize import root

from processes.errors import InputError
from processes.structure import run_with_timeout

__all__ = ["FixedPoint", "classify_stability", "fixed_points"]


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """A fixed point of a flow, or a periodic orbit of a map.

    Attributes
    ----------
    point : numpy.ndarray
        (dim,) the point; for a periodic orbit, its lexicographically smallest point.
    eigenvalues : numpy.ndarray
        (dim,) complex eigenvalues of the Jacobian of ``f`` (flow) or of ``F^period`` (map);
        (tangent_dim,) for a map on an affine subspace (the belief IFS).
    stability : str
        One vocabulary for every system (`classify_stability`): 'stable', 'unstable',
        'saddle', or 'marginal' when an eigenvalue lies on the boundary (modulus 1 for
        maps, real part 0 for flows) and none already makes it a saddle.
    period : int
        1 for fixed points.
    orbit : numpy.ndarray
        (period, dim) the orbit starting at ``point``.
    exact : tuple of sympy.Expr or None
        Closed form of ``point`` when sympy found one.
    input : int or None
        For a driven map (a belief IFS, an RNN): the input (symbol, token) whose map
        ``F_input`` the point is fixed under; None for autonomous systems.
    """

    point: np.ndarray
    eigenvalues: np.ndarray
    stability: str
    period: int
    orbit: np.ndarray
    exact: tuple | None = None
    input: int | None = None


def classify_stability(eigenvalues: np.ndarray, is_flow: bool, tol: float = 1e-9) -> str:
    """'stable', 'unstable', 'saddle' or 'marginal' from the Jacobian's eigenvalues (of the
    vector field for a flow, of the map or its period-p power for a map)."""
    eigenvalues = np.asarray(eigenvalues)
    growth = eigenvalues.real if is_flow else np.abs(eigenvalues) - 1.0
    if (growth > tol).any() and (growth < -tol).any():
        return "saddle"
    if (np.abs(growth) <= tol).any():
        return "marginal"
    return "stable" if (growth < 0).all() else "unstable"


class _Chart:
    """Coordinates in which Newton's method runs: the tangent coordinates of a system
    whose states live on an affine subspace (``coordinates`` and ``point`` methods, as
    the belief IFS on the simplex), else the state coordinates themselves."""

    def __init__(self, system):
        self.system = system
        self.charted = hasattr(system, "coordinates")

    def to_point(self, c: np.ndarray) -> np.ndarray:
        return self.system.point(c[None])[0] if self.charted else c

    def to_coordinates(self, x: np.ndarray) -> np.ndarray:
        return self.system.coordinates(x[None])[0] if self.charted else x


def _map_power(system, chart: _Chart, c: np.ndarray, p: int, u: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """``F_u^p`` at chart coordinates ``c`` (d,), and its Jacobian (d, d) there."""
    state, jac, inputs = chart.to_point(c)[None], np.eye(len(c)), np.full(1, u)
    for _ in range(p):
        jac = system.tangent(state, inputs)[0] @ jac
        state = system.step(state, inputs)
    return chart.to_coordinates(state[0]), jac


def _residual(system, period: int, is_flow: bool, chart: _Chart | None = None, u: int = 0):
    """``G(c)`` whose zeros are wanted, and its Jacobian, for one point (d,)."""
    if is_flow:
        return (lambda x: system.rhs(x[None])[0]), (lambda x: system.jacobian(x[None])[0])
    eye = np.eye(system.tangent_dim)
    return (lambda c: _map_power(system, chart, c, period, u)[0] - c,
            lambda c: _map_power(system, chart, c, period, u)[1] - eye)


def _symbolic_solutions(system, period: int, is_flow: bool, timeout: float,
                        max_ops: int, u: int = 0) -> list[tuple]:
    """Real exact solutions, or [] when sympy is unavailable, too slow or the system too big."""
    if hasattr(system, "map_expressions"):
        exprs = system.substituted(system.map_expressions[u])
    elif hasattr(system, "expressions"):
        exprs = system.substituted(system.expressions)
    else:
        return []
    symbols = system.state_symbols
    if is_flow:
        equations = exprs
    else:
        composed = list(symbols)
        for _ in range(period):
            previous = dict(zip(symbols, composed, strict=True))
            composed = [sp.expand(e.subs(previous, simultaneous=True)) for e in exprs]
        equations = [c - s for c, s in zip(composed, symbols, strict=True)]
    if sum(sp.count_ops(e) for e in equations) > max_ops:
        return []

    def solve() -> list:
        try:
            return sp.solve(equations, symbols, dict=True)
        except (NotImplementedError, ValueError):
            pass
        try:
            return [dict(zip(symbols, s, strict=True))
                    for s in sp.nonlinsolve(equations, symbols)]
        except (NotImplementedError, ValueError):
            return []  # no closed form: Newton's points stand alone

    found = run_with_timeout(solve, timeout) or []
    solutions = []
    for sol in found:
        if not all(s in sol for s in symbols):
            continue  # a parametric family, not isolated points
        exact = tuple(sp.simplify(sol[s]) for s in symbols)
        values = [complex(sp.N(v, 30)) for v in exact]
        if all(abs(v.imag) < 1e-12 for v in values):
            solutions.append(exact)
    return solutions


def fixed_points(system, period: int = 1, *, input: int | None = None, bounds=None,
                 n_starts: int = 64, seed: int | np.random.Generator | None = 0,
                 symbolic: bool = True, timeout: float = 10.0, max_ops: int = 5_000,
                 tol: float = 1e-9) -> list[FixedPoint]:
    """Fixed points of a flow (``f(x) = 0``) or period-``p`` orbits of a map (``F^p(x) = x``).

    Parameters
    ----------
    system : SymbolicFlow, SymbolicMap, SymbolicIFS, Flow or DrivenMap
        A flow is recognised by its ``rhs`` method. Symbolic systems also get exact
        solutions. A driven map whose states live on an affine subspace (the belief IFS:
        beliefs on the simplex) provides ``coordinates`` and ``point`` to move between
        states (batch, dim) and tangent coordinates (batch, tangent_dim); Newton's method
        runs in the latter. Otherwise ``tangent_dim`` must equal ``dim``.
    period : int
        Orbit period for maps; points of a lower period are excluded and each orbit is
        reported once (not once per cyclic shift). Must be 1 for flows.
    input : int, optional
        For a driven map, the input ``u`` whose map ``F_u`` is solved (a symbol of the
        belief IFS, a token of an RNN); required when there are several, 0 by default
        for an autonomous map.
    bounds : array_like, optional
        (d, 2) box the Newton starts are drawn from uniformly, in state coordinates (in
        tangent coordinates for a charted system); default [-10, 10] per axis, or the
        system's ``coordinate_box`` when it has one.
    n_starts : int
        Number of Newton starts.
    seed : int or numpy.random.Generator
        Randomness for the starts.
    symbolic : bool
        Try sympy's exact solver first.
    timeout : float
        Seconds sympy may take before it is abandoned.
    max_ops : int
        Sympy is skipped when the equations have more operations than this.
    tol : float
        Residual accepted as a root, relative to ``1 + |x|``; points closer than
        ``1e3 * tol`` (relative) are merged.

    Returns
    -------
    list of FixedPoint
        Sorted lexicographically by ``point``.
    """
    is_flow = hasattr(system, "rhs")
    chart = None if is_flow else _Chart(system)
    if is_flow:
        if period != 1 or input is not None:
            raise InputError("flows have fixed points only: period must be 1, no input")
        u = 0
    else:
        u = _choose_input(system, input)
        if not chart.charted and system.tangent_dim != system.dim:
            raise InputError("fixed points of a map need tangent_dim == dim, or the "
                             "coordinates/point methods of a chart")
    rng = np.random.default_rng(seed)
    dim = system.dim if is_flow else system.tangent_dim
    box = getattr(system, "coordinate_box", np.tile([-10.0, 10.0], (dim, 1)))
    box = np.asarray(box if bounds is None else bounds, float)
    exact_forms = (_symbolic_solutions(system, period, is_flow, timeout, max_ops, u)
                   if symbolic else [])
    exact_points = [np.array([complex(sp.N(v)).real for v in e]) for e in exact_forms]
    residual, jacobian = _residual(system, period, is_flow, chart, u)

    def close(a: np.ndarray, b: np.ndarray) -> bool:
        return bool(np.all(np.abs(a - b) <= 1e3 * tol * (1.0 + np.abs(a))))

    def is_root(x: np.ndarray, g) -> bool:
        with np.errstate(all="ignore"):
            value = g(x)
        return bool(np.all(np.isfinite(value)) and np.all(np.abs(value) <= tol * (1 + np.abs(x))))

    candidates = list(exact_points)
    starts = box[:, 0] + (box[:, 1] - box[:, 0]) * rng.random((n_starts, dim))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # Starts that wander off (overflow, no progress) are expected and simply rejected.
        warnings.simplefilter("ignore", RuntimeWarning)
        for start in starts:
            sol = root(residual, start, jac=jacobian, method="hybr")
            if np.all(np.isfinite(sol.x)) and is_root(sol.x, residual):
                candidates.append(sol.x)

    results: list[FixedPoint] = []
    seen: list[np.ndarray] = []
    for x in candidates:
        if any(close(x, s) for s in seen):
            continue
        orbit = [x]
        if not is_flow:
            for _ in range(period - 1):
                orbit.append(_map_power(system, chart, orbit[-1], 1, u)[0])
            lower = [d for d in range(1, period) if period % d == 0]
            if any(is_root(x, _residual(system, d, False, chart, u)[0]) for d in lower):
                continue
        seen.extend(orbit)
        orbit = np.array(orbit)
        first = min(range(period), key=lambda i: tuple(orbit[i]))
        orbit = np.roll(orbit, -first, axis=0)
        eigenvalues = np.linalg.eigvals(jacobian(orbit[0]) + (0 if is_flow else np.eye(dim)))
        exact = next((e for e, p in zip(exact_forms, exact_points, strict=True)
                      if close(orbit[0], p)), None)
        if chart is not None:
            orbit = np.array([chart.to_point(c) for c in orbit])
        results.append(FixedPoint(orbit[0], eigenvalues,
                                  classify_stability(eigenvalues, is_flow), period, orbit,
                                  exact, None if is_flow else u))
    return sorted(results, key=lambda r: tuple(r.point))


def _choose_input(system, input: int | None) -> int:
    """The input whose map is solved: ``input`` checked, or 0 for an autonomous map."""
    if input is None:
        if system.n_inputs != 1:
            raise InputError(f"this map has {system.n_inputs} inputs: choose the map to "
                             f"solve with input=0..{system.n_inputs - 1}")
        return 0
    if not 0 <= input < system.n_inputs:
        raise InputError(f"input={input} is not one of 0..{system.n_inputs - 1}")
    return int(input)
