"""Nearest-neighbour intrinsic-dimension estimators: TwoNN and Levina-Bickel MLE.

Scaling fits (:mod:`analysis.geometry.dimension`) need a linear range of scales spanning a
decade or more, which a 5- or 10-dimensional cloud of 10^5 points does not have: the
boxes empty before the curve straightens. Nearest-neighbour estimators read the
dimension from the ratios of the few smallest distances around each point, so they
work where network activations live (64 coordinates, an informative part of 3 to 10
dimensions). Both assume the density is locally constant over the k nearest
neighbours; they read a fractal's dimension close to D0 and are biased low on clouds
whose dimension is high compared with log10 of the number of points (boundaries).

Neighbours are found with scikit-learn's ``NearestNeighbors`` (a KD- or ball tree, or
brute force in many dimensions, always in blocks, never an N x N matrix) on at most
``max_points`` points drawn with ``random_state``. Points closer than the cloud's
numerical resolution (:func:`analysis.geometry._scaling.resolution_floor`) are merged first:
duplicates make distance ratios infinite.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator
from sklearn.neighbors import NearestNeighbors

from ._scaling import check_cloud, resolution_floor

__all__ = ["TwoNN", "MLEDimension", "neighbour_distances", "ball_calibration", "calibrate"]

# Seed of the synthetic calibration samples: fixed, so that a correction never depends on
# any global state, and shared, so that every fit sees the same calibration curve.
_CALIBRATION_SEED = 0x1D
# Highest dimension the calibration explores before giving up (and leaving the estimate
# uncorrected); 64-coordinate activations cannot exceed 64.
_MAX_CALIBRATION_DIM = 128


def neighbour_distances(
    X: np.ndarray,
    k: int,
    max_points: int | None,
    rng: np.random.Generator,
    n_jobs: int | None = 1,
) -> tuple[np.ndarray, int]:
    """Distances from points to their ``k`` nearest distinct neighbours.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_dims)
        A cloud checked by :func:`analysis.geometry._scaling.check_cloud`, float64.
    k : int
        Number of neighbours, >= 2.
    max_points : int or None
        Points kept, drawn without replacement with ``rng`` (all when None or when the
        cloud is smaller).
    rng : numpy.random.Generator
        Source of the subsample.
    n_jobs : int or None, default=1
        Threads for the neighbour search (-1: all cores).

    Returns
    -------
    distances : ndarray of shape (n_kept, k)
        Ascending Euclidean distances to the k nearest neighbours, in the units of
        ``X``, all above the resolution floor.
    n_merged : int
        Points of the subsample dropped as duplicates of another point (closer than
        the resolution floor).
    """
    if max_points is not None and len(X) > max_points:
        X = X[np.sort(rng.choice(len(X), max_points, replace=False))]
    floor = resolution_floor(X)
    # Snap to the resolution grid so that points equal up to rounding become equal
    # rows, then keep one of each: a zero distance carries no scaling information.
    snapped = np.round((X - X.min(axis=0)) / floor)
    _, first = np.unique(snapped, axis=0, return_index=True)
    n_merged = len(X) - len(first)
    X = X[np.sort(first)]
    if len(X) <= k:
        raise ValueError(
            f"Only {len(X)} distinct points (resolution {floor:.3g}); nearest-neighbour "
            f"estimators need more than k={k}."
        )
    search = NearestNeighbors(n_neighbors=k + 1, n_jobs=n_jobs).fit(X)
    distances = search.kneighbors(X, return_distance=True)[0][:, 1:]  # (n, k), self dropped
    # Rows snapped apart can still sit a hair under the floor; drop them rather than
    # let a near-zero r1 blow up a ratio.
    keep = distances[:, 0] > 0.5 * floor
    return distances[keep], n_merged + int((~keep).sum())


def _unit_ball(n_points: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform samples of the unit d-ball, shape (n_points, d)."""
    directions = rng.standard_normal((n_points, d))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return directions * rng.random((n_points, 1)) ** (1.0 / d)


