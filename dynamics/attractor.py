"""The Blackwell measure, sampled by the chaos game, and the entropy rate it gives.

The chaos game runs the belief IFS, drawing each symbol from ``p_x(eta)``: many
independent chains in a compiled kernel (`processes.advance_beliefs`), in chunks
so ``10**7`` points need no more memory than the output itself.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from processes import EntropyRate, Process, ProcessError
from processes.errors import negative_probability_error
from processes.sampling import advance_beliefs

from .belief import BeliefIFS

__all__ = ["ChaosGame", "chaos_game", "sample_attractor"]

_CHUNK_POINTS = 1 << 20  # points per kernel call: bounds the scratch memory


@dataclass(frozen=True)
class ChaosGame:
    """Chaos-game samples of the Blackwell measure.

    Attributes
    ----------
    beliefs : ndarray, shape (n_points, n_states), float64
        Chain-major: the points of chain 0, then chain 1, ...
    chain_entropy_nats : ndarray, shape (n_chains,)
        Each chain's mean of ``H[p(eta)]`` (nats) over its recorded steps.
    n_chains : int
    symbol_matrix : ndarray, shape (n_states, n_symbols), optional
        The process's ``Tr`` (``p(eta) = eta @ Tr``), for the correlation-time check of
        `entropy_rate`; None skips it.
    """

    beliefs: np.ndarray
    chain_entropy_nats: np.ndarray
    n_chains: int
    symbol_matrix: np.ndarray | None = None

    def entropy_rate(self) -> EntropyRate:
        """``h_mu = E_Blackwell[H[p(eta)]]`` in bits, with the standard error across chains.

        The chains are independent runs, so their means are independent batches whatever
        the correlation time. Comparing their spread with the spread of ``H[p(eta)]``
        over single points gives the integrated autocorrelation time
        ``tau = m var(chain mean) / var(point)`` (``m`` points per chain) and the effective
        sample size ``n_points / tau``. The result is not ``converged`` with fewer than 8
        chains (their spread is a poor error estimate), chains shorter than ``20 tau``
        (the start at ``pi`` and the batch means are then biased), or fewer than 100
        effective samples.
        """
        h = self.chain_entropy_nats / math.log(2)
        n = len(h)
        stderr = h.std(ddof=1) / math.sqrt(n) if n > 1 else float("nan")
        m = len(self.beliefs) / max(n, 1)
        ess, reasons = None, []
        if self.symbol_matrix is not None and n > 1 and np.all(np.isfinite(h)):
            # A strided subsample of points suffices for the variance of one point.
            pts = self.beliefs[:: max(1, len(self.beliefs) // 200_000)]
            p = np.clip(pts @ self.symbol_matrix, 0.0, None)
            with np.errstate(divide="ignore", invalid="ignore"):
                point_h = -np.sum(np.where(p > 0, p * np.log2(p), 0.0), axis=1)
            var_point, var_chain = float(point_h.var()), float(h.var(ddof=1))
            tau = m * var_chain / var_point if var_point > 0 else 1.0
            tau = max(tau, 1.0)  # below 1 is noise in the two variances
            ess = len(self.beliefs) / tau
            if m < 20 * tau:
                reasons.append(f"the chains ({m:.0f} points each) are not much longer "
                               f"than the correlation time of H[p(eta)] ({tau:.3g} steps); "
                               "use more points or fewer chains")
            if ess < 100:
                reasons.append(f"only {ess:.0f} effective samples; use more points")
        if n < 8:
            reasons.append(f"{n} chains give a poor standard error; use at least 8")
        return EntropyRate(float(h.mean()), float(stderr), "blackwell",
                           effective_samples=ess, converged=not reasons,
                           converged_reason="; ".join(reasons) or None)


def _check(process: Process, n_points: int, n_chains: int) -> None:
    if n_points < 1 or n_chains < 1:
        raise ValueError(f"n_points and n_chains must be >= 1, got {n_points}, {n_chains}")
    BeliefIFS(process)  # raises for a symbol that is impossible from every belief


def chaos_game(process: Process, n_points: int, burn_in: int = 200,
               seed: int | np.random.Generator | None = 0,
               n_chains: int = 64, progress: bool | None = None,
               track_entropy: bool = True) -> ChaosGame:
    """Run ``n_chains`` independent chaos games from ``pi``; keep ``n_points`` beliefs.

    Parameters
    ----------
    process : Process
    n_points : int
        Total points kept, split evenly across chains (the first chains take the
        remainder).
    burn_in : int
        Steps discarded per chain; the belief forgets ``pi`` geometrically fast.
    seed : int, numpy.random.Generator or None
    n_chains : int
        Independent chains; also the batches of the entropy-rate standard error.
    progress : bool, optional
        Show a progress bar; by default only on a terminal and for large runs.
    track_entropy : bool
        Accumulate ``H[p(eta)]`` for the entropy rate (``chain_entropy_nats`` is NaN
        otherwise).
    """
    _check(process, n_points, n_chains)
    n_chains = min(n_chains, n_points)
    rng = np.random.default_rng(seed)  # a Generator passes through unchanged
    per_chain = np.full(n_chains, n_points // n_chains)
    per_chain[: n_points % n_chains] += 1
    steps = int(per_chain.max())
    eta = np.repeat(process.pi[None, :], n_chains, axis=0)
    out = np.empty((n_chains, steps, process.n_states))
    entropy = np.zeros(n_chains)
    broken, negative, worst = 0, 0, 0.0
    if burn_in:
        _, broken, negative, worst = advance_beliefs(process, eta,
                                                     rng.random((n_chains, burn_in)))
    chunk = min(steps, max(1, _CHUNK_POINTS // n_chains))
    u = np.empty((n_chains, chunk))  # reused: fresh pages for every chunk cost more
    show = progress if progress is not None else (sys.stderr.isatty() and n_points > 10**6)
    done = 0
    with tqdm(total=steps * n_chains, disable=not show, unit="pt") as bar:
        while done < steps and not negative:
            m = min(chunk, steps - done)
            if m < chunk:
                u = np.empty((n_chains, m))
            rng.random(out=u)
            h, b, neg, low = advance_beliefs(process, eta, u, out[:, done:done + m],
                                             track_entropy=track_entropy)
            # A negative probability stops the loop: the measure does not exist.
            broken, negative, worst = broken + b, negative + neg, min(worst, low)
            entropy += h
            done += m
            bar.update(m * n_chains)
    if negative:
        raise negative_probability_error(process, worst, "running the chaos game")
    if broken:
        raise ProcessError(
            f"{process.name}: {broken} chaos-game updates divided by a zero or non-finite "
            "probability; the beliefs left the simplex (check the matrices)"
        )
    if np.all(per_chain == steps):
        beliefs = out.reshape(-1, process.n_states)  # a view: no copy of 10**7 points
    else:
        beliefs = np.concatenate([out[c, :per_chain[c]] for c in range(n_chains)])
    entropy = entropy / steps if track_entropy else np.full(n_chains, np.nan)
    return ChaosGame(beliefs, entropy, n_chains, process.Tr)


def sample_attractor(process: Process, n_points: int, burn_in: int = 200,
                     seed: int | np.random.Generator | None = 0,
                     n_chains: int = 64) -> np.ndarray:
    """Beliefs sampled from the Blackwell measure: (n_points, n_states) float64."""
    return chaos_game(process, n_points, burn_in=burn_in, seed=seed, n_chains=n_chains,
                      track_entropy=False).beliefs
