"""Fractal dimensions of point clouds: box-counting D_q (D0, D1) and correlation D2.

They work on any cloud of shape (n_points, n_dims), chaos-game samples on a simplex or
64-d network activations: each measures a scaling curve over a geometric ladder of
scales tied to the cloud's extent (largest coordinate range), picks the linear range
automatically (:func:`analysis.geometry._scaling.choose_scaling_range`) and reports the slope
with a confidence interval covering both the noise of the slope and the choice of
range. Memory stays O(n_points): boxes are counted by sorting integer keys computed in
chunks, pairs with a KD-tree or blocked brute force (no distance matrix).

Multifractal measures have D0 >= D1 >= D2; the three can differ a lot, so always say
which one you report.
"""

import warnings

import numpy as np

__all__ = [
    "BoxCountingDimension",
    "InformationDimension",
    "CorrelationDimension",
    "estimate_dimensions",
    "fit_dimension_estimators",
    "summarize_dimensions",
    "subsample",
    "MAX_POINTS",
]

from ._correlation import count_pairs, reference_bootstrap_slopes
from ._scaling import (
    ScalingEstimator,
    check_cloud,
    count_boxes,
    residual_bootstrap_slopes,
    resolution_floor,
)


class BoxCountingDimension(ScalingEstimator):
    """Box-counting generalized (Rényi) dimension D_q of a point cloud.

    Points are binned on grids of box side ``eps = extent * scale_ratio**-k``
    (k = 0, 1, ...) until past the under-sampled end; each grid is laid ``n_offsets``
    times with random shifts and the entropies are averaged, which damps the
    grid-phase oscillations of lacunar sets. With ``p_i`` the fraction of
    points in box i, the Rényi entropy (nats) is ``H_q = log(sum p_i^q) / (1 - q)``
    (``H_0 = log N(eps)``, ``H_1 = -sum p_i log p_i``) and ``D_q = -dH_q / dlog eps``.
    q = 0 gives the capacity D0, q = 1 the information dimension D1, q = 2 a box
    estimate of D2.

    Scales are usable for the fit when ``eps <= max_scale * extent`` (saturated end
    excluded) and the mean occupancy ``n_points / N(eps)`` is at least
    ``min_occupancy`` (under-sampled end excluded); the range is then chosen by
    :func:`analysis.geometry._scaling.choose_scaling_range`.

    ``ci_`` joins two uncertainties. Noise: a residual bootstrap of the regression over
    the chosen window gives the equal-tailed ``confidence`` percentile interval of its
    slope (lacunarity, grid-phase noise). Range: each admissible window (``min_window``
    or more consecutive usable scales within the tolerances; in the fallback case,
    those within twice the tolerances the chosen one needs) has a slope, kept in
    ``window_slopes_``. ``ci_`` runs from the lowest window slope minus the lower
    bootstrap margin (``dimension_`` minus the percentile low) to the highest plus the
    upper margin. It is a conservative band, not an exact ``confidence`` interval, and
    misses any bias that all windows share: box counting reads a uniform square
    0.04-0.10 low at 3e5 points (edge boxes) and the Sierpinski gasket 0.01-0.04 low at
    2e5 (edges, missed boxes; the amount depends on the grid shifts).

    Parameters
    ----------
    q : float, default=0
        Order of the Rényi dimension.
    scale_ratio : float, default=sqrt(2)
        Ratio between consecutive box sides, > 1.
    n_offsets : int, default=4
        Random grid shifts averaged per scale.
    min_occupancy : float, default=30
        Least mean number of points per occupied box at a usable scale. Below ~30,
        boxes that barely touch a fractal are missed and D0, D1 come out low.
    max_scale : float, default=0.25
        Largest usable box side, as a fraction of the extent.
    min_scale : float or None, default=None
        Smallest usable box side, in the units of ``X`` (not a fraction: two clouds
        fitted with one ``min_scale`` share the floor of their windows). Set it above
        the noise of a cloud whose points carry a known error, e.g. beliefs read by a
        probe: below the noise every cloud looks as many-dimensional as its noise.
        ``None``: only the resolution floor and ``min_occupancy`` bound the small end.
    min_window : int, default=6
        Fewest consecutive scales in the fit.
    slope_tolerance : float, default=0.03
        Allowed relative deviation of local slopes from the fitted slope.
    residual_tolerance : float, default=0.1
        Allowed largest absolute residual over the fit range, in nats.
    n_bootstrap : int, default=1000
        Bootstrap replicates for ``ci_``.
    confidence : float, default=0.95
        Coverage of the bootstrap part of ``ci_``.
    chunk_size : int, default=65536
        Points binned at a time; temporary memory is about
        ``chunk_size * n_dims * 16`` bytes on top of 8 bytes per point.
    random_state : int, numpy.random.Generator or None, default=None
        Seed for the grid shifts and the bootstrap.

    Attributes
    ----------
    dimension_ : float
        The estimated D_q: the slope over the chosen window.
    ci_ : tuple of float
        (low, high) interval of D_q covering noise and the choice of range (above).
    window_slopes_ : ndarray of shape (n_windows,)
        D_q over each admissible window, ordered by first then last scale.
    scales_ : ndarray of shape (n_scales,)
        Box sides, ascending, in the units of ``X``.
    values_ : ndarray of shape (n_scales,)
        Rényi entropy ``H_q`` at each scale, in nats, averaged over grid shifts.
    n_boxes_ : ndarray of shape (n_scales,)
        Mean number of occupied boxes at each scale.
    fit_range_ : tuple of float
        (eps_low, eps_high) of the chosen scaling range, in the units of ``X``.
    slope_, intercept_ : float
        Line ``values_ = slope_ * log(scales_) + intercept_`` over the range.
    r2_ : float
        Coefficient of determination of that line.
    n_features_in_ : int
        Number of dimensions of the fitted cloud.
    """

    _orientation = -1.0
    values_label = "Rényi entropy $H_q(\\varepsilon)$ [nats]"

    def __init__(
        self,
        q=0.0,
        *,
        scale_ratio=2**0.5,
        n_offsets=4,
        min_occupancy=30.0,
        max_scale=0.25,
        min_scale=None,
        min_window=6,
        slope_tolerance=0.03,
        residual_tolerance=0.1,
        n_bootstrap=1000,
        confidence=0.95,
        chunk_size=65536,
        random_state=None,
    ):
        self.q = q
        self.scale_ratio = scale_ratio
        self.n_offsets = n_offsets
        self.min_occupancy = min_occupancy
        self.max_scale = max_scale
        self.min_scale = min_scale
        self.min_window = min_window
        self.slope_tolerance = slope_tolerance
        self.residual_tolerance = residual_tolerance
        self.n_bootstrap = n_bootstrap
        self.confidence = confidence
        self.chunk_size = chunk_size
        self.random_state = random_state

    def symbol(self):
        """Short name of the dimension, e.g. ``"D0"``."""
        return f"D{self.q:g}"

    def fit(self, X, y=None):
        """Count boxes over the scale ladder and fit D_q.

        Parameters
        ----------
        X : array_like of shape (n_points, n_dims)
            The point cloud.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        self
        """
        if self.scale_ratio <= 1:
            raise ValueError(f"scale_ratio must exceed 1, got {self.scale_ratio}.")
        X, low, extent = check_cloud(X)
        n, d = X.shape
        rng = np.random.default_rng(self.random_state)
        offsets = rng.random((self.n_offsets, d))
        self.resolution_ = resolution_floor(X)
        scales, values, self.n_boxes_ = count_boxes(
            X, low, extent, self.q, self.scale_ratio, offsets, self.min_occupancy, self.chunk_size,
            resolution=self.resolution_,
        )
        usable = (
            (scales <= self.max_scale * extent)
            & (self.n_boxes_ * self.min_occupancy <= n)
            & (scales >= max(self.resolution_, self._min_scale()))
        )
        window = self._fit_curve(scales, values, usable)
        slopes = residual_bootstrap_slopes(
            np.log(scales[window]), -values[window], self.n_bootstrap, rng
        )
        self._set_interval(slopes)
        self._check_finite_size(X, rng)
        self.n_features_in_ = d
        return self


