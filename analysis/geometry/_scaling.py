"""Machinery behind the dimension estimators: input checks, box keys, range fit, intervals.

A dimension is the slope of a scaling curve ``y(log eps)`` (a Rényi entropy or a log
correlation sum, in nats) over a range of scales where the curve is a straight line.
This module validates clouds, names the box of every point at a given scale, picks the
linear range automatically, widens the bootstrap interval of the slope by its spread
over all admissible ranges and stores the fit on an estimator. Pair counting for the
correlation sum lives in :mod:`analysis.geometry._correlation`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import BaseEstimator

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

__all__ = [
    "MIN_POINTS", "MIN_DECADES", "MAX_DRIFT", "MAX_TREND", "ScalingEstimator", "ScalingFit",
    "box_keys", "check_cloud", "choose_scaling_range", "count_boxes", "ladder_from_nearest",
    "line_slopes", "local_slope_trend", "radius_ladder", "range_and_noise_interval",
    "renyi_entropy", "residual_bootstrap_slopes", "resolution_floor",
]

MIN_POINTS = 100
"""Fewest points any estimator accepts; a usable scaling range typically needs 10^4+."""


def check_cloud(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Validate a point cloud and return it as float64 with its bounding box.

    Parameters
    ----------
    X : array_like of shape (n_points, n_dims)
        The cloud, in any units.

    Returns
    -------
    X : ndarray of shape (n_points, n_dims), float64
        The cloud (not copied when already float64).
    low : ndarray of shape (n_dims,)
        Coordinate-wise minimum.
    extent : float
        Largest coordinate range, in the units of ``X``; the scale ladders start here.

    Raises
    ------
    ValueError
        On empty input, a non-2-D array, non-finite values, fewer than
        ``MIN_POINTS`` points, or a cloud whose points are all equal.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.size == 0:
        raise ValueError(f"X is empty: pass an array of shape (n_points >= {MIN_POINTS}, n_dims).")
    if X.ndim != 2:
        hint = " For a 1-D cloud use X.reshape(-1, 1)." if X.ndim == 1 else ""
        raise ValueError(f"X must have shape (n_points, n_dims), got shape {X.shape}.{hint}")
    finite = np.isfinite(X).all(axis=1)
    if not finite.all():
        raise ValueError(
            f"X has {int((~finite).sum())} rows with NaN or inf: drop them first, "
            "e.g. X[np.isfinite(X).all(axis=1)]."
        )
    if len(X) < MIN_POINTS:
        raise ValueError(
            f"X has {len(X)} points; a dimension fit needs at least {MIN_POINTS} "
            "(and typically 10^4 or more for a clean scaling range)."
        )
    low = X.min(axis=0)
    extent = float((X.max(axis=0) - low).max())
    if extent == 0.0:
        raise ValueError(
            "All points of X are equal: a single point has no scaling range. "
            "Check that the cloud was sampled from the object you meant."
        )
    return X, low, extent


def resolution_floor(X: np.ndarray) -> float:
    """Smallest scale at which a cloud's coordinates still resolve distances.

    Below it, distances are rounding noise: chaos-game beliefs clamped at 1e-12 or
    rounded in float64 pile up at distances of 1e-15, and activations stored as float32
    carry only ~7 significant digits. The floor is the larger of 256 units in the last
    place of the largest coordinate magnitude (in float32 when every coordinate of a
    sample of rows is exactly a float32) and ``2**-40`` of the extent (the finest box
    side whose keys float64 still computes exactly).

    Parameters
    ----------
    X : ndarray of shape (n_points, n_dims)
        The cloud, float64.

    Returns
    -------
    float
        The floor, in the units of ``X``.
    """
    sample = X[: min(len(X), 10_000)]
    single = bool(np.all(sample.astype(np.float32).astype(np.float64) == sample))
    eps = np.finfo(np.float32 if single else np.float64).eps
    magnitude = float(np.abs(X).max())
    extent = float(np.ptp(X, axis=0).max())
    return max(256.0 * eps * magnitude, extent * 2.0**-40)


def box_keys(
    X: np.ndarray,
    low: np.ndarray,
    extent: float,
    width: float,
    offset: np.ndarray,
    chunk_size: int,
) -> np.ndarray:
    """One integer key per point naming its box, computed chunk by chunk.

    Indices are packed exactly (mixed radix) when the grid has fewer than 2^63 boxes,
    otherwise hashed with fixed odd multipliers modulo 2^64; two distinct boxes then
    collide with probability about 2^-64 per pair, negligible for 10^6 points.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_dims)
        The cloud, float64.
    low : ndarray of shape (n_dims,)
        Coordinate-wise minimum of ``X``.
    extent : float
        Largest coordinate range of ``X``, in its units.
    width : float
        Box side, in the units of ``X``.
    offset : ndarray of shape (n_dims,)
        Grid shift, as a fraction of ``width`` in [0, 1).
    chunk_size : int
        Rows converted at a time.

    Returns
    -------
    ndarray of shape (n_points,), uint64
        Box key of every point.
    """
    n, d = X.shape
    boxes_per_axis = int(extent / width) + 2
    if d * np.log2(boxes_per_axis) < 63:
        radix = np.cumprod(np.r_[1, np.full(d - 1, boxes_per_axis)].astype(np.uint64))
    else:
        # A fixed seed: keys, and so results, must not depend on any global state.
        radix = np.random.default_rng(0x5EED).integers(0, 2**63, d, dtype=np.uint64)
        radix = radix * np.uint64(2) + np.uint64(1)
    keys = np.empty(n, dtype=np.uint64)
    for start in range(0, n, chunk_size):
        position = X[start : start + chunk_size] - low  # (chunk, d)
        position /= width
        position += offset
        index = np.floor(position, out=position).astype(np.uint64)  # (chunk, d)
        keys[start : start + chunk_size] = index @ radix  # wraps modulo 2^64 when hashing
    return keys


def renyi_entropy(keys: np.ndarray, q: float) -> tuple[float, int]:
    """Rényi entropy of the box occupation and the number of occupied boxes.

    Parameters
    ----------
    keys : ndarray of shape (n_points,), uint64
        One box key per point; sorted in place.
    q : float
        Order of the entropy.

    Returns
    -------
    entropy : float
        ``H_q = log(sum p_i^q) / (1 - q)`` (``q = 1``: Shannon), in nats.
    n_boxes : int
        Number of occupied boxes.
    """
    keys.sort()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    p = np.diff(np.r_[starts, len(keys)]) / len(keys)  # (n_boxes,)
    if q == 0:
        entropy = np.log(len(p))
    elif q == 1:
        entropy = -float(p @ np.log(p))
    else:
        entropy = np.log(np.sum(p**q)) / (1.0 - q)
    return float(entropy), len(p)


def count_boxes(
    X: np.ndarray,
    low: np.ndarray,
    extent: float,
    q: float,
    scale_ratio: float,
    offsets: np.ndarray,
    min_occupancy: float,
    chunk_size: int,
    resolution: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rényi entropies of order ``q`` over the ladder of box sides ``extent * scale_ratio**-k``.

    Each side is laid once per row of ``offsets`` and entropies and box counts are
    averaged over them. The ladder stops once the mean occupancy falls to
    ``min_occupancy / 4`` (a few rungs past the under-sampled end) or to 2 points per
    box.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_dims)
        The cloud, float64.
    low : ndarray of shape (n_dims,)
        Coordinate-wise minimum of ``X``.
    extent : float
        Largest coordinate range of ``X``, in its units.
    q : float
        Order of the Rényi entropy.
    scale_ratio : float
        Ratio between consecutive box sides, > 1.
    offsets : ndarray of shape (n_offsets, n_dims)
        Grid shifts, as fractions of the box side in [0, 1).
    min_occupancy : float
        Mean points per box at the under-sampled end of the fit (see above).
    chunk_size : int
        Rows binned at a time.
    resolution : float, default=0.0
        Resolution floor of ``X`` (:func:`resolution_floor`): no fit uses a smaller
        box, so the ladder stops above it.

    Returns
    -------
    scales : ndarray of shape (n_scales,)
        Box sides, ascending, in the units of ``X``.
    entropies : ndarray of shape (n_scales,)
        Rényi entropy ``H_q`` at each side, in nats.
    n_boxes : ndarray of shape (n_scales,)
        Mean number of occupied boxes at each side.
    """
    n = len(X)
    widths, entropies, n_boxes = [], [], []
    # Boxes finer than ~2^-40 of the extent lose float64 resolution.
    for k in range(int(40 * np.log(2) / np.log(scale_ratio)) + 1):
        width = extent * scale_ratio**-k
        if width < resolution and widths:
            break
        results = [
            renyi_entropy(box_keys(X, low, extent, width, o, chunk_size), q) for o in offsets
        ]
        widths.append(width)
        entropies.append(np.mean([h for h, _ in results]))
        n_boxes.append(np.mean([b for _, b in results]))
        # A few rungs past the under-sampled end show where the curve bends away.
        if n_boxes[-1] >= min(n / 2, 4 * n / min_occupancy):
            break
    return np.array(widths[::-1]), np.array(entropies[::-1]), np.array(n_boxes[::-1])


