"""The one entropy-rate policy: exact where possible, else the most precise estimate.

Every command that reports ``h_mu`` (``describe``, ``msp``, ``attractor``, ``reproduce``)
calls `entropy_rate`. The policy, in bits per symbol:

1. **Exact** for a unifilar presentation or a finite recurrent mixed-state presentation.
2. Otherwise two estimates, and the more precise of them:

   - ``"myopic-extrapolated"``: ``h(L)`` converges to ``h_mu`` from above; where its
     steps shrink geometrically (Mess3), the tail ``sum_{j>L} (h(j-1) - h(j))`` is summed
     as a geometric series. Its error is the spread of the extrapolations from the last
     two ratios.
   - ``"blackwell"``: the chaos-game average of ``H[p_x(eta)]`` over the Blackwell
     measure, with its batch-means standard error.

   The myopic entropy ``h(L)`` at the largest L computed rides along as a proven upper
   bound, and no estimate is reported above it.
"""

from __future__ import annotations

import math

import numpy as np

from processes import EntropyRate, Process
from processes.errors import InputError
from processes.information import exact_entropy_rate, myopic_within_budget
from processes.msp import EpsilonMachine

from .attractor import ChaosGame, chaos_game

__all__ = ["entropy_rate", "geometric_tail"]

# h(L) is a sum of float64 entropies; below this its steps are rounding, not signal.
_ROUNDING_BITS = 1e-12
# An extrapolation this precise cannot be beaten by any affordable chaos game.
_GOOD_ENOUGH_BITS = 1e-8


def geometric_tail(h: np.ndarray) -> tuple[float, float] | None:
    """Extrapolate ``h(1..L)`` (bits) to ``L -> oo`` assuming geometric convergence.

    The last four steps ``d_j = h(j-1) - h(j)`` give three ratios; the sequence counts
    as geometric when each pair of successive ratios agrees to 1% of the ratio (a power
    law or a ``L r^L`` tail has ratios drifting steadily towards 1 and is refused).

    Returns
    -------
    (h_mu, error) : tuple of float, or None
        In bits. ``error`` is the spread of the tails summed with each of the three
        ratios. None when fewer than five values are given or the steps are not
        geometric.
    """
    if len(h) < 5:
        return None
    d = -np.diff(np.asarray(h, dtype=float))[-4:]
    if d[-1] < _ROUNDING_BITS:
        # Converged to rounding: the remaining tail is below float resolution.
        return float(h[-1]), max(float(abs(d[-1])), _ROUNDING_BITS)
    if np.any(d <= 0):
        return None
    ratios = d[1:] / d[:-1]
    if not np.all((ratios > 0) & (ratios < 1)):
        return None
    if np.any(np.abs(np.diff(ratios)) > 0.01 * ratios[-1]):
        return None
    tails = d[-1] * ratios / (1 - ratios)
    return float(h[-1] - tails[-1]), float(np.ptp(tails)) + _ROUNDING_BITS


def entropy_rate(process: Process, *, max_length: int = 12, n_points: int = 200_000,
                 seed: int | np.random.Generator | None = 0, machine: EpsilonMachine | None = None,
                 max_beliefs: int = 2_000_000, game: ChaosGame | None = None) -> EntropyRate:
    """Entropy rate ``h_mu`` of ``process`` in bits, by the policy in the module docstring.

    Parameters
    ----------
    process : Process
    max_length : int
        Largest L for the myopic entropies ``h(L)`` (the upper bound and extrapolation).
    n_points : int
        Chaos-game points for the Blackwell estimate (skipped when the extrapolation is
        already more precise than any affordable chaos game).
    seed : int, numpy.random.Generator or None
        For the chaos game.
    machine : EpsilonMachine, optional
        An `processes.epsilon_machine` result the caller already has.
    max_beliefs : int
        Largest number of distinct beliefs per level for ``h(L)``; L stops earlier.
    game : ChaosGame, optional
        Chaos-game samples of this process the caller already has (``attractor``): the
        Blackwell estimate reuses them instead of running its own.

    Returns
    -------
    EntropyRate
        ``method`` says which estimate was used; ``upper_bound_bits`` is ``h(L)`` when
        the rate is not exact.
    """
    exact = exact_entropy_rate(process, machine)
    if exact is not None:
        return exact
    h = myopic_within_budget(process, max_length, max_beliefs)
    bound, length = float(h[-1]), len(h)
    candidates = []
    tail = geometric_tail(h)
    if tail is not None:
        candidates.append((tail[1], tail[0], "myopic-extrapolated", None))
    if tail is None or tail[1] > _GOOD_ENOUGH_BITS:
        blackwell = (game or chaos_game(process, n_points, seed=seed)).entropy_rate()
        if math.isfinite(blackwell.stderr_bits):
            candidates.append((blackwell.stderr_bits, blackwell.bits, "blackwell", blackwell))
    if not candidates:
        raise InputError(f"{process.name}: no entropy-rate estimate; ask for more points")
    error, value, method, estimate = min(candidates, key=lambda c: c[0])
    # h(L) is a proven upper bound: an estimate above it is wrong by at least the excess.
    if estimate is None:  # the extrapolation: converged by construction of geometric_tail
        return EntropyRate(min(value, bound), error, method, bound, length)
    return EntropyRate(min(value, bound), error, method, bound, length,
                       effective_samples=estimate.effective_samples,
                       converged=estimate.converged,
                       converged_reason=estimate.converged_reason)