class InformationDimension(BoxCountingDimension):
    """Box-counting information dimension D1 (``BoxCountingDimension`` with q = 1).

    ``values_`` is the Shannon entropy of the box occupation, in nats. All parameters
    and attributes are those of :class:`BoxCountingDimension`, without ``q``.
    """

    q = 1.0

    def __init__(
        self,
        *,
        scale_ratio=2**0.5,
        n_offsets=4,
        min_occupancy=30.0,
        max_scale=0.25,
        min_scale=None,
        min_window=6,
        slope_tolerance=0.03,
        residual_tolerance=0.1,
        n_bootstrap=1000,
        confidence=0.95,
        chunk_size=65536,
        random_state=None,
    ):
        self.scale_ratio = scale_ratio
        self.n_offsets = n_offsets
        self.min_occupancy = min_occupancy
        self.max_scale = max_scale
        self.min_scale = min_scale
        self.min_window = min_window
        self.slope_tolerance = slope_tolerance
        self.residual_tolerance = residual_tolerance
        self.n_bootstrap = n_bootstrap
        self.confidence = confidence
        self.chunk_size = chunk_size
        self.random_state = random_state


class CorrelationDimension(ScalingEstimator):
    """Grassberger-Procaccia correlation dimension D2 of a point cloud.

    The correlation sum ``C(r)`` is the fraction of (reference, point) pairs closer than
    ``r`` (Euclidean, self-pairs excluded); ``D2 = dlog C / dlog r``. ``n_references``
    points drawn without replacement are counted against the cloud with a KD-tree
    (``cKDTree.query_ball_point(return_length=True)``) or, in 8+ coordinates, blocked
    brute-force distances binned against all radii at once; never a distance matrix. Larger
    radii are counted on nested random subsets still holding ~10^5 pairs
    (:func:`analysis.geometry._correlation.count_pairs`), so every radius costs about the same
    and memory stays O(n_points). Points are treated as exchangeable samples: thin a
    time-correlated orbit first (no Theiler window is applied).

    Radii form the ladder ``r = extent * scale_ratio**-k`` from the extent down to a
    few rungs below the distance at which ``min_pairs`` pairs remain. Radii are usable
    for the fit when ``r <= max_scale * extent`` (saturated end excluded) and at least
    ``min_pairs`` pairs lie within ``r`` (under-sampled end excluded); the range is
    then chosen by :func:`analysis.geometry._scaling.choose_scaling_range`.

    ``ci_`` joins two uncertainties, as in :class:`BoxCountingDimension`. Noise:
    refitting the chosen window with the reference points drawn with replacement gives
    the equal-tailed ``confidence`` percentile interval (sampling noise of ``C(r)``).
    Range: ``window_slopes_`` holds the slope of each admissible window. ``ci_`` runs
    from the lowest window slope minus the lower bootstrap margin to the highest plus
    the upper margin: a conservative band that misses only bias shared by all windows.

    Parameters
    ----------
    n_references : int, default=10000
        Reference points (all points when the cloud is smaller).
    scale_ratio : float, default=sqrt(2)
        Ratio between consecutive radii, > 1.
    min_pairs : int, default=1000
        Least number of pairs within a usable radius.
    max_scale : float, default=0.25
        Largest usable radius, as a fraction of the extent.
    min_scale : float or None, default=None
        Smallest usable radius, in the units of ``X``, e.g. above the noise of a probe's
        reading (as in :class:`BoxCountingDimension`). ``None``: only the resolution
        floor and ``min_pairs`` bound the small end.
    min_window : int, default=6
        Fewest consecutive radii in the fit.
    slope_tolerance : float, default=0.03
        Allowed relative deviation of local slopes from the fitted slope.
    residual_tolerance : float, default=0.1
        Allowed largest absolute residual over the fit range, in nats.
    n_bootstrap : int, default=1000
        Bootstrap replicates for ``ci_``.
    confidence : float, default=0.95
        Coverage of the bootstrap part of ``ci_``.
    n_jobs : int, default=1
        Threads for the KD-tree neighbour counts (-1: all cores).
    algorithm : {"auto", "kd_tree", "brute"}, default="auto"
        How pairs are counted (:func:`analysis.geometry._correlation.count_pairs`): a
        KD-tree queried per radius, or blocked brute-force distances binned against
        all radii at once; ``"auto"`` takes brute force from 8 coordinates on, where a
        KD-tree cannot prune. Both give the same counts.
    random_state : int, numpy.random.Generator or None, default=None
        Seed for the reference points, the subsets and the bootstrap.

    Attributes
    ----------
    dimension_ : float
        The estimated D2: the slope over the chosen window.
    ci_ : tuple of float
        (low, high) interval of D2 covering noise and the choice of range (above).
    window_slopes_ : ndarray of shape (n_windows,)
        D2 over each admissible window, ordered by first then last radius.
    scales_ : ndarray of shape (n_scales,)
        Radii, ascending, in the units of ``X``.
    values_ : ndarray of shape (n_scales,)
        Natural log of the correlation sum ``C(r)`` (-inf where no pair is that close).
    n_pairs_ : ndarray of shape (n_scales,)
        Number of (reference, point) pairs counted within each radius.
    fit_range_ : tuple of float
        (r_low, r_high) of the chosen scaling range, in the units of ``X``.
    slope_, intercept_ : float
        Line ``values_ = slope_ * log(scales_) + intercept_`` over the range.
    r2_ : float
        Coefficient of determination of that line.
    n_features_in_ : int
        Number of dimensions of the fitted cloud.
    """

    values_label = "log correlation sum $\\log C(r)$ [nats]"

    def __init__(
        self,
        *,
        n_references=10000,
        scale_ratio=2**0.5,
        min_pairs=1000,
        max_scale=0.25,
        min_scale=None,
        min_window=6,
        slope_tolerance=0.03,
        residual_tolerance=0.1,
        n_bootstrap=1000,
        confidence=0.95,
        n_jobs=1,
        algorithm="auto",
        random_state=None,
    ):
        self.n_references = n_references
        self.scale_ratio = scale_ratio
        self.min_pairs = min_pairs
        self.max_scale = max_scale
        self.min_scale = min_scale
        self.min_window = min_window
        self.slope_tolerance = slope_tolerance
        self.residual_tolerance = residual_tolerance
        self.n_bootstrap = n_bootstrap
        self.confidence = confidence
        self.n_jobs = n_jobs
        self.algorithm = algorithm
        self.random_state = random_state

    def symbol(self):
        """Short name of the dimension, ``"D2"``."""
        return "D2"

    def fit(self, X, y=None):
        """Count pairs over the radius ladder and fit D2.

        Parameters
        ----------
        X : array_like of shape (n_points, n_dims)
            The point cloud.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        self
        """
        if self.scale_ratio <= 1:
            raise ValueError(f"scale_ratio must exceed 1, got {self.scale_ratio}.")
        X, _, extent = check_cloud(X)
        rng = np.random.default_rng(self.random_state)
        # Below the resolution floor pairs are rounding noise (e.g. beliefs clamped at
        # 1e-12 sitting 1e-15 apart), however many there are: the ladder stops there.
        self.resolution_ = resolution_floor(X)
        radii, counts, in_use, sizes = count_pairs(
            X, extent, self.n_references, self.scale_ratio, self.min_pairs, self.n_jobs, rng,
            resolution=self.resolution_, algorithm=self.algorithm,
        )
        self.n_pairs_ = counts.sum(axis=0)
        with np.errstate(divide="ignore"):
            values = np.log(self.n_pairs_ / (in_use.sum(axis=0) * (sizes - 1)))
        usable = (
            (self.n_pairs_ >= self.min_pairs)
            & (radii <= self.max_scale * extent)
            & (radii >= max(self.resolution_, self._min_scale()))
        )
        window = self._fit_curve(radii, values, usable)
        slopes = reference_bootstrap_slopes(
            np.log(radii[window]),
            counts[:, window],
            in_use[:, window],
            sizes[window],
            self.n_bootstrap,
            rng,
        )
        self._set_interval(slopes)
        self._check_finite_size(X, rng)
        self.n_features_in_ = X.shape[1]
        return self


