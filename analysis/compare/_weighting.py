"""Weighted prefix clouds: checking their arrays and weights, drawing rows by weight.

A prefix cloud is a measure, each row weighted by ``Pr(w)`` (`Prefixes.weights`); the
dimension estimators and the transport solver's subsample take plain rows, so rows are
drawn by weight. Systematic resampling is used rather than independent draws: each row
appears ``floor(n w_i)`` or ``ceil(n w_i)`` times (``w`` normalised), so the resampled
cloud is as close to the measure as ``n`` equal-weight points can be, and only the
fractional parts are left to chance.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from processes.errors import InputError

__all__ = ["as_cloud", "check_weights", "positive_int", "resample_rows"]


def as_cloud(points, name: str, m: int | None = None) -> np.ndarray:
    """``points`` as a finite float64 (m, d) array; a 1-D array is one coordinate.

    Parameters
    ----------
    points : array_like, shape (m, d) or (m,)
    name : str
        The argument's name, for the error message.
    m : int, optional
        The number of rows required (those of another argument).

    Raises
    ------
    InputError
        For a non-numeric, empty, non-finite or wrongly sized array.
    """
    X = np.asarray(points)
    if X.dtype.kind not in "biuf":
        raise InputError(f"{name} must be an array of numbers, got dtype {X.dtype}")
    X = X.astype(np.float64, copy=False)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise InputError(f"{name} must be a non-empty (m, d) array, got shape {X.shape}")
    if m is not None and len(X) != m:
        raise InputError(f"{name} has {len(X)} rows; it must have {m}, one per prefix "
                         "(the rows of the other arrays)")
    if not np.isfinite(X).all():
        raise InputError(f"{name} holds NaN or infinite values; drop those rows (and their "
                         "weights) first")
    return X


def check_weights(weights, m: int, name: str = "weights") -> np.ndarray:
    """Weights (m,) as float64 summing to 1: finite, non-negative, positive sum; equal
    weights when None.

    Raises
    ------
    InputError
        For the wrong shape, a negative or non-finite weight, or a zero sum.
    """
    if weights is None:
        return np.full(m, 1.0 / m)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (m,) or not np.isfinite(w).all() or w.min() < 0 or w.sum() <= 0:
        raise InputError(f"{name} must be {m} finite non-negative numbers with a positive "
                         f"sum (one per row), got shape {w.shape}")
    return w / w.sum()


def resample_rows(w: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``n`` rows drawn by systematic resampling from weights ``w`` (m,).

    Row ``i`` appears ``floor(n w_i)`` or ``ceil(n w_i)`` times (``w`` sums to 1), its
    expected count exactly ``n w_i``; one uniform offset from ``rng`` decides which.

    Returns
    -------
    ndarray, shape (n,), int64
        Ascending row indices.
    """
    edges = np.cumsum(w)
    edges /= edges[-1]  # the last edge is exactly 1, whatever the rounding of the sum
    u = (rng.random() + np.arange(n)) / n  # (n,) in [0, 1)
    return np.minimum(np.searchsorted(edges, u, side="right"), len(w) - 1).astype(np.int64)


def positive_int(name: str, value) -> int:
    """``value`` as an int; `InputError` naming ``name`` unless it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise InputError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
