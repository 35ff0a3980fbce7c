"""Information quantities in BITS: block and myopic entropies, entropy rate, excess entropy.

``h(L) = H(L) - H(L-1) = H[X_L | X_1..X_{L-1}]`` depends on a word of length ``L-1`` only
through the belief it leads to, so it is computed exactly over merged beliefs
(`belief_levels`) instead of over all ``k**L`` words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._linalg import entropy_bits
from .errors import ProcessError
from .mixed_states import belief_levels
from .msp import EpsilonMachine, epsilon_machine
from .process import Process
from .structure import is_unifilar

__all__ = [
    "myopic_entropies", "block_entropies", "EntropyRate", "exact_entropy_rate",
    "myopic_within_budget", "ExcessEntropy", "excess_entropy",
]


def myopic_entropies(process: Process, max_length: int, tol: float = 1e-10,
                     max_beliefs: int = 5_000_000) -> np.ndarray:
    """``[h(1), ..., h(max_length)]`` in bits, exactly (up to float rounding).

    Raises `ProcessError` if a level has more than ``max_beliefs`` distinct beliefs.
    """
    return np.fromiter(_iter_myopic(process, max_length, tol, max_beliefs), float,
                       count=max_length)


def _iter_myopic(process: Process, max_length: int, tol: float = 1e-10,
                 max_beliefs: int = 5_000_000):
    """Yield ``h(1), h(2), ...`` in bits: ``h(L)`` averages ``H[p(eta)]`` over the beliefs
    after ``L - 1`` symbols. Raises `ProcessError` past ``max_beliefs``."""
    for beliefs, probs in belief_levels(process, max_length, tol, max_beliefs):
        yield float(probs @ entropy_bits(beliefs @ process.Tr))


def block_entropies(process: Process, max_length: int, **kwargs) -> np.ndarray:
    """``[H(0), H(1), ..., H(max_length)]`` in bits (``H(0) = 0``)."""
    return np.concatenate([[0.0], np.cumsum(myopic_entropies(process, max_length, **kwargs))])


@dataclass(frozen=True)
class EntropyRate:
    """An entropy rate in bits per symbol and how it was obtained.

    Attributes
    ----------
    bits : float
    stderr_bits : float
        A standard error (one sigma): 0 when exact; for ``"blackwell"`` the batch-means
        standard error of the chaos-game average; for ``"myopic-extrapolated"`` the
        spread of two successive geometric extrapolations of ``h(L)``.
    method : str
        ``"exact"`` (unifilar presentation or finite recurrent MSP), ``"blackwell"``
        (average of ``H[p(eta)]`` over the Blackwell measure) or
        ``"myopic-extrapolated"`` (``h(L)`` with its geometric tail summed).
    upper_bound_bits : float or None
        ``h(L)`` at the largest L computed: a proven upper bound on the rate (None when
        exact or not computed). ``bits`` never exceeds it.
    upper_bound_length : int or None
        That L.
    effective_samples : float or None
        For ``"blackwell"``: the number of independent samples the chaos-game average is
        worth (points divided by the integrated autocorrelation time of ``H[p(eta)]``);
        None otherwise.
    converged : bool
        False when the estimate's error bar cannot be trusted (chains not much longer
        than the correlation time, too few effective samples or chains).
    converged_reason : str or None
        Why not; None when converged.
    """

    bits: float
    stderr_bits: float
    method: str
    upper_bound_bits: float | None = None
    upper_bound_length: int | None = None
    effective_samples: float | None = None
    converged: bool = True
    converged_reason: str | None = None

    @property
    def exact(self) -> bool:
        return self.method == "exact"

    @property
    def nats(self) -> float:
        return self.bits * float(np.log(2))


def exact_entropy_rate(process: Process,
                       machine: EpsilonMachine | None = None) -> EntropyRate | None:
    """``h_mu`` in bits, exactly, where a finite unifilar presentation exists; else None.

    The presentation is the process itself when unifilar, or the recurrent part of its
    finite mixed-state presentation. ``machine`` reuses an `epsilon_machine` result the
    caller already has. The full policy, with estimates for the other processes, is
    `dynamics.entropy_rate`.
    """
    if is_unifilar(process):
        return EntropyRate(_unifilar_rate(process), 0.0, "exact")
    em = machine or epsilon_machine(process)
    if em.machine is not None:
        return EntropyRate(_unifilar_rate(em.machine), 0.0, "exact")
    return None


def myopic_within_budget(process: Process, max_length: int,
                         max_beliefs: int = 2_000_000) -> np.ndarray:
    """``h(1..L)`` in bits for the largest ``L <= max_length`` whose levels stay within
    ``max_beliefs`` distinct beliefs (at least ``h(1)``)."""
    out = []
    try:
        for h in _iter_myopic(process, max_length, max_beliefs=max_beliefs):
            out.append(h)
    except ProcessError:
        if not out:
            raise
    return np.array(out)


def _unifilar_rate(process: Process) -> float:
    emit = process.T.sum(axis=2).T  # (n, k)
    return float(process.pi @ entropy_bits(emit))


@dataclass(frozen=True)
class ExcessEntropy:
    """``E = sum_{L>=1} (h(L) - h_mu)`` in bits, truncated at ``n_terms``.

    ``converged`` is True when the last term fell below the requested tolerance, so the
    neglected tail is of that order (the terms decay geometrically for these processes).
    """

    bits: float
    n_terms: int
    converged: bool
    last_term_bits: float


def excess_entropy(process: Process, h_mu_bits: float, max_length: int = 200,
                   atol: float = 1e-10, max_beliefs: int = 2_000_000) -> ExcessEntropy:
    """Sum ``h(L) - h_mu`` until a term drops below ``atol``, ``max_length`` terms are
    summed, or a level exceeds ``max_beliefs`` distinct beliefs."""
    total, term, L = 0.0, float("inf"), 0
    try:
        for h in _iter_myopic(process, max_length, max_beliefs=max_beliefs):
            term = h - h_mu_bits
            total += term
            L += 1
            if abs(term) < atol:
                break
    except ProcessError:
        pass  # budget reached: report the truncated sum
    return ExcessEntropy(total, L, abs(term) < atol, term)