MAX_POINTS = 200_000
"""Points ``estimate_dimensions`` keeps (drawn with its seed), as the attractor report does."""

# JSON name of each estimator in ``estimate_dimensions``, in output order.
_SCALING_NAMES = ("information_dimension", "correlation_dimension", "box_dimension")
_NEIGHBOUR_NAMES = ("twonn_dimension", "mle_dimension")


def subsample(X: np.ndarray, random_state: int | None, max_points: int = MAX_POINTS) -> np.ndarray:
    """The rows ``estimate_dimensions`` measures: all, or ``max_points`` drawn at random.

    The draw is ``default_rng(random_state).choice(n, max_points, replace=False)``, the
    one ``analysis.reports.attractor_report`` makes, so a cloud saved by ``attractor``
    and measured by ``dimension`` with the same seed gives the same rows.

    Parameters
    ----------
    X : array_like of shape (n_points, n_dims)
        The cloud.
    random_state : int or None
        Seed of the draw.
    max_points : int, default=MAX_POINTS
        Most rows kept.

    Returns
    -------
    ndarray of shape (min(n_points, max_points), n_dims)
    """
    X = np.asarray(X)
    if len(X) <= max_points:
        return X
    return X[np.random.default_rng(random_state).choice(len(X), max_points, replace=False)]


