"""Causal structure: unifilarity, minimisation into causal states, and closed forms.

The epsilon-machine itself is built in `processes.msp`, from the mixed-state presentation.

Closed forms (stationary distribution, entropy rate, statistical complexity) are derived
from the symbolic matrices; every one has a numeric counterpart at the bound parameters.
"""

from __future__ import annotations

import threading

import numpy as np
import sympy as sp

from .errors import ProcessError
from .process import Process

__all__ = [
    "is_unifilar", "minimize", "symbolic_stationary", "symbolic_entropy_rate",
    "symbolic_statistical_complexity", "run_with_timeout",
]

_ZERO = 1e-300  # an entry is a transition unless it is (numerically) exactly zero


def is_unifilar(process: Process) -> bool:
    """True if every (state, symbol) pair has at most one successor (at the bound values)."""
    if process.generalized:
        return False
    return bool(np.all((process.T > _ZERO).sum(axis=2) <= 1))


def _successors(process: Process) -> tuple[np.ndarray, np.ndarray]:
    """``emit[i, x] = Pr(x | i)`` (n, k) and ``succ[i, x]`` (n, k), -1 where x is forbidden."""
    T = process.T
    emit = T.sum(axis=2).T
    succ = np.where(emit > _ZERO, T.argmax(axis=2).T, -1)
    return emit, succ


def minimize(process: Process, decimals: int = 9) -> np.ndarray:
    """Partition refinement (Moore) of a unifilar presentation into causal states.

    Two states are equivalent when they emit each symbol with the same probability and
    their successors on every symbol are equivalent; equal futures follow by induction.

    Returns
    -------
    labels : ndarray, shape (n,)
        Causal-state label of each state, numbered by first appearance.
    """
    if not is_unifilar(process):
        raise ProcessError(
            f"{process.name}: minimize() needs a unifilar presentation; use "
            "epsilon_machine(), which minimises the recurrent mixed-state presentation"
        )
    emit, succ = _successors(process)
    labels = _relabel([tuple(row) for row in np.round(emit, decimals)])
    while True:
        signature = [(labels[i], *(labels[j] if j >= 0 else -1 for j in succ[i]))
                     for i in range(process.n_states)]
        refined = _relabel(signature)
        if refined.max() == labels.max():
            return refined
        labels = refined


def _relabel(keys: list) -> np.ndarray:
    seen: dict = {}
    return np.array([seen.setdefault(key, len(seen)) for key in keys])


def _quotient(process: Process, labels: np.ndarray) -> Process:
    """The unifilar process on causal states given by ``labels``."""
    m = labels.max() + 1
    T = np.zeros((process.n_symbols, m, m))
    emit, succ = _successors(process)
    first = [int(np.flatnonzero(labels == c)[0]) for c in range(m)]
    for c, i in enumerate(first):
        for x in range(process.n_symbols):
            if succ[i, x] >= 0:
                T[x, c, labels[succ[i, x]]] = emit[i, x]
    return Process.from_arrays(T, name=f"{process.name} (epsilon-machine)")


# -- symbolic closed forms ----------------------------------------------------------------
def run_with_timeout(fn, timeout: float):
    """``fn()``, or None if it does not finish within ``timeout`` seconds.

    Sympy cannot be interrupted, so ``fn`` runs in a daemon thread that is abandoned
    (left to finish in the background, never blocking interpreter exit) on time-out.
    An exception raised by ``fn`` in time is re-raised here.
    """
    outcome: list = []

    def target() -> None:
        try:
            outcome.append((True, fn()))
        except Exception as exc:  # handed to the caller's thread below
            outcome.append((False, exc))

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        return None
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def symbolic_stationary(process: Process, timeout: float = 10.0) -> sp.Matrix | None:
    """Stationary distribution as a sympy row vector in the parameters, or None.

    Solves ``pi (M - I) = 0, sum(pi) = 1`` exactly. Returns None for generalized or
    spectrally normalised processes, and when sympy does not finish within ``timeout``.
    Cached per symbolic definition.
    """
    if process.generalized or process.normalized or not process._definition.symbolic_ok:
        return None
    d = process._definition
    if not hasattr(d, "_stationary"):
        d._stationary = run_with_timeout(lambda: _solve_stationary(d.matrices), timeout)
    return d._stationary


def _solve_stationary(matrices) -> sp.Matrix | None:
    n = matrices[0].shape[0]
    M = sum(matrices, sp.zeros(n, n))
    A = (M.T - sp.eye(n)).col_join(sp.ones(1, n))
    b = sp.zeros(n, 1).col_join(sp.Matrix([1]))
    solution = sp.linsolve((A, b), *sp.symbols(f"s0:{n}"))
    if not solution:
        return None
    (values,) = solution
    if any(v.free_symbols & set(sp.symbols(f"s0:{n}")) for v in values):
        return None  # a free stationary coordinate: not ergodic for generic parameters
    return sp.Matrix([[sp.simplify(v) for v in values]])


def _h(probabilities) -> sp.Expr:
    return -sum((p * sp.log(p, 2) for p in probabilities if not p.is_zero), sp.S.Zero)


def symbolic_entropy_rate(process: Process, timeout: float = 10.0) -> sp.Expr | None:
    """``h_mu = sum_i pi_i H[X | S = i]`` in bits, for unifilar presentations, or None."""
    if not is_unifilar(process):
        return None
    pi = symbolic_stationary(process, timeout)
    if pi is None:
        return None
    emit = [[sum(m.row(i)) for m in process.matrices] for i in range(process.n_states)]
    return sp.simplify(sum((pi[i] * _h(emit[i]) for i in range(process.n_states)),
                           sp.S.Zero))


def symbolic_statistical_complexity(process: Process, timeout: float = 10.0):
    """``C_mu`` in bits as an expression, for unifilar presentations, or None.

    The causal-state partition is the one found at the bound parameter values; the
    expression holds wherever the parameters give the same partition.
    """
    if not is_unifilar(process):
        return None
    pi = symbolic_stationary(process, timeout)
    if pi is None:
        return None
    labels = minimize(process)
    masses = [sum((pi[i] for i in np.flatnonzero(labels == c)), sp.S.Zero)
              for c in range(labels.max() + 1)]
    return sp.simplify(_h([sp.simplify(m) for m in masses]))
