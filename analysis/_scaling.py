"""Machinery behind the dimension estimators: input checks, box keys, range fit, intervals.

A dimension is the slope of a scaling curve ``y(log eps)`` (a Rényi entropy or a log
correlation sum, in nats) over a range of scales where the curve is a straight line.
This module validates clouds, names the box of every point at a given scale, picks the
linear range automatically, turns bootstrap replicates into percentile intervals and
stores the fit on an estimator.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator

MIN_POINTS = 100
"""Fewest points any estimator accepts; a usable scaling range typically needs 10^4+."""

# Pairs worth counting at one radius (relative precision ~0.3%); beyond 4x this, larger
# radii use random subsets. In 64 dimensions each pair costs a full distance, so more
# pairs mean slower fits without a better slope.
_PAIRS_PER_RADIUS = 10**5
# References are never subsampled below this: C(r) averages the local density over
# references, and fewer would make its sampling noise dominate.
_MIN_REFERENCES = 1000


def check_cloud(X):
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


def box_keys(X, low, extent, width, offset, chunk_size):
    """One integer key per point naming its box, computed chunk by chunk.

    ``X`` (n_points, n_dims) has coordinate-wise minimum ``low`` (n_dims,) and largest
    coordinate range ``extent``; boxes have side ``width`` (units of ``X``) and the grid
    is shifted by ``offset`` (n_dims,), a fraction of ``width`` in [0, 1). Returns
    uint64 keys of shape (n_points,). Indices are packed exactly (mixed radix) when the
    grid has fewer than 2^63 boxes, otherwise hashed with fixed odd multipliers modulo
    2^64; two distinct boxes then collide with probability about 2^-64 per pair,
    negligible for 10^6 points. ``chunk_size`` rows are converted at a time.
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