def fit_dimension_estimators(
    X: np.ndarray, random_state: int | None = 0, max_points: int = MAX_POINTS
) -> dict[str, object]:
    """Fit every estimator of ``estimate_dimensions`` once; failures are kept, not raised.

    Parameters
    ----------
    X : array_like of shape (n_points, n_dims)
        The point cloud.
    random_state : int or None, default=0
        Seed of the subsample (:func:`subsample`) and of every estimator.
    max_points : int, default=MAX_POINTS
        Most points measured.

    Returns
    -------
    dict
        JSON name -> fitted estimator, or the ``ValueError`` its fit raised (e.g. no
        usable scaling range on a 5-dimensional cloud). Plot from these objects
        rather than refitting.

    Raises
    ------
    ValueError
        If the cloud itself is unusable (see :func:`analysis.geometry._scaling.check_cloud`).
    """
    from .intrinsic import MLEDimension, TwoNN

    X, _, _ = check_cloud(subsample(X, random_state, max_points))
    estimators = {
        "information_dimension": InformationDimension(random_state=random_state),
        "correlation_dimension": CorrelationDimension(random_state=random_state, n_jobs=-1),
        "box_dimension": BoxCountingDimension(q=0, random_state=random_state),
        "twonn_dimension": TwoNN(random_state=random_state, n_jobs=-1),
        "mle_dimension": MLEDimension(random_state=random_state, n_jobs=-1),
    }
    fitted: dict[str, object] = {}
    for name, estimator in estimators.items():
        try:
            with warnings.catch_warnings():
                # A fallback fit warns; here reliable_ and reason_ carry it instead.
                warnings.simplefilter("ignore", RuntimeWarning)
                fitted[name] = estimator.fit(X)
        except ValueError as error:
            fitted[name] = error
    return fitted


