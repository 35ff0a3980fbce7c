"""Pair counting behind the correlation dimension D2: per-reference counts and their bootstrap.

The correlation sum ``C(r)`` is the fraction of (reference, point) pairs closer than
``r``. Counts are kept per reference so that the bootstrap can resample references
without counting again. Memory stays O(n_points): never an N x N distance matrix.

Two ways of counting give the same counts (up to distances tied with a radius to
~1e-10 relative):

- ``"kd_tree"``: a KD-tree queried once per radius
  (``cKDTree.query_ball_point(return_length=True)``). Fast in a few dimensions, e.g.
  10^6 chaos-game beliefs in 2-D.
- ``"brute"``: distances from blocks of references to the points by one matrix product
  each (``|a|^2 + |b|^2 - 2 a.b``, BLAS), pairs below a cap kept and binned against the
  whole ladder at once with one ``np.searchsorted``. In more than a handful of
  dimensions a KD-tree cannot prune and degenerates into a slower brute force queried
  once per radius; this pass costs about one radius' worth instead.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree

from ._scaling import ladder_from_nearest, line_slopes, radius_ladder

__all__ = ["BRUTE_MIN_DIMS", "count_pairs", "reference_bootstrap_slopes"]

# Pairs worth counting at one radius (relative precision ~0.3%); beyond 4x this, larger
# radii use random subsets. In 64 dimensions each pair costs a full distance, so more
# pairs mean slower fits without a better slope.
_PAIRS_PER_RADIUS = 10**5
# References are never subsampled below this: C(r) averages the local density over
# references, and fewer would make its sampling noise dominate.
_MIN_REFERENCES = 1000
BRUTE_MIN_DIMS = 8
"""From this many coordinates on, ``algorithm="auto"`` counts by brute force: a KD-tree
prunes little there (10-D, 20,000 points: brute force is several times faster)."""
# Bytes of one block of squared distances in the brute-force pass.
_BLOCK_BYTES = 2**25
# Pairs the brute-force pass aims to keep per stage (a stage ends where the counting
# switches to smaller subsets, at ~4 * _PAIRS_PER_RADIUS pairs): 4x margin for the
# estimate of the cap from the first block of references.
_KEEP_PAIRS = 16 * _PAIRS_PER_RADIUS
# |a|^2 + |b|^2 - 2 a.b loses precision where a distance is small against the norms:
# below this fraction of |a|^2 + |b|^2 (relative error ~1e-10), recompute it exactly.
_EXACT_BELOW = 1e10 * 8 * np.finfo(np.float64).eps
_BOOTSTRAP_CHUNK_BYTES = 2**25


def count_pairs(
    X: np.ndarray,
    extent: float,
    n_references: int,
    scale_ratio: float,
    min_pairs: int,
    n_jobs: int,
    rng: np.random.Generator,
    *,
    resolution: float = 0.0,
    algorithm: str = "auto",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs within each radius of a ladder, per reference, against shrinking subsets.

    ``n_references`` points of ``X`` are drawn without replacement with ``rng`` (its
    first draw, a permutation of the points); the radii come from
    :func:`analysis.geometry._scaling.ladder_from_nearest`, starting at ``extent`` with
    ratio ``scale_ratio`` and stopping a few rungs below both the ``min_pairs`` scale
    and ``resolution``. After each radius the work for the next is cut by 4 while at
    least ``_PAIRS_PER_RADIUS`` pairs would remain: first by counting against a quarter
    of the points (never fewer points than references in use), then by halving both the
    references (never below ``_MIN_REFERENCES``) and the points. Counts only grow with
    the radius, so the next radius holds at least as many pairs as predicted.

    Subsets are prefixes of the permutation and the references lead it, so every
    subset in use contains the references in use; a reference's own distance is never
    counted.

    Parameters
    ----------
    X : ndarray of shape (n_points, n_dims)
        The cloud, float64.
    extent : float
        Largest coordinate range of ``X``, in its units: the largest radius.
    n_references : int
        Reference points (all points when ``X`` is smaller).
    scale_ratio : float
        Ratio between consecutive radii, > 1.
    min_pairs : int
        Least number of pairs within a usable radius (sets the bottom of the ladder).
    n_jobs : int
        Threads for the KD-tree queries (-1: all cores); brute force uses BLAS threads.
    rng : numpy.random.Generator
        Source of the references and subsets.
    resolution : float, default=0.0
        Resolution floor of ``X`` (:func:`analysis.geometry._scaling.resolution_floor`),
        in its units: the ladder stops four rungs below it.
    algorithm : {"auto", "kd_tree", "brute"}, default="auto"
        How to count; ``"auto"`` uses brute force from ``BRUTE_MIN_DIMS`` coordinates on.

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
    if algorithm == "auto":
        algorithm = "brute" if X.shape[1] >= BRUTE_MIN_DIMS else "kd_tree"
    if algorithm not in ("kd_tree", "brute"):
        raise ValueError(f"algorithm must be 'auto', 'kd_tree' or 'brute', got {algorithm!r}.")
    order = rng.permutation(len(X))
    n_ref = min(n_references, len(X))
    if algorithm == "kd_tree":
        radii, count = _kd_tree_counter(
            X, order, n_ref, extent, scale_ratio, min_pairs, n_jobs, resolution
        )
    else:
        radii, count = _brute_counter(X, order, n_ref, extent, scale_ratio, min_pairs, resolution)
    counts = np.zeros((n_ref, len(radii)))
    in_use = np.zeros((n_ref, len(radii)))
    sizes = np.empty(len(radii))
    n_points, n_used = len(X), n_ref
    for k in range(len(radii)):
        counts[:n_used, k] = count(k, n_used, n_points)
        in_use[:n_used, k] = 1.0
        sizes[k] = n_points
        pairs = counts[:, k].sum()
        while pairs / 4 >= _PAIRS_PER_RADIUS:
            if n_points // 4 >= n_used:
                n_points //= 4
            elif n_used // 2 >= _MIN_REFERENCES:
                n_points, n_used = n_points // 2, n_used // 2
            else:
                break
            pairs /= 4
    return radii, counts, in_use, sizes


_Counter = Callable[[int, int, int], np.ndarray]


def _kd_tree_counter(
    X: np.ndarray,
    order: np.ndarray,
    n_ref: int,
    extent: float,
    scale_ratio: float,
    min_pairs: int,
    n_jobs: int,
    resolution: float,
) -> tuple[np.ndarray, _Counter]:
    """The radius ladder and ``count(k, n_used, n_points)`` by KD-tree queries.

    ``count`` returns, for each of the first ``n_used`` references, the points of the
    prefix ``order[:n_points]`` other than itself within ``radii[k]``, shape
    (n_used,); the tree is rebuilt only when ``n_points`` changes.
    """
    references = X[order[:n_ref]]  # (n_ref, n_dims)
    tree = cKDTree(X)
    radii = radius_ladder(tree, references, extent, scale_ratio, min_pairs, n_jobs, resolution)
    trees = {len(X): tree}

    def count(k: int, n_used: int, n_points: int) -> np.ndarray:
        if n_points not in trees:
            trees.clear()
            trees[n_points] = cKDTree(X[order[:n_points]])
        found = trees[n_points].query_ball_point(
            references[:n_used], radii[k], return_length=True, workers=n_jobs
        )
        return found - 1  # the reference itself, at distance zero

    return radii, count


def _brute_counter(
    X: np.ndarray,
    order: np.ndarray,
    n_ref: int,
    extent: float,
    scale_ratio: float,
    min_pairs: int,
    resolution: float,
) -> tuple[np.ndarray, _Counter]:
    """The radius ladder and ``count(k, n_used, n_points)`` by blocked brute force.

    Work goes in stages, one per pair of subset sizes: a stage computes every distance
    from the first ``n_used`` references to the first ``n_points`` points once, keeps
    the squared distances below a cap (about ``_KEEP_PAIRS`` pairs, estimated from the
    first block) and bins them against all the radii below the cap. Calls for a radius
    above the cap, or for other sizes, start a new stage.
    """
    # Centred, permuted copy: small norms keep |a|^2 + |b|^2 - 2 a.b accurate.
    Xo = X[order] - X.mean(axis=0)  # (n_points, n_dims)
    sq = np.einsum("ij,ij->i", Xo, Xo)  # (n_points,)
    radii = None
    stage: dict = {}

    def close_pairs(n_used: int, n_points: int, min_cap: float, keep: float):
        """Row and squared distance of pairs below the cap, and the cap itself."""
        block = max(1, min(n_used, _BLOCK_BYTES // (8 * n_points)))
        target = Xo[:n_points]
        rows, values, cap = [], [], None
        for start in range(0, n_used, block):
            stop = min(start + block, n_used)
            d2 = Xo[start:stop] @ target.T  # (b, n_points)
            d2 *= -2.0
            d2 += sq[start:stop, None]
            d2 += sq[None, :n_points]
            inside = np.arange(stop - start)
            d2[inside, start + inside] = np.inf  # the reference itself
            if cap is None:
                fraction = keep / (n_used * n_points)
                if fraction >= 1:
                    cap = np.inf
                else:
                    flat = d2.ravel()
                    kth = int(fraction * flat.size)
                    cap = float(np.partition(flat, kth)[kth])
                cap = max(cap, min_cap)
            row, col = np.nonzero(d2 <= cap)
            value = d2[row, col]
            row += start
            inexact = np.flatnonzero(value < _EXACT_BELOW * (sq[row] + sq[col]))
            for i in range(0, len(inexact), 2**16):
                pick = inexact[i : i + 2**16]
                difference = Xo[row[pick]] - Xo[col[pick]]  # (chunk, n_dims)
                value[pick] = np.einsum("ij,ij->i", difference, difference)
            rows.append(row)
            values.append(value)
        return np.concatenate(rows), np.concatenate(values), cap

    def new_stage(k: int, n_used: int, n_points: int) -> None:
        repeat = stage.get("sizes") == (n_used, n_points)
        keep = stage.get("keep", _KEEP_PAIRS) * (4 if repeat else 1)
        rows, values, cap = close_pairs(n_used, n_points, radii[k] ** 2 * (1 + 1e-6), keep)
        # Radii at the cap are complete only up to rounding of the kept distances.
        r2 = radii[k:] ** 2
        stop = k + int(np.searchsorted(r2, cap * (1 - 1e-9), side="right"))
        if np.isinf(cap):
            stop = len(radii)
        m = stop - k
        index = np.searchsorted(r2[:m], values, side="left")  # (n_kept,), m: beyond
        table = np.bincount(rows * (m + 1) + index, minlength=n_used * (m + 1))
        table = table.reshape(n_used, m + 1)[:, :m].cumsum(axis=1)  # (n_used, m)
        stage.update(sizes=(n_used, n_points), start=k, stop=stop, table=table, keep=keep)

    # First stage, before the ladder exists: the kept pairs also give the references'
    # nearest neighbours (inf where none is below the cap).
    rows, values, cap = close_pairs(n_ref, len(X), 0.0, _KEEP_PAIRS)
    nearest2 = np.full(n_ref, np.inf)
    np.minimum.at(nearest2, rows, values)
    radii = ladder_from_nearest(
        np.sqrt(np.maximum(nearest2, 0.0)), extent, scale_ratio, min_pairs, resolution
    )
    m = len(radii) if np.isinf(cap) else int(
        np.searchsorted(radii**2, cap * (1 - 1e-9), side="right")
    )
    index = np.searchsorted(radii[:m] ** 2, values, side="left")
    table = np.bincount(rows * (m + 1) + index, minlength=n_ref * (m + 1))
    table = table.reshape(n_ref, m + 1)[:, :m].cumsum(axis=1)
    stage.update(sizes=(n_ref, len(X)), start=0, stop=m, table=table, keep=_KEEP_PAIRS)
    del rows, values

    def count(k: int, n_used: int, n_points: int) -> np.ndarray:
        if stage["sizes"] != (n_used, n_points) or not stage["start"] <= k < stage["stop"]:
            new_stage(k, n_used, n_points)
        return stage["table"][:, k - stage["start"]]

    return radii, count


def reference_bootstrap_slopes(
    log_radii: np.ndarray,
    counts: np.ndarray,
    in_use: np.ndarray,
    sizes: np.ndarray,
    n_bootstrap: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Correlation-dimension slopes refitted after resampling the reference points.

    Each replicate draws the references with replacement: weights ``w`` (n_ref,)
    multinomial with ``n_ref`` trials and equal probabilities, i.e. how often each
    reference was drawn. Replicates go in chunks, one matrix product per chunk.

    Parameters
    ----------
    log_radii : ndarray of shape (n,)
        Natural log of the radii of the fitted window.
    counts : ndarray of shape (n_ref, n)
        Pairs within each radius per reference (:func:`count_pairs`) over the window.
    in_use : ndarray of shape (n_ref, n)
        1.0 where the reference was counted at that radius, else 0.0.
    sizes : ndarray of shape (n,)
        Points each radius was counted against.
    n_bootstrap : int
        Replicates.
    rng : numpy.random.Generator
        Source of the resampling.

    Returns
    -------
    ndarray of shape (n_bootstrap,)
        Refitted slopes (correlation dimensions).
    """
    n_ref = len(counts)
    # One product for pairs and references: (n_ref, 2n), contiguous for BLAS.
    table = np.ascontiguousarray(np.hstack([counts, in_use]), dtype=np.float64)
    n = len(log_radii)
    sums = np.empty((n_bootstrap, 2 * n))
    chunk = max(1, min(n_bootstrap, _BOOTSTRAP_CHUNK_BYTES // (8 * n_ref)))
    offsets = np.arange(chunk)[:, None] * n_ref
    for start in range(0, n_bootstrap, chunk):
        size = min(chunk, n_bootstrap - start)
        # Same law as rng.multinomial(n_ref, [1 / n_ref] * n_ref, size), much faster.
        draws = rng.integers(0, n_ref, (size, n_ref)) + offsets[:size]
        weights = np.bincount(draws.ravel(), minlength=size * n_ref).reshape(size, n_ref)
        sums[start : start + size] = weights.astype(np.float64) @ table
    pairs, references = sums[:, :n], sums[:, n:]
    # A replicate can miss every close pair at the smallest radius; one pair keeps the
    # logarithm finite without moving the slope measurably.
    log_c = np.log(np.maximum(pairs, 1.0) / (references * (sizes - 1)))  # (boot, n)
    return line_slopes(log_radii, log_c)
