"""Pair counting behind the correlation dimension D2: per-reference counts and their bootstrap.

The correlation sum ``C(r)`` is the fraction of (reference, point) pairs closer than
``r``. Counts are kept per reference so that the bootstrap can resample references
without counting again. Memory stays O(n_points): a KD-tree, one subset copy and two
(n_references, n_scales) tables, never a distance matrix.
"""

import numpy as np
from scipy.spatial import cKDTree

from ._scaling import line_slopes, radius_ladder

# Pairs worth counting at one radius (relative precision ~0.3%); beyond 4x this, larger
# radii use random subsets. In 64 dimensions each pair costs a full distance, so more
# pairs mean slower fits without a better slope.
_PAIRS_PER_RADIUS = 10**5
# References are never subsampled below this: C(r) averages the local density over
# references, and fewer would make its sampling noise dominate.
_MIN_REFERENCES = 1000


def count_pairs(X, extent, n_references, scale_ratio, min_pairs, n_jobs, rng):
    """Pairs within each radius of a ladder, per reference, against shrinking subsets.

    ``n_references`` points of ``X`` (n_points, n_dims) are drawn without replacement
    with ``rng`` (its first draw, a permutation of the points); the radii come from
    :func:`analysis.geometry._scaling.radius_ladder`, starting at ``extent`` (largest coordinate
    range of ``X``) with ratio ``scale_ratio``. After each radius the work for the next is
    cut by 4 while at least ``_PAIRS_PER_RADIUS`` pairs would remain: first by counting
    against a quarter of the points (never fewer points than references in use), then
    by halving both the references (never below ``_MIN_REFERENCES``) and the points.
    Counts only grow with the radius, so the next radius holds at least as many pairs
    as predicted.

    Subsets are prefixes of the permutation and the references lead it, so every
    subset in use contains the references in use and each finds exactly itself at
    distance zero.

    Returns
    -------
    radii : ndarray of shape (n_scales,)
        Ascending radii, in the units of ``X``.
    counts : ndarray of shape (n_ref, n_scales)
        Points other than itself within each radius of each reference (0 where the
        reference was not in use).
    in_use : ndarray of shape (n_ref, n_scales)
        1.0 where the reference was counted at that radius, else 0.0.
    sizes : ndarray of shape (n_scales,)
        Number of points each radius was counted against.
    """
    order = rng.permutation(len(X))
    references = X[order[: min(n_references, len(X))]]  # (n_ref, n_dims)
    tree = cKDTree(X)
    radii = radius_ladder(tree, references, extent, scale_ratio, min_pairs, n_jobs)
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
    return radii, counts, in_use, sizes


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