def radius_ladder(
    tree: cKDTree,
    references: np.ndarray,
    extent: float,
    scale_ratio: float,
    min_pairs: int,
    n_jobs: int,
    resolution: float = 0.0,
) -> np.ndarray:
    """Ascending radii ``extent * scale_ratio**-k`` reaching a little below ``min_pairs``.

    Within the ``min_pairs``-th smallest nearest-neighbour distance of the references
    lie at least ``min_pairs`` pairs; four rungs below it let the usable mask, not the
    ladder, decide where counting noise takes over. See :func:`ladder_from_nearest`.

    Parameters
    ----------
    tree : scipy.spatial.cKDTree
        Tree over the whole cloud.
    references : ndarray of shape (n_ref, n_dims)
        Reference points.
    extent : float
        Largest coordinate range of the cloud, in its units; the largest radius.
    scale_ratio : float
        Ratio between consecutive radii, > 1.
    min_pairs : int
        Least number of pairs within a usable radius.
    n_jobs : int
        Threads for the neighbour query (-1: all cores).
    resolution : float, default=0.0
        Resolution floor of the cloud (:func:`resolution_floor`), in its units: no
        fit uses a radius below it, so the ladder stops four rungs under it.

    Returns
    -------
    ndarray of shape (n_scales,)
        Radii, ascending, in the units of the cloud.
    """
    nearest = tree.query(references, k=2, workers=n_jobs)[0][:, 1]  # (n_ref,)
    return ladder_from_nearest(nearest, extent, scale_ratio, min_pairs, resolution)