def summarize_dimensions(fitted: dict[str, object]) -> dict:
    """Plain JSON data from :func:`fit_dimension_estimators`'s result.

    Parameters
    ----------
    fitted : dict
        JSON name -> fitted estimator or the ``ValueError`` of its fit.

    Returns
    -------
    dict
        See :func:`estimate_dimensions`.
    """
    result: dict = {}
    for name in _SCALING_NAMES:
        estimator = fitted[name]
        if isinstance(estimator, Exception):
            result.update({name: None, f"{name}_ci": None, f"{name}_range": None,
                           f"{name}_reliable": False, f"{name}_reason": str(estimator)})
            continue
        result[f"{name}_reliable"] = bool(estimator.reliable_)
        result[f"{name}_reason"] = estimator.reason_
        result[name] = float(estimator.dimension_)
        result[f"{name}_ci"] = [float(v) for v in estimator.ci_]
        result[f"{name}_range"] = [float(v) for v in estimator.fit_range_]
    for name in _NEIGHBOUR_NAMES:
        estimator = fitted[name]
        if isinstance(estimator, Exception):
            result.update({name: None, f"{name}_ci": None, f"{name}_reason": str(estimator)})
            continue
        result[name] = float(estimator.dimension_)
        result[f"{name}_ci"] = [float(v) for v in estimator.ci_]
    return result


def estimate_dimensions(
    X: np.ndarray, random_state: int | None = 0, max_points: int = MAX_POINTS
) -> dict:
    """D0, D1, D2 and the TwoNN and MLE intrinsic dimensions of a cloud, as JSON data.

    At most ``max_points`` points are measured, drawn by :func:`subsample` with
    ``random_state``: ``beliefscope attractor`` and ``beliefscope dimension`` thus
    measure the same rows of the same cloud. One estimator's failure does not stop the
    others.

    Parameters
    ----------
    X : array_like of shape (n_points, n_dims)
        The point cloud.
    random_state : int or None, default=0
        Seed of the subsample and of every estimator.
    max_points : int, default=MAX_POINTS
        Most points measured.

    Returns
    -------
    dict
        For the scaling fits, name in ``information_dimension`` (D1),
        ``correlation_dimension`` (D2) and ``box_dimension`` (D0): ``{name: float,
        name + "_ci": [low, high], name + "_range": [eps_low, eps_high] (units of X),
        name + "_reliable": bool, name + "_reason": str or None}``; ``_reason`` says why
        a fit is unreliable. For the nearest-neighbour estimators, ``twonn_dimension``
        and ``mle_dimension``: ``{name: float, name + "_ci": [low, high]}``. A fit that
        failed has ``name: None`` and ``name + "_reason"`` holding the error.
    """
    return summarize_dimensions(fit_dimension_estimators(X, random_state, max_points))