@lru_cache(maxsize=256)
def ball_calibration(
    kind: str, d: int, n_points: int, setting: float, n_jobs: int | None
) -> float:
    """The uncorrected statistic of an estimator on a uniform sample of the unit d-ball.

    Parameters
    ----------
    kind : {"twonn", "mle"}
        Which statistic: :class:`TwoNN`'s line fit (top 10% of ratios discarded) or
        :class:`MLEDimension`'s inverse-averaged Levina-Bickel estimate.
    d : int
        Dimension of the ball, >= 1.
    n_points : int
        Sample size, the number of points the calibrated fit used.
    setting : float
        ``discard_fraction`` for ``"twonn"``, ``n_neighbors`` (k) for ``"mle"``.
    n_jobs : int or None
        Threads for the neighbour search.

    Returns
    -------
    float
        What the estimator reads on ``n_points`` uniform points of the d-ball: below
        ``d`` because neighbourhoods are cut by the boundary. Cached per arguments; the
        sample comes from a fixed seed, never from global randomness.
    """
    X = _unit_ball(n_points, d, np.random.default_rng((_CALIBRATION_SEED, d, n_points)))
    k = 2 if kind == "twonn" else int(setting)
    search = NearestNeighbors(n_neighbors=k + 1, n_jobs=n_jobs).fit(X)
    distances = search.kneighbors(X)[0][:, 1:]  # (n_points, k), self dropped
    if kind == "twonn":
        return _twonn_line_fit(np.sort(np.log(distances[:, 1] / distances[:, 0])), setting)
    log_t = np.log(distances)
    return float(1.0 / (log_t[:, -1:] - log_t[:, :-1]).mean())


def calibrate(raw: float, kind: str, n_points: int, setting: float, n_jobs: int | None) -> float:
    """Invert the unit-ball calibration curve: the dimension whose ball reads ``raw``.

    Nearest-neighbour statistics read low on clouds with boundaries, the more so the
    higher the dimension is compared with ``log10(n_points)`` (a uniform 10-cube of
    5e4 points reads ~9 by TwoNN, ~8.8 by MLE). As in DANCo and MiND (Ceruti et al.
    2014, Lombardi et al. 2011), the same statistic is computed on uniform samples of
    the unit d-ball with the same number of points and neighbours, d = 1, 2, ...,
    until it exceeds ``raw``; the dimension is interpolated linearly between the two
    integers that bracket it (below the 1-ball, scaled proportionally).

    The ball sits between a cube (more boundary: reads lower) and a Gaussian (no
    boundary: reads ~d), so after correction a uniform cube still reads a few percent
    low and a Gaussian a few percent high (10-D, 5e4 points: -4% and +7%).

    Parameters
    ----------
    raw : float
        The uncorrected statistic.
    kind : {"twonn", "mle"}
        Which statistic (see :func:`ball_calibration`).
    n_points : int
        Points the statistic was computed on.
    setting : float
        ``discard_fraction`` of TwoNN, or k of the MLE.
    n_jobs : int or None
        Threads for the calibration's neighbour searches.

    Returns
    -------
    float
        The calibrated dimension; ``raw`` itself if no ball up to 128 dimensions reads
        as high.
    """
    low_d, low_m = 0, 0.0
    for d in range(1, _MAX_CALIBRATION_DIM + 1):
        m = ball_calibration(kind, d, n_points, setting, n_jobs)
        if m >= raw:
            if d == 1:
                return raw / m
            return low_d + (raw - low_m) / (m - low_m)
        low_d, low_m = d, m
    return raw