def ladder_from_nearest(
    nearest: np.ndarray,
    extent: float,
    scale_ratio: float,
    min_pairs: int,
    resolution: float = 0.0,
) -> np.ndarray:
    """The radius ladder of :func:`radius_ladder` from nearest-neighbour distances.

    Parameters
    ----------
    nearest : ndarray of shape (n_ref,)
        Distance from each reference to its nearest other point (``inf`` where only
        known to exceed some bound), in the units of the cloud.
    extent : float
        Largest coordinate range of the cloud; the largest radius.
    scale_ratio : float
        Ratio between consecutive radii, > 1.
    min_pairs : int
        Least number of pairs within a usable radius.
    resolution : float, default=0.0
        Resolution floor of the cloud: the ladder never runs more than four rungs
        below it (chaos-game beliefs otherwise pull it down to rounding noise at
        ~1e-15, a hundred rungs no fit may use).

    Returns
    -------
    ndarray of shape (n_scales,)
        Radii ``extent * scale_ratio**-k``, ascending.
    """
    positive = np.sort(nearest[nearest > 0])
    floor = positive[min(min_pairs, len(positive)) - 1] if len(positive) else extent * 2.0**-40
    floor = min(max(floor, resolution, extent * 2.0**-40), extent)
    n_rungs = int(np.ceil(np.log(extent / floor) / np.log(scale_ratio))) + 4
    return extent * scale_ratio ** -np.arange(n_rungs + 1)[::-1]


