"""Small numeric linear-algebra helpers shared by the process modules."""

from __future__ import annotations

import numpy as np

from .errors import ProcessError

__all__ = ["eigenvector_for_one", "entropy_bits"]


def eigenvector_for_one(A: np.ndarray, name: str, side: str) -> np.ndarray:
    """The unique vector ``v`` with ``A v = v``, shape (n,), scaled to sum 1 if possible.

    Raises `ProcessError` when 1 is not an eigenvalue or its eigenspace is not
    one-dimensional (a non-ergodic process has several stationary distributions).
    """
    n = A.shape[0]
    _, s, vh = np.linalg.svd(A - np.eye(n))
    scale = max(1.0, s[0])
    # 1 must be an eigenvalue up to the rounding of rows that sum to 1 within 1e-9.
    if s[-1] >= 1e-9 * scale:
        raise ProcessError(
            f"{name}: sum_x T[x] has no eigenvalue 1 (smallest singular value of M - I is "
            f"{s[-1]:.3g}); normalise the matrices so the {side} eigenvector exists"
        )
    # Degeneracy is judged by the gap to the next singular value, not by a fixed
    # threshold: a slowly mixing process (mess3 with x = 1e-12) has all of M - I of
    # size 1e-12, yet one clear null direction. A second null direction is one within
    # rounding of M's entries, or not clearly separated from the first.
    floor = 10 * n * np.finfo(float).eps * scale
    null = 1 + int(np.sum(s[:-1] <= max(floor, 1e3 * s[-1])))
    if null > 1:
        raise ProcessError(
            f"{name}: the eigenvalue 1 of sum_x T[x] is degenerate ({null} {side} "
            "eigenvectors): the process is not ergodic (or mixes too slowly to tell in "
            "double precision), so its stationary distribution is not unique; restrict it "
            "to one recurrent class"
        )
    v = vh[-1]
    total = v.sum()
    return v / total if abs(total) > 1e-12 else v / np.abs(v).max()


def entropy_bits(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Shannon entropy in bits along ``axis``; zero (or rounding-negative) entries add 0."""
    p = np.asarray(p, dtype=np.float64)
    safe = np.where(p > 0, p, 1.0)
    # 0.0 - x rather than -x, so a deterministic distribution gives 0.0, never -0.0.
    return 0.0 - np.sum(np.where(p > 0, p * np.log2(safe), 0.0), axis=axis)