def renyi_entropy(keys, q):
    """Rényi entropy of order q (nats) of the box occupation, and the number of boxes.

    ``keys`` (shape (n_points,), one box key per point) is sorted in place.
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


def radius_ladder(tree, references, extent, scale_ratio, min_pairs, n_jobs):
    """Ascending radii ``extent * scale_ratio**-k`` reaching a little below ``min_pairs``.

    ``tree`` holds the whole cloud, ``references`` has shape (n_ref, n_dims); returns
    radii of shape (n_scales,) in the cloud's units. Within the ``min_pairs``-th
    smallest nearest-neighbour distance of the references lie at least ``min_pairs``
    pairs; four rungs below it let the usable mask, not the ladder, decide where
    counting noise takes over.
    """
    nearest = tree.query(references, k=2, workers=n_jobs)[0][:, 1]  # (n_ref,)
    positive = np.sort(nearest[nearest > 0])
    floor = positive[min(min_pairs, len(positive)) - 1] if len(positive) else extent * 2.0**-40
    n_rungs = int(np.ceil(np.log(extent / floor) / np.log(scale_ratio))) + 4
    return extent * scale_ratio ** -np.arange(n_rungs + 1)[::-1]


def count_pairs(X, order, tree, references, radii, n_jobs):
    """Pairs within each radius, per reference, against shrinking random subsets.

    After each radius the work for the next is cut by 4 while at least
    ``_PAIRS_PER_RADIUS`` pairs would remain: first by counting against a quarter of
    the points (never fewer points than references in use), then by halving both the
    references (never below ``_MIN_REFERENCES``) and the points. Counts only grow with
    the radius, so the next radius holds at least as many pairs as predicted.

    Subsets are prefixes of the random permutation ``order`` (n_points,) of ``X``
    (n_points, n_dims); ``tree`` holds all of ``X``. ``references`` is
    ``X[order[:n_ref]]``, so every prefix in use contains the references in use and
    each finds exactly itself at distance zero. ``radii`` (n_scales,) ascend.

    Returns
    -------
    counts : ndarray of shape (n_ref, n_scales)
        Points other than itself within each radius of each reference (0 where the
        reference was not in use).
    in_use : ndarray of shape (n_ref, n_scales)
        1.0 where the reference was counted at that radius, else 0.0.
    sizes : ndarray of shape (n_scales,)
        Number of points each radius was counted against.
    """
    n_ref = len(references)
    counts = np.zeros((n_ref, len(radii)))
    in_use = np.zeros((n_ref, len(radii)))
    sizes = np.empty(len(radii))
    n_points, n_used, targets = len(X), n_ref, tree
    for k, radius in enumerate(radii):
        found = targets.query_ball_point(
            references[:n_used], radius, return_length=True, workers=n_jobs
        )
        counts[:n_used, k] = found - 1
        in_use[:n_used, k] = 1.0
        sizes[k] = n_points
        pairs, shrunk = counts[:, k].sum(), False
        while pairs / 4 >= _PAIRS_PER_RADIUS:
            if n_points // 4 >= n_used:
                n_points //= 4
            elif n_used // 2 >= _MIN_REFERENCES:
                n_points, n_used = n_points // 2, n_used // 2
            else:
                break
            pairs, shrunk = pairs / 4, True
        if shrunk:
            targets = cKDTree(X[order[:n_points]])
    return counts, in_use, sizes


def line_slopes(x, y):
    """Least-squares slopes of ``y`` against ``x`` along the last axis.

    ``x`` (..., n) broadcasts against ``y`` (..., n); returns shape (...).
    """
    dx = x - x.mean(axis=-1, keepdims=True)
    return (dx * y).sum(axis=-1) / (dx * dx).sum(axis=-1)


def _violation(x, y, slope_tolerance, residual_tolerance):
    """How far a window is from straight, in units of the tolerances (<= 1 is straight).

    Curvature (saturation or under-sampling creeping in at either end) makes local
    slopes drift: the least-squares slopes over every run of ``max(4, n // 3)``
    consecutive scales are compared with the window's slope, relative deviation over
    ``slope_tolerance``. Oscillations and noise show as residuals: the largest absolute
    residual (nats) over ``residual_tolerance``. Local slopes span several scales
    because lacunar sets (Cantor, Sierpinski) make step-to-step slopes oscillate with
    the grid phase even where the average slope is perfectly well defined.
    """
    slope = line_slopes(x, y)
    if slope <= 0:
        return np.inf
    residuals = y - y.mean() - slope * (x - x.mean())
    runs = np.lib.stride_tricks.sliding_window_view
    span = max(4, len(x) // 3)
    local = line_slopes(runs(x, span), runs(y, span))  # (n - span + 1,)
    curvature = np.abs(local - slope).max() / slope / slope_tolerance
    roughness = np.abs(residuals).max() / residual_tolerance
    return max(curvature, roughness)


@dataclass(frozen=True)
class ScalingFit:
    """Line ``y = slope * log eps + intercept`` over scales ``slice(start, stop)``.

    ``straight`` is False when no window met the tolerances (the fallback fit).
    """

    start: int
    stop: int
    slope: float
    intercept: float
    r2: float
    straight: bool = True


def choose_scaling_range(
    log_scales, values, usable, *, min_window, slope_tolerance, residual_tolerance
):
    """Pick the longest window of consecutive usable scales where the curve is straight.

    Rule: among all windows of at least ``min_window`` consecutive ``usable`` scales,
    keep those whose violation score is at most 1 and return the longest; ties go to
    the lowest score. The score is the larger of (a) the largest relative deviation of
    a local slope (least squares over ``max(4, n // 3)`` consecutive scales) from the
    window's slope, over ``slope_tolerance``, and (b) the largest absolute residual of
    the window's line, over ``residual_tolerance``. A window with a non-positive slope
    never qualifies (a saturated plateau is flat). If none qualifies, the straightest
    window of exactly ``min_window`` scales is used and a ``RuntimeWarning`` says so.

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
    best, best_key = None, None
    for start in np.flatnonzero(usable):
        for stop in range(start + min_window, len(log_scales) + 1):
            if not usable[start:stop].all():
                break
            score = _violation(
                log_scales[start:stop], values[start:stop], slope_tolerance, residual_tolerance
            )
            # Qualifying windows rank by length; the rest only compete at min_window.
            key = (score <= 1, stop - start if score <= 1 else 0, -score)
            if best_key is None or key > best_key:
                best, best_key = (start, stop), key
    if best is None:
        raise ValueError(
            f"Fewer than min_window={min_window} consecutive scales are usable (enough "
            "points per box or pairs per radius, below max_scale): give more points, or "
            "relax min_occupancy / min_pairs, max_scale or min_window."
        )
    if not best_key[0]:
        warnings.warn(
            "No window of scales is straight within slope_tolerance and residual_tolerance; "
            f"fitted the straightest {min_window} scales instead. Treat the dimension as "
            "unreliable, give more points, or raise the tolerances.",
            RuntimeWarning,
            stacklevel=4,
        )
    start, stop = best
    x, y = log_scales[start:stop], values[start:stop]
    slope = float(line_slopes(x, y))
    intercept = float(y.mean() - slope * x.mean())
    residuals = y - slope * x - intercept
    total = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(residuals @ residuals) / total if total > 0 else 1.0
    return ScalingFit(int(start), int(stop), slope, intercept, r2, bool(best_key[0]))


def residual_bootstrap_slopes(log_scales, values, n_bootstrap, rng):
    """Slopes refitted to the fitted line plus resampled residuals (residual bootstrap).

    ``log_scales`` and ``values`` (nats) have shape (n,), the fitted window; returns
    ``n_bootstrap`` slopes drawn with ``rng``. Residuals are rescaled by
    ``sqrt(n / (n - 2))`` so that their spread matches the noise around the true line
    rather than around the fitted one.
    """
    n = len(log_scales)
    slope = line_slopes(log_scales, values)
    fitted = values.mean() + slope * (log_scales - log_scales.mean())
    residuals = values - fitted
    residuals = (residuals - residuals.mean()) * np.sqrt(n / (n - 2))
    draws = fitted + residuals[rng.integers(0, n, size=(n_bootstrap, n))]  # (boot, n)
    return line_slopes(log_scales, draws)


def reference_bootstrap_slopes(log_radii, counts, in_use, sizes, n_bootstrap, rng):
    """Correlation-dimension slopes refitted after resampling the reference points.

    Over the fitted window of ``log_radii`` (n,), ``counts`` and ``in_use``
    (n_ref, n) are the per-reference tables of :func:`count_pairs` and ``sizes`` (n,)
    the points counted against; returns ``n_bootstrap`` slopes drawn with ``rng``.
    """
    n_ref = len(counts)
    pairs = np.empty((n_bootstrap, len(log_radii)))
    references = np.empty_like(pairs)
    for b in range(n_bootstrap):
        weights = np.bincount(rng.integers(0, n_ref, n_ref), minlength=n_ref)
        pairs[b] = weights @ counts
        references[b] = weights @ in_use
    # A replicate can miss every close pair at the smallest radius; one pair keeps the
    # logarithm finite without moving the slope measurably.
    log_c = np.log(np.maximum(pairs, 1.0) / (references * (sizes - 1)))  # (boot, n)
    return line_slopes(log_radii, log_c)


def percentile_interval(samples, confidence):
    """Equal-tailed percentile interval of bootstrap samples, as a (low, high) tuple."""
    tail = 50.0 * (1.0 - confidence)
    low, high = np.percentile(samples, [tail, 100.0 - tail])
    return float(low), float(high)


class ScalingEstimator(BaseEstimator):
    """Base for estimators that fit a dimension as the slope of a scaling curve.

    Subclasses measure ``values_`` over ``scales_`` and call :meth:`_fit_curve`, which
    chooses the range and sets ``dimension_``, ``scales_``, ``values_``, ``slope_``,
    ``intercept_``, ``fit_range_``, ``r2_`` and ``reliable_`` (False for a fallback fit).
    """

    # +1 when the dimension is the slope of ``values_`` against log scale, -1 when it is
    # minus that slope (entropies fall as boxes grow).
    _orientation = 1.0
    # Axis label for ``values_`` in plots, with its unit.
    values_label = "scaling curve [nats]"

    def _fit_curve(self, scales, values, usable):
        """Choose the range, fit it and set the learned attributes; returns the window."""
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
        self.reliable_ = fit.straight
        return slice(fit.start, fit.stop)

    def symbol(self):
        """Short name of the dimension this estimator reports, e.g. ``"D1"``."""
        raise NotImplementedError(f"{type(self).__name__} must define symbol().")
