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
from tqdm.auto import tqdm

from processes import EntropyRate, Process, ProcessError
from processes.errors import negative_probability_error
from processes.sampling import advance_beliefs

from .belief import BeliefIFS

__all__ = ["ChaosGame", "chaos_game", "sample_attractor", "blackwell_entropy_rate"]

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
    """

    beliefs: np.ndarray
    chain_entropy_nats: np.ndarray
    n_chains: int

    def entropy_rate(self) -> EntropyRate:
        """``h_mu = E_Blackwell[H[p(eta)]]`` in bits, with the standard error across chains
        (each chain is one batch of the batch-means estimator)."""
        h = self.chain_entropy_nats / math.log(2)
        stderr = h.std(ddof=1) / math.sqrt(len(h)) if len(h) > 1 else float("nan")
        return EntropyRate(float(h.mean()), float(stderr), "blackwell")


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
    return ChaosGame(beliefs, entropy, n_chains)


def sample_attractor(process: Process, n_points: int, burn_in: int = 200,
                     seed: int | np.random.Generator | None = 0,
                     n_chains: int = 64) -> np.ndarray:
    """Beliefs sampled from the Blackwell measure: (n_points, n_states) float64."""
    return chaos_game(process, n_points, burn_in=burn_in, seed=seed, n_chains=n_chains,
                      track_entropy=False).beliefs


def blackwell_entropy_rate(process: Process, n_points: int = 200_000,
                           seed: int | np.random.Generator | None = 0,
                           n_chains: int = 64) -> EntropyRate:
    """Entropy rate in bits from the Blackwell measure, with its standard error."""
    return chaos_game(process, n_points, seed=seed, n_chains=n_chains).entropy_rate()