def _twonn_line_fit(sorted_log_mu: np.ndarray, discard_fraction: float) -> float:
    """Slope through the origin of -log(1 - F) on log mu, top ratios discarded.

    Parameters
    ----------
    sorted_log_mu : ndarray of shape (n,)
        Log ratios r2 / r1, ascending.
    discard_fraction : float
        Fraction of the largest ratios left out, in [0, 1).

    Returns
    -------
    float
        The TwoNN dimension.
    """
    n = len(sorted_log_mu)
    keep = int(np.floor(n * (1.0 - discard_fraction)))
    x = sorted_log_mu[:keep]
    y = -np.log1p(-np.arange(1, keep + 1) / (n + 1))  # F_i = i / (n + 1) < 1
    return float(x @ y / (x @ x))


def _corrected(
    estimator: TwoNN | MLEDimension,
    kind: str,
    setting: float,
    raw: float,
    raw_ci: tuple[float, float],
    n_points: int,
) -> tuple[float, tuple[float, float]]:
    """``(dimension, ci)`` of a fit: calibrated when ``estimator.calibrate``, else raw."""
    if not estimator.calibrate:
        return raw, raw_ci
    corrected = calibrate(raw, kind, n_points, setting, estimator.n_jobs)
    factor = corrected / raw
    return corrected, (raw_ci[0] * factor, raw_ci[1] * factor)