def line_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slopes of ``y`` against ``x`` along the last axis.

    Parameters
    ----------
    x : ndarray of shape (..., n)
        Abscissae (here log scales), broadcast against ``y``.
    y : ndarray of shape (..., n)
        Ordinates (here a scaling curve, nats).

    Returns
    -------
    ndarray of shape (...)
        Slope of each line, in units of ``y`` per unit of ``x``.
    """
    dx = x - x.mean(axis=-1, keepdims=True)
    return (dx * y).sum(axis=-1) / (dx * dx).sum(axis=-1)


def _score_window(
    x: np.ndarray, y: np.ndarray, slope_tolerance: float, residual_tolerance: float
) -> tuple[float, float]:
    """Slope of a window of ``x`` (n,) and ``y`` (n,), and its violation score.

    A score <= 1 is straight. Curvature (saturation or under-sampling creeping in at
    either end) makes local slopes drift: the least-squares slopes over every run of
    ``max(4, n // 3)`` consecutive scales are compared with the window's slope,
    relative deviation over ``slope_tolerance``. Oscillations and noise show as
    residuals: the largest absolute residual (nats) over ``residual_tolerance``. Local
    slopes span several scales because lacunar sets (Cantor, Sierpinski) make
    step-to-step slopes oscillate with the grid phase even where the average slope is
    perfectly well defined.
    """
    slope = float(line_slopes(x, y))
    if slope <= 0:
        return slope, np.inf
    residuals = y - y.mean() - slope * (x - x.mean())
    runs = np.lib.stride_tricks.sliding_window_view
    span = max(4, len(x) // 3)
    local = line_slopes(runs(x, span), runs(y, span))  # (n - span + 1,)
    curvature = np.abs(local - slope).max() / slope / slope_tolerance
    roughness = np.abs(residuals).max() / residual_tolerance
    return slope, max(curvature, roughness)


@dataclass(frozen=True)
class ScalingFit:
    """Line ``y = slope * log eps + intercept`` over scales ``slice(start, stop)``.

    ``straight`` is False when no window met the tolerances (the fallback fit).
    ``window_slopes`` (n_windows,) holds the slopes of every admissible window, this
    one included, ordered by start then stop.
    """

    start: int
    stop: int
    slope: float
    intercept: float
    r2: float
    straight: bool
    window_slopes: np.ndarray


def choose_scaling_range(
    log_scales: np.ndarray,
    values: np.ndarray,
    usable: np.ndarray,
    *,
    min_window: int,
    slope_tolerance: float,
    residual_tolerance: float,
) -> ScalingFit:
    """Pick the longest window of consecutive usable scales where the curve is straight.

    Rule: among all windows of at least ``min_window`` consecutive ``usable`` scales,
    keep those whose violation score is at most 1 and return the longest; ties go to
    the lowest score. The score is the larger of (a) the largest relative deviation of
    a local slope (least squares over ``max(4, n // 3)`` consecutive scales) from the
    window's slope, over ``slope_tolerance``, and (b) the largest absolute residual of
    the window's line, over ``residual_tolerance``. A window with a non-positive slope
    never qualifies (a saturated plateau is flat). If none qualifies, the window with
    the lowest score is used and a ``RuntimeWarning`` says so.

    The windows that qualify are the admissible ones. In the fallback case, those that
    would qualify with both tolerances relaxed to twice what the chosen window needs
    (score at most twice its score) stand in for them.

    Parameters
    ----------
    log_scales : ndarray of shape (n_scales,)
        Natural log of the scales, strictly increasing.
    values : ndarray of shape (n_scales,)
        Scaling curve oriented so that its slope is the dimension (nats).
    usable : ndarray of bool, shape (n_scales,)
        Scales that may enter the fit: callers mark the saturated large-scale end and
        the under-sampled small-scale end as unusable.
    min_window : int
        Fewest consecutive scales in a fit, at least 4.
    slope_tolerance : float
        Allowed relative deviation of local slopes.
    residual_tolerance : float
        Allowed largest absolute residual, in nats.

    Returns
    -------
    ScalingFit

    Raises
    ------
    ValueError
        If fewer than ``min_window`` consecutive scales are usable.
    """
    if min_window < 4:
        raise ValueError(f"min_window must be at least 4, got {min_window}.")
    windows, slopes, scores = [], [], []
    for start in np.flatnonzero(usable):
        for stop in range(start + min_window, len(log_scales) + 1):
            if not usable[start:stop].all():
                break
            slope, score = _score_window(
                log_scales[start:stop], values[start:stop], slope_tolerance, residual_tolerance
            )
            windows.append((int(start), stop))
            slopes.append(slope)
            scores.append(score)
    if not windows:
        raise ValueError(
            f"Fewer than min_window={min_window} consecutive scales are usable (enough "
            "points per box or pairs per radius, below max_scale): give more points, or "
            "relax min_occupancy / min_pairs, max_scale or min_window."
        )
    slopes, scores = np.array(slopes), np.array(scores)
    lengths = np.array([stop - start for start, stop in windows])
    straight = scores <= 1
    if straight.any():
        admissible = straight
        # Longest first, then lowest score; the sort is stable, so full ties go to the
        # window that starts first.
        order = np.lexsort((scores, -lengths))
        best = order[straight[order]][0]
    else:
        best = int(np.argmin(scores))
        # Without a straight window the choice is the least bad of several similar
        # ones, and the interval must still show how much the slope depends on it.
        admissible = scores <= 2 * scores[best]
        warnings.warn(
            "No window of scales is straight within slope_tolerance and residual_tolerance; "
            "fitted the straightest window of scales instead. Treat the dimension as "
            "unreliable, give more points, or raise the tolerances.",
            RuntimeWarning,
            stacklevel=4,
        )
    start, stop = windows[best]
    x, y = log_scales[start:stop], values[start:stop]
    slope = float(line_slopes(x, y))
    intercept = float(y.mean() - slope * x.mean())
    residuals = y - slope * x - intercept
    total = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(residuals @ residuals) / total if total > 0 else 1.0
    return ScalingFit(start, stop, slope, intercept, r2, bool(straight.any()), slopes[admissible])


def residual_bootstrap_slopes(
    log_scales: np.ndarray, values: np.ndarray, n_bootstrap: int, rng: np.random.Generator
) -> np.ndarray:
    """Slopes refitted to the fitted line plus resampled residuals (residual bootstrap).

    Residuals are rescaled by ``sqrt(n / (n - 2))`` so that their spread matches the
    noise around the true line rather than around the fitted one.

    Parameters
    ----------
    log_scales : ndarray of shape (n,)
        Natural log of the scales of the fitted window.
    values : ndarray of shape (n,)
        Scaling curve over the window, oriented so that its slope is the dimension (nats).
    n_bootstrap : int
        Replicates.
    rng : numpy.random.Generator
        Source of the resampling.

    Returns
    -------
    ndarray of shape (n_bootstrap,)
        Refitted slopes (dimensions).
    """
    n = len(log_scales)
    slope = line_slopes(log_scales, values)
    fitted = values.mean() + slope * (log_scales - log_scales.mean())
    residuals = values - fitted
    residuals = (residuals - residuals.mean()) * np.sqrt(n / (n - 2))
    draws = fitted + residuals[rng.integers(0, n, size=(n_bootstrap, n))]  # (boot, n)
    return line_slopes(log_scales, draws)


def range_and_noise_interval(
    window_slopes: np.ndarray, slope: float, bootstrap_slopes: np.ndarray, confidence: float
) -> tuple[float, float]:
    """Interval covering both the choice of scaling range and the noise of a slope.

    The equal-tailed percentile interval of ``bootstrap_slopes`` at level
    ``confidence`` sets a margin below and one above the chosen window's ``slope``. The
    interval runs from the lowest of ``window_slopes`` minus the lower margin to the
    highest plus the upper margin. Margins go on the extremes because each window's
    slope is itself noisy, shorter windows more than the chosen (longest) one. With a
    single admissible window this is the percentile interval.

    Parameters
    ----------
    window_slopes : ndarray of shape (n_windows,)
        Slopes (dimensions) of the admissible windows.
    slope : float
        Slope of the chosen window.
    bootstrap_slopes : ndarray of shape (n_bootstrap,)
        Bootstrap replicates of ``slope``.
    confidence : float
        Coverage of the percentile interval, in (0, 1].

    Returns
    -------
    tuple of float
        (low, high), in units of dimension.
    """
    tail = 50.0 * (1.0 - confidence)
    low, high = np.percentile(bootstrap_slopes, [tail, 100.0 - tail])
    return float(window_slopes.min() - (slope - low)), float(window_slopes.max() + (high - slope))


def local_slope_trend(log_scales: np.ndarray, values: np.ndarray) -> tuple[float, float, float]:
    """Local slopes at both ends of a window, and their trend carried one window further.

    A quadratic ``y = a x^2 + b x + c`` is fitted by least squares over the window; its
    derivative ``2 a x + b`` is the local slope, smoothed over the whole window (step
    slopes of lacunar sets oscillate with the grid phase; the quadratic averages that
    out). Where the curve still bends, because edge boxes (a square's sides), density
    singularities (the logistic map's ``1 / sqrt`` cusps) or missed boxes fade only
    slowly as scales shrink, the local slope keeps moving towards the limit
    ``eps -> 0`` that defines the dimension. Continuing its linear trend over one more
    window length towards small scales, i.e. ``2 * fine - coarse``, estimates where it
    is heading: exact for a correction linear in ``log eps`` over twice the range, an
    overshoot for corrections that decay like a power of ``eps`` (conservative), and
    short of a logarithmic approach (which the size of the trend then flags).

    Parameters
    ----------
    log_scales : ndarray of shape (n,)
        Natural log of the scales of the window, ascending, n >= 3.
    values : ndarray of shape (n,)
        Scaling curve over the window, oriented so that its slope is the dimension (nats).

    Returns
    -------
    fine : float
        Local slope at the finest scale of the window.
    coarse : float
        Local slope at the coarsest scale of the window.
    extrapolated : float
        ``2 * fine - coarse``: the local slope one window length below the fine end.
    """
    x = log_scales - log_scales.mean()
    a, b, _ = np.polynomial.polynomial.polyfit(x, values, 2)[::-1]
    fine, coarse = float(2 * a * x[0] + b), float(2 * a * x[-1] + b)
    return fine, coarse, 2.0 * fine - coarse


# A reliable fit spans at least this many decades of scale: shorter ranges cannot tell a
# scaling law from the bend of a saturating or under-sampled curve.
MIN_DECADES = 1.0
# Largest relative change of the slope between the coarse and the fine half of the
# range, and between the cloud and a half-size subsample, for a reliable fit.
MAX_DRIFT = 0.04
# Largest relative distance between the estimate and the local slope extrapolated one
# window towards small scales (:func:`local_slope_trend`) for a reliable fit: beyond it
# the curve approaches its limit so slowly (e.g. logarithmically) that no interval drawn
# from the measured scales can be trusted to hold the limit.
MAX_TREND = 0.08


class ScalingEstimator(BaseEstimator):
    """Base for estimators that fit a dimension as the slope of a scaling curve.

    Subclasses measure ``values_`` over ``scales_`` and call :meth:`_fit_curve`, which
    chooses the range and sets ``dimension_``, ``scales_``, ``values_``, ``slope_``,
    ``intercept_``, ``fit_range_``, ``r2_`` and ``window_slopes_`` (the dimension over
    each admissible window), then :meth:`_set_interval` with bootstrap slopes over the
    chosen window, and :meth:`_check_finite_size` with the cloud, which set ``ci_``,
    ``reliable_`` and ``reason_``.

    ``reliable_`` is True only when (a) some window of scales is straight within the
    tolerances, (b) it spans at least ``MIN_DECADES`` decades, (c) the slope over its
    fine half differs from that over its coarse half by at most ``MAX_DRIFT``
    (relative), and (d) a half-size random subsample gives a slope within
    ``MAX_DRIFT`` (relative) of the full cloud's. Otherwise ``reason_`` says which
    failed. Checks (c) and (d) catch the finite-size biases that every window shares
    (edge boxes, missed boxes, log corrections), which the spread across windows
    cannot show; ``ci_`` is widened to include the fine-half slope and the full-cloud
    slope moved twice more by the half-sample shift, so that it leans the way the
    bias points.

    Curvature that stays within the tolerances still biases every window the same way
    (a uniform square reads 1.95 at 3e5 points, the logistic map's D2 0.93): ``ci_`` is
    widened to include ``trend_slope_``, the local slope extrapolated one window length
    towards small scales (:func:`local_slope_trend`), and (e) the fit is unreliable when
    that extrapolation lies more than ``MAX_TREND`` (relative) from ``dimension_``.
    """

    # +1 when the dimension is the slope of ``values_`` against log scale, -1 when it is
    # minus that slope (entropies fall as boxes grow).
    _orientation = 1.0
    # Axis label for ``values_`` in plots, with its unit.
    values_label = "scaling curve [nats]"
    # Set on the half-size refit, which must not refit itself again.
    _is_half_sample = False

    def _fit_curve(
        self, scales: np.ndarray, values: np.ndarray, usable: np.ndarray
    ) -> slice:
        """Choose the range, fit it and set the learned attributes.

        Parameters
        ----------
        scales : ndarray of shape (n_scales,)
            Ascending scales, in the units of the cloud.
        values : ndarray of shape (n_scales,)
            Scaling curve at each scale, in nats.
        usable : ndarray of bool, shape (n_scales,)
            Scales that may enter the fit.

        Returns
        -------
        slice
            The chosen window of scales.
        """
        fit = choose_scaling_range(
            np.log(scales),
            self._orientation * values,
            usable,
            min_window=self.min_window,
            slope_tolerance=self.slope_tolerance,
            residual_tolerance=self.residual_tolerance,
        )
        self.scales_ = scales
        self.values_ = values
        self.dimension_ = fit.slope
        self.slope_ = self._orientation * fit.slope
        self.intercept_ = self._orientation * fit.intercept
        self.fit_range_ = (float(scales[fit.start]), float(scales[fit.stop - 1]))
        self.r2_ = fit.r2
        self.window_slopes_ = fit.window_slopes
        reasons = []
        if not fit.straight:
            reasons.append("no range of scales is straight within the tolerances")
        decades = float(np.log10(self.fit_range_[1] / self.fit_range_[0]))
        if decades < MIN_DECADES:
            reasons.append(f"the scaling range spans only {decades:.2f} decades")
        # Slopes over the fine and the coarse half of the window (3+ scales each): a
        # trend between them is curvature the straightness test tolerated.
        x = np.log(scales[fit.start : fit.stop])
        y = self._orientation * values[fit.start : fit.stop]
        half = max(3, len(x) // 2)
        self.fine_slope_ = float(line_slopes(x[:half], y[:half]))
        coarse = float(line_slopes(x[-half:], y[-half:]))
        drift = abs(self.fine_slope_ - coarse) / abs(fit.slope)
        if drift > MAX_DRIFT:
            reasons.append(
                f"the local slope drifts from {coarse:.3f} (coarse) to "
                f"{self.fine_slope_:.3f} (fine) across the range"
            )
        fine, coarse, self.trend_slope_ = local_slope_trend(x, y)
        if abs(self.trend_slope_ - fit.slope) > MAX_TREND * abs(fit.slope):
            reasons.append(
                f"the local slope is still moving ({coarse:.3f} to {fine:.3f} from coarse to "
                f"fine scales, heading for {self.trend_slope_:.3f}): the curve bends "
                "towards small scales"
            )
        self._reasons = reasons
        return slice(fit.start, fit.stop)

    def _set_interval(self, bootstrap_slopes: np.ndarray) -> None:
        """Set ``ci_`` from ``window_slopes_``, the bootstrap, the fine half and the trend.

        Parameters
        ----------
        bootstrap_slopes : ndarray of shape (n_bootstrap,)
            Slopes refitted over the chosen window on resampled data.
        """
        low, high = range_and_noise_interval(
            self.window_slopes_, self.dimension_, bootstrap_slopes, self.confidence
        )
        # The fine end is closest to the limit eps -> 0 that defines the dimension, and
        # the trend of the local slope says where it is heading.
        ends = (self.fine_slope_, self.trend_slope_)
        self.ci_ = (min(low, *ends), max(high, *ends))

    def _check_finite_size(self, X: np.ndarray, rng: np.random.Generator) -> None:
        """Refit on a random half of ``X`` and set ``half_dimension_``, ``reliable_``.

        Parameters
        ----------
        X : ndarray of shape (n_points, n_dims)
            The cloud just fitted.
        rng : numpy.random.Generator
            Source of the half-size subsample and the refit's seed.
        """
        if self._is_half_sample:
            self.reliable_ = not self._reasons
            self.reason_ = "; ".join(self._reasons) or None
            return
        half = type(self)(**self.get_params())
        half.set_params(random_state=int(rng.integers(2**63)))
        half._is_half_sample = True
        subset = X[np.sort(rng.choice(len(X), len(X) // 2, replace=False))]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                half.fit(subset)
        except ValueError:
            self.half_dimension_ = float("nan")
            self._reasons.append("a half-size subsample has no usable scaling range")
        else:
            self.half_dimension_ = float(half.dimension_)
            shift = self.dimension_ - self.half_dimension_
            if abs(shift) > MAX_DRIFT * abs(self.dimension_):
                self._reasons.append(
                    f"a half-size subsample gives {self.half_dimension_:.3f}: the estimate "
                    "has not converged in the number of points"
                )
            # Finite-size bias shrinks as points double; two more of the last shift
            # bound what remains when it decays like n^-1/2 or faster.
            low, high = self.ci_
            target = self.dimension_ + 2.0 * shift
            self.ci_ = (min(low, target), max(high, target))
        self.reliable_ = not self._reasons
        self.reason_ = "; ".join(self._reasons) or None

    def _min_scale(self) -> float:
        """``min_scale`` checked (a finite number >= 0, or None for no floor)."""
        value = getattr(self, "min_scale", None)
        if value is None:
            return 0.0
        number = isinstance(value, int | float | np.integer | np.floating)
        if isinstance(value, bool) or not number or not np.isfinite(value) or value < 0:
            raise ValueError(f"min_scale must be a non-negative number or None, got {value!r}.")
        return float(value)

    def symbol(self) -> str:
        """Short name of the dimension this estimator reports, e.g. ``"D1"``."""
        raise NotImplementedError(f"{type(self).__name__} must define symbol().")
