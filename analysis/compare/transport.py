"""Optimal-transport distance between two weighted point clouds.

`wasserstein_distance` compares, say, the beliefs a probe reads from the activations of
every prefix (weighted by ``Pr(w)``) with the Blackwell measure sampled by the chaos game,
both in the belief chart: 0 when the network's belief cloud is the attractor's measure,
and in the units of the chart otherwise. It is exact (POT's network simplex) on at most
``max_points`` rows per cloud.
"""

from __future__ import annotations

import warnings

import numpy as np

from processes.errors import InputError

from ._weighting import as_cloud, check_weights, positive_int, resample_rows

__all__ = ["wasserstein_distance"]

# POT's network-simplex result code for an optimal plan.
_OPTIMAL = 1


def _merged_sample(X: np.ndarray, w: np.ndarray, max_points: int, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Rows of positive weight, or at most ``max_points`` distinct rows drawn by weight
    (systematic resampling, repeats merged into their counts); weights sum to 1."""
    positive = w > 0
    X, w = X[positive], w[positive]
    if len(X) <= max_points:
        return X, w / w.sum()
    rows, counts = np.unique(resample_rows(w / w.sum(), max_points, rng), return_counts=True)
    return X[rows], counts / max_points


def wasserstein_distance(points_a, points_b, weights_a=None, weights_b=None, *,
                         max_points: int = 2000,
                         random_state: int | np.random.Generator | None = 0) -> float:
    """Earth mover's (1-Wasserstein) distance between two weighted point clouds.

    ``W1 = min over couplings gamma of sum_ij gamma_ij |a_i - b_j|`` (Euclidean ground
    cost, in the units of the points), solved exactly by POT's network simplex
    (``ot.emd2``). A cloud of more than ``max_points`` rows is first replaced by
    ``max_points`` rows drawn by weight (systematic resampling, repeats merged): the
    exact transport cost of an empirical measure, which overestimates W1 by roughly
    the distance between a measure and its ``max_points``-sample (shrinking like
    ``max_points**(-1/d)`` in d dimensions). Memory and time grow as ``max_points²``
    (2000: 32 MB, under a second).

    Parameters
    ----------
    points_a : array_like, shape (m_a, d) or (m_a,)
    points_b : array_like, shape (m_b, d) or (m_b,)
        The same number of coordinates as ``points_a`` (both in the belief chart, say).
    weights_a : array_like, shape (m_a,), optional
    weights_b : array_like, shape (m_b,), optional
        Each normalised to sum 1; equal by default.
    max_points : int, default=2000
        Rows kept per cloud.
    random_state : int, numpy.random.Generator or None, default=0
        Seed of the subsamples (unused when both clouds are small enough).

    Returns
    -------
    float

    Raises
    ------
    InputError
        For clouds of different dimensions, non-finite values or bad weights.
    ImportError
        Without POT, with the command that installs it.
    """
    try:
        import ot
    except ImportError as error:  # a core dependency, but an environment may lack it
        raise ImportError("wasserstein_distance needs POT, the Python Optimal Transport "
                          "library: pip install 'POT>=0.9'") from error
    a = as_cloud(points_a, "points_a")
    b = as_cloud(points_b, "points_b")
    if a.shape[1] != b.shape[1]:
        raise InputError(f"points_a have {a.shape[1]} coordinates but points_b "
                         f"{b.shape[1]}; map both into the same space (the belief chart)")
    max_points = positive_int("max_points", max_points)
    rng = np.random.default_rng(random_state)
    a, wa = _merged_sample(a, check_weights(weights_a, len(a), "weights_a"), max_points, rng)
    b, wb = _merged_sample(b, check_weights(weights_b, len(b), "weights_b"), max_points, rng)
    cost = ot.dist(a, b, metric="euclidean")  # (m_a, m_b)
    with warnings.catch_warnings():
        # The result code below says whether the plan is optimal; POT would also warn.
        warnings.simplefilter("ignore", UserWarning)
        distance, log = ot.emd2(wa, wb, cost, numItermax=max(100_000, 100 * cost.size),
                                log=True)
    if log["result_code"] != _OPTIMAL:
        raise RuntimeError(f"the optimal-transport solver stopped before an optimal plan "
                           f"({log['warning']}); lower max_points")
    return float(distance)