def _percentile_interval(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = 50.0 * (1.0 - confidence)
    low, high = np.percentile(draws, [tail, 100.0 - tail])
    return float(low), float(high)


class TwoNN(BaseEstimator):
    """TwoNN intrinsic dimension (Facco, d'Errico, Rodriguez and Laio 2017).

    For each point the ratio ``mu = r2 / r1`` of its second to first nearest-neighbour
    distance follows a Pareto law, ``F(mu) = 1 - mu^-d``, whatever the (locally
    constant) density. With the empirical CDF ``F_i = i / (N + 1)`` of the sorted ratios,
    ``-log(1 - F)`` against ``log mu`` is a line through the origin of slope d, fitted
    by least squares after discarding the largest ``discard_fraction`` of the ratios
    (their tail is noisy and most affected by density changes).

    ``ci_`` is the equal-tailed ``confidence`` percentile interval of the fit refitted
    on ``n_bootstrap`` resamples of the ratios (drawn with replacement). The maximum-
    likelihood estimate ``mle_ = (N - 1) / sum(log mu)`` is kept too, with its exact
    interval ``mle_ci_``: ``d * sum(log mu)`` is Gamma(N, 1) distributed. Both
    intervals treat the ratios as independent, which neighbouring points are not quite,
    and neither covers the bias from curvature or noise.

    With ``calibrate`` (the default) the line fit is corrected for the finite-sample
    boundary bias by :func:`calibrate`: ``raw_dimension_`` is the statistic, and
    ``dimension_`` the dimension of the uniform ball with the same number of points
    that reads the same; ``ci_`` is ``raw_ci_`` scaled by the same factor. ``mle_`` and
    ``mle_ci_`` stay uncorrected. Compare ``raw_dimension_`` with other TwoNN codes.

    Parameters
    ----------
    discard_fraction : float, default=0.1
        Fraction of the largest ratios left out of the line fit, in [0, 1).
    calibrate : bool, default=True
        Correct the boundary bias against uniform-ball samples (see above).
    max_points : int or None, default=20000
        Points used, drawn with ``random_state``; None uses all.
    n_bootstrap : int, default=200
        Bootstrap replicates for ``ci_``.
    confidence : float, default=0.95
        Coverage of ``ci_`` and ``mle_ci_``.
    n_jobs : int or None, default=1
        Threads for the neighbour search (-1: all cores).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for the subsample and the bootstrap.

    Attributes
    ----------
    dimension_ : float
        The TwoNN estimate, calibrated (or the slope of the line fit when not).
    ci_ : tuple of float
        (low, high) bootstrap interval of ``dimension_``.
    raw_dimension_ : float
        Slope of the line fit, uncorrected.
    raw_ci_ : tuple of float
        Bootstrap interval of ``raw_dimension_``.
    mle_ : float
        Maximum-likelihood estimate from all ratios.
    mle_ci_ : tuple of float
        (low, high) exact Gamma interval of ``mle_``.
    mu_ : ndarray of shape (n_used,)
        Ratios r2 / r1, ascending.
    n_points_ : int
        Points whose ratio was used.
    n_merged_ : int
        Points of the subsample dropped as duplicates (closer than the resolution).
    n_features_in_ : int
        Number of coordinates of the fitted cloud.
    """

    def __init__(
        self,
        *,
        discard_fraction: float = 0.1,
        calibrate: bool = True,
        max_points: int | None = 20_000,
        n_bootstrap: int = 200,
        confidence: float = 0.95,
        n_jobs: int | None = 1,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.discard_fraction = discard_fraction
        self.calibrate = calibrate
        self.max_points = max_points
        self.n_bootstrap = n_bootstrap
        self.confidence = confidence
        self.n_jobs = n_jobs
        self.random_state = random_state

    @staticmethod
    def symbol() -> str:
        """Short name of the estimate, ``"TwoNN"``."""
        return "TwoNN"

    def _line_fit(self, sorted_log_mu: np.ndarray) -> float:
        """Slope through the origin of -log(1 - F) on log mu, top ratios discarded."""
        return _twonn_line_fit(sorted_log_mu, self.discard_fraction)

    def fit(self, X: np.ndarray, y: None = None) -> TwoNN:
        """Find the two nearest neighbours of every kept point and fit d.

        Parameters
        ----------
        X : array_like of shape (n_points, n_dims)
            The point cloud, in any units.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        self : TwoNN
            The fitted estimator.
        """
        if not 0 <= self.discard_fraction < 1:
            raise ValueError(f"discard_fraction must be in [0, 1), got {self.discard_fraction}.")
        X, _, _ = check_cloud(X)
        rng = np.random.default_rng(self.random_state)
        distances, self.n_merged_ = neighbour_distances(
            X, 2, self.max_points, rng, self.n_jobs
        )
        mu = np.sort(distances[:, 1] / distances[:, 0])
        log_mu = np.log(mu)
        n = len(mu)
        if not np.all(np.isfinite(log_mu)) or log_mu.sum() <= 1e-9 * n:
            # Ratios all 1 (a finite set of points, a lattice): the fit would divide by
            # zero or return a meaningless huge d.
            raise ValueError("the second-nearest neighbour is as near as the nearest for "
                             "almost every point (a finite set of points or a lattice); "
                             "TwoNN needs a continuum of distances")
        self.mu_ = mu
        self.n_points_ = n
        self.raw_dimension_ = self._line_fit(log_mu)
        boot = np.sort(log_mu[rng.integers(0, n, (self.n_bootstrap, n))], axis=1)
        slopes = np.array([self._line_fit(row) for row in boot])
        self.raw_ci_ = _percentile_interval(slopes, self.confidence)
        self.dimension_, self.ci_ = _corrected(
            self, "twonn", self.discard_fraction, self.raw_dimension_, self.raw_ci_, n
        )
        total = float(log_mu.sum())
        self.mle_ = (n - 1) / total
        tail = (1.0 - self.confidence) / 2
        self.mle_ci_ = (
            float(stats.gamma.ppf(tail, n) / total),
            float(stats.gamma.ppf(1.0 - tail, n) / total),
        )
        self.n_features_in_ = X.shape[1]
        return self


class MLEDimension(BaseEstimator):
    """Levina-Bickel maximum-likelihood intrinsic dimension, MacKay-Ghahramani averaged.

    With ``T_1 <= ... <= T_k`` the distances from a point to its k nearest neighbours,
    the local estimate is ``m(x) = 1 / mean_j<k log(T_k / T_j)`` (a Poisson process of
    dimension d makes each ``log(T_k / T_j)`` average ``1 / d`` over j). Averaging the
    inverses over points and inverting (MacKay and Ghahramani 2005) is unbiased for
    ``1 / d``, unlike the mean of the local estimates, which is biased high.

    ``ci_`` inverts the equal-tailed ``confidence`` percentile interval of the mean
    inverse estimate over ``n_bootstrap`` resamples of the points. Neighbouring points
    share neighbours, so the interval is somewhat narrow; it does not cover the bias
    from curvature or noise, which grows with k.

    With ``calibrate`` (the default) the estimate is corrected for the finite-sample
    boundary bias by :func:`calibrate`, as for :class:`TwoNN`; ``raw_dimension_`` and
    ``raw_ci_`` keep the uncorrected estimate.

    Parameters
    ----------
    n_neighbors : int, default=10
        Neighbours per point, k >= 3.
    calibrate : bool, default=True
        Correct the boundary bias against uniform-ball samples.
    max_points : int or None, default=20000
        Points used, drawn with ``random_state``; None uses all.
    n_bootstrap : int, default=500
        Bootstrap replicates for ``ci_``.
    confidence : float, default=0.95
        Coverage of ``ci_``.
    n_jobs : int or None, default=1
        Threads for the neighbour search (-1: all cores).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for the subsample and the bootstrap.

    Attributes
    ----------
    dimension_ : float
        The estimated dimension, calibrated (unless ``calibrate`` is False).
    ci_ : tuple of float
        (low, high) bootstrap interval of ``dimension_``.
    raw_dimension_ : float
        The uncorrected Levina-Bickel / MacKay-Ghahramani estimate.
    raw_ci_ : tuple of float
        Bootstrap interval of ``raw_dimension_``.
    local_inverse_ : ndarray of shape (n_used,)
        ``1 / m(x)`` for each point used.
    n_points_ : int
        Points used.
    n_merged_ : int
        Points of the subsample dropped as duplicates (closer than the resolution).
    n_features_in_ : int
        Number of coordinates of the fitted cloud.
    """

    def __init__(
        self,
        *,
        n_neighbors: int = 10,
        calibrate: bool = True,
        max_points: int | None = 20_000,
        n_bootstrap: int = 500,
        confidence: float = 0.95,
        n_jobs: int | None = 1,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.calibrate = calibrate
        self.max_points = max_points
        self.n_bootstrap = n_bootstrap
        self.confidence = confidence
        self.n_jobs = n_jobs
        self.random_state = random_state

    @staticmethod
    def symbol() -> str:
        """Short name of the estimate, ``"MLE"``."""
        return "MLE"

    def fit(self, X: np.ndarray, y: None = None) -> MLEDimension:
        """Find the k nearest neighbours of every kept point and estimate d.

        Parameters
        ----------
        X : array_like of shape (n_points, n_dims)
            The point cloud, in any units.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        self : MLEDimension
            The fitted estimator.
        """
        if self.n_neighbors < 3:
            raise ValueError(f"n_neighbors must be at least 3, got {self.n_neighbors}.")
        X, _, _ = check_cloud(X)
        rng = np.random.default_rng(self.random_state)
        distances, self.n_merged_ = neighbour_distances(
            X, self.n_neighbors, self.max_points, rng, self.n_jobs
        )
        log_t = np.log(distances)  # (n, k)
        inverse = (log_t[:, -1:] - log_t[:, :-1]).mean(axis=1)  # (n,), estimates 1/d
        n = len(inverse)
        self.local_inverse_ = inverse
        self.n_points_ = n
        self.raw_dimension_ = float(1.0 / inverse.mean())
        means = np.array(
            [inverse[rng.integers(0, n, n)].mean() for _ in range(self.n_bootstrap)]
        )
        low, high = _percentile_interval(means, self.confidence)
        self.raw_ci_ = (1.0 / high, 1.0 / low)
        self.dimension_, self.ci_ = _corrected(
            self, "mle", self.n_neighbors, self.raw_dimension_, self.raw_ci_, n
        )
        self.n_features_in_ = X.shape[1]
        return self
